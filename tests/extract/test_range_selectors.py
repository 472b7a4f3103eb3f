"""Range selectors ({ start_before = CSS, end_before = CSS }): declarations, extraction, OTA.

Real HTML written here, parsed by the real extractor; no mocks.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from audit.archive.cache import cache_key
from audit.declarations import ota
from audit.declarations.load import load_declaration, parse_declaration
from audit.declarations.model import DeclaredDocument, selectors_plain
from audit.declarations.write import declaration_toml
from audit.errors import InputError
from audit.extract import extract
from audit.extract.html import extract_html
from audit.models import RangeSelector

# A help-centre FAQ in the shape of telegram.org/faq: each question is an <h4> holding an
# <a name=...> anchor, answers are paragraphs and lists, sections are <div>s.
FAQ = """<!doctype html><html><head><title>FAQ</title></head><body>
<nav><a href="/">Home</a> NAV LINK</nav>
<div id="dev_page_content" class="tl_page_container">
  <h3><a class="anchor" name="general"></a>General questions</h3>
  <h4><a class="anchor" name="q-what-is-this"></a>What is this?</h4>
  <p>A messenger app.</p>
  <h4><a class="anchor" name="q-do-you-process-data-requests"></a>Do you process data requests?</h4>
  <p>We only disclose IP addresses and phone numbers to the relevant authorities <b>under a court order</b>.</p>
  <ul><li>Confirmed terror suspects only.</li><li>So far, never disclosed.</li></ul>
  <blockquote>Quoted aside QUOTE TEXT</blockquote>
  <div class="share-buttons">SHARE TEXT</div>
</div>
<div class="tl_page_container">
  <h3><a class="anchor" name="telegram-basics"></a>Telegram Basics</h3>
  <p>Who can I write to? BASICS TEXT</p>
