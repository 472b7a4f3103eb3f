"""Every criterion is a unit in one explicit map (`audit.criteria.REGISTRY`), in step with the
built-in rubric (the single source of the methodology) and the documents generated from it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from audit.criteria import KINDS, PROBE_KINDS, PROBE_UNITS, REGISTRY, TEXT_KINDS, Unit, unit_of
from audit.probe import levels
from audit.rubric.docs import render_markdown
from audit.rubric.loader import load_rubric
from audit.rubric.model import METHODS


@pytest.fixture(scope="module")
def rubric():
    return load_rubric("builtin")


def test_every_rubric_criterion_is_registered_and_every_registered_one_is_in_the_rubric(rubric):
    assert list(REGISTRY) == [c.id for c in rubric.criteria]  # same ids, in the rubric's order
    for cid, unit in REGISTRY.items():
        assert unit.id == cid


def test_a_units_kind_is_its_rubric_method(rubric):
    assert METHODS == KINDS  # the rubric's `method` values are the kinds of unit
    for c in rubric.criteria:
        assert REGISTRY[c.id].kind == c.method, c.id
        assert unit_of(c) is REGISTRY[c.id]
        assert unit_of(c).has_text == c.has_text and unit_of(c).has_probe == c.has_probe


def test_probe_criteria_and_only_they_have_a_judge():
    for unit in REGISTRY.values():
        assert (unit.judge is not None) == (unit.kind in PROBE_KINDS), unit.id
    assert levels.CRITERIA == tuple(u.id for u in PROBE_UNITS) == (levels.TRANSPORT, levels.HTTPS, levels.DISCLOSURE)


def test_methodology_text_and_examples_come_from_the_rubric(rubric):
    for unit in REGISTRY.values():
        c = unit.methodology(rubric)
        assert c is rubric.criterion(unit.id) and c.levels.get("met")
        assert unit.examples(rubric) == c.examples
        assert bool(unit.examples(rubric)) == (unit.kind in TEXT_KINDS), unit.id


def test_a_criterion_of_another_rubric_is_judged_by_its_method():
    mini = load_rubric(str(Path(__file__).parents[1] / "data" / "mini_rubric.toml"))
    for c in mini.criteria:
        u = unit_of(c)
        assert isinstance(u, Unit) and u.id == c.id and u.kind == c.method
        assert u.judge is None or c.id in REGISTRY


def test_generated_methodology_lists_every_registered_criterion(rubric):
    docs = render_markdown(rubric)
    criteria = docs[docs.index("## Criteria"):]
    assert re.findall(r"^\| `([a-z0-9-]+)` ", criteria, flags=re.M) == list(REGISTRY)
    for cid, unit in REGISTRY.items():
        assert re.search(rf"^\| `{re.escape(cid)}` .*\| {re.escape(unit.kind)} \|", docs, flags=re.M), cid


def test_the_shared_methodology_names_every_registered_criterion(shared_dir):
    text = (shared_dir / "METHODOLOGY.md").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| `([a-z0-9-]+)` \| [0-9]+ \| ([a-z+]+) \|", text, flags=re.M))
    assert rows == {cid: u.kind for cid, u in REGISTRY.items()}
