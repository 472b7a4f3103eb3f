"""Stage 1's training examples: what a label teaches each criterion (no shared corpus needed)."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("sklearn")

from audit.reader import train  # noqa: E402
from audit.reader.train import PreparedDocument, fit_stage1  # noqa: E402

CRITERIA = ("warrant-for-content", "no-data-sales")
EVIDENCE = ["w:warrant", "w:content", "w:require", "b:warrant_content"]


def _doc(sentences: list[list[str]], labels: dict[str, list[int]]) -> PreparedDocument:
    full = {c: labels.get(c, [0] * len(sentences)) for c in CRITERIA}
    return PreparedDocument(doc=None, features=sentences, sentence_labels=full, rule_levels={},
                            train_weight=[1.0] * len(sentences))


def _silent_documents() -> list[PreparedDocument]:
    # documents that say nothing about either criterion: what silence looks like
    out = []
    for k in range(6):
        out.append(_doc([[f"w:cookie{k % 3}", "w:browser", "w:content"], [f"w:billing{k % 2}", "w:require"],
                         ["w:sell", "w:data", f"w:partner{k % 2}"]], {}))
    return out


def _fit(docs):
    vocab, w1, b1 = fit_stage1(docs, {}, CRITERIA)
    return vocab, w1, b1


def _quoted_document(repeat: bool) -> PreparedDocument:
    # the labeller quoted the first sentence; the document says it again later in other words
    sentences = [EVIDENCE, ["w:privacy", "w:notice"]]
    labels = [1, 0]
    if repeat:
        sentences.append(EVIDENCE[:3] + ["w:again"])
        labels.append(0)
    return _doc(sentences, {"warrant-for-content": labels})


def test_a_sentence_outside_the_quoted_evidence_does_not_train_as_silence_for_that_criterion():
    """Labellers quote the sentences that decide a level, not every sentence speaking to it: the
    repeat must not teach `warrant-for-content` that its own evidence is silence."""
    base = _silent_documents() + [_quoted_document(False)] * 3
    more = _silent_documents() + [_quoted_document(True)] * 3
    vb, wb, bb = _fit(base)
    vm, wm, bm = _fit(more)
    wfc = slice(0, 4)
    common = [vm.index(f) for f in vb]
    np.testing.assert_allclose(wm[common, wfc], wb[:, wfc], atol=2e-3)
    np.testing.assert_allclose(bm[wfc], bb[wfc], atol=2e-3)


def test_the_same_sentence_still_trains_as_silence_for_the_other_criteria(monkeypatch):
    more = _silent_documents() + [_quoted_document(True)] * 3
    vocab, w1, _ = _fit(more)
    # and weighting unquoted sentences as silence again changes what warrant-for-content learns
    monkeypatch.setattr(train, "UNQUOTED_WEIGHT", 1.0)
    vocab2, w1_silence, _ = _fit(more)
    assert vocab == vocab2
    i = vocab.index("w:warrant")
    assert w1_silence[i, 0] < w1[i, 0] - 0.01  # the repeat, as silence, pulls the detector's "warrant" down
    nds = slice(4, 8)
    np.testing.assert_allclose(w1_silence[:, nds], w1[:, nds])  # no-data-sales: unchanged either way


def _levelled_documents(first: int, second: int) -> list[PreparedDocument]:
    # evidence at two levels: the first sentence at FIRST, the second at SECOND
    docs = []
    for k in range(3):
        docs.append(_doc([EVIDENCE + ["w:always"], EVIDENCE + ["w:never", f"w:x{k}"], ["w:privacy", "w:notice"]],
                         {"warrant-for-content": [first, second, 0]}))
    return docs


def test_the_detector_learns_from_every_level_of_evidence_pooled():
    """Stage 1's first column per criterion says whether a sentence speaks to it: which level the
    evidence was labelled at does not move it, only the level columns."""
    vocab, w_two, b_two = _fit(_silent_documents() + _levelled_documents(1, 3))
    vocab2, w_one, b_one = _fit(_silent_documents() + _levelled_documents(1, 1))
    assert vocab == vocab2
    np.testing.assert_allclose(w_two[:, 0], w_one[:, 0])
    assert b_two[0] == b_one[0]
    i, j = vocab.index("w:always"), vocab.index("w:never")
    assert w_two[j, 3] - w_two[j, 1] > 0.01 and w_two[i, 1] - w_two[i, 3] > 0.01  # the levels it tells apart
    assert not w_one[:, 1:].any() and b_one[2] == b_one[3] == -30.0  # one level seen: always that one


def test_the_level_model_learns_from_evidence_sentences_alone():
    """More silent text changes what silence looks like (the detector), not how evidence is split
    among the levels."""
    few = _fit(_silent_documents() + _levelled_documents(1, 3))
    many = _fit(_silent_documents() * 3 + _levelled_documents(1, 3))
    common = [many[0].index(f) for f in few[0]]
    extra = [i for i, f in enumerate(many[0]) if f not in few[0]]  # words of silent sentences only
    assert extra
    np.testing.assert_allclose(many[1][common, 1:4], few[1][:, 1:4], atol=2e-3)
    np.testing.assert_allclose(many[2][1:4], few[2][1:4], atol=2e-3)
    assert not many[1][extra, 1:4].any()
    assert not np.allclose(many[1][common, 0], few[1][:, 0], atol=2e-3)


def test_the_settings_reach_the_fitting_workers(monkeypatch):
    """Stage 1's criteria are fitted in worker processes: the caller's settings must reach them."""
    docs = _silent_documents() + _levelled_documents(1, 3)
    _, w1, _ = _fit(docs)
    monkeypatch.setattr(train, "C_LEVEL", 0.01)
    monkeypatch.setattr(train, "C1", 0.01)
    _, w1_strong, _ = _fit(docs)
    assert np.abs(w1_strong[:, 1:4]).sum() < np.abs(w1[:, 1:4]).sum() / 2
    assert np.abs(w1_strong[:, 0]).sum() < np.abs(w1[:, 0]).sum() / 2
