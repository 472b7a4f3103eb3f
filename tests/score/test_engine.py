"""The scoring engine: negation, hedges, conflicting evidence, merging, caps, coverage."""

from __future__ import annotations

from pathlib import Path

import pytest

from audit.extract.markdown import extract_plain
from audit.models import DocumentFindings, DocumentRef, Evidence, Level, Polarity, ProbeOutcome, Review
from audit.rubric.loader import load_rubric
from audit.score.engine import decide_level, round1, score_company
from audit.reader.rules.matcher import find_all

MINI = str(Path(__file__).parents[1] / "data" / "mini_rubric.toml")


@pytest.fixture(scope="module")
def rubric():
    return load_rubric(MINI)


def doc(rubric, text: str, dtype: str = "privacy-policy", url: str = "https://example.com/p") -> DocumentFindings:
    ref = DocumentRef(dtype, url, "ab" * 32, "2026-01-01T00:00:00Z")
    return DocumentFindings(ref, find_all(rubric, extract_plain(text)))


def level(rubric, text: str, cid: str) -> Level:
    card = score_company(rubric, "x", "X", [doc(rubric, text)])
    return card.criterion(cid).level


def test_plain_commitment_is_met(rubric):
    assert level(rubric, "We notify users before disclosing data.", "notice") is Level.MET


def test_negation_turns_commitment_into_not_met(rubric):
    assert level(rubric, "We do not notify users about requests.", "notice") is Level.NOT_MET
    assert level(rubric, "We will never notify users.", "notice") is Level.NOT_MET


def test_hedge_makes_it_partial(rubric):
    assert level(rubric, "We may notify users before disclosure.", "notice") is Level.PARTIAL
    assert level(rubric, "Where feasible, we notify users.", "notice") is Level.PARTIAL


def test_silence_is_no_disclosure_and_scores_zero(rubric):
    card = score_company(rubric, "x", "X", [doc(rubric, "We like cake. Nothing else here.")])
    r = card.criterion("notice")
    assert r.level is Level.NO_DISCLOSURE and r.points == 0 and r.evidence == ()


def test_proximity_window(rubric):
    far = "A warrant " + "is a thing that exists in law and we talk at length about it " * 3 + "and content."
    assert level(rubric, far, "warrant") is Level.NO_DISCLOSURE
    assert level(rubric, "We require a warrant for content.", "warrant") is Level.MET


def test_conflicting_documents_cap_at_partial(rubric):
    good = doc(rubric, "We notify users before disclosure.", "law-enforcement-guidelines", "https://e.com/le")
    bad = doc(rubric, "We do not notify users.", "privacy-policy", "https://e.com/pp")
    card = score_company(rubric, "x", "X", [good, bad])
    r = card.criterion("notice")
    assert r.level is Level.PARTIAL and r.conflicting
    assert {e.polarity for e in r.evidence} == {Polarity.FOR, Polarity.AGAINST}


def test_best_level_wins_across_documents(rubric):
    a = doc(rubric, "We may notify users.", url="https://e.com/a")
    b = doc(rubric, "We notify users before disclosure.", url="https://e.com/b")
    card = score_company(rubric, "x", "X", [a, b])
    r = card.criterion("notice")
    assert r.level is Level.MET and not r.conflicting
    assert r.evidence[0].url == "https://e.com/b"


def test_evidence_carries_quote_offsets_and_source(rubric):
    text = "Intro line here.\n\nWe notify users before disclosure. Other text."
    d = doc(rubric, text)
    card = score_company(rubric, "x", "X", [d])
    e = card.criterion("notice").evidence[0]
    extracted = extract_plain(text)
    assert extracted.text[e.start:e.end] == e.quote == "We notify users before disclosure."
    assert e.url == "https://example.com/p" and e.sha256 == "ab" * 32 and e.fetched_at
    assert e.signal == "will-notify" and e.polarity is Polarity.FOR


def test_scores_weights_and_grade(rubric):
    # notice met (w2), warrant no-disclosure (w1): legal = 66.7; e2ee met: crypto = 100
    card = score_company(rubric, "x", "X", [doc(rubric, "We notify users. Messages are end-to-end encrypted.")])
    scores = {d.id: d.score for d in card.demands}
    assert scores == {"legal": 66.7, "crypto": 100.0}
    assert card.score == round1((200 / 3) * 0.6 + 100 * 0.4) == 80.0
    assert card.grade == "B"


