"""The HTML tree: lxml's own tree, CSS by cssselect, and what that change must not lose.

Real pages written here (and the shared declarations when present), parsed by the real
extractor; no mocks.
"""

from __future__ import annotations

import json
import random

import pytest

from audit.errors import InputError
from audit.extract import css, extract
from audit.extract.hidden import _Selector
from audit.extract.html import extract_html, tree

# --- the hidden-text selector index answers as cssselect does --------------------------------

_CLASSES = ["a", "b", "sr-only", "Hidden", "x-1", "_y"]
_TAGS = ["div", "p", "span", "li", "section"]
# class lists as pages write them: tabs, newlines, doubled names, a no-break space (not a separator
# for CSS, so "a\u00a0b" is one class), upper case (class names are case-sensitive)
_SEPARATORS = [" ", "  ", "\t", "\n", "\u00a0"]


def _page(rng: random.Random) -> str:
    parts: list[str] = []

    def element(depth: int) -> None:
        tag = rng.choice(_TAGS if depth else ["div", "section"])
        attrs = ""
        if rng.random() < 0.7:
            names = [rng.choice(_CLASSES) for _ in range(rng.randint(1, 3))]
            attrs += ' class="' + rng.choice(_SEPARATORS).join(names) + rng.choice(["", " "]) + '"'
        if rng.random() < 0.3:
            attrs += f' id="{rng.choice(_CLASSES)}"'
        if rng.random() < 0.2:
            attrs += f' data-k="{rng.choice(_CLASSES)}"'
        parts.append(f"<{tag}{attrs}>t")
        if depth < 4:
            for _ in range(rng.randint(0, 3)):
                element(depth + 1)
        parts.append(f"</{tag}>")

    for _ in range(rng.randint(1, 4)):
        element(0)
    return "<html><body>" + "".join(parts) + "</body></html>"


def _compound(rng: random.Random) -> str:
    out = rng.choice(["", "", "div", "p", "span", "SPAN", "li", "em"])
    for _ in range(rng.randint(0 if out else 1, 2)):
        out += rng.choice([".", ".", "#"]) + rng.choice(_CLASSES + ["absent"])
    return out


def _selector(rng: random.Random) -> str:
    parts = [_compound(rng)]
    for _ in range(rng.choice([0, 0, 1, 2])):
        parts.append(rng.choice([" ", " > ", " + ", " ~ "]))
        parts.append(_compound(rng))
    sel = "".join(parts)
    return sel + rng.choice(["", "", "", ":first-child", ":hover", "[data-k]", ":not(.a)", "::before"])


def test_the_selector_index_matches_what_cssselect_matches():
    """Every shape of selector a style sheet uses: the index (one compound of names), the
    skip for names absent from the page, and the XPath path give cssselect's own answer."""
    rng = random.Random(20261203)
    tried = skipped = indexed = 0
    for _ in range(150):
        page = css.Page(tree(_page(rng)))
        selector = _Selector(page)
        for _ in range(25):
            sel = _selector(rng)
            try:
                expected = page.select(sel)
            except css.SelectorError:
                expected = None
            try:
                got = selector.select(sel)
            except css.SelectorError:
                got = None
            if expected is None and got == []:
                skipped += 1  # a selector cssselect cannot read, naming an absent class: no match either way
                continue
            assert got == expected, sel
            tried += 1
            indexed += "(" not in sel and ":" not in sel and not any(c in sel for c in " >+~[")
    assert tried > 3000 and indexed > 500


def test_hidden_by_a_class_that_differs_in_case_or_spacing_only():
    page = ('<html><head><style>.Hidden{display:none} .a.b{visibility:hidden}</style></head><body>'
            '<p class="hidden">Shown one.</p><p class="Hidden">Gone one.</p>'
            '<p class="b\ta">Gone two.</p><p class="a\u00a0b">Shown two.</p></body></html>')
    text = extract_html(page).text
    assert "Shown one." in text and "Shown two." in text
    assert "Gone" not in text


# --- the parse ---------------------------------------------------------------------------------

@pytest.mark.parametrize("depth", [300, 2100, 6000])
def test_text_after_a_subtree_nested_past_the_parser_limits_is_read(depth):
    """libxml2's tree builder stops reading at 256 (2,048 with huge_tree) levels: a page could
    hide the rest of its text behind a deep subtree. Both the deep text and what follows are read."""
    page = (b"<html><body><p>First words.</p>" + b"<div>" * depth + b"<p>Deep words.</p>" + b"</div>" * depth
            + b"<p>Last words.</p></body></html>")
    text = extract(page, content_type="text/html").text
    assert -1 < text.find("First words.") < text.find("Deep words.") < text.find("Last words.")


