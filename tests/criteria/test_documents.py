"""Which document types speak to which criteria (`Unit.doc_types`, `DEMAND_DOC_TYPES`): the
registry gives, for every document type of the declarations schema, the criteria it gave when the
map was written by type (`score/incomplete.py`'s `SPEAKS_TO`), for the built-in rubric and for
any other rubric (`--rubric FILE`)."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from audit.criteria import DEMAND_DOC_TYPES, OTHER, REGISTRY, SPEAKS_TO, doc_types_of
from audit.rubric.loader import load_rubric
from audit.score.incomplete import criteria_spoken_to

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_TYPES = tuple(json.loads((ROOT / "audit" / "schemas" / "declaration-1.json").read_text(encoding="utf-8"))
                     ["properties"]["documents"]["items"]["properties"]["type"]["enum"])

TEXT_CRITERIA = {
    "requires-legal-process", "warrant-for-content", "user-notice", "narrow-emergency-disclosure", "pushes-back",
    "transparency-report", "publishes-le-guidelines", "gag-order-limits", "no-direct-access", "e2ee-by-default",
    "provider-cannot-decrypt", "encrypted-in-transit-and-at-rest", "opposes-backdoors", "data-minimization",
    "no-data-sales", "vulnerability-disclosure", "no-police-contracts", "no-surveillance-products",
    "no-police-portal", "no-surveillance-by-third-parties",
}

#: the built-in rubric: document type -> the text criteria it speaks to (written out: the test fails
#: when the registry drifts)
EXPECTED = {
    "law-enforcement-guidelines": {"requires-legal-process", "warrant-for-content", "user-notice",
                                   "narrow-emergency-disclosure", "pushes-back", "transparency-report",
                                   "publishes-le-guidelines", "gag-order-limits", "no-direct-access",
                                   "no-police-portal"},
    "transparency-report": {"pushes-back", "transparency-report"},
    "privacy-policy": {"requires-legal-process", "user-notice", "encrypted-in-transit-and-at-rest",
                       "data-minimization", "no-data-sales", "no-surveillance-by-third-parties"},
    "terms-of-service": {"requires-legal-process", "no-data-sales"},
    "encryption": {"e2ee-by-default", "provider-cannot-decrypt", "encrypted-in-transit-and-at-rest",
                   "opposes-backdoors"},
    "security": {"encrypted-in-transit-and-at-rest", "opposes-backdoors", "vulnerability-disclosure"},
    "developer-terms": {"no-data-sales", "no-surveillance-by-third-parties"},
    "product": {"e2ee-by-default", "provider-cannot-decrypt", "no-surveillance-products", "no-police-portal"},
    "other": TEXT_CRITERIA,
}

#: the map as it was written by document type (a demand id stands for all of its criteria, "*" for
#: every text criterion), and the rule that read it: the oracle for other rubrics
OLD_SPEAKS_TO = {
    "law-enforcement-guidelines": ("legal-process", "no-police-portal"),
    "transparency-report": ("transparency-report", "pushes-back"),
    "privacy-policy": ("requires-legal-process", "user-notice", "encrypted-in-transit-and-at-rest",
                       "data-minimization", "no-data-sales", "no-surveillance-by-third-parties"),
    "terms-of-service": ("requires-legal-process", "no-data-sales"),
    "encryption": ("e2ee-by-default", "provider-cannot-decrypt", "encrypted-in-transit-and-at-rest",
                   "opposes-backdoors"),
    "security": ("encrypted-in-transit-and-at-rest", "vulnerability-disclosure", "opposes-backdoors"),
    "developer-terms": ("no-surveillance-by-third-parties", "no-data-sales"),
    "product": ("e2ee-by-default", "provider-cannot-decrypt", "no-police-portal", "no-surveillance-products"),
    "other": ("*",),
}


def old_criteria_spoken_to(rubric, doc_type: str) -> set[str]:
    wanted = OLD_SPEAKS_TO.get(doc_type, ("*",))
    return {c.id for c in rubric.criteria if c.has_text and ("*" in wanted or c.id in wanted or c.group in wanted)}


@pytest.fixture(scope="module")
def builtin():
    return load_rubric("builtin")


def test_every_schema_type_speaks_to_the_same_built_in_criteria(builtin):
    assert set(SCHEMA_TYPES) == set(EXPECTED)
    assert {c.id for c in builtin.criteria if c.has_text} == TEXT_CRITERIA
    for doc_type in SCHEMA_TYPES:
        assert criteria_spoken_to(builtin, doc_type) == EXPECTED[doc_type], doc_type
    assert criteria_spoken_to(builtin, "not-a-schema-type") == TEXT_CRITERIA


def test_the_per_type_view_is_the_registry_read_by_type(builtin):
    demands = {d.id for d in builtin.demands}
    assert set(DEMAND_DOC_TYPES) <= demands and not set(DEMAND_DOC_TYPES) & set(REGISTRY)
    assert set(SPEAKS_TO) == set(SCHEMA_TYPES) - {OTHER}  # `other` is never named: it speaks to all
    for unit in REGISTRY.values():
        assert len(set(unit.doc_types)) == len(unit.doc_types) and set(unit.doc_types) <= set(SPEAKS_TO), unit.id
        assert not unit.doc_types or unit.has_text, unit.id  # only a criterion read from documents has them
        for doc_type in SCHEMA_TYPES:
            assert (unit.id in SPEAKS_TO.get(doc_type, ())) == (doc_type in unit.doc_types)
    for demand, types in DEMAND_DOC_TYPES.items():
        for doc_type in SCHEMA_TYPES:
            assert (demand in SPEAKS_TO.get(doc_type, ())) == (doc_type in types)
    for c in builtin.criteria:
        assert set(doc_types_of(c)) == set(REGISTRY[c.id].doc_types) | set(DEMAND_DOC_TYPES.get(c.group, ()))


def test_other_rubrics_are_spoken_to_as_before(tmp_path, builtin):
    from tests.demands.test_demands import write_rubric

    rubrics = [builtin, load_rubric(str(Path(__file__).parents[1] / "data" / "mini_rubric.toml")),
               load_rubric(write_rubric(tmp_path))]
    # every pairing of a criterion id and a demand id: registered, built-in demands, unknown ones
    names = sorted(REGISTRY) + sorted({d.id for d in builtin.demands}) + ["custom", "legal"]
    rubrics.append(SimpleNamespace(criteria=[SimpleNamespace(id=i, group=g, has_text=t)
                                             for i, g, t in itertools.product(names, names, (True, False))]))
    for rubric, doc_type in itertools.product(rubrics, SCHEMA_TYPES + ("not-a-schema-type",)):
        assert criteria_spoken_to(rubric, doc_type) == old_criteria_spoken_to(rubric, doc_type), doc_type


def test_a_criterion_the_registry_does_not_know_is_spoken_to_by_its_demand_types():
    new = SimpleNamespace(id="police-requests-logged", group="legal-process")
    assert doc_types_of(new) == ("law-enforcement-guidelines",)
    assert doc_types_of(SimpleNamespace(id="police-requests-logged", group="custom")) == ()
