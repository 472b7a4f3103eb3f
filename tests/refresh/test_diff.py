"""`audit diff`: every changed criterion with its cause, told apart (synthetic scorecards)."""

from __future__ import annotations

import copy
import json

import pytest

from audit.refresh.diff import (EXTRACTION, PROBE, REVIEW, RUBRIC, STALE, TEXT, diff_scorecards)

URL = "https://example.test/le"
A, B = "a" * 64, "b" * 64


def _ev(quote, sha=A, url=URL, start=0, observation=None):
    e = {"document": "law-enforcement-guidelines", "url": url, "sha256": sha, "fetched_at": "2026-11-01T00:00:00Z",
         "quote": quote, "start": start, "end": start + len(quote), "polarity": "for", "signal": "s"}
    if observation is not None:
        e["observation"] = observation
    return e


def _doc():
    return {
        "schema": "encryption-audit/scorecards/1",
        "tool": {"name": "encryption-audit", "version": "0.1.0"},
        "rubric": {"id": "builtin", "version": "1.0", "sha256": "r1"},
        "generated_at": "2026-11-01T00:00:00Z",
        "companies": [{
            "slug": "acme", "name": "Acme", "score": 70.0, "grade": "B",
            "criteria": [
                {"id": "warrant", "demand": "legal", "method": "text", "level": "met", "points": 100, "weight": 3,
                 "reviewed": False, "conflicting": False, "evidence": [_ev("We require a warrant for content.")]},
                {"id": "tls", "demand": "transport", "method": "probe", "level": "met", "points": 100, "weight": 1,
                 "reviewed": False, "conflicting": False,
                 "evidence": [_ev("TLS 1.3", url="https://acme.test", observation={"tls": "1.3"})]},
            ],
            "documents": [{"type": "law-enforcement-guidelines", "url": URL, "sha256": A,
                           "fetched_at": "2026-11-01T00:00:00Z", "status": "ok", "error": None}],
        }],
    }


def _crit(doc, cid):
    return next(c for c in doc["companies"][0]["criteria"] if c["id"] == cid)


def _kinds(d, cid):
    cc = next(x for x in d.companies[0].criteria if x.id == cid)
    return {c.kind for c in cc.causes}


def test_identical_files_have_no_changes():
    d = diff_scorecards(_doc(), _doc())
    assert d.empty and not d.companies


def test_text_change_names_document_and_diffs_quotes():
    old, new = _doc(), _doc()
    new["companies"][0]["documents"][0]["sha256"] = B
    c = _crit(new, "warrant")
    c["level"], c["points"] = "partial", 50
    c["evidence"] = [_ev("We may require a warrant for some content.", sha=B)]
    new["companies"][0]["score"], new["companies"][0]["grade"] = 60.0, "C"
    d = diff_scorecards(old, new)
    assert _kinds(d, "warrant") == {TEXT}
    cause = d.companies[0].criteria[0].causes[0]
    assert cause.document == URL
    assert "-We require a warrant for content." in cause.quote_diff
    assert "+We may require a warrant for some content." in cause.quote_diff
    assert d.companies[0].grade_dropped
    assert [x.kind for x in d.companies[0].documents] == [TEXT]


def test_extraction_change_same_snapshot():
    old, new = _doc(), _doc()
    c = _crit(new, "warrant")
    c["evidence"] = [_ev("We require a warrant.", start=5)]
    c["level"] = "partial"
    new["tool"]["version"] = "0.2.0"
    d = diff_scorecards(old, new)
    assert _kinds(d, "warrant") == {EXTRACTION}
    assert not d.companies[0].documents


def test_probe_change():
    old, new = _doc(), _doc()
    c = _crit(new, "tls")
    c["level"], c["points"] = "partial", 50
    c["evidence"] = [_ev("TLS 1.2", url="https://acme.test", observation={"tls": "1.2"})]
    assert _kinds(diff_scorecards(old, new), "tls") == {PROBE}


def test_rubric_change_same_evidence():
    old, new = _doc(), _doc()
    new["rubric"]["version"], new["rubric"]["sha256"] = "1.1", "r2"
    c = _crit(new, "warrant")
    c["points"] = 90
    d = diff_scorecards(old, new)
    assert d.rubric_changed
    assert _kinds(d, "warrant") == {RUBRIC}


