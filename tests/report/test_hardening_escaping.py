"""Escape by construction: SVG badges through Jinja autoescape, Markdown through one function.
A hostile company name, quote, URL or stored time stamp never becomes markup."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from markdown_it import MarkdownIt

from audit.report.badge import badge_svg
from audit.report.escape import markdown
from audit.report.formats import MarkdownFormat
from audit.rubric.loader import load_rubric
from audit.reader.model import review_threshold
from audit.score.engine import score_company
from audit.pipeline.documents import findings_for, load_document

NAMES = ['Evil" onload="alert(1)', "Evil' onload='alert(1)", 'A & B <script>alert(1)</script>',
         '"><script>alert(1)</script><svg a="', "~~struck~~ `code` **bold** [x](javascript:alert(1)) $x$ | cell"]
POLICY = b"We notify users before we disclose their data. We require a warrant for content.\n"


def _card(name: str, quote_extra: str = "", fetched_at: str = "2026-01-01T00:00:00Z", url="https://e.example/"):
    rb = load_rubric(None)
    doc = load_document(POLICY + quote_extra.encode(), url=url, fetched_at=fetched_at,
                        doc_type="law-enforcement-guidelines", filename="f.txt")
    return rb, score_company(rb, "evil", name, [findings_for(rb, doc)], review_below=review_threshold())


@pytest.mark.parametrize("name", NAMES)
def test_badge_attributes_and_text_hold_the_name_as_text(name):
    _, card = _card(name)
    svg = badge_svg(card)
    root = ET.fromstring(svg)  # well-formed: nothing broke out
    assert set(root.attrib) == {"width", "height", "role", "aria-label"}
    assert root.attrib["aria-label"].startswith(name)
    title = root.find("{http://www.w3.org/2000/svg}title")
    assert title.text.startswith(name) and len(list(title)) == 0
    assert not root.findall(".//{http://www.w3.org/2000/svg}script") and "<script" not in svg


SPECIALS = ["~~x~~", "`x`", "**x**", "_x_", "[x](y)", "![x](y)", "<b>x</b>", "&amp;", "x | y", "# x", "$x$",
            "\\*x\\*", "<!-- x -->", "~x~"]


@pytest.mark.parametrize("s", SPECIALS)
def test_markdown_escape_renders_the_text_as_typed(s):
    html = MarkdownIt("commonmark").enable(["strikethrough", "table"]).render(f"- {markdown(s)}")
    inner = html.strip()[len("<ul>\n<li>"):-len("</li>\n</ul>")]
    import html as h

    assert h.unescape(inner) == s, html
    for tag in ("<s>", "<del>", "<code>", "<strong>", "<em>", "<a ", "<img", "<b>", "<table"):
        assert tag not in inner


@pytest.mark.parametrize("name", NAMES)
def test_markdown_reports_escape_every_untrusted_field(name):
    rb, card = _card(name, quote_extra="~~We never~~ `disclose` data.\n", fetched_at="2026 ~~x~~ `y`",
                      url="https://e.example/~~a~~`b`")
    md = MarkdownFormat().render([card], rb)
    html = MarkdownIt("commonmark").enable(["strikethrough", "table"]).render(md)
    for tag in ("<s>", "<del>", "<script", "<a href=\"javascript"):
        assert tag not in html
    assert "~~" not in md.replace("\\~\\~", "")
