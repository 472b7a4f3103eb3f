"""Extraction of HTML, PDF, Markdown and plain text into blocks and sentences with offsets."""

from __future__ import annotations

import pytest

from audit.errors import InputError
from audit.extract import decode, extract
from audit.extract.doctype import guess_type
from audit.extract.text import split_sentences

from pdfmaker import make_pdf

PAGE = b"""<!doctype html><html><head><title>Law Enforcement Guidelines</title>
<style>.x{color:red}</style><script>var tracking = "SCRIPT TEXT";</script></head>
<body>
<header><a href="/">Home</a> HEADER TEXT</header>
<nav><ul><li>NAV ITEM</li></ul></nav>
<div class="cookie-banner">We use cookies COOKIE TEXT</div>
<main>
<h1>Law enforcement requests</h1>
<p>We require a <b>search warrant</b> for content. We respond to U.S. legal process only.</p>
<ul><li>Subpoena: basic subscriber information.</li><li>Court order: records.</li></ul>
<table><tr><th>Request</th><th>Process</th></tr><tr><td>Content</td><td>Warrant</td></tr></table>
</main>
<footer>FOOTER TEXT</footer>
</body></html>"""


def test_html_drops_page_furniture_and_keeps_blocks():
    ex = extract(PAGE, content_type="text/html")
    for junk in ("SCRIPT TEXT", "HEADER TEXT", "NAV ITEM", "COOKIE TEXT", "FOOTER TEXT", "color:red"):
        assert junk not in ex.text
    assert ex.title == "Law Enforcement Guidelines"
    kinds = [b.kind for b in ex.blocks]
    assert kinds[0] == "heading" and "item" in kinds and "cell" in kinds
    assert "We require a search warrant for content." in ex.text
    sentences = [ex.sentence_text(s) for s in ex.sentences]
    assert "We require a search warrant for content." in sentences
    assert "We respond to U.S. legal process only." in sentences  # "U.S." does not end a sentence
    for s in ex.sentences:  # offsets point into the extracted text
        assert ex.text[s.start:s.end].strip() == ex.text[s.start:s.end]


def test_html_select_and_remove():
    ex = extract(PAGE, content_type="text/html", select=["main"], remove=["table"])
    assert "Content" not in [ex.text[b.start:b.end] for b in ex.blocks]
    assert ex.text.startswith("Law enforcement requests")


def test_html_selector_matching_nothing_warns():
    ex = extract(PAGE, content_type="text/html", select=[".nope"])
    assert ex.warnings and "matched nothing" in ex.warnings[0]


def test_bad_css_selector_is_input_error():
    with pytest.raises(InputError, match="selector"):
        extract(PAGE, content_type="text/html", select=["[[["])


def test_broken_html_still_extracts():
    ex = extract(b"<html><body><p>We notify users<div><p>unclosed <b>bold", content_type="text/html")
    assert "We notify users" in ex.text


def test_deeply_nested_html_does_not_recurse_out():
    html = b"<html><body>" + b"<div>" * 5000 + b"<p>Deep text.</p>" + b"</div>" * 5000 + b"</body></html>"
    assert "Deep text." in extract(html, content_type="text/html").text


def test_pdf_text_extracted():
    pdf = make_pdf(["Law Enforcement Guidelines", "We require a search warrant before disclosing the con-", "tents of communications."])
    ex = extract(pdf, filename="le.pdf")
    assert ex.format == "pdf"
    assert "contents of communications" in ex.text  # hyphenated line break mended


def test_markdown_markup_removed():
    md = "# Title\n\nWe **do not** sell [your data](https://e.com/x).\n\n- item one\n- item two\n"
    ex = extract(md.encode(), filename="p.md")
    assert ex.text.splitlines()[0] == "Title"
    assert "We do not sell your data." in ex.text and "https://e.com" not in ex.text
    assert [b.kind for b in ex.blocks] == ["heading", "paragraph", "item", "item"]


def test_plain_text_rewraps_lines():
    ex = extract(b"We notify users\nbefore we disclose\ntheir data.\n\nSecond paragraph.", filename="p.txt")
    assert ex.text == "We notify users before we disclose their data.\n\nSecond paragraph."


@pytest.mark.parametrize("data,msg", [
    (b"", "empty"),
    (b"   \n\n", "empty"),
    (b"\x00\x01\x02binary\x00", "binary"),
    (b"%PDF-1.4\n garbage not a pdf", "broken PDF"),
])
def test_bad_inputs(data, msg):
    with pytest.raises(InputError, match=msg):
        extract(data, filename="x.txt" if not data.startswith(b"%PDF") else "x.pdf")


def test_oversized_input_refused():
    with pytest.raises(InputError, match="too large"):
        extract(b"a" * (20 * 1024 * 1024 + 1), filename="big.txt")


