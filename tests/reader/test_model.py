"""Stage 2's inputs: `stage2_matrix` (index arrays, all criteria at once) against the named rows of
`stage2_rows` put in their columns one by one, as training first built them: the same matrix, bit
for bit, for documents of every size (none, one, two, many sentences; ties in the detections)."""

from __future__ import annotations

import numpy as np
import pytest

from audit.reader.model import LEVELS, load_model, stage2_matrix, stage2_rows


def _reference_matrix(criteria, names, probs, doc_type, rule_levels, topics):
    index = {f: i for i, f in enumerate(names)}
    x = np.zeros((len(criteria), len(names)))
    for ci, row in enumerate(stage2_rows(criteria, probs, doc_type, rule_levels, topics)):
        for name, value in row.items():
            if name in index:
                x[ci, index[name]] = value
    return x


@pytest.mark.parametrize("sentences", [0, 1, 2, 3, 7, 200])
def test_stage2_matrix_is_the_named_rows(sentences):
    model = load_model()
    if model is None:
        pytest.skip("no shipped model")
    rng = np.random.default_rng(sentences)
    c = len(model.criteria)
    for trial in range(5):
        logits = rng.normal(size=(sentences, c, 4)) * 3
        if trial == 1 and sentences > 1:
            logits[1] = logits[0]  # ties: the first best sentence counts
        e = np.exp(logits)
        probs = e / e.sum(axis=2, keepdims=True)
        levels = {cid: LEVELS[int(rng.integers(4))] for cid in model.criteria[::2]}
        topics = {t: float(rng.random()) for t in ("content", "legal", "police", "encryption", "retention", "sale")}
        for doc_type in ("other", "privacy-policy"):
            got = stage2_matrix(model.criteria, model.stage2_features, probs, doc_type, levels, topics)
            want = _reference_matrix(model.criteria, model.stage2_features, probs, doc_type, levels, topics)
            assert np.array_equal(got, want) and got.tobytes() == want.tobytes()


def test_stage1_probabilities_are_a_detection_split_among_the_levels():
    from audit.reader.model import stage1_probabilities

    rng = np.random.default_rng(7)
    logits = rng.normal(size=(50, 3, 4)) * 8
    logits[0, 0] = [80.0, -900.0, 0.0, 900.0]  # extreme logits stay finite
    logits[1, 1] = [-80.0, 1.0, 1.0, 1.0]
    z = logits.copy()
    p = stage1_probabilities(logits)
    assert np.isfinite(p).all() and (p >= 0).all()
    np.testing.assert_allclose(p.sum(axis=2), 1.0)
    detect = 1.0 / (1.0 + np.exp(-np.clip(z[..., 0], -60, 60)))
    np.testing.assert_allclose(p[..., 0], 1.0 - detect)
    e = np.exp(z[..., 1:] - z[..., 1:].max(axis=2, keepdims=True))
    np.testing.assert_allclose(p[..., 1:], detect[..., None] * e / e.sum(axis=2, keepdims=True))
    assert p[0, 0, 3] > 0.99 and p[1, 1, 0] > 0.99