</div>
<footer>FOOTER TEXT</footer>
</body></html>"""


def blocks(ex) -> list[tuple[str, str]]:
    return [(b.kind, ex.text[b.start:b.end]) for b in ex.blocks]


def R(**kw) -> RangeSelector:
    return RangeSelector(**kw)


# --- extraction --------------------------------------------------------------------------------

def test_start_before_end_before_keeps_the_answer_with_its_blocks():
    ex = extract_html(FAQ, select=[R(start_before="[name=q-do-you-process-data-requests]",
                                     end_before="[name=telegram-basics]")])
    assert blocks(ex) == [
        ("heading", "Do you process data requests?"),  # the <h4> that holds the start anchor
        ("paragraph", ("We only disclose IP addresses and phone numbers to the relevant authorities "
                       "under a court order.")),
        ("item", "Confirmed terror suspects only."),
        ("item", "So far, never disclosed."),
        ("paragraph", "Quoted aside QUOTE TEXT"),
    ]  # the share box is furniture; the next section's heading (end_before) is not kept
    assert not ex.warnings
    for junk in ("What is this", "NAV LINK", "BASICS", "Telegram Basics", "FOOTER", "SHARE TEXT"):
        assert junk not in ex.text


def test_start_after_end_after():
    html = ("<body><h2 id=t>Title</h2><p>One.</p><p>Two.</p><div id=last><p>Three.</p></div>"
            "<p>After.</p></body>")
    ex = extract_html(html, select=[R(start_after="#t", end_after="#last")])
    assert blocks(ex) == [("paragraph", "One."), ("paragraph", "Two."), ("paragraph", "Three.")]


def test_start_after_skips_the_start_subtree_and_end_before_drops_the_end():
    html = ("<body><div id=s><p>Inside start.</p></div><p>Kept.</p><p id=e>End.</p><p>Later.</p></body>")
    ex = extract_html(html, select=[R(start_after="#s", end_before="#e")])
    assert blocks(ex) == [("paragraph", "Kept.")]


def test_range_without_end_runs_to_the_end_of_the_page():
    ex = extract_html(FAQ, select=[R(start_before="[name=telegram-basics]")])
    assert blocks(ex) == [("heading", "Telegram Basics"), ("paragraph", "Who can I write to? BASICS TEXT")]
    assert not ex.warnings  # FOOTER is furniture, as in any selection


def test_range_across_nested_containers_keeps_partial_blocks():
    # starts at an anchor in the middle of a list item of one <div>, ends inside a later <div>
    html = """<body><div class="a"><p>Before.</p><ul><li>Item one.</li>
    <li><a name="here"></a>Item two starts here.</li><li>Item three.</li></ul></div>
    <section><div class="b"><h2>Next part</h2><p>Para in b.</p><p id="stop">Stop here.</p><p>Not kept.</p></div></section>
    </body>"""
    ex = extract_html(html, select=[R(start_before="[name=here]", end_before="#stop")])
    assert blocks(ex) == [("item", "Item two starts here."), ("item", "Item three."),
                          ("heading", "Next part"), ("paragraph", "Para in b.")]


def test_range_inside_a_paragraph_stays_one_block():
    html = "<body><p>Lead <a id=s></a>kept <b>words</b> here<span id=e></span> dropped.</p><p>Next.</p></body>"
    ex = extract_html(html, select=[R(start_before="#s", end_before="#e")])
    assert blocks(ex) == [("paragraph", "kept words here")]


def test_end_after_a_container_of_the_start():
    # OTA's Signal declaration: from #privacy-policy to the end of #document, which contains it
    html = ("<body><div id=document><h2 id=terms>Terms</h2><p>Terms text.</p>"
            "<h2 id=privacy-policy>Privacy</h2><p>Privacy text.</p></div><p>Outside.</p></body>")
    ex = extract_html(html, select=[R(start_before="#privacy-policy", end_after="#document")])
    assert blocks(ex) == [("heading", "Privacy"), ("paragraph", "Privacy text.")]


def test_start_not_found_behaves_like_a_css_select_matching_nothing():
    rng = extract_html(FAQ, select=[R(start_before="#nope", end_before="#nope2")])
    css = extract_html(FAQ, select=["#nope"])
    assert rng.text == css.text and blocks(rng) == blocks(css)  # the whole page, as for CSS
    assert len(rng.warnings) == 1 and "matched nothing; used the whole page" in rng.warnings[0]
    assert "start_before = '#nope'" in rng.warnings[0]


def test_end_not_found_runs_to_the_end_with_a_warning():
    ex = extract_html(FAQ, select=[R(start_before="[name=telegram-basics]", end_before="#nowhere")])
    assert "Telegram Basics" in ex.text and "BASICS TEXT" in ex.text
    assert any("#nowhere" in w and "end of the page" in w for w in ex.warnings)


def test_end_is_searched_after_the_start_only():
    html = "<body><p class=m>Early marker.</p><p id=s>Start.</p><p>Body.</p><p class=m>Late marker.</p></body>"
    ex = extract_html(html, select=[R(start_before="#s", end_before=".m")])
    assert blocks(ex) == [("paragraph", "Start."), ("paragraph", "Body.")]


def test_remove_range_drops_the_span():
    ex = extract_html(FAQ, select=[".tl_page_container"],
                      remove=[R(start_before="[name=q-do-you-process-data-requests]", end_before="blockquote")])
    assert "What is this?" in ex.text and "QUOTE TEXT" in ex.text and "BASICS TEXT" in ex.text
    assert "court order" not in ex.text and "Do you process" not in ex.text and "terror" not in ex.text


def test_remove_range_without_select_and_css_remove_together():
    ex = extract_html(FAQ, remove=[R(start_after="h3"), "nav"])
    assert blocks(ex) == [("heading", "General questions")]
    # after the empty anchor inside that heading: the heading's own text goes too
    assert extract_html(FAQ, remove=[R(start_after="[name=general]")]).text == ""


def test_remove_range_whose_start_matches_nothing_removes_nothing():
    assert extract_html(FAQ, remove=[R(start_before="#nope")]).text == extract_html(FAQ).text


def test_css_select_and_range_are_kept_in_document_order_once():
    ex = extract_html(FAQ, select=[R(start_before="[name=telegram-basics]", end_before="footer"),
                                   "h4", R(start_before="[name=q-what-is-this]", end_before="h4 ~ h4")])
    assert blocks(ex) == [
        ("heading", "What is this?"), ("paragraph", "A messenger app."),  # the range, its heading once
        ("heading", "Do you process data requests?"),  # CSS "h4"
        ("heading", "Telegram Basics"), ("paragraph", "Who can I write to? BASICS TEXT"),  # first range, last
    ]


def test_a_range_and_a_css_remove_inside_it():
    ex = extract_html(FAQ, select=[R(start_before="[name=q-do-you-process-data-requests]",
                                     end_before="[name=telegram-basics]")], remove=["blockquote", "ul li + li"])
    assert "QUOTE TEXT" not in ex.text and "never disclosed" not in ex.text
    assert "Confirmed terror suspects only." in ex.text


def test_range_starting_in_furniture_container_is_kept():
    # whole pages wrapped in a <form> (ASP.NET) or a range starting in a <header>: the start's
    # containers are never taken for furniture, as a CSS-selected root is not
    html = ("<body><form id=aspnet><div><h1 id=t>Policy</h1><p>Policy text.</p>"
            "<nav>NAV INSIDE</nav><p id=end>Contact.</p></div></form></body>")
    ex = extract_html(html, select=[R(start_before="#t", end_before="#end")])
    assert blocks(ex) == [("heading", "Policy"), ("paragraph", "Policy text.")]


def test_range_ending_inside_furniture():
    html = "<body><p id=s>Kept.</p><p>Also kept.</p><footer><p>Foot.</p><a id=e>x</a></footer><p>Gone.</p></body>"
    ex = extract_html(html, select=[R(start_before="#s", end_before="#e")])
    assert blocks(ex) == [("paragraph", "Kept."), ("paragraph", "Also kept.")]


def test_bad_css_in_a_range_is_an_input_error():
    with pytest.raises(InputError, match="selector"):
        extract_html(FAQ, select=[R(start_before="[[[")])


def test_through_extract_bytes():
    ex = extract(FAQ.encode(), content_type="text/html",
                 select=[R(start_before="[name=q-do-you-process-data-requests]", end_before="[name=telegram-basics]")],
                 remove=["blockquote"])
    assert ex.text.startswith("Do you process data requests?") and "QUOTE" not in ex.text


def test_ranges_that_cover_everything_match_the_plain_extraction():
    # the range walk and the classic walk agree where they must: whole page, one CSS root
    plain = extract_html(FAQ)
    assert blocks(extract_html(FAQ, remove=[R(start_before="#absent")])) == blocks(plain)
    css = extract_html(FAQ, select=["#dev_page_content"], remove=["ul"])
    rng = extract_html(FAQ, select=[R(start_before="#dev_page_content", end_after="#dev_page_content")], remove=["ul"])
    assert blocks(rng) == blocks(css)


def test_deeply_nested_page_with_a_range():
    depth = 5000  # deeper than Python's recursion limit: the walk is iterative
    html = "<body>" + "<div>" * depth + "<p id=s>Deep.</p><p>Deeper.</p>" + "</div>" * depth + "<p>Out.</p></body>"
    ex = extract_html(html, select=[R(start_before="#s")])
    assert "Deep." in ex.text and "Out." in ex.text


# --- the model and the cache key -----------------------------------------------------------------

def test_range_model_rules():
    r = R(start_after="h1", end_before="#x")
    assert r.start == "h1" and r.end == "#x" and r.as_table() == {"start_after": "h1", "end_before": "#x"}
    assert r.as_ota() == {"startAfter": "h1", "endBefore": "#x"}
    with pytest.raises(ValueError):
        R(end_before="#x")
    with pytest.raises(ValueError):
        R(start_before="a", start_after="b")
    with pytest.raises(ValueError):
        R(start_before="a", end_before="b", end_after="c")


def test_cache_key_unchanged_without_ranges_and_distinct_with_them():
    assert cache_key("s", "r", "text/html", selectors_plain(("main",)), selectors_plain(())) == \
        cache_key("s", "r", "text/html", ("main",), ())
    with_range = cache_key("s", "r", "text/html", selectors_plain((R(start_before="main"),)), [])
    assert with_range != cache_key("s", "r", "text/html", ["main"], [])


# --- declarations: loading, errors with lines, writing ------------------------------------------

DECL = """name = "Acme"
hosts = ["acme.example"]

