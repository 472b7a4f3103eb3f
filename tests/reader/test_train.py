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
    assert w1_silence[i, 1] < w1[i, 1] - 0.01  # the repeat, as silence, pulls "warrant" towards none
    nds = slice(4, 8)
    np.testing.assert_allclose(w1_silence[:, nds], w1[:, nds])  # no-data-sales: unchanged either way
