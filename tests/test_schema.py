"""The shipped JSON Schema describes what `audit check --format json` and `audit report` write."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

jsonschema = pytest.importorskip("jsonschema")

from audit.report.site import write_report  # noqa: E402
from audit.rubric.loader import load_rubric  # noqa: E402

SCHEMA = Path(__file__).parents[1] / "audit" / "report" / "scorecards.schema.json"
RUBRIC = Path(__file__).parent / "data" / "mini_rubric.toml"


@pytest.fixture
def validator():
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_check_output_validates(run_cli, tmp_path, validator):
    doc = tmp_path / "policy.txt"
    doc.write_text("We notify users before we disclose their data.\n\nA search warrant is required for content.\n")
    res = run_cli("check", doc, "--type", "law-enforcement-guidelines", "--format", "json", "--rubric", RUBRIC)
    assert res.code == 0, res
    data = json.loads(res.out)
    validator.validate(data)
    assert any(c["evidence"] for c in data["companies"][0]["criteria"])


def test_written_scorecards_validate(tmp_path, validator):
    from tests.test_report import make_cards

    rb = load_rubric(str(RUBRIC))
    write_report(tmp_path, make_cards(rb), rb)
    validator.validate(json.loads((tmp_path / "scorecards.json").read_text()))


def test_schema_rejects_what_spec_forbids(validator):
    bad = {"schema": "encryption-audit/scorecards/1", "tool": {"name": "encryption-audit", "version": "1"},
           "rubric": {"id": "x", "version": "1", "sha256": "0" * 64}, "generated_at": "2026-11-28T00:00:00Z",
           "companies": [{"slug": "a", "name": "A", "score": 50, "grade": "C",
                          "coverage": {"criteria": 1, "evidenced": 0, "no_disclosure": 1, "not_applicable": 0,
                                       "not_evaluated": 0, "reviewed": 0},
                          "demands": [], "documents": [],
                          "criteria": [{"id": "c", "demand": "d", "method": "text", "level": "excellent",
                                        "points": 0, "weight": 1, "reviewed": False, "conflicting": False,
                                        "evidence": []}]}]}
    assert not validator.is_valid(bad)
    bad["companies"][0]["criteria"][0]["level"] = "met"
    assert validator.is_valid(bad)
    del bad["companies"][0]["coverage"]
    assert not validator.is_valid(bad)


def test_failed_documents_and_unevaluated_companies_validate(run_cli, tmp_path, validator):
    """A company whose only document failed: null score/grade/sha256/fetched_at, still valid."""
    import socket

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))  # bound, not listening: connection refused
    try:
        url = f"http://127.0.0.1:{sock.getsockname()[1]}/policy"
        res = run_cli("check", url, "--format", "json", "--rubric", RUBRIC, "--allow-private-network")
    finally:
        sock.close()
    assert res.code == 3, res
    data = json.loads(res.out)
    validator.validate(data)
    company = data["companies"][0]
    assert company["score"] is None and company["not_evaluated_reason"]
    assert company["documents"][0]["sha256"] is None and company["documents"][0]["fetched_at"] is None
    company["documents"][0]["type_guessed"] = "yes"
    assert not validator.is_valid(data)
