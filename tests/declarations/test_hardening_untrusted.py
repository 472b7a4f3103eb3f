"""Untrusted TOML/JSON from a workspace: bounded size and nesting before parsing, a one-line
error, the other companies go on; validation is linear in the number of documents."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest

from audit.untrusted import UntrustedInputError, loads_json, loads_toml, nesting_depth

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
DEEP = 100_000

DEEP_TOML = {
    "array": "x = " + "[" * DEEP + "]" * DEEP + "\n",
    "inline-table": "x = " + "{a = " * DEEP + "1" + "}" * DEEP + "\n",
    "mixed": "x = " + "[{a = " * (DEEP // 2) + "1" + "}]" * (DEEP // 2) + "\n",
    "unclosed": "x = " + "[" * DEEP + "\n",
}


def _workspace(tmp_path: Path) -> Path:
    ws = tmp_path / "ws"
    shutil.copytree(EXAMPLES, ws, ignore=shutil.ignore_patterns("archive", "reports"))
    return ws


@pytest.mark.parametrize("shape", sorted(DEEP_TOML))
def test_a_deep_declaration_is_one_problem_and_the_others_go_on(tmp_path, run_cli, shape):
    ws = _workspace(tmp_path)
    (ws / "companies" / "deep.toml").write_text('name = "Deep"\n' + DEEP_TOML[shape], encoding="utf-8")
    r = run_cli("validate", "--workspace", ws)
    assert r.code == 2, r
    lines = [ln for ln in r.err.splitlines() if "deep.toml" in ln]
    assert len(lines) == 1, r
    r = run_cli("score", "--workspace", ws, "--format", "json")
    slugs = {c["slug"] for c in json.loads(r.out)["companies"]}
    assert {"orbit-cloud", "lumen-chat"} <= slugs and "deep" not in slugs
    assert "Traceback" not in r.err and "RecursionError" not in r.err


@pytest.mark.parametrize("shape", sorted(DEEP_TOML))
def test_deep_reviews_and_settings_are_one_line_errors(tmp_path, run_cli, shape):
    ws = _workspace(tmp_path)
    (ws / "reviews").mkdir(exist_ok=True)
    (ws / "reviews" / "orbit-cloud.toml").write_text(DEEP_TOML[shape], encoding="utf-8")
    r = run_cli("validate", "--workspace", ws)
    assert r.code == 2 and "reviews" in r.err and "RecursionError" not in r.err, r
    (ws / "audit.toml").write_text(DEEP_TOML[shape], encoding="utf-8")
    r = run_cli("score", "--workspace", ws)
    assert r.code == 2 and len(r.err.strip().splitlines()) == 1, r


def test_deep_json_in_the_archive_is_skipped(tmp_path, run_cli, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764288000")
    ws = _workspace(tmp_path)
    clean = run_cli("score", "--workspace", ws, "--format", "json").out
    deep = "[" * DEEP + "]" * DEEP
    for log in (ws / "archive" / "documents").rglob("*.jsonl"):
        log.write_text(log.read_text(encoding="utf-8") + deep + "\n", encoding="utf-8")
    for entry in (ws / "archive" / "cache").rglob("*.json"):
        entry.write_text(deep, encoding="utf-8")
    (ws / "archive" / "probes").mkdir(exist_ok=True)
    (ws / "archive" / "probes" / "orbit-cloud.jsonl").write_text(deep + "\n", encoding="utf-8")
    r = run_cli("score", "--workspace", ws, "--format", "json")
    assert r.code == 0 and r.out == clean, r


def test_diff_of_a_deep_file_is_a_one_line_error(tmp_path, run_cli):
    old = tmp_path / "old.json"
    old.write_text("{\"a\": " * DEEP + "1" + "}" * DEEP, encoding="utf-8")
    r = run_cli("diff", old, old)
    assert r.code == 2 and len(r.err.strip().splitlines()) == 1, r


def test_the_scanner_ignores_brackets_in_strings_and_comments():
    text = 'a = "[[[[[[" # [[[[[[[\nb = \'{{{{{\'\nc = """\n[[[[[[\n"""\nd = [[1]]\n'
    assert nesting_depth(text, toml=True) == 2
    assert loads_toml(text)["d"] == [[1]]
    assert loads_json('{"a": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\\""}')
    with pytest.raises(UntrustedInputError):
        loads_json("[" * 65 + "]" * 65)
    with pytest.raises(UntrustedInputError):
        loads_toml("x = 1\n" * 10, max_bytes=20)


@pytest.mark.parametrize("bad", [False, True])
def test_five_thousand_documents_validate_in_linear_time(tmp_path, run_cli, bad):
    def declaration(n: int) -> str:
        kind = "no-such-type" if bad else "privacy-policy"
        docs = "".join(f'\n[[documents]]\ntype = "{kind}"\nurl = "https://example.com/p{i}"\nselect = ["main", "article"]\n'
                       for i in range(n))
        return 'name = "Big"\nwebsite = "https://example.com"\n' + docs

    def timed(n: int) -> float:
        ws = tmp_path / f"ws{n}"
        (ws / "companies").mkdir(parents=True)
        (ws / "companies" / "big.toml").write_text(declaration(n), encoding="utf-8")
        started = time.perf_counter()
        r = run_cli("validate", "--workspace", ws)
        assert r.code == (2 if bad else 0), r
        return time.perf_counter() - started

    small, large = timed(500), timed(5000)
    assert large < 10
    assert large < small * 10 * 3  # ten times the documents, at most ~ten times the time (+ slack)


def _depth_one_character_at_a_time(text: str, toml: bool, limit: int) -> int:
    """The scanner's definition, a character at a time (what audit.untrusted did before it
    dropped strings and comments with regular expressions): the reference for the test below."""
    depth = deepest = 0
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == '"' or (toml and ch == "'"):
            if toml and text.startswith(ch * 3, i):
                end = text.find(ch * 3, i + 3)
                i = n if end < 0 else end + 3
                continue
            i += 1
            while i < n and text[i] != ch:
                if ch == '"' and text[i] == "\\":
                    i += 1
                elif toml and text[i] == "\n":
                    break
                i += 1
            i += 1
            continue
        if toml and ch == "#":
            end = text.find("\n", i)
            i = n if end < 0 else end
            continue
        if ch in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > limit:
                    return deepest
        elif ch in "]}":
            depth = max(0, depth - 1)
        i += 1
    return deepest


@pytest.mark.parametrize("toml", [False, True])
def test_the_scanner_agrees_with_its_character_by_character_definition(toml):
    """Random texts made of the characters that matter: quotes (single, triple, unclosed),
    backslashes (before quotes, newlines, the end), comments, newlines and brackets."""
    import random

    rng = random.Random(7)
    pieces = ['"', "'", '"""', "'''", "\\", "\\\"", "#", "\n", "[", "]", "{", "}", "a", " ", "x = "]
    for _ in range(4000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 40)))
        limit = rng.choice([2, 5, 64])
        assert nesting_depth(text, toml, limit) == _depth_one_character_at_a_time(text, toml, limit), repr(text)
