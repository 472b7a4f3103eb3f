"""The built-in rubric implements METHODOLOGY.md: every criterion, weight, method, grade and cap."""

from __future__ import annotations

import json

import pytest

from audit.reader.rules.examples import run_examples
from audit.rubric.loader import load_rubric

# id -> (demand, weight, method), as METHODOLOGY.md's criteria tables give them
METHODOLOGY = {
    "requires-legal-process": ("legal-process", 3, "text"),
    "warrant-for-content": ("legal-process", 3, "text"),
    "user-notice": ("legal-process", 3, "text"),
    "narrow-emergency-disclosure": ("legal-process", 2, "text"),
    "pushes-back": ("legal-process", 2, "text"),
    "transparency-report": ("legal-process", 2, "text"),
    "publishes-le-guidelines": ("legal-process", 1, "text"),
    "gag-order-limits": ("legal-process", 1, "text"),
    "no-direct-access": ("legal-process", 1, "text"),
    "e2ee-by-default": ("encryption", 3, "text"),
    "provider-cannot-decrypt": ("encryption", 3, "text"),
    "encrypted-in-transit-and-at-rest": ("encryption", 1, "text"),
    "opposes-backdoors": ("encryption", 2, "text"),
    "data-minimization": ("encryption", 2, "text"),
    "no-data-sales": ("encryption", 1, "text"),
    "transport-security": ("encryption", 2, "probe"),
    "https-enforced": ("encryption", 1, "probe"),
    "vulnerability-disclosure": ("encryption", 1, "probe+text"),
    "no-police-contracts": ("police-contracts", 3, "text"),
    "no-surveillance-products": ("police-contracts", 3, "text"),
    "no-police-portal": ("police-contracts", 2, "text"),
    "no-surveillance-by-third-parties": ("third-parties", 2, "text"),
    "no-le-vendor-business": ("third-parties", 1, "review"),
}
DEMANDS = {"legal-process": 35, "encryption": 35, "police-contracts": 20, "third-parties": 10}


@pytest.fixture(scope="module")
def rubric():
    return load_rubric("builtin")


def test_validate_passes(run_cli):
    res = run_cli("rubric", "validate")
    assert res.code == 0, res


def test_rubric_test_passes(run_cli):
    res = run_cli("rubric", "test")
    assert res.code == 0, res


def test_every_example_gets_its_level(rubric):
    failures = [r for r in run_examples(rubric) if not r.ok]
    assert failures == []


def test_criteria_match_methodology(rubric):
    got = {c.id: (c.group, c.weight, c.method) for c in rubric.criteria}
    assert got == METHODOLOGY


def test_demands_and_weights(rubric):
    assert {d.id: d.weight for d in rubric.demands} == DEMANDS


def test_every_criterion_states_a_demand_and_levels(rubric):
    for c in rubric.criteria:
        assert c.demand.strip(), c.id
        assert c.levels.get("met"), c.id


@pytest.mark.parametrize("cid", [k for k, v in METHODOLOGY.items() if "text" in v[2]])
def test_text_criteria_have_signals_and_five_examples(rubric, cid):
    c = rubric.criterion(cid)
    assert c.signals, cid
    assert len(c.examples) >= 5, cid
    levels = {ex.level.value for ex in c.examples}
    assert "no-disclosure" in levels, f"{cid}: needs look-alike sentences that must not fire"
    assert "met" in levels, cid


@pytest.mark.parametrize("cid", ["transport-security", "https-enforced", "no-le-vendor-business"])
def test_probe_and_review_criteria_have_no_signals(rubric, cid):
    assert rubric.criterion(cid).signals == ()


def test_grades_and_caps(rubric):
    grades = {g.grade: g.min for g in rubric.grades}
    assert grades == {"A": 85, "B": 70, "C": 55, "D": 40, "F": 0}
    caps = {(c.criterion, c.level.value, c.max_grade) for c in rubric.caps}
    assert caps == {("requires-legal-process", "not-met", "D"), ("provider-cannot-decrypt", "not-met", "C")}


def test_points(rubric):
    assert {k.value if hasattr(k, "value") else k: v for k, v in rubric.points.items()} == {
        "met": 100, "partial": 50, "not-met": 0, "no-disclosure": 0}


def test_show_json_lists_all_criteria(run_cli):
    res = run_cli("rubric", "show", "--format", "json")
    assert res.code == 0, res
    ids = {c["id"] for c in json.loads(res.out)["criteria"]}
    assert ids == set(METHODOLOGY)


@pytest.mark.parametrize(
    ("cid", "text", "level"),
    [
        # a sentence cut in two by a PDF page break is still read as one sentence
        ("provider-cannot-decrypt",
         "Users may choose to lock a note, and in\n\nthat case the note cannot be read by the company.", "partial"),
        # hedges lower a commitment; "reserves the right" is a hedge
        ("pushes-back", "The company reserves the right to challenge overbroad requests in court.", "partial"),
        # negation turns evidence against: "not end-to-end encrypted"
        ("e2ee-by-default", "Chats are not end-to-end encrypted.", "not-met"),
        # evidence against caps a met sentence at partial (conflicting)
        ("user-notice",
         "Our policy is to notify users before we disclose their data to law enforcement.\n\n"
         "We do not notify account holders about requests from the police.", "partial"),
    ],
)
def test_real_policy_patterns(rubric, cid, text, level):
    from audit.reader.rules.examples import level_of_text

    got, _ = level_of_text(rubric, cid, text)
    assert got.value == level