def test_decoding_declared_and_fallback():
    assert decode("café".encode("latin-1"), "iso-8859-1") == "café"
    # wrong declaration (says utf-8, is latin-1): detection rescues it
    assert "caf" in decode("Le café est servi. Nous protégeons les données.".encode("latin-1"), "utf-8")
    assert decode("\ufeffhello".encode("utf-8")) == "hello"
    assert decode("hi".encode("utf-16")) == "hi"


def test_unsupported_content_type():
    with pytest.raises(InputError, match="unsupported content type"):
        extract(b"{}", content_type="application/json")


def test_sentence_splitter_abbreviations():
    text = "See 18 U.S.C. 2703(d) for details. We reply, e.g. by e-mail. Done!"
    spans = [text[a:b] for a, b in split_sentences(text, 0, len(text))]
    assert spans == ["See 18 U.S.C. 2703(d) for details.", "We reply, e.g. by e-mail.", "Done!"]


def test_doctype_guess():
    ex = extract(PAGE, content_type="text/html")
    assert guess_type(ex) == "law-enforcement-guidelines"
    pp = extract(b"# Privacy Policy\n\nThis privacy policy explains the personal data we collect and your rights.", filename="p.md")
    assert guess_type(pp) == "privacy-policy"


def test_html_furniture_rules_in_one_pass():
    """Furniture is skipped by name, role, hidden state, inline style, class and id, with its subtree."""
    page = b"""<html><body>
    <div role="navigation"><p>ROLE NAV</p></div><div role="Banner"><p>ROLE BANNER</p></div>
    <div hidden><p>HIDDEN</p></div><div aria-hidden="TRUE"><p>ARIA HIDDEN</p></div>
    <div style="display: none"><p>STYLE NONE</p></div><div style="visibility : hidden"><p>STYLE HIDDEN</p></div>
    <div class="  site\tcookie-notice x"><p>COOKIE CLASS</p></div><div id="share_bar"><p>SHARE ID</p></div>
    <main class="cookie-consent-layout"><p>Main text stays.</p><!-- COMMENT -->
    <div aria-hidden="false" class="sharex content"><p>Visible <span class="x">inline</span> text.</p></div>
    <nav><div><p>NESTED IN NAV</p></div></nav></main></body></html>"""
    ex = extract(page, content_type="text/html")
    assert ex.text == "Main text stays.\n\nVisible inline text."


def test_html_header_kept_only_inside_a_selected_region():
    page = b"<html><body><main><header><h1>Policy title</h1></header><p>Body text.</p><footer>F</footer></main></body></html>"
    assert extract(page, content_type="text/html").text == "Body text."
    assert extract(page, content_type="text/html", select=["main"]).text == "Policy title\n\nBody text."


def test_sentence_splitter_reads_long_words_and_closers():
    text = "Contact Acme Inc.) Then go. We use approximately. Tools (see Fig.) Apply. Internationalisation. Next."
    spans = [text[a:b] for a, b in split_sentences(text, 0, len(text))]
    assert spans == ["Contact Acme Inc.) Then go.", "We use approximately.", "Tools (see Fig.) Apply.",
                     "Internationalisation.", "Next."]
    assert split_sentences(text, 8, 30) == [(8, 27), (28, 30)]  # offsets stay absolute inside a block


def test_broken_paragraphs_rejoined_only_when_open_ended():
    from audit.extract.text import build

    ex = build([("paragraph", "We disclose data in  "), ("paragraph", "which case we notify."), ("paragraph", "New one.")])
    assert [ex.text[b.start:b.end] for b in ex.blocks] == ["We disclose data in which case we notify.", "New one."]


def test_plain_text_standalone_title_lines_become_headings():
    from audit.extract.markdown import extract_plain

    text = ("Acme Privacy Policy\n\n8. Record retention\n\nWe keep IP address logs for 30 days and then "
            "delete them.\n\nWhat we collect\n\n- Email address\n- Phone number\n\nGovernment requests\n\n"
            "We answer only valid legal process, and we tell users first.\n")
    ex = extract_plain(text)
    kinds = {ex.text[b.start:b.end]: (b.kind, b.heading) for b in ex.blocks}
    assert kinds["8. Record retention"][0] == "heading"
    assert kinds["We keep IP address logs for 30 days and then delete them."] == ("paragraph", "8. Record retention")
    assert kinds["We answer only valid legal process, and we tell users first."][1] == "Government requests"
    # a list of short lines is not a run of headings, and a title before a list stays what it was
    assert kinds["- Email address"][0] == "item" and kinds["- Phone number"][0] == "item"
    assert kinds["What we collect"][0] != "heading"


# Markdown as CommonMark (markdown-it-py) -----------------------------------------------------
def test_markdown_html_comments_and_raw_html_blocks_are_not_text():
    md = ("# Law enforcement\n\n<!-- We always notify users before disclosure. -->\n\n"
          "<div class=\"nav\">\n<a href=\"/\">Home</a> Menu\n</div>\n\n"
          "We require a warrant. <!-- inline note --> Always.\n")
    ex = extract(md.encode(), filename="p.md")
    assert "notify" not in ex.text and "Menu" not in ex.text and "inline note" not in ex.text
    assert "We require a warrant." in ex.text
    assert [b.kind for b in ex.blocks] == ["heading", "paragraph"]


