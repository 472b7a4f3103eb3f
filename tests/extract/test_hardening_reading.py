"""Read what a person reads: invisible characters, look-alike letters, hidden HTML text,
invisible PDF text and Markdown comments do not change a level. Real files through `audit check`."""

from __future__ import annotations

import json

import pytest
from pdfmaker import make_pdf

from audit.extract import extract

POSITIVE = "We require a valid search warrant before we disclose the content of communications."
NEGATIVE = "We do not require a search warrant before we disclose the content of communications."
BASE = "We publish a yearly report."


@pytest.fixture(autouse=True)
def _rules_reader(monkeypatch):
    """Normalisation happens at extraction, before any reader: the levels asserted here are the
    hand rules' (AUDIT_READER=rules), which read these one-sentence pages predictably. The learned
    reader gets the same text: test_the_learned_reader_sees_the_same_text checks it."""
    monkeypatch.setenv("AUDIT_READER", "rules")


def _page(body: str, head: str = "") -> str:
    return (f"<html><head>{head}</head><body><main><h1>Law enforcement</h1><p>{BASE}</p>{body}"
            "</main></body></html>")


def _level(run_cli, tmp_path, name: str, data: bytes | str) -> str:
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    r = run_cli("check", path, "--format", "json")
    assert r.code == 0, r
    [card] = json.loads(r.out)["companies"]
    return next(c["level"] for c in card["criteria"] if c["id"] == "warrant-for-content")


def test_the_sentences_mean_what_the_tests_assume(run_cli, tmp_path):
    assert _level(run_cli, tmp_path, "p.html", _page(f"<p>{POSITIVE}</p>")) == "met"
    assert _level(run_cli, tmp_path, "n.html", _page(f"<p>{NEGATIVE}</p>")) == "not-met"
    assert _level(run_cli, tmp_path, "b.html", _page("")) == "no-disclosure"


INVISIBLE = ["\u200d", "\u200c", "\u2060", "\ufeff", "\u202e", "\u200b", "\u00ad", "\u2066", "\u061c",
             "\U000e0041"]


@pytest.mark.parametrize("ch", INVISIBLE, ids=lambda c: f"U+{ord(c):04X}")
@pytest.mark.parametrize("fmt", ["html", "md", "txt"])
def test_invisible_characters_inside_not_do_not_turn_it_into_met(run_cli, tmp_path, ch, fmt):
    sentence = NEGATIVE.replace("not", f"n{ch}o{ch}t")
    data = _page(f"<p>{sentence}</p>") if fmt == "html" else f"# Law enforcement\n\n{sentence}\n"
    assert _level(run_cli, tmp_path, f"doc.{fmt}", data) == "not-met"


@pytest.mark.parametrize("ch", INVISIBLE, ids=lambda c: f"U+{ord(c):04X}")
def test_the_learned_reader_sees_the_same_text(run_cli, tmp_path, monkeypatch, ch):
    monkeypatch.setenv("AUDIT_READER", "learned")

    def card(name, sentence):
        path = tmp_path / name
        path.write_text(_page(f"<p>{sentence}</p>"), encoding="utf-8")
        r = run_cli("check", path, "--format", "json")
        assert r.code == 0, r
        return {c["id"]: (c["level"], c["confidence"]) for c in json.loads(r.out)["companies"][0]["criteria"]}

    assert card("hidden.html", NEGATIVE.replace("not", f"n{ch}o{ch}t")) == card("plain.html", NEGATIVE)


@pytest.mark.parametrize("letter", ["\u043e", "\u03bf"], ids=["cyrillic-o", "greek-omicron"])
def test_a_look_alike_letter_inside_not_does_not_turn_it_into_met(run_cli, tmp_path, letter):
    sentence = NEGATIVE.replace("not", f"n{letter}t")
    assert _level(run_cli, tmp_path, "doc.html", _page(f"<p>{sentence}</p>")) == "not-met"
    text = extract(_page(f"<p>{sentence}</p>").encode(), "text/html")
    assert any("Cyrillic/Greek" in w for w in text.warnings)


def test_nfkc_compatibility_forms_are_read_as_their_plain_letters():
    text = extract(_page("<p>We do ｎｏｔ keep logs; ﬁne print.</p>").encode(), "text/html").text
    assert "We do not keep logs; fine print." in text


HIDING = {
    "class-display-none": ('<style>.x{display:none}</style>', '<p class="x">{s}</p>'),
    "display-tab": ('', '<p style="display:\tnone">{s}</p>'),
    "display-newline": ('<style>#y { display:\n none }</style>', '<p id="y">{s}</p>'),
    "visibility-hidden": ('<style>p.z{visibility:hidden}</style>', '<p class="z">{s}</p>'),
    "visibility-collapse": ('', '<p style="visibility: collapse">{s}</p>'),
    "font-size-0": ('', '<p style="font-size:0">{s}</p>'),
    "font-size-0px-class": ('<style>.t{font-size:0px}</style>', '<div class="t"><p>{s}</p></div>'),
    "opacity-0": ('', '<p style="opacity:0">{s}</p>'),
    "off-screen": ('', '<p style="position:absolute;left:-10000px">{s}</p>'),
    "text-indent": ('<style>.i{text-indent:-9999px;overflow:hidden}</style>', '<p class="i">{s}</p>'),
    "white-on-white": ('', '<p style="color:#fff">{s}</p>'),
    "same-colour-as-parent": ('<style>.bg{background:#123456}.fg{color:rgb(18,52,86)}</style>',
                              '<div class="bg"><p class="fg">{s}</p></div>'),
    "clip-rect": ('', '<p style="position:absolute;clip:rect(0,0,0,0)">{s}</p>'),
    "clip-path": ('', '<p style="clip-path:inset(50%)">{s}</p>'),
    "height-0-overflow": ('', '<div style="height:0;overflow:hidden"><p>{s}</p></div>'),
    "max-height-0-overflow": ('<style>.h{max-height:0;overflow:hidden}</style>', '<div class="h"><p>{s}</p></div>'),
}


