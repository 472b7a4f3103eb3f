"""Train the learned reader from hand labels, and measure it honestly.

`audit reader train` fits the model shipped in `audit/reader/model/`; `audit reader cv` measures
grouped cross-validation (folds by company: a company's documents are never on both sides);
`audit reader sealed` measures the sealed test split once. Training needs scikit-learn
(`pip install 'encryption-audit[train]'`); reading does not.

Determinism: documents, sentences, vocabulary and folds are ordered by name; the solvers are
deterministic; weights are written as float32 and stage 2 rounded, so the same labels give the
same bytes.
"""

from __future__ import annotations

import hashlib
import math
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from audit.extract.markdown import extract_plain
from audit.models import Level
from audit.reader.corpus import LabelledDocument, sentences_of_span
from audit.reader.features import document_features
from audit.reader.model import CLASSES, LEVELS, ReaderModel, stage2_matrix, stage2_values
from audit.rubric.model import Rubric
from audit.score.engine import decide_level
from audit.score.matcher import find_all
from audit.models import DocumentRef

MIN_DF = 2
C1 = 0.5  # stage 1 inverse regularisation
C2 = 1.0
POSITIVE_WEIGHT = 3.0  # stage 1: a labelled evidence sentence counts this many times a silent one
_REF = DocumentRef("other", "", "", "")


@dataclass
class PreparedDocument:
    """A labelled document turned into what both stages train on."""

    doc: LabelledDocument
    features: list[list[str]]
    sentence_labels: dict[str, list[int]]  # criterion -> class index per sentence
    rule_levels: dict[str, str]
    unmatched: list[str] = field(default_factory=list)  # criterion labels whose evidence no sentence carries


def prepare(rubric: Rubric, docs: list[LabelledDocument], criteria: tuple[str, ...]) -> list[PreparedDocument]:
    out = []
    for d in docs:
        ex = d.extracted
        findings = find_all(rubric, ex)
        feats = document_features(ex, d.doc_type, findings)
        labels: dict[str, list[int]] = {}
        unmatched = []
        for cid in criteria:
            y = [0] * len(ex.sentences)
            lab = d.labels.get(cid)
            if lab is not None and lab.level.value in CLASSES:
                k = CLASSES.index(lab.level.value)
                hit = False
                for span in lab.spans:
                    for i in sentences_of_span(ex, span):
                        y[i] = k
                        hit = True
                if not hit:
                    unmatched.append(cid)
            labels[cid] = y
        rule_levels = {cid: decide_level([(_REF, f) for f in findings.get(cid, [])]).level.value for cid in criteria}
        out.append(PreparedDocument(d, feats, labels, rule_levels, unmatched))
    return out


def example_sentences(rubric: Rubric, criteria: tuple[str, ...]) -> dict[str, list[tuple[list[str], int]]]:
    """The rubric's example sentences as extra training sentences for their own criterion."""
    out: dict[str, list[tuple[list[str], int]]] = defaultdict(list)
    for c in rubric.criteria:
        if c.id not in criteria:
            continue
        for e in c.examples:
            ex = extract_plain(e.text)
            if not ex.sentences:
                continue
            feats = document_features(ex, e.doctype or "other", find_all(rubric, ex))
            k = CLASSES.index(e.level.value) if e.level.value in CLASSES else 0
            # the example's level is carried by its most telling sentence; all its sentences get it
            for f in feats:
                out[c.id].append((f, k))
    return out


def _vocabulary(prepared: list[PreparedDocument], examples) -> list[str]:
    df: dict[str, int] = defaultdict(int)
    for p in prepared:
        for feats in p.features:
            for f in feats:
                df[f] += 1
    for items in examples.values():
        for feats, _ in items:
            for f in feats:
                df[f] += 1
    return sorted(f for f, n in df.items() if n >= MIN_DF)


def _matrix(rows: list[list[str]], vocab: dict[str, int]):
    from scipy.sparse import csr_matrix

    indptr, indices = [0], []
    for feats in rows:
        ids = sorted({vocab[f] for f in feats if f in vocab})
        indices.extend(ids)
        indptr.append(len(indices))
    data = np.ones(len(indices), dtype=np.float64)
    return csr_matrix((data, np.asarray(indices, dtype=np.int64), np.asarray(indptr)), shape=(len(rows), len(vocab)))


def fit_stage1(prepared: list[PreparedDocument], examples, criteria: tuple[str, ...]):
    """(vocab list, w1, b1) of the per-sentence models."""
    from sklearn.linear_model import LogisticRegression

    vocab_list = _vocabulary(prepared, examples)
    vocab = {f: i for i, f in enumerate(vocab_list)}
    rows = [f for p in prepared for f in p.features]
    x_docs = _matrix(rows, vocab)
    w1 = np.zeros((len(vocab_list), len(criteria) * 4), dtype=np.float64)
    b1 = np.full(len(criteria) * 4, -30.0)
    from scipy.sparse import vstack

    for ci, cid in enumerate(criteria):
        y = np.asarray([k for p in prepared for k in p.sentence_labels[cid]], dtype=np.int64)
        ex = examples.get(cid, [])
        x = vstack([x_docs, _matrix([f for f, _ in ex], vocab)]).tocsr() if ex else x_docs
        if ex:
            y = np.concatenate([y, np.asarray([k for _, k in ex], dtype=np.int64)])
        present = sorted(set(y.tolist()))
        if len(present) < 2:
            b1[ci * 4] = 0.0  # never anything but silence
            continue
        weight = np.where(y > 0, POSITIVE_WEIGHT, 1.0)
        clf = LogisticRegression(C=C1, max_iter=500, tol=1e-5)
        clf.fit(x, y, sample_weight=weight)
        coef, icpt = clf.coef_, clf.intercept_
        if len(present) == 2:  # binary: sklearn gives one row for the second class
            coef = np.vstack([-coef[0] / 2, coef[0] / 2])
            icpt = np.asarray([-icpt[0] / 2, icpt[0] / 2])
        for row, k in enumerate(clf.classes_):
            w1[:, ci * 4 + int(k)] = coef[row]
            b1[ci * 4 + int(k)] = icpt[row]
    return vocab_list, w1.astype(np.float32).astype(np.float64), b1


