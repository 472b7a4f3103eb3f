"""Every extracted document records its language; one the rubric does not read is not evaluated."""

from __future__ import annotations

import json
from pathlib import Path

from audit.extract import extract

HINDI = ("हम कानून प्रवर्तन एजेंसियों को उपयोगकर्ताओं का डेटा केवल वैध कानूनी प्रक्रिया के तहत ही देते हैं। "
         "सामग्री के लिए हमें तलाशी वारंट की आवश्यकता होती है। हम उपयोगकर्ताओं को सूचित करते हैं "
         "जब तक कि कानून द्वारा प्रतिबंधित न हो। हम हर साल पारदर्शिता रिपोर्ट प्रकाशित करते हैं।\n")
ENGLISH_LE = ("We require a search warrant before we disclose the content of communications.\n\n"
              "We notify users of law enforcement requests unless we are prohibited by law.\n\n"
              "We disclose user data only in response to valid legal process.\n")
GERMAN = ("Wir geben Inhalte von Nachrichten nur mit einem richterlichen Durchsuchungsbeschluss heraus. "
          "Wir benachrichtigen die Nutzer über Anfragen von Behörden, sofern dies nicht gesetzlich verboten ist. "
          "Wir veröffentlichen jedes Jahr einen Transparenzbericht über alle Anfragen der Strafverfolgung.")


def _html(lang: str, body: str) -> bytes:
    return f'<!doctype html><html lang="{lang}"><head><title>t</title></head><body><main><p>{body}</p></main></body></html>'.encode()


def test_html_lang_checked_against_text():
    assert extract(_html("hi", HINDI), content_type="text/html").language == "hi"
    assert extract(_html("en-GB", ENGLISH_LE), content_type="text/html").language == "en"
    wrong = extract(_html("en", GERMAN), content_type="text/html")
    assert wrong.language == "de"
    assert any("declares language 'en'" in w for w in wrong.warnings)


def test_content_language_header_and_plain_text():
    assert extract(ENGLISH_LE.encode(), filename="x.txt").language == "en"
    assert extract(HINDI.encode(), filename="x.txt").language == "hi"
    # too little text to contradict the declaration: the declaration stands
    assert extract(b"OK, Danke.", filename="x.txt", content_language="de-DE").language == "de"


def _workspace(tmp_path: Path, le_text: str) -> Path:
    docs = tmp_path / "companies" / "docs"
    docs.mkdir(parents=True, exist_ok=True)
    (docs / "privacy.txt").write_text("We do not sell your personal information.\n")
    (docs / "le.txt").write_text(le_text)
    (tmp_path / "companies" / "acme.toml").write_text(
        'name = "Acme"\n\n[[documents]]\ntype = "privacy-policy"\npath = "docs/privacy.txt"\n'
        '\n[[documents]]\ntype = "law-enforcement-guidelines"\npath = "docs/le.txt"\n')
    return tmp_path


def test_unsupported_language_is_not_evaluated(run_cli, tmp_path):
    ws = _workspace(tmp_path, HINDI)
    r = run_cli("score", "--workspace", ws, "--format", "json")
    assert r.code == 0, r
    assert "language hi not supported" in r.err
    (c,) = json.loads(r.out)["companies"]
    langs = {d["type"]: d["language"] for d in c["documents"]}
    assert langs == {"privacy-policy": "en", "law-enforcement-guidelines": "hi"}
    assert c["complete"] is False
    assert c["incomplete"] == [{"document": "law-enforcement-guidelines", "reason": "language hi not supported"}]
    crit = {x["id"]: x for x in c["criteria"]}
    assert crit["warrant-for-content"]["level"] == "not-evaluated"
    assert "language hi not supported" in crit["warrant-for-content"]["note"]


def test_rubric_declares_its_languages():
    from audit.rubric.loader import load_rubric

    assert load_rubric(None).languages == ("en",)


def test_diff_names_language_changed(run_cli, tmp_path):
    ws = _workspace(tmp_path / "ws", ENGLISH_LE)
    old = run_cli("score", "--workspace", ws, "--format", "json")
    (tmp_path / "old.json").write_text(old.out)
    (ws / "companies" / "docs" / "le.txt").write_text(HINDI)
    new = run_cli("score", "--workspace", ws, "--format", "json")
    (tmp_path / "new.json").write_text(new.out)
    r = run_cli("diff", tmp_path / "old.json", tmp_path / "new.json", "--format", "json")
    doc = json.loads(r.out)
    (company,) = doc["companies"]
    assert "language-changed" in company["causes"]
    assert "text-changed" not in company["causes"]
    wfc = next(c for c in company["criteria"] if c["id"] == "warrant-for-content")
    assert [c["kind"] for c in wfc["causes"]] == ["language-changed"]


def test_bilingual_document_is_mul_and_read():
    from audit.extract.language import readable

    irish = ("Is é an beartas seo a mhíníonn conas a láimhseálaimid iarratais ó fhorfheidhmiú an dlí "
             "agus cathain a thugaimid fógra d'úsáideoirí faoi iarratais den sórt sin.")
    english = ("This policy explains how we handle requests from law enforcement and when we notify users "
               "about such requests before any disclosure is made.")
    text = "\n\n".join([irish, english] * 4)
    x = extract(text.encode(), filename="bilingual.txt")
    assert x.language == "mul"
    assert readable("mul", ("en",)) and readable(None, ("en",)) and not readable("hi", ("en",))


def test_python_api_check_reads_languages_as_the_command_does(run_cli, tmp_path):
    """`audit.api.check` and `audit check --format json` give the same scorecard, including the
    documents the rubric cannot read (their criteria not evaluated, the card incomplete)."""
    import pytest

    import audit.api as api
    from audit.errors import NoEvidenceError

    en, hi = tmp_path / "privacy.txt", tmp_path / "le.txt"
    en.write_text("We do not sell your personal information.\n", encoding="utf-8")
    hi.write_text(HINDI, encoding="utf-8")
    r = run_cli("check", en, hi, "--type", "privacy-policy", "--format", "json")
    assert r.code == 0, r
    assert "language hi not supported" in r.err
    from_cli = json.loads(r.out)
    from_api = api.check(en, hi, doc_type="privacy-policy")
    (card,) = from_api["companies"]
    assert card["complete"] is False
    assert card["incomplete"] == [{"document": "privacy-policy", "reason": "language hi not supported"}]
    assert json.dumps(from_api, sort_keys=True) == json.dumps(from_cli, sort_keys=True)
    # nothing readable at all: the command exits 3, the API raises
    assert run_cli("check", hi, "--type", "privacy-policy").code == 3
    with pytest.raises(NoEvidenceError):
        api.check(hi, doc_type="privacy-policy")