@pytest.mark.parametrize("how", sorted(HIDING))
def test_hidden_html_text_is_not_credited(run_cli, tmp_path, how):
    head, body = HIDING[how]
    page = _page(body.replace("{s}", POSITIVE), head)
    assert _level(run_cli, tmp_path, "doc.html", page) == "no-disclosure"


def test_visible_styled_text_is_still_read(run_cli, tmp_path):
    head = "<style>.ok{color:#333;font-size:14px;display:block}body{background:#fff}</style>"
    page = _page(f'<p class="ok" style="opacity:1;height:auto">{POSITIVE}</p>', head)
    assert _level(run_cli, tmp_path, "doc.html", page) == "met"


def _pdf_with_invisible(line: str) -> bytes:
    return make_pdf([BASE, line], invisible=frozenset({1}))


def test_pdf_text_in_render_mode_3_is_not_read(run_cli, tmp_path):
    data = _pdf_with_invisible(POSITIVE)
    assert "search warrant" not in extract(data, "application/pdf").text
    assert _level(run_cli, tmp_path, "doc.pdf", data) == "no-disclosure"
    visible = make_pdf([BASE, POSITIVE])
    assert _level(run_cli, tmp_path, "vis.pdf", visible) == "met"


@pytest.mark.parametrize("comment", [f"<!-- {POSITIVE} -->", f"<!--\n{POSITIVE}\n-->", f"<!-- {POSITIVE}"])
def test_html_comments_in_markdown_are_not_text(run_cli, tmp_path, comment):
    md = f"# Law enforcement\n\n{BASE}\n\n{comment}\n"
    assert _level(run_cli, tmp_path, "doc.md", md) == "no-disclosure"


@pytest.mark.parametrize("word,look_alike", [("warrant", "w\u0430rrant"), ("content", "c\u03bfntent")],
                         ids=["cyrillic-a", "greek-omicron"])
def test_a_look_alike_letter_in_a_credited_sentence_earns_nothing_and_asks_for_review(run_cli, tmp_path, word,
                                                                                   look_alike):
    path = tmp_path / "doc.html"
    path.write_text(_page(f"<p>{POSITIVE.replace(word, look_alike)}</p>"), encoding="utf-8")
    r = run_cli("check", path, "--format", "json")
    assert r.code == 0, r
    wfc = next(c for c in json.loads(r.out)["companies"][0]["criteria"] if c["id"] == "warrant-for-content")
    assert wfc["level"] == "no-disclosure" and wfc["needs_review"] is True, wfc


@pytest.mark.parametrize("ch", ["\u200d", "\u2060", "\u202e"], ids=lambda c: f"U+{ord(c):04X}")
def test_a_quote_shows_the_characters_that_were_there(run_cli, tmp_path, ch):
    sentence = POSITIVE.replace("warrant", f"war{ch}rant")
    path = tmp_path / "doc.html"
    path.write_text(_page(f"<p>{sentence}</p>"), encoding="utf-8")
    r = run_cli("check", path, "--format", "json")
    assert r.code == 0, r
    [ev] = [e for c in json.loads(r.out)["companies"][0]["criteria"] if c["id"] == "warrant-for-content"
            for e in c["evidence"]][:1]
    assert ev["quote"] == POSITIVE  # what was read
    assert ev["original"] == POSITIVE.replace("warrant", f"war<U+{ord(ch):04X}>rant")  # what was there


@pytest.mark.parametrize("rule", ["@media screen { .x { display: none } }", "@media (min-width: 1px) { .x { opacity: 0 } }",
                                  "@supports (display: grid) { .x { visibility: hidden } }"])
def test_text_hidden_on_some_screens_only_earns_nothing_and_asks_for_review(run_cli, tmp_path, rule):
    path = tmp_path / "doc.html"
    path.write_text(_page(f'<p class="x">{POSITIVE}</p>', f"<style>{rule}</style>"), encoding="utf-8")
    r = run_cli("check", path, "--format", "json")
    assert r.code == 0, r
    wfc = next(c for c in json.loads(r.out)["companies"][0]["criteria"] if c["id"] == "warrant-for-content")
    assert wfc["level"] == "no-disclosure" and wfc["needs_review"] is True, wfc
    text = extract(_page(f'<p class="x">{POSITIVE}</p>', f"<style>{rule}</style>").encode(), "text/html")
    assert POSITIVE in text.text and any("some screens only" in w for w in text.warnings)


def test_non_ascii_words_are_the_whole_runs_the_plain_pattern_finds():
    """The lookbehind of text._NON_ASCII_WORD (which keeps long words linear) changes no match."""
    import re

    from audit.extract.text import _NON_ASCII_WORD

    plain = re.compile(r"\w*[^\W\x00-\x7f]\w*")
    for s in ("naïve café résumé", "abcé d_é1 ééé x", "éabc abc", "1é_ ab\u0301c", "日本語のテキスト、です",
              "n\u043et a w\u043erd", "plain ascii only", "x" * 500 + "é" + "y" * 500, ""):
        assert _NON_ASCII_WORD.findall(s) == plain.findall(s)
