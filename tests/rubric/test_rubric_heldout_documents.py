"""A document-level held-out set for the built-in rubric.

`tests/data/heldout/documents/` holds twenty fictional documents written for this test, in three
rounds. Round one (eight documents): three law-enforcement guidelines (strong, middling and weak),
three privacy policies, a transparency report and an encryption page. Round two (six documents,
other industries and styles): a mobile carrier's law-enforcement guide, a cloud provider's
government-request policy, a delivery app's privacy policy, a crypto exchange's law-enforcement
guidelines, a search engine's privacy and transparency page and a home-camera privacy FAQ. Round
three (six documents, other legal systems and formats): a European messenger's FAQ for
authorities (GDPR, production orders, investigating judges, mutual legal assistance), a VPN's
no-logs policy, a UK telecom's lawful-interception statement, a mapping API's developer terms, a
car maker's connected-vehicle privacy notice, and Swiss e-mail guidelines extracted from a PDF
(page footers, hyphenated line breaks, words run together, a table flattened to lines). They
carry realistic traps: flattened tables, numbered lists, definitions, footnotes, FAQ questions,
hedges, exceptions, opt-in features, customer-managed keys, statements about partners and other
companies, plans and marketing claims. `labels.toml` gives the level a careful reader assigns
each text criterion for the whole document, under the methodology, in the corpus labels format.

Each round's labels were written before the rubric was run on its documents. Round one first
measured exact agreement 70.9%, detection 83.7% and false credit 4.0% (6 pairs); round two,
on its six documents alone, 59.2%, 68.4% and 3.5% (4 pairs); round three, on its six documents
alone, 45.9%, 68.8% and 8.8% (10 pairs) with the labels as first written (49.2%, 70.8% and 5.3%,
6 pairs, after four labels were brought into line with the conventions of this set; see
`labels.toml`). The misses were then fixed with general signals and the fixed sentences were
added to the rubric as examples. The floors below
leave room for the engine's known limits: within one document, any "for" evidence plus evidence
against gives `partial`, so a document that both states a practice in general terms and
contradicts it elsewhere cannot reach `not-met`; and a defined term ("Customer Data" meaning
content) is not resolved, so a rule stated with the defined term is not read as a rule about
content.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

HELDOUT = Path(__file__).resolve().parents[1] / "data" / "heldout"


def _evaluate(run_cli, reader):
    res = run_cli("eval", HELDOUT / "labels.toml", "--documents", HELDOUT / "documents", "--format", "json",
                  env={"AUDIT_READER": reader})
    assert res.code == 0, res
    return json.loads(res.out)


@pytest.fixture
def evaluation(run_cli):
    """The hand rules alone (AUDIT_READER=rules): these documents are what the rules were fixed on,
    so the floors below guard the rules against regressions; they say nothing of unseen policies."""
    return _evaluate(run_cli, "rules")


def test_learned_reader_on_these_documents(run_cli):
    # The learned reader never trained on these documents (it trains on real labelled policies);
    # its figures here were 68.8% exact, 79.2% detection, 2.9% false credit when it shipped.
    overall = _evaluate(run_cli, "learned")["overall"]
    assert overall["exact_agreement"] >= 0.66, overall
    assert overall["detection"] >= 0.76, overall
    assert overall["false_credit"] <= 0.035, overall


def test_every_labelled_document_is_present():
    import tomllib

    labels = tomllib.loads((HELDOUT / "labels.toml").read_text(encoding="utf-8"))
    files = {d["file"] for d in labels["document"]}
    assert len(files) == 20
    assert files == {p.name for p in (HELDOUT / "documents").iterdir()}


def test_document_level_agreement_floors(evaluation):
    overall = evaluation["overall"]
    assert overall["labelled"] >= 150
    assert overall["exact_agreement"] >= 0.85, overall
    assert overall["detection"] >= 0.90, overall
    assert overall["false_credit"] <= 0.02, overall


def test_core_legal_process_criteria_never_over_credit(evaluation):
    # giving credit the text does not support is the costly error; the heaviest criteria must have none
    for cid in ("requires-legal-process", "warrant-for-content", "user-notice", "provider-cannot-decrypt", "e2ee-by-default"):
        assert evaluation["criteria"][cid]["false_credit_pairs"] == 0, cid
