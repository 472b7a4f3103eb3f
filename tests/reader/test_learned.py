"""The learned reader as a stage: the shipped model, its confidences and review flags, the
nothing-to-hand-over rule, the label files, reproducible training and the cross-validated floors.

Tests that need the shared corpus (labels point into it) skip cleanly when ../shared is absent.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from audit.extract import extract
from audit.models import DocumentFindings, DocumentRef, Finding, Level, Polarity
from audit.reader.corpus import read_span_labels, sentences_of_span
from audit.reader.learned import model_for, read_document
from audit.reader.measure import document_score, nothing_to_hand_over, spearman
from audit.reader.model import MODEL_DIR, load_model
from audit.rubric.loader import load_rubric
from audit.score.engine import score_company

REPO = Path(__file__).resolve().parents[2]

GUIDELINES = """# Law enforcement guidelines

We disclose user data to law enforcement only in response to valid legal process, such as a subpoena,
court order or search warrant.

We require a search warrant issued on probable cause before we disclose the contents of any account.

We notify users of requests for their data before disclosure, unless a court order prohibits it.

Our transparency report, published every six months, lists the number of government requests we
received and how we responded.
"""


@pytest.fixture(scope="module")
def rubric():
    return load_rubric(None)


def test_the_model_ships_small_and_is_trained_for_the_builtin_rubric(rubric):
    model = load_model()
    assert model is not None, "audit/reader/model/ must ship a trained model"
    size = sum(p.stat().st_size for p in MODEL_DIR.iterdir())
    assert size <= 25 * 1024 * 1024
    assert model_for(rubric) is model
    assert set(model.criteria) == {c.id for c in rubric.criteria if c.method == "text"}
    assert 0 < model.review_below < 1 and model.meta["trained_on"]["real_documents"] >= 100


def test_a_document_is_read_with_confidences_and_the_deciding_quote_first(rubric):
    ex = extract(GUIDELINES.encode(), filename="le.md")
    reading = read_document(rubric, ex, "law-enforcement-guidelines")
    for cid in load_model().criteria:
        r = reading.readings[cid]
        assert r.confidence is not None and 0.0 <= r.confidence <= 1.0, cid
        if r.level is Level.NO_DISCLOSURE:
            assert not r.findings
            continue
        strengths = [f.strength for f in r.findings]
        assert strengths == sorted(strengths, reverse=True), cid  # the deciding sentence first
        assert all(ex.text[f.start:f.end] == f.quote for f in r.findings)
    assert reading.readings["warrant-for-content"].level is Level.MET
    assert reading.readings["requires-legal-process"].level in (Level.MET, Level.PARTIAL)
    assert reading.readings["transparency-report"].level in (Level.MET, Level.PARTIAL)


def test_check_json_carries_confidence_and_needs_review(run_cli, tmp_path):
    path = tmp_path / "le.md"
    path.write_text(GUIDELINES, encoding="utf-8")
    r = run_cli("check", path, "--type", "law-enforcement-guidelines", "--format", "json")
    assert r.code == 0, r
    card = json.loads(r.out)["companies"][0]
    threshold = load_model().review_below
    for c in card["criteria"]:
        assert "confidence" in c and "needs_review" in c
        if c["method"] == "text" and not c["reviewed"]:
            assert c["confidence"] is not None
            assert c["needs_review"] == (c["confidence"] < threshold or c["conflicting"])
    md = run_cli("check", path, "--type", "law-enforcement-guidelines", "--format", "markdown")
    flagged = [c for c in card["criteria"] if c["needs_review"]]
    assert ("needs review" in md.out) == bool(flagged)


def test_the_rules_alone_on_request_and_a_bad_choice_is_an_input_error(run_cli, tmp_path):
    path = tmp_path / "le.md"
    path.write_text(GUIDELINES, encoding="utf-8")
    r = run_cli("check", path, "--format", "json", env={"AUDIT_READER": "rules"})
    assert r.code == 0
    assert all(c["confidence"] is None for c in json.loads(r.out)["companies"][0]["criteria"])
    bad = run_cli("check", path, env={"AUDIT_READER": "oracle"})
    assert bad.code == 2 and "AUDIT_READER" in bad.err


def _finding(cid, level, polarity=Polarity.FOR, quote="q"):
    return Finding(cid, "test", level, polarity, 0, len(quote), quote, confidence=0.9, strength=0.9)


def test_nothing_to_hand_over_makes_warrant_for_content_met(rubric):
    ref = DocumentRef("privacy-policy", "https://example.com/p", "a" * 64, "2026-01-01T00:00:00Z")
    keys = [_finding("provider-cannot-decrypt", Level.MET, quote="We cannot decrypt your messages.")]
    card = score_company(rubric, "x", "X", [DocumentFindings(ref, {"provider-cannot-decrypt": keys})])
    wfc = card.criterion("warrant-for-content")
    assert wfc.level is Level.MET and wfc.note == "met: the provider cannot decrypt content"
    assert wfc.evidence[0].quote == "We cannot decrypt your messages."
    # a document that says content is handed over keeps warrant-for-content at its own level
    handed = keys + []
    content = [_finding("warrant-for-content", Level.NOT_MET, Polarity.AGAINST, "We disclose content on a subpoena.")]
    card = score_company(rubric, "x", "X", [DocumentFindings(ref, {"provider-cannot-decrypt": handed,
                                                                     "warrant-for-content": content})])
    assert card.criterion("warrant-for-content").level is Level.NOT_MET
    # and the same rule on label levels (audit eval)
    assert nothing_to_hand_over({"provider-cannot-decrypt": "met"})["warrant-for-content"] == "met"
    assert nothing_to_hand_over({"provider-cannot-decrypt": "met", "warrant-for-content": "not-met"})[
        "warrant-for-content"] == "not-met"


def test_document_score_and_rank_correlation(rubric):
    text = [c.id for c in rubric.criteria if c.method == "text"]
    silent = dict.fromkeys(text, "no-disclosure")
    assert document_score(rubric, silent) == 0.0
    assert document_score(rubric, dict.fromkeys(text, "met")) == 100.0
    assert spearman([1, 2, 3, 4], [10, 20, 30, 40]) == 1.0


def test_a_silent_criterion_carries_the_readers_confidence_in_silence(rubric):
    ref = DocumentRef("privacy-policy", "https://example.com/p", "a" * 64, "2026-01-01T00:00:00Z")
    docs = [DocumentFindings(ref, {}, {"opposes-backdoors": 0.97}),
            DocumentFindings(ref, {}, {"opposes-backdoors": 0.61})]
    r = score_company(rubric, "x", "X", docs, review_below=load_model().review_below).criterion("opposes-backdoors")
    assert r.level is Level.NO_DISCLOSURE and r.confidence == 0.61
    assert r.needs_review == (0.61 < load_model().review_below)


# --- the label files (they point into ../shared) ---


def test_every_label_span_still_matches_the_shared_file(shared_dir, rubric):
    known = {c.id for c in rubric.criteria}
    files = sorted((REPO / "labels").glob("*/*.toml"))
    assert files
    docs = [d for f in files for d in read_span_labels(f, shared_dir / "corpus", known)]  # raises on drift
    assert len({d.file for d in docs if d.file.startswith("real/")}) >= 150
    assert len({d.company for d in docs}) >= 100
    assert len([d for d in docs if d.file.startswith("police/")]) == 22


def test_every_labelled_evidence_lands_on_a_sentence(shared_dir, rubric):
    known = {c.id for c in rubric.criteria}
    missed = []
    for f in sorted((REPO / "labels" / "real").glob("*.toml")):
        for d in read_span_labels(f, shared_dir / "corpus", known):
            ex = extract((shared_dir / "corpus" / d.file).read_bytes(), filename=d.file)
            for cid, lab in d.labels.items():
                if lab.spans and not any(sentences_of_span(ex, s) for s in lab.spans):
                    missed.append(f"{d.file} {cid}")
    assert not missed, missed[:10]


def test_the_sealed_split_is_recorded_and_disjoint_from_the_dev_set():
    import tomllib

    sample = tomllib.loads((REPO / "labels" / "sample.toml").read_text(encoding="utf-8"))
    sealed = set(sample["sealed"])
    companies = {d["company"] for d in sample["document"]}
    assert len(sealed) == round(0.3 * len(companies))
    assert not sealed & {"discord", "okx", "proton", "signal", "snap", "temu", "x", "wetransfer", "zoom"}


def test_a_released_sealed_split_joins_development_and_cannot_be_reported_again(tmp_path):
    """A round's sealed figure is reported once; `released` in its sample file then moves its
    companies into development, and `audit reader sealed` refuses that round from then on."""
    from audit.errors import InputError
    from audit.reader.corpus import LabelledDocument
    from audit.reader.experiment import Corpus, released_rounds, sealed_rounds

    (tmp_path / "sample.toml").write_text('sealed = ["a"]\nreleased = "2026-12-03: reported in the README"\n')
    (tmp_path / "sample2.toml").write_text('sealed = ["b"]\n')
    assert sealed_rounds(tmp_path) == {"1": frozenset({"a"}), "2": frozenset({"b"})}
    assert released_rounds(tmp_path) == {"1": "2026-12-03: reported in the README"}
    doc = LabelledDocument("real/b__privacy-policy__2026-01-01.md", "b", "privacy-policy", {})
    corpus = Corpus([], [doc], frozenset({"b"}), {"2": frozenset({"b"})}, released_rounds(tmp_path))
    assert corpus.sealed_of_round("2") == [doc] and corpus.sealed_of_round(None) == [doc]
    with pytest.raises(InputError, match="released into development"):
        corpus.sealed_of_round("1")
    with pytest.raises(InputError, match="no sealed split left"):
        Corpus([doc], [], frozenset(), {}, {"1": "x", "2": "y"}).sealed_of_round(None)
    (tmp_path / "sample2.toml").write_text('sealed = ["b"]\nreleased = ""\n')
    with pytest.raises(InputError, match="released must be a note"):
        released_rounds(tmp_path)


def test_the_repository_released_only_reported_rounds():
    """Every released round says when and with which command its sealed figure was reported, and
    the README carries that figure."""
    import tomllib

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for sample in sorted((REPO / "labels").glob("sample*.toml")):
        note = tomllib.loads(sample.read_text(encoding="utf-8")).get("released")
        if note is None:
            continue
        assert "audit reader sealed" in note and "README" in note, (sample.name, note)
        exact = note.split("exact")[0].rsplit(":", 1)[-1].strip()
        assert exact.endswith("%") and f"**{exact}**" in readme, (sample.name, exact)


def test_training_is_reproducible_byte_for_byte(shared_dir, tmp_path):
    # what CI can afford: a small sample, trained twice in fresh processes
    outs = []
    for name in ("one", "two"):
        out = tmp_path / name
        r = subprocess.run([sys.executable, "-m", "audit", "reader", "train", "--sample", "12", "--corpus",
                            str(shared_dir / "corpus"), "--labels", str(REPO / "labels"), "--out", str(out)],
                           capture_output=True, text=True, cwd=REPO, timeout=600)
        assert r.returncode == 0, r.stderr
        outs.append({p.name: p.read_bytes() for p in out.iterdir()})
    assert outs[0] == outs[1] and set(outs[0]) == {"reader.json", "stage1.f16.z"}
    meta = json.loads(outs[0]["reader.json"])
    assert meta["trained_on"]["real_documents"] <= 12


def test_grouped_cross_validation_floors(shared_dir, run_cli):
    # Regression floors a little under the figures measured on the whole development set after
    # labelling rounds 2-4 and the release of the three reported sealed splits, with stage 1 no
    # longer training unquoted sentences as silence and split into a detector and a level model
    # (README: 430 documents, 239 companies: 64.5% exact, 76.5% detection, 1.90% false credit,
    # Spearman 0.71, gap 2.77); the targets
    # (85 / 92 / 2 / 0.9 / 5) are not reached, and the README says so.
    r = run_cli("reader", "cv", "--folds", "5", "--format", "json", "--corpus", shared_dir / "corpus",
                "--labels", REPO / "labels")
    assert r.code == 0, r
    rep = json.loads(r.out)
    o = rep["overall"]
    assert o["labelled"] >= 1700 and rep["companies"] >= 230
    assert o["exact_agreement"] >= 0.63, o
    assert o["detection"] >= 0.75, o
    assert o["false_credit"] <= 0.021, o
    assert rep["spearman"] >= 0.68 and rep["mean_score_gap"] <= 5.0, rep


def test_folds_by_company_draws_differ_by_seed_and_keep_companies_whole():
    from audit.reader.corpus import LabelledDocument
    from audit.reader.train import folds_by_company

    docs = [LabelledDocument(f"real/c{k}__privacy-policy__{j}.md", f"c{k}", "privacy-policy", {})
            for k in range(40) for j in range(1 + k % 3)]
    draws = {seed: folds_by_company(docs, 5, seed=seed) for seed in (0, 1, 2)}
    assert draws[0] == folds_by_company(docs, 5, seed=0)  # a draw is deterministic
    assert draws[0] != draws[1] and draws[1] != draws[2]
    for folds in draws.values():
        by_company: dict[str, set[int]] = {}
        for d, f in zip(docs, folds):
            by_company.setdefault(d.company, set()).add(f)
        assert all(len(v) == 1 for v in by_company.values())  # a company is never on both sides
        sizes = [folds.count(f) for f in range(5)]
        assert max(sizes) - min(sizes) <= 3  # balanced by documents (a company holds at most 3)


def test_draw_spread_gives_mean_min_and_max_of_the_headline_figures():
    from audit.reader.measure import draw_spread

    def rep(exact, spearman):
        return {"overall": {"exact_agreement": exact, "detection": 0.7, "false_credit": 0.02},
                "spearman": spearman, "mean_score_gap": 3.0, "flagged_share": 0.2}

    s = draw_spread([rep(0.60, 0.7), rep(0.64, None), rep(0.62, 0.8)])
    assert s["exact_agreement"] == {"mean": 0.62, "min": 0.60, "max": 0.64}
    assert s["spearman"] == {"mean": 0.75, "min": 0.7, "max": 0.8}  # a draw without a figure is left out
    assert set(s) == {"exact_agreement", "detection", "false_credit", "spearman", "mean_score_gap", "flagged_share"}


def test_cross_validation_over_several_draws_reports_each_and_their_spread(shared_dir, run_cli):
    args = ("--sample", "12", "--folds", "2", "--format", "json", "--corpus", shared_dir / "corpus",
            "--labels", REPO / "labels")
    r = run_cli("reader", "cv", "--seed", "0", "--seed", "1", *args)
    assert r.code == 0, r
    out = json.loads(r.out)
    assert [d["seed"] for d in out["draws"]] == [0, 1]
    one = run_cli("reader", "cv", "--seed", "1", *args)
    assert one.code == 0, one
    alone = json.loads(one.out)
    assert {k: v for k, v in out["draws"][1].items() if k != "seed"} == alone  # the same draw, the same figures
    assert out["draws"][0]["overall"] != out["draws"][1]["overall"]  # another draw of companies, other folds
    exact = [d["overall"]["exact_agreement"] for d in out["draws"]]
    assert out["spread"]["exact_agreement"]["min"] == min(exact) and out["spread"]["exact_agreement"]["max"] == max(exact)
    assert "fold 1/2" in r.err and "fold" not in r.out  # data on stdout, progress on stderr
    text = run_cli("reader", "cv", "--seed", "0", "--seed", "1", *args[:4], *args[6:])
    assert text.code == 0, text
    assert "cross-validation, draw 1:" in text.out and "over 2 draws of companies into folds" in text.out
    assert f"exact_agreement  {out['spread']['exact_agreement']['mean'] * 100:.1f}%" in text.out


def test_cross_validation_needs_two_folds(run_cli):
    r = run_cli("reader", "cv", "--folds", "1")
    assert r.code != 0 and "--folds must be at least 2" in r.err