def test_markdown_underscores_inside_words_kept():
    ex = extract(b"# T\n\nThe snake_case_name and __init__ files; _emphasis_ goes.\n", filename="p.md")
    assert "snake_case_name" in ex.text and "emphasis goes" in ex.text and "_emphasis_" not in ex.text


def test_markdown_multi_line_setext_heading_and_heading_context():
    md = "Law enforcement\nrequests\n===\n\nWe require a warrant.\n\nTransparency\n---\n\n1. We publish a report.\n"
    ex = extract(md.encode(), filename="p.md")
    kinds = [(b.kind, ex.text[b.start:b.end], b.heading) for b in ex.blocks]
    assert kinds == [
        ("heading", "Law enforcement requests", "Law enforcement requests"),
        ("paragraph", "We require a warrant.", "Law enforcement requests"),
        ("heading", "Transparency", "Transparency"),
        ("item", "We publish a report.", "Transparency"),
    ]
    assert ex.title == "Law enforcement requests"
    for s in ex.sentences:  # offsets still index the text
        assert ex.sentence_text(s) == ex.text[s.start:s.end] and ex.sentence_text(s).strip()


def test_markdown_tables_code_and_entities():
    md = "| Request | Needs |\n|---|---|\n| Content | A warrant &amp; notice |\n\n```\nkeep   *this*\n```\n"
    ex = extract(md.encode(), filename="p.md")
    assert ("cell", "A warrant & notice") in [(b.kind, ex.text[b.start:b.end]) for b in ex.blocks]
    assert "keep *this*" in ex.text


# collapsed-but-present content, share widgets ----------------------------------------------
FAQ = b"""<html><body><main><h1>Law enforcement FAQ</h1>
<h3><button aria-expanded="false" aria-controls="a1">Do you notify users?</button></h3>
<div id="a1" hidden><p>We notify users before we disclose their data.</p></div>
<div class="accordion-item"><h3>Do you need a warrant?</h3>
<div class="accordion-body" aria-hidden="true"><p>We require a search warrant for content.</p></div></div>
<button aria-controls="a3">Is encryption end to end?</button>
<div id="a3" style="display: none">Messages are end-to-end encrypted.</div>
<p>Contact us <span class="icon" aria-hidden="true">&rarr;</span> today.</p>
<div hidden>Old text that was removed from the page.</div>
<div class="cookie-banner" hidden id="cb">We use cookies.</div>
</main></body></html>"""


def test_collapsed_accordion_panels_are_read():
    ex = extract(FAQ, content_type="text/html")
    for kept in ("Do you notify users?", "We notify users before we disclose their data.",
                 "We require a search warrant for content.", "Messages are end-to-end encrypted."):
        assert kept in ex.text, ex.text
    assert "→" not in ex.text and "Contact us today." in ex.text  # an aria-hidden icon is still not text
    assert "Old text" not in ex.text and "cookies" not in ex.text  # hidden without a controller: gone
    # the same with a CSS select (and with a range select, which walks the page differently)
    from audit.models import RangeSelector

    assert "We notify users" in extract(FAQ, content_type="text/html", select=["main"]).text
    rng = RangeSelector(start_before="h1", end_after="#a3")
    assert "We notify users" in extract(FAQ, content_type="text/html", select=[rng]).text


def test_share_rule_only_drops_share_widgets():
    page = b"""<html><body><main><h1>Privacy</h1>
    <section id="how-we-share"><h2>How we share information</h2><p>We share data with police only with a warrant.</p></section>
    <div class="sharing-policy"><p>Data sharing policy text.</p></div>
    <div class="share-buttons"><a href="#">Share on X</a></div>
    <ul class="social-share"><li>Facebook</li></ul>
    <div id="share">Share this page</div>
    <div class="addthis_inline_share_toolbox">AddThis</div>
    </main></body></html>"""
    text = extract(page, content_type="text/html").text
    assert "We share data with police only with a warrant." in text and "Data sharing policy text." in text
    for gone in ("Share on X", "Facebook", "Share this page", "AddThis"):
        assert gone not in text, gone


def test_aria_hidden_panel_toggled_by_the_button_above_it_is_read():
    page = b"""<html><body><main><div class="item"><h3><button aria-expanded="false">Do you notify users?</button></h3>
    <div aria-hidden="true"><p>We notify users before disclosure.</p></div></div>
    <div aria-hidden="true" class="offcanvas"><ul><li>Home</li><li>Blog</li></ul></div></main></body></html>"""
    text = extract(page, content_type="text/html").text
    assert "We notify users before disclosure." in text and "Blog" not in text