@pytest.mark.parametrize("prolog", [
    '<meta charset="iso-8859-1">',
    '<meta http-equiv="Content-Type" content="text/html; charset=windows-1251">',
    '<?xml version="1.0" encoding="latin-1"?>',
    '<?xml version="1.0" encoding="utf-16"?>',
])
def test_decoded_text_is_not_decoded_again_by_what_the_page_declares(prolog):
    text = extract_html(prolog + "<html><body><p>Café – “quoted” 数据 ✓</p></body></html>").text
    assert text == "Café – “quoted” 数据 ✓"


@pytest.mark.parametrize("page", ["", "   ", "<!-- only a comment -->", "<?php echo 1; ?>", "<!doctype html>"])
def test_a_page_without_elements_gives_no_text_not_a_crash(page):
    assert extract_html(page).text == ""


def test_comments_and_processing_instructions_are_not_text_and_their_neighbours_join():
    page = "<p>pri<!-- hidden words -->vacy and <?pi words?>warrants</p>"
    assert extract_html(page).text == "privacy and warrants"


# --- remove keeps the text that follows what it cuts -------------------------------------------

@pytest.mark.parametrize("page, expected", [
    ('<p>Before <span class="ad">AD</span> after.</p>', "Before after."),
    ('<p><span class="ad">AD</span>Starts here.</p>', "Starts here."),
    ('<p>One <b class="ad">AD</b><i class="ad">AD</i> two.</p>', "One two."),
    ('<div><p class="ad">AD <b class="ad">AD</b> AD</p>Tail text.</div>', "Tail text."),
])
def test_removing_an_element_keeps_the_text_after_it(page, expected):
    assert extract_html(page, remove=[".ad"]).text == expected


def test_a_selected_part_that_a_remove_takes_away_gives_nothing():
    page = '<main><div id="a">Kept words.</div><div id="b">Selected then removed.</div></main>'
    assert extract_html(page, select=["#a", "#b"], remove=["#b"]).text == "Kept words."
    assert extract_html(page, remove=["html"]).text == ""


# --- selectors in declarations -----------------------------------------------------------------

@pytest.mark.parametrize("selector", ["main article", "div:has(> h2#terms)", "section:is(.a, .b)",
                                      ":not(nav) > p:nth-of-type(2)", "[data-role='policy' i]"])
def test_css_level_4_selectors_declarations_use_are_read(selector):
    css.check(selector)


@pytest.mark.parametrize("selector", ["p::before", "[[[", "div >", ".a:focus-within"])
def test_selectors_cssselect_cannot_read_are_refused_with_the_reason(selector):
    with pytest.raises(css.SelectorError):
        css.check(selector)


def test_every_selector_of_the_shared_open_terms_archive_declarations_is_read(shared_dir):
    folder = shared_dir / "ota" / "declarations"
    selectors: set[str] = set()

    def collect(value) -> None:
        if isinstance(value, str):
            selectors.add(value)
        elif isinstance(value, list):
            for item in value:
                collect(item)
        elif isinstance(value, dict):
            selectors.update(v for k, v in value.items() if k in ("startBefore", "startAfter", "endBefore", "endAfter"))

    for path in sorted(folder.glob("*.json")):
        declaration = json.loads(path.read_text(encoding="utf-8"))
        for document in (declaration.get("documents") or declaration.get("terms") or {}).values():
            for source in [document] + list(document.get("combine") or []):
                for key in ("select", "remove"):
                    collect(source.get(key))
    assert len(selectors) > 100
    for selector in sorted(selectors):
        css.check(selector)


# --- pages shaped to make matching slow ---------------------------------------------------------

_COSTLY_RULES = [
    "div div span", "div:has(div:has(span))", ":not(:has(:not(:has(b))))", "div ~ div", "li + li",
    "li:nth-child(2)", "li:last-child", "p:lang(en)", "body li:first-of-type",
]


def _deep(n: int) -> str:
    return "<div>x " * n + "<span>deep words</span>" + "</div>" * n


def _wide(n: int) -> str:
    return "<ul>" + "<li>item</li>" * n + "</ul>"