def test_probe_not_run_is_not_evaluated_and_excluded(rubric):
    card = score_company(rubric, "x", "X", [doc(rubric, "Messages are end-to-end encrypted.")])
    assert card.criterion("tls").level is Level.NOT_EVALUATED
    assert card.criterion("tls").points is None
    assert card.criterion("vendor").level is Level.UNREVIEWED
    assert card.coverage.not_evaluated == 1 and card.coverage.unreviewed == 1
    assert dict((d.id, d.score) for d in card.demands)["crypto"] == 100.0


def test_probe_outcome_is_scored(rubric):
    ev = Evidence("probe", "https://h/", "", "t", "TLS 1.0 accepted", 0, 0, Polarity.AGAINST, "tls-versions", Level.NOT_MET)
    card = score_company(rubric, "x", "X", [doc(rubric, "Messages are end-to-end encrypted.")],
                         probes={"tls": ProbeOutcome(Level.NOT_MET, (ev,))})
    assert card.criterion("tls").level is Level.NOT_MET
    assert dict((d.id, d.score) for d in card.demands)["crypto"] == 50.0


def test_cap_limits_grade(rubric):
    card = score_company(rubric, "x", "X", [doc(rubric, "We do not notify users. A warrant is required for content. Messages are end-to-end encrypted.")])
    assert card.criterion("notice").level is Level.NOT_MET
    # legal = 100*1/3 = 33.3, crypto = 100 -> 60.0 -> C, cap at D
    assert card.score == 60.0
    assert card.grade == "D" and "notice" in card.grade_cap


def test_review_overrides_and_not_applicable(rubric):
    reviews = {"notice": Review("notice", Level.MET, "Checked by hand", "ana", "2026-11-01"),
               "vendor": Review("vendor", Level.NOT_MET, "Sells to police", "ana", "2026-11-01")}
    card = score_company(rubric, "x", "X", [doc(rubric, "We do not notify users.")], reviews=reviews,
                         not_applicable={"e2ee"})
    n = card.criterion("notice")
    assert n.level is Level.MET and n.reviewed and n.automatic_level is Level.NOT_MET
    assert card.criterion("vendor").level is Level.NOT_MET and card.criterion("vendor").points == 0
    assert card.criterion("e2ee").level is Level.NOT_APPLICABLE and card.criterion("e2ee").points is None
    assert card.coverage.reviewed == 2 and card.coverage.not_applicable == 1
    # a verdict settles it: no leftover "needs a human review" note on a reviewed criterion
    assert card.criterion("vendor").note is None and not card.criterion("vendor").conflicting


def test_a_review_settles_conflicting_evidence(rubric):
    text = "We notify users before disclosing data. We do not notify users about emergency requests."
    auto = score_company(rubric, "x", "X", [doc(rubric, text)]).criterion("notice")
    assert auto.conflicting
    review = {"notice": Review("notice", Level.PARTIAL, "Notice except emergencies", "ana", "2026-11-01")}
    card = score_company(rubric, "x", "X", [doc(rubric, text)], reviews=review)
    n = card.criterion("notice")
    assert n.reviewed and n.level is Level.PARTIAL and not n.conflicting
    assert n.automatic_level is auto.level and n.evidence == auto.evidence


def test_decide_level_rules():
    from audit.models import Finding

    ref = DocumentRef("t", "u", "s", "f")

    def f(lv, pol, start=0):
        return (ref, Finding("c", "s", lv, pol, start, start + 1, f"q{start}"))

    assert decide_level([]).level is Level.NO_DISCLOSURE
    assert decide_level([f(Level.NOT_MET, Polarity.AGAINST)]).level is Level.NOT_MET
    d = decide_level([f(Level.MET, Polarity.FOR, 1), f(Level.PARTIAL, Polarity.FOR, 2)])
    assert d.level is Level.MET and not d.conflicting
    d = decide_level([f(Level.PARTIAL, Polarity.FOR, 1), f(Level.NOT_MET, Polarity.AGAINST, 2)])
    assert d.level is Level.PARTIAL and d.conflicting


def test_scoring_is_deterministic(rubric):
    text = "We notify users. We do not notify users. Messages are end-to-end encrypted."
    a = score_company(rubric, "x", "X", [doc(rubric, text)]).to_json()
    b = score_company(rubric, "x", "X", [doc(rubric, text)]).to_json()
    assert a == b