def _stage1_model(criteria, vocab_list, w1, b1) -> ReaderModel:
    return ReaderModel(criteria, {f: i for i, f in enumerate(vocab_list)}, w1, b1, (), np.zeros((0, 4)),
                       np.zeros(4), 0.0, "", {})


def stage2_rows(model: ReaderModel, prepared: list[PreparedDocument], criteria):
    """For each document: (sentence probabilities, stage 2 name/value rows, gold levels)."""
    out = []
    for p in prepared:
        probs = model.sentence_probabilities(p.features)
        rows = []
        for ci, cid in enumerate(criteria):
            rows.append(dict(stage2_values(cid, probs[:, ci, :] if len(probs) else np.zeros((0, 4)),
                                           p.doc.doc_type, p.rule_levels[cid])))
        gold = [LEVELS.index(_gold(p.doc, cid)) for cid in criteria]
        out.append((probs, rows, gold))
    return out


def _gold(doc: LabelledDocument, cid: str) -> str:
    lv = doc.level(cid)
    return lv.value if lv.value in LEVELS else "no-disclosure"


def fit_stage2(rows: list[dict], gold: list[int], mask: list[bool]):
    from sklearn.linear_model import LogisticRegression

    names = sorted({k for r in rows for k in r})
    index = {n: i for i, n in enumerate(names)}
    x = np.zeros((len(rows), len(names)))
    for i, r in enumerate(rows):
        for k, v in r.items():
            x[i, index[k]] = v
    keep = np.asarray(mask)
    y = np.asarray(gold)
    clf = LogisticRegression(C=C2, max_iter=2000, tol=1e-6)
    clf.fit(x[keep], y[keep])
    w2 = np.zeros((len(names), 4))
    b2 = np.full(4, -30.0)
    for row, k in enumerate(clf.classes_):
        w2[:, int(k)] = clf.coef_[row] if len(clf.classes_) > 2 else (clf.coef_[0] if row else -clf.coef_[0]) / 2
        b2[int(k)] = clf.intercept_[row] if len(clf.classes_) > 2 else (clf.intercept_[0] if row else -clf.intercept_[0]) / 2
    return tuple(names), np.round(w2, 8), np.round(b2, 8)


def folds_by_company(docs: list[LabelledDocument], k: int, seed: int = 0) -> list[int]:
    """A fold per document, whole companies together, balanced by document count, deterministic."""
    by_company: dict[str, int] = defaultdict(int)
    for d in docs:
        by_company[d.company] += 1
    # order companies by a hash of their name (and the seed), then deal them out to the lightest fold
    order = sorted(by_company, key=lambda c: hashlib.sha256(f"{seed}:{c}".encode()).hexdigest())
    load = [0] * k
    fold_of = {}
    for c in order:
        f = min(range(k), key=lambda i: (load[i], i))
        fold_of[c] = f
        load[f] += by_company[c]
    return [fold_of[d.company] for d in docs]


def fit(rubric: Rubric, prepared: list[PreparedDocument], criteria, examples, inner_folds: int = 4) -> ReaderModel:
    """Stage 1 on everything; stage 2 on stage 1's out-of-fold readings (grouped by company)."""
    folds = folds_by_company([p.doc for p in prepared], inner_folds, seed=1)
    rows: list[dict] = []
    gold: list[int] = []
    for f in range(inner_folds):
        train = [p for p, g in zip(prepared, folds) if g != f]
        held = [p for p, g in zip(prepared, folds) if g == f]
        if not held or not train:
            continue
        vl, w1, b1 = fit_stage1(train, examples, criteria)
        for _, r, gd in stage2_rows(_stage1_model(criteria, vl, w1, b1), held, criteria):
            rows.extend(r)
            gold.extend(gd)
    mask = [True] * len(rows)
    names, w2, b2 = fit_stage2(rows, gold, mask)
    vocab_list, w1, b1 = fit_stage1(prepared, examples, criteria)
    return ReaderModel(criteria, {f: i for i, f in enumerate(vocab_list)}, w1, b1, names, w2, b2, 0.0, "",
                       {"vocab_list": vocab_list})


def predict(model: ReaderModel, p: PreparedDocument) -> tuple[list[str], list[float], np.ndarray]:
    """(level per criterion, confidence per criterion, sentence probabilities) for one prepared document."""
    probs = model.sentence_probabilities(p.features)
    x2 = stage2_matrix(model.criteria, model.stage2_features, probs, p.doc.doc_type, p.rule_levels)
    d = model.document_probabilities(x2)
    levels = [LEVELS[int(i)] for i in d.argmax(axis=1)]
    return levels, [float(d[i].max()) for i in range(len(levels))], probs