def test_rubric_weight_change_is_rubric():
    old, new = _doc(), _doc()
    _crit(new, "warrant")["weight"] = 5
    assert RUBRIC in _kinds(diff_scorecards(old, new), "warrant")


def test_review_added():
    old, new = _doc(), _doc()
    c = _crit(new, "warrant")
    c["reviewed"], c["level"], c["points"] = True, "partial", 50
    c["review"] = {"rationale": "r", "reviewer": "Ann", "date": "2026-11-02", "evidence_url": None,
                   "automatic_level": "met"}
    d = diff_scorecards(old, new)
    assert _kinds(d, "warrant") == {REVIEW}
    assert "Ann" in d.companies[0].criteria[0].causes[0].detail


def test_fetch_failed_makes_evidence_stale():
    old, new = _doc(), _doc()
    new["companies"][0]["documents"][0].update(status="failed", error="HTTP 503", sha256="")
    c = _crit(new, "warrant")
    c["level"], c["points"], c["evidence"] = "no-disclosure", 0, []
    d = diff_scorecards(old, new)
    assert _kinds(d, "warrant") == {STALE}
    assert d.companies[0].documents[0].kind == STALE
    assert "HTTP 503" in d.companies[0].criteria[0].causes[0].detail


def test_stale_document_is_reported_even_when_levels_hold():
    old, new = _doc(), _doc()
    new["companies"][0]["documents"][0].update(status="stale", error="timeout")
    d = diff_scorecards(old, new)
    assert [x.kind for x in d.companies[0].documents] == [STALE]
    assert d.companies[0].causes == (STALE,)


def test_company_added_and_removed():
    old, new = _doc(), _doc()
    other = copy.deepcopy(new["companies"][0])
    other["slug"], other["name"] = "zeta", "Zeta"
    new["companies"].append(other)
    d = diff_scorecards(old, new)
    assert [(c.slug, c.status) for c in d.companies] == [("zeta", "added")]
    d = diff_scorecards(new, old)
    assert [(c.slug, c.status) for c in d.companies] == [("zeta", "removed")]


@pytest.mark.parametrize("fmt", ["text", "json", "markdown"])
def test_cli_formats(tmp_path, run_cli, fmt):
    old, new = _doc(), _doc()
    new["companies"][0]["documents"][0]["sha256"] = B
    c = _crit(new, "warrant")
    c["level"], c["evidence"] = "partial", [_ev("A warrant, sometimes.", sha=B)]
    (tmp_path / "o.json").write_text(json.dumps(old))
    (tmp_path / "n.json").write_text(json.dumps(new))
    r = run_cli("diff", tmp_path / "o.json", tmp_path / "n.json", "--format", fmt)
    assert r.code == 0, r
    if fmt == "json":
        j = json.loads(r.out)
        assert j["companies"][0]["criteria"][0]["causes"][0]["kind"] == TEXT
    elif fmt == "markdown":
        assert "| `warrant` | met | partial |" in r.out and "```diff" in r.out
    else:
        assert "warrant: met -> partial" in r.out and TEXT in r.out
    again = run_cli("diff", tmp_path / "o.json", tmp_path / "n.json", "--format", fmt)
    assert again.out == r.out


@pytest.mark.parametrize("content", ["", "{", "[]", '{"companies": [{"name": "x"}]}', "\xff\xfe",
                                     '{"companies": [{"slug": "a", "criteria": 5}]}', '{"companies": [], "rubric": 1}'])
def test_bad_input_exits_2(tmp_path, run_cli, content):
    (tmp_path / "o.json").write_text(content)
    (tmp_path / "n.json").write_text(json.dumps(_doc()))
    r = run_cli("diff", tmp_path / "o.json", tmp_path / "n.json")
    assert r.code == 2 and "Traceback" not in r.err and r.err.count("\n") == 1


def test_missing_file_exits_2(tmp_path, run_cli):
    assert run_cli("diff", tmp_path / "nope.json", tmp_path / "nope2.json").code == 2


