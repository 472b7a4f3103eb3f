"""The worker's path: no path of this machine in any output, a clear note of what the letter
withholds, no git identity in reviews, and the list of levels awaiting a person."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

LE = ("We disclose user data only in response to valid legal process, such as a subpoena or court order.\n\n"
      "We may voluntarily share data with law enforcement without legal process in some cases.\n\n"
      "We require a search warrant before we disclose the content of communications.\n")


@pytest.fixture
def ws(tmp_path):
    docs = tmp_path / "ws" / "companies" / "internal-stuff"
    docs.mkdir(parents=True)
    (docs / "le-handbook.txt").write_text(LE)
    (docs / "saved-privacy.txt").write_text("We do not sell your personal information.\n")
    (tmp_path / "ws" / "companies" / "acme.toml").write_text(
        'name = "Acme"\n\n[[documents]]\ntype = "law-enforcement-guidelines"\npath = "internal-stuff/le-handbook.txt"\n'
        '\n[[documents]]\ntype = "privacy-policy"\npath = "internal-stuff/saved-privacy.txt"\n'
        'url = "https://acme.example/privacy"\n')
    return tmp_path / "ws"


def _no_local_path(text: str, root: Path) -> None:
    assert str(root) not in text and str(root.resolve()) not in text
    assert "internal-stuff" not in text


def test_score_and_report_cite_file_name_or_given_url(run_cli, ws, tmp_path):
    r = run_cli("score", "--workspace", ws, "--format", "json")
    assert r.code == 0, r
    _no_local_path(r.out, tmp_path)
    docs = {d["type"]: d for d in json.loads(r.out)["companies"][0]["documents"]}
    assert docs["law-enforcement-guidelines"]["url"] == "le-handbook.txt"
    assert docs["privacy-policy"]["url"] == "https://acme.example/privacy"
    out = tmp_path / "site"
    r = run_cli("report", "--workspace", ws, "--out", out)
    assert r.code == 0, r
    for f in out.rglob("*"):
        if f.is_file() and f.suffix in (".html", ".json", ".md", ".csv"):
            _no_local_path(f.read_text(encoding="utf-8"), tmp_path)


def test_check_cites_file_name_or_source_url(run_cli, tmp_path):
    f = tmp_path / "secret-folder" / "le.txt"
    f.parent.mkdir()
    f.write_text(LE)
    r = run_cli("check", f, "--format", "json")
    assert r.code == 0, r
    assert str(tmp_path) not in r.out and str(tmp_path) not in r.err
    assert json.loads(r.out)["companies"][0]["documents"][0]["url"] == "le.txt"
    r = run_cli("check", f, "--source-url", f"{f}=https://acme.example/le", "--format", "json")
    assert r.code == 0, r
    assert json.loads(r.out)["companies"][0]["documents"][0]["url"] == "https://acme.example/le"
    assert str(tmp_path) not in r.out
    bad = run_cli("check", f, "--source-url", "other.txt=https://acme.example/le")
    assert bad.code == 2 and "not one of the local files" in bad.err


def test_demands_says_what_it_withheld(run_cli, ws, monkeypatch):
    monkeypatch.setenv("AUDIT_READER", "rules")  # the letter's mechanics; the rules find a quote to withhold
    r = run_cli("demands", "acme", "--workspace", ws)
    assert r.code == 0, r
    assert "its text is withheld" in r.out
    assert "withheld" in r.err and "--publish-internal" in r.err
    assert "requires-legal-process" in r.err or "le-handbook.txt" in r.err
    r = run_cli("demands", "acme", "--workspace", ws, "--publish-internal")
    assert "withheld" not in r.err


def test_review_never_writes_git_user_name(run_cli, ws, monkeypatch, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home / ".gitconfig"))
    subprocess.run(["git", "config", "--global", "user.name", "Jane Worker-Realname"], check=True)
    r = run_cli("review", "acme", "no-le-vendor-business", "--level", "met", "--rationale", "checked",
                "--workspace", ws)
    assert r.code == 0, r
    text = (ws / "reviews" / "acme.toml").read_text()
    assert "Jane" not in text and 'reviewer = "anonymous"' in text
    r = run_cli("review", "acme", "user-notice", "--level", "met", "--rationale", "checked",
                "--reviewer", "Ana", "--workspace", ws)
    assert 'reviewer = "Ana"' in (ws / "reviews" / "acme.toml").read_text()


@pytest.mark.parametrize("reader", ["learned", "rules"])
def test_review_pending_lists_needs_review(run_cli, ws, monkeypatch, reader):
    monkeypatch.setenv("AUDIT_READER", reader)
    from audit.rubric.loader import load_rubric
    from audit.pipeline.score_workspace import score_workspace_detailed
    from audit.workspace import Workspace

    result = score_workspace_detailed(Workspace.open(str(ws)), load_rubric(None))
    expected = sorted(c.id for card in result.cards for c in card.criteria if c.needs_review)
    r = run_cli("review", "--pending", "--workspace", ws, "--format", "json")
    assert r.code == 0, r
    doc = json.loads(r.out)
    listed = sorted(c["id"] for comp in doc["companies"] for c in comp["criteria"])
    assert listed == expected
    assert expected
    if reader == "rules":
        assert "requires-legal-process" in expected  # conflicting: it needs a person
    for comp in doc["companies"]:
        for c in comp["criteria"]:
            assert c["needs_review"] is True and {"id", "level", "confidence", "needs_review", "evidence"} <= set(c)
    text = run_cli("review", "--pending", "--workspace", ws)
    assert text.code == 0 and expected[0] in text.out
