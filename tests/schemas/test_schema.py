"""The shipped JSON Schema describes what `audit check --format json` and `audit report` write."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

jsonschema = pytest.importorskip("jsonschema")

from audit.report.site import write_report  # noqa: E402
from audit.rubric.loader import load_rubric  # noqa: E402

SCHEMA = Path(__file__).parents[2] / "audit" / "schemas" / "scorecards-1.json"
RUBRIC = Path(__file__).parents[1] / "data" / "mini_rubric.toml"


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
    from tests.report.test_report import make_cards

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


# every JSON output names and matches its shipped schema --------------------------------------
from audit import schemas  # noqa: E402

ROOT = Path(__file__).parents[2]


def _validator(name):
    schema = schemas.load(name)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


def test_every_schema_is_shipped_with_a_real_id():
    for name, file in schemas.FILES.items():
        schema = schemas.load(name)
        assert schema["$id"] == schemas.schema_url(name) and schema["$id"].endswith("/" + file)
        assert schema["$id"].startswith("https://") and ".invalid" not in schema["$id"]
        assert (ROOT / "audit" / "schemas" / file).is_file()


def test_check_output_names_its_schema(run_cli, tmp_path):
    doc = tmp_path / "policy.txt"
    doc.write_text("We notify users before we disclose their data.\n")
    res = run_cli("check", doc, "--type", "law-enforcement-guidelines", "--format", "json", "--rubric", RUBRIC)
    data = json.loads(res.out)
    assert data["$schema"] == schemas.load("scorecards")["$id"]
    _validator("scorecards").validate(data)


def test_published_site_carries_the_schema_and_shields_endpoints(tmp_path):
    from tests.report.test_report import make_cards

    rb = load_rubric(str(RUBRIC))
    cards = make_cards(rb)
    write_report(tmp_path, cards, rb)
    published = tmp_path / "schemas" / "scorecards-1.json"
    assert published.read_text(encoding="utf-8") == schemas.text("scorecards")
    data = json.loads((tmp_path / "scorecards.json").read_text())
    assert data["$schema"] == json.loads(published.read_text())["$id"]
    shields = _validator("shields")
    for card in cards:
        assert (tmp_path / "badges" / f"{card.slug}.svg").is_file()
        endpoint = json.loads((tmp_path / "badges" / f"{card.slug}.json").read_text())
        shields.validate(endpoint)
        assert endpoint["schemaVersion"] == 1 and endpoint["label"] == "encryption audit"
        expected = "not evaluated" if card.score is None else f"{card.grade} {card.score:.1f}"
        assert endpoint["message"] == expected


def test_diff_output_validates(run_cli, tmp_path):
    from tests.refresh.test_diff import _doc

    old, new = _doc(), _doc()
    new["companies"][0]["score"], new["companies"][0]["grade"] = 50.0, "C"
    new["companies"][0]["criteria"][0]["level"] = "partial"
    (tmp_path / "old.json").write_text(json.dumps(old))
    (tmp_path / "new.json").write_text(json.dumps(new))
    res = run_cli("diff", tmp_path / "old.json", tmp_path / "new.json", "--format", "json")
    data = json.loads(res.out)
    assert data["$schema"] == schemas.schema_url("diff") and data["companies"], res
    _validator("diff").validate(data)
    data["companies"][0]["grade_dropped"] = "yes"
    assert not _validator("diff").is_valid(data)


def test_history_lines_validate(tmp_path):
    from audit.refresh.history import append_history, entries_from_scorecards
    from tests.refresh.test_diff import _doc

    path = tmp_path / "history.jsonl"
    append_history(path, entries_from_scorecards(_doc()))
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert lines and all(line["$schema"] == schemas.schema_url("history") for line in lines)
    for line in lines:
        _validator("history").validate(line)


def test_declarations_validate_and_bad_ones_do_not():
    import tomllib

    v = _validator("declaration")
    files = sorted((ROOT / "companies").glob("*.toml")) + sorted((ROOT / "examples" / "companies").glob("*.toml"))
    assert files
    for f in files:
        errors = list(v.iter_errors(tomllib.loads(f.read_text(encoding="utf-8"))))
        assert not errors, (f.name, errors[0].message)
    bad = {"name": "Acme", "documents": [{"type": "policy", "url": "https://a.example/p"}]}
    assert not v.is_valid(bad)
    assert not v.is_valid({"name": "Acme", "documents": [{"type": "other", "url": "https://a", "path": "x"}]})
    assert not v.is_valid({"website": "https://a.example"})  # name is required
    assert v.is_valid({"name": "Acme", "documents": [{"type": "other", "url": "https://a.example/p",
                                                      "select": ["main", {"start_before": "#a", "end_before": "#b"}]}]})