def test_same_quote_at_new_offset_is_not_a_criterion_change():
    old, new = _doc(), _doc()
    new["companies"][0]["documents"][0]["sha256"] = B
    _crit(new, "warrant")["evidence"] = [_ev("We  require a warrant\nfor content.", sha=B, start=40)]
    d = diff_scorecards(old, new)
    assert [c.id for c in d.companies[0].criteria] == []
    assert [x.kind for x in d.companies[0].documents] == [TEXT]


# -- quotes of an unchanged document moving in or out of the truncated evidence list ----------

URL2 = "https://example.test/faq"


def _two_documents():
    """Acme with two documents; `warrant` shows (at most 5) quotes from both, the changed one first."""
    old = _doc()
    co = old["companies"][0]
    co["documents"].append({"type": "law-enforcement-guidelines", "url": URL2, "sha256": "c" * 64,
                            "fetched_at": "2026-11-01T00:00:00Z", "status": "ok", "error": None})
    _crit(old, "warrant")["evidence"] = [_ev("We require a warrant for content.")] + [
        _ev(f"Warrant rule {i} for content.", sha="c" * 64, url=URL2, start=10 * i) for i in range(4)]
    new = copy.deepcopy(old)
    new["companies"][0]["documents"][0]["sha256"] = B
    c = _crit(new, "warrant")
    c["level"], c["points"] = "partial", 50
    # the changed document now has three quotes: two of the other document's drop out of the list
    c["evidence"] = [_ev(q, sha=B) for q in ("We require a warrant for content.", "We may skip the warrant.",
                                             "Content without a warrant in emergencies.")] + [
        _ev(f"Warrant rule {i} for content.", sha="c" * 64, url=URL2, start=10 * i) for i in range(2)]
    return old, new


def test_unchanged_document_leaving_the_truncated_list_is_not_an_extraction_change():
    old, new = _two_documents()
    d = diff_scorecards(old, new)
    causes = d.companies[0].criteria[0].causes
    assert [(c.kind, c.document) for c in causes] == [(TEXT, URL)]
    assert d.companies[0].causes == (TEXT,)


def test_changed_document_without_quotes_of_its_own_is_named():
    old, new = _two_documents()
    # the changed document's quotes stay the same; only the other document's quotes move
    _crit(new, "warrant")["evidence"] = [_ev("We require a warrant for content.", sha=B)] + [
        _ev(f"Warrant rule {i} for content.", sha="c" * 64, url=URL2, start=10 * i) for i in (0, 1, 2, 5)]
    d = diff_scorecards(old, new)
    causes = d.companies[0].criteria[0].causes
    assert [(c.kind, c.document) for c in causes] == [(TEXT, URL)]


def test_moving_quotes_are_extraction_only_when_nothing_else_changed():
    old, new = _two_documents()
    new["companies"][0]["documents"][0]["sha256"] = A  # all snapshots as before
    c = _crit(new, "warrant")
    c["evidence"] = [_ev("We require a warrant for content.")] + [
        _ev(f"Warrant rule {i} for content.", sha="c" * 64, url=URL2, start=10 * i) for i in (0, 1, 2, 7)]
    d = diff_scorecards(old, new)
    assert [(x.kind, x.document) for x in d.companies[0].criteria[0].causes] == [(EXTRACTION, URL2)]
    # with a new tool version the same moves are an extraction change even beside a text change
    old2, new2 = _two_documents()
    new2["tool"]["version"] = "0.2.0"
    kinds = [(x.kind, x.document) for x in diff_scorecards(old2, new2).companies[0].criteria[0].causes]
    assert (TEXT, URL) in kinds and (EXTRACTION, URL2) in kinds


def test_probe_and_text_criterion_tells_probe_from_text():
    old, new = _doc(), _doc()
    c = _crit(old, "warrant")
    c["method"] = "probe+text"
    c["evidence"].insert(0, _ev("TLS 1.3", url="https://acme.test", observation={"tls": "1.3"}))
    c2 = _crit(new, "warrant")
    c2["method"] = "probe+text"
    c2["evidence"].insert(0, _ev("TLS 1.2", url="https://acme.test", observation={"tls": "1.2"}))
    c2["level"] = "partial"
    assert _kinds(diff_scorecards(old, new), "warrant") == {PROBE}