[[documents]]
type = "law-enforcement-guidelines"
url = "https://acme.example/faq"
select = [
    "main",
    { start_before = "[name=q-data]", end_before = "[name=next]" },
    { start_after = "h1" },
]
remove = [{ start_before = ".ads", end_after = ".ads-end" }, "aside"]

[[documents]]
type = "privacy-policy"
url = "https://acme.example/privacy"
select = { start_before = "#privacy", end_after = "#document" }
"""


def test_declaration_with_ranges_loads(tmp_path):
    path = tmp_path / "companies" / "acme.toml"
    path.parent.mkdir()
    path.write_text(DECL, encoding="utf-8")
    decl = load_declaration(path)
    le, pp = decl.documents
    assert le.select == ("main", R(start_before="[name=q-data]", end_before="[name=next]"), R(start_after="h1"))
    assert le.remove == (R(start_before=".ads", end_after=".ads-end"), "aside")
    assert pp.select == (R(start_before="#privacy", end_after="#document"),)  # one table, not a list


@pytest.mark.parametrize("select, key, message, line", [
    ('[{ start_before = "h1", stop = "#x" }]', "documents[0].select[0].stop", "unknown key", 7),
    ('[\n    "main",\n    { end_before = "#x" },\n]', "documents[0].select[1]", "needs start_before or start_after", 9),
    ('[{ start_before = "h1", start_after = "h2" }]', "documents[0].select[0]", "not both", 7),
    ('[{ start_before = "h1", end_before = "#a", end_after = "#b" }]', "documents[0].select[0]", "not both", 7),
    ('[\n    "main",\n    "aside",\n    { start_before = "div[[x" },\n]', "documents[0].select[2].start_before",
     "invalid CSS selector", 10),
    ('[{ start_before = 3 }]', "documents[0].select[0].start_before", "must be a CSS selector", 7),
    ('[{ start_before = "" }]', "documents[0].select[0].start_before", "non-empty", 7),
    ('[["main"]]', "documents[0].select[0]", "must be a CSS selector, a range", 7),
    ("42", "documents[0].select", "must be a CSS selector, a range", 7),
])
def test_bad_ranges_are_reported_with_key_and_line(tmp_path, select, key, message, line):
    text = ('name = "Acme"\nhosts = ["acme.example"]\n\n[[documents]]\ntype = "privacy-policy"\n'
            f'url = "https://acme.example/p"\nselect = {select}\n')
    decl, problems = parse_declaration(text, tmp_path / "acme.toml")
    assert decl is None
    found = [p for p in problems if p.key == key]
    assert found, problems
    assert message in found[0].message and found[0].line == line, found[0]
    assert f"acme.toml:{line}: [{key}]" in str(found[0])


def test_bad_range_in_remove_and_validate_command(tmp_path, run_cli):
    (tmp_path / "companies").mkdir()
    (tmp_path / "companies" / "acme.toml").write_text(
        'name = "Acme"\nhosts = ["acme.example"]\n\n[[documents]]\ntype = "privacy-policy"\n'
        'url = "https://acme.example/p"\nremove = [\n    ".ads",\n    { start_before = "h1", end_befor = "#x" },\n]\n',
        encoding="utf-8")
    r = run_cli("validate", "--workspace", str(tmp_path))
    assert r.code != 0
    assert "acme.toml:9: [documents[0].remove[1].end_befor] unknown key" in r.err, r


def test_writer_round_trips_ranges(tmp_path):
    docs = [
        DeclaredDocument("law-enforcement-guidelines", url="https://acme.example/faq",
                         select=(R(start_before='[name="q-data"]', end_before="[name=next]"),),
                         remove=("blockquote", R(start_after="h1", end_after=".x")), group="le"),
        DeclaredDocument("law-enforcement-guidelines", url="https://acme.example/tos",
                         select=("main", R(start_before="#contact")), group="le"),
        DeclaredDocument("privacy-policy", url="https://acme.example/privacy", select=("article",)),
    ]
    text = declaration_toml("Acme", hosts=["acme.example"], documents=docs)
    assert '{ start_before = "[name=\\"q-data\\"]", end_before = "[name=next]" },' in text
    assert 'select = "article"\n' in text  # a single CSS selector is still written bare
    path = tmp_path / "acme.toml"
    path.write_text(text, encoding="utf-8")
    assert load_declaration(path).documents == tuple(docs)


# --- Open Terms Archive ------------------------------------------------------------------------

OTA_DECL = {
    "name": "Acme",
    "terms": {
        "Law Enforcement Guidelines": {"combine": [
            {"fetch": "https://acme.example/dsa",
             "select": [{"startBefore": "[name=contact-points]", "endBefore": "[name=recipients]"}]},
            {"fetch": "https://acme.example/faq", "select": [{"startBefore": "[name=q-data]", "endBefore": "[name=basics]"}],
             "remove": "blockquote"},
        ]},
        "Privacy Policy": {"fetch": "https://acme.example/legal",
                           "select": {"startBefore": "#privacy-policy", "endAfter": "#document"}},
        "Terms of Service": {"fetch": "https://acme.example/legal",
                             "select": [{"startAfter": "#terms", "endBefore": "#privacy-policy"}, "#document p:last-child"],
                             "remove": [{"startBefore": ".ad", "endAfter": ".ad-end"}]},
    },
}


def test_ota_import_maps_ranges_and_export_gives_them_back(tmp_path):
    conv = ota.convert(OTA_DECL, source="Acme.json")
    assert not conv.unmapped
    docs = conv.declaration["documents"]
    assert docs[1]["select"] == [{"start_before": "[name=q-data]", "end_before": "[name=basics]"}]
    assert docs[1]["remove"] == ["blockquote"]
    assert docs[2]["select"] == [{"start_before": "#privacy-policy", "end_after": "#document"}]
    text = conv.to_toml(source="Acme.json")
    assert tomllib.loads(text) == conv.declaration
    path = tmp_path / "acme.toml"
    path.write_text(text, encoding="utf-8")
    loaded = load_declaration(path)
    assert loaded.documents[3].remove == (R(start_before=".ad", end_after=".ad-end"),)
    back = ota.export(tomllib.loads(text), "acme.toml")
    assert not back.skipped
    terms = back.ota["terms"]
    assert terms["Law Enforcement Guidelines"] == {"combine": [
        {"fetch": "https://acme.example/dsa",
         "select": [{"startBefore": "[name=contact-points]", "endBefore": "[name=recipients]"}]},
        {"fetch": "https://acme.example/faq", "select": [{"startBefore": "[name=q-data]", "endBefore": "[name=basics]"}],
         "remove": ["blockquote"]},
    ]}
    assert terms["Privacy Policy"]["select"] == [{"startBefore": "#privacy-policy", "endAfter": "#document"}]
    assert terms["Terms of Service"] == OTA_DECL["terms"]["Terms of Service"] | {
        "remove": [{"startBefore": ".ad", "endAfter": ".ad-end"}]}
    assert ota.convert(back.ota, source="Acme.json").declaration == conv.declaration  # and back again


def test_ota_export_of_a_range_without_end_ends_after_body():
    result = ota.export({"name": "J", "documents": [
        {"type": "privacy-policy", "url": "https://j.example/p", "select": [{"start_after": "h1"}]}]}, "j.toml")
    assert result.ota["terms"]["Privacy Policy"]["select"] == [{"startAfter": "h1", "endAfter": "body"}]
    # which is the same span in our extraction: body is a container of the start
    html = "<body><h1>T</h1><p>Kept.</p><div><p>Also.</p></div></body>"
    assert extract_html(html, select=[R(start_after="h1")]).text == \
        extract_html(html, select=[R(start_after="h1", end_after="body")]).text


@pytest.mark.parametrize("bad, why", [
    ({"startBefore": "#a", "startAfter": "#b"}, "exactly one of start_before, start_after"),
    ({"endBefore": "#a"}, "exactly one of start_before, start_after"),
    ({"startBefore": "#a", "endBefore": "div[[x"}, "end_before: not a CSS selector"),
    ({"startBefore": "#a", "stopAt": "#b"}, "unknown key(s) stopAt"),
])
def test_ota_invalid_ranges_are_reported_not_imported(bad, why):
    conv = ota.convert({"name": "K", "terms": {"Privacy Policy": {"fetch": "https://k.example/p",
                                                                  "select": ["main", bad]}}}, source="K.json")
    assert conv.declaration["documents"] == [{"type": "privacy-policy", "url": "https://k.example/p", "select": "main"}]
    assert len(conv.unmapped) == 1 and why in conv.unmapped[0] and "other selectors are kept" in conv.unmapped[0]


def test_import_and_export_commands_with_ranges(tmp_path, run_cli):
    src = tmp_path / "Acme.json"
    src.write_text(json.dumps(OTA_DECL), encoding="utf-8")
    r = run_cli("company", "import-ota", str(src), "--workspace", str(tmp_path))
    assert r.code == 0 and "not mapped" not in r.err, r
    text = (tmp_path / "companies" / "acme.toml").read_text(encoding="utf-8")
    assert '{ start_before = "[name=q-data]", end_before = "[name=basics]" }' in text
    r = run_cli("validate", "--workspace", str(tmp_path))
    assert r.code == 0 and "1 declaration(s)" in r.err, r
    r = run_cli("company", "export-ota", "acme", "--workspace", str(tmp_path))
    assert r.code == 0, r
    assert json.loads(r.out)["terms"]["Law Enforcement Guidelines"]["combine"][1]["select"] == [
        {"startBefore": "[name=q-data]", "endBefore": "[name=basics]"}]


def test_scoring_a_workspace_document_with_a_range(tmp_path):
    """A local page declared with a range: only the range is scored (and the cache keys it)."""
    from audit.rubric.loader import load_rubric
    from audit.pipeline.score_workspace import score_workspace_detailed
    from audit.workspace import Workspace

    (tmp_path / "companies" / "docs").mkdir(parents=True)
    (tmp_path / "companies" / "docs" / "faq.html").write_text(
        "<html><body><h2 id=a>Encryption</h2><p>Messages are end-to-end encrypted.</p>"
        "<h2 id=b>Law enforcement</h2><p>We notify users before we disclose their data.</p></body></html>",
        encoding="utf-8")
    decl = ('name = "Acme"\n\n[[documents]]\ntype = "law-enforcement-guidelines"\npath = "docs/faq.html"\n'
            'select = [{ %s }]\n')
    rubric = load_rubric(str(Path(__file__).parents[1] / "data" / "mini_rubric.toml"))
    levels = {}
    for name, rng in (("le", 'start_before = "#b"'), ("enc", 'start_before = "#a", end_before = "#b"')):
        (tmp_path / "companies" / "acme.toml").write_text(decl % rng, encoding="utf-8")
        result = score_workspace_detailed(Workspace.open(tmp_path), rubric)
        levels[name] = {c.id: c.level.value for c in result.cards[0].criteria}
        assert result.cache_misses == 1  # another range, another cache key
    assert levels["le"]["notice"] == "met" and levels["le"]["e2ee"] != "met"
    assert levels["enc"]["e2ee"] == "met" and levels["enc"]["notice"] != "met"
