"""`audit eval` on a tiny labelled set written here (no ../shared needed)."""

from __future__ import annotations

import json

import pytest

LABELS = """
[[document]]
file = "strong.txt"
company = "Strong"
doctype = "law-enforcement-guidelines"
[document.labels.warrant-for-content]
level = "met"
quote = "search warrant"
reason = "warrant for content"

[[document]]
file = "silent.txt"
company = "Silent"
doctype = "privacy-policy"
"""


@pytest.fixture
def corpus(tmp_path):
    docs = tmp_path / "documents"
    docs.mkdir()
    (docs / "strong.txt").write_text(
        "We disclose the contents of a user's messages only in response to a search warrant "
        "issued upon a showing of probable cause.\n", encoding="utf-8")
    (docs / "silent.txt").write_text("We like cats. Our office is open on weekdays.\n", encoding="utf-8")
    labels = tmp_path / "labels.toml"
    labels.write_text(LABELS, encoding="utf-8")
    return labels, docs


def test_eval_reports_metrics_as_json(run_cli, corpus):
    labels, docs = corpus
    r = run_cli("eval", str(labels), "--documents", str(docs), "--format", "json")
    assert r.code == 0, r
    data = json.loads(r.out)
    assert data["overall"]["labelled"] == 1
    assert data["overall"]["exact_agreement"] == 1.0
    rank = {"no-disclosure": 0, "not-met": 0, "partial": 1, "met": 2}
    over = [m for m in data["misses"] if rank[m["got"]] > rank[m["label"]]]
    assert data["overall"]["false_credit_pairs"] == len(over)
    assert data["overall"]["false_credit"] == round(len(over) / data["overall"]["pairs"], 4)
    assert not any(m["file"] == "silent.txt" for m in data["misses"])
    assert data["criteria"]["warrant-for-content"]["exact"] == 1
    assert data["confusion"]["met"]["met"] == 1


def test_eval_text_and_gate(run_cli, corpus):
    labels, docs = corpus
    r = run_cli("eval", str(labels), "--documents", str(docs), "--fail-under-agreement", "50")
    assert r.code == 0 and "exact agreement" in r.out, r
    r = run_cli("eval", str(labels), "--documents", str(docs), "--fail-under-agreement", "101")
    assert r.code == 1, r


@pytest.mark.parametrize("bad, message", [
    ('[document.labels.warant-for-content]\nlevel = "met"\n', "warant-for-content"),
    ('[document.labels.user-notice]\nlevel = "excellent"\n', "is not a level"),
])
def test_eval_rejects_bad_labels(run_cli, corpus, bad, message):
    labels, docs = corpus
    labels.write_text(LABELS + "\n[[document]]\nfile = \"silent.txt\"\ncompany = \"S\"\n"
                      "doctype = \"other\"\n" + bad, encoding="utf-8")
    r = run_cli("eval", str(labels), "--documents", str(docs))
    assert r.code == 2, r
    assert message in r.err and "Traceback" not in r.err
    assert len(r.err.strip().splitlines()) == 1


def test_eval_missing_labels_file(run_cli, tmp_path):
    r = run_cli("eval", str(tmp_path / "nope.toml"), "--documents", str(tmp_path))
    assert r.code == 2 and "no such file" in r.err, r