@pytest.mark.parametrize("shape, body", [("deep", _deep(20_000)), ("wide", _wide(40_000))])
def test_rules_that_cannot_finish_on_a_hostile_page_are_not_judged_and_say_so(shape, body):
    """Before a selector runs, its bound on this page is checked: on a page nested 20,000 deep
    (or 40,000 siblings wide) the rules whose axes cost the page's depth or width per element are
    skipped, with a warning; the cheap ones still hide what they hide."""
    rules = "".join(f"{r}{{color:red}}" for r in _COSTLY_RULES)  # judged (colour), hiding nothing
    page = (f"<html><head><style>{rules} .gone{{display:none}}</style></head><body>"
            f"<p class=gone>Hidden words.</p><p>Visible words.</p>{body}</body></html>")
    ex = extract_html(page)
    assert "Visible words." in ex.text and "Hidden words." not in ex.text
    assert any("not judged for hidden text" in w for w in ex.warnings)


def test_a_sheet_of_many_rules_each_within_the_bound_cannot_add_up_past_the_page_budget():
    """Each rule is checked against the page's remaining budget too: 400 rules that could each
    run on a page 1,500 deep (within libxml2's own limit) do not all run."""
    from audit.extract.hidden import mark_hidden

    rules = "".join(f"div div span:not(.x{i}){{color:red}}" for i in range(400)) + ".gone{display:none}"
    page = f"<html><head><style>{rules}</style></head><body><p class=gone>Hidden.</p>{_deep(1500)}</body></html>"
    one = css._compiled("div div span:not(.x0)").visits(css.Page(tree(page)).shape)
    assert one < css.MAX_VISITS < 400 * one  # each rule alone could run; all of them could not
    marked, not_judged = mark_hidden(css.Page(tree(page)))
    assert not_judged == 400 - css.MAX_PAGE_VISITS // one
    ex = extract_html(page)
    assert "Hidden." not in ex.text and "deep words" in ex.text
    assert any(f"{not_judged} style rule(s)" in w for w in ex.warnings)


def test_a_declaration_selector_that_cannot_finish_on_the_page_is_a_clear_error():
    page = f"<html><body><main>{_deep(20_000)}</main></body></html>"
    with pytest.raises(InputError, match="cannot be used on this page"):
        extract_html(page, select=["main div span"])
    assert "deep words" in extract_html(page, select=["main"]).text  # no combinator: linear


def test_the_same_rules_are_judged_on_a_large_ordinary_page():
    """5,000 sections in 50 chapters, 8 deep, with lists: every rule shape runs, none is skipped."""
    section = '<section class="s"><div class="a"><div class="b"><ul><li>one</li><li>two</li></ul>' \
              '<p lang="en"><span class="c">Seen words.</span></p></div></div></section>'
    rules = "".join(f"{r}{{color:#000}}" for r in _COSTLY_RULES) + ".a .b .c .d{display:none}.a .b>ul li+li{display:none}"
    chapters = ("<div class=chapter>" + section * 100 + "</div>") * 50
    page = f"<html><head><style>{rules}</style></head><body>{chapters}</body></html>"
    ex = extract_html(page)
    assert not any("not judged" in w for w in ex.warnings)
    assert "Seen words." in ex.text and "two" not in ex.text and "one" in ex.text


def test_the_colour_test_walks_each_ancestor_once(monkeypatch):
    """Text coloured like its background: the background is looked up the tree once per element
    (remembered), not once per element per ancestor, which made a 20,000-deep page take minutes."""
    from audit.extract import hidden

    calls = [0]
    real = hidden._background

    def counted(style):
        calls[0] += 1
        return real(style)

    monkeypatch.setattr(hidden, "_background", counted)
    n = 20_000
    page = "<html><body>" + '<div style="color:#fff">x ' * n + "</div>" * n + "<p>Shown.</p></body></html>"
    ex = extract_html(page)
    assert ex.text == "Shown."  # white on the default white: all hidden
    assert calls[0] <= 2 * n


def test_text_hidden_on_some_screens_only_is_marked_once_however_deep():
    n = 20_000
    page = ("<html><head><style>@media (max-width: 600px) { div { display: none } }</style></head><body>"
            + _deep(n) + "<p>Always shown.</p></body></html>")
    ex = extract_html(page)
    assert "deep words" in ex.text and "Always shown." in ex.text
    assert any("hidden on some screens only" in w for w in ex.warnings)
    root = tree(page)
    divs = list(root.iter("div"))
    assert css.outermost(divs) == divs[:1]
