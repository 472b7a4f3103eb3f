"""The learned reader's model: its file format and the arithmetic of reading with it.

Two stages, both linear (numpy only at reading time):
1. per sentence and criterion, the probabilities of none / met / partial / not-met from words,
   negation scope, heading, document type and the hand rules that fire (`features.py`), in two
   steps: whether the sentence speaks to the criterion at all (a detector that learns from the
   evidence of every level pooled), and, if it does, at which level (learned from the evidence
   sentences alone). P(none) = 1 - detect, P(level) = detect * P(level | speaks to it);
2. per document and criterion, the level (no-disclosure / met / partial / not-met) from what
   stage 1 found across the document's sentences; its probability is the level's confidence.

Files (in `audit/reader/model/`, written by `train.py`, byte for byte reproducible):
`reader.json` (vocabulary, stage 2, metadata) and `stage1.f16.z` (stage 1 weights: little-endian
float16, zlib-compressed; most are zero). Per criterion stage 1 has four columns: the detector's
logit, then the met / partial / not-met logits of the level model (`stage1_probabilities`).
"""

from __future__ import annotations

import hashlib
import json
import math
import zlib
from dataclasses import dataclass
from functools import cached_property, lru_cache
from itertools import chain
from pathlib import Path

import numpy as np

from audit.reader.features import FeatureIds

CLASSES = ("none", "met", "partial", "not-met")  # stage 1 (per sentence)
LEVELS = ("no-disclosure", "met", "partial", "not-met")  # stage 2 (per document)
# for each level (LEVELS order), the true levels it would over-credit
_OVER = [np.array([], dtype=int), np.array([0, 2, 3]), np.array([0, 3]), np.array([], dtype=int)]
MODEL_DIR = Path(__file__).parent / "model"
STAGE1 = "stage1.f16.z"
FORMAT = 2  # 2: stage 1 is a detector then a level model (1, a single four-way softmax, is not read)


@dataclass(frozen=True)
class ReaderModel:
    criteria: tuple[str, ...]
    vocab: dict[str, int]
    w1: np.ndarray  # (features, criteria * 4)
    b1: np.ndarray  # (criteria * 4,)
    stage2_features: tuple[str, ...]
    w2: np.ndarray  # (stage-2 features, 4)
    b2: np.ndarray  # (4,)
    review_below: float  # confidence under which a level needs a human review
    over_credit_cost: float  # how much a level's chance of over-crediting counts against it (see decide)
    version: str  # a hash of the model files: enters the findings cache key
    meta: dict

    def sentence_probabilities(self, features: list[list[str]]) -> np.ndarray:
        """(sentences, criteria, 4) probabilities of none / met / partial / not-met."""
        n, c = len(features), len(self.criteria)
        logits = np.tile(self.b1, (n, 1))
        cols: list[int] = []
        starts: list[int] = []
        rows: list[int] = []
        vocab = self.vocab
        for i, feats in enumerate(features):
            ids = [j for j in map(vocab.get, feats) if j is not None]
            if ids:
                rows.append(i)
                starts.append(len(cols))
                cols.extend(ids)
        if rows:
            # one gather and one segmented sum for all sentences (np.add.at is several times slower)
            logits[np.asarray(rows)] += np.add.reduceat(self.w1[np.asarray(cols)], np.asarray(starts), axis=0)
        return stage1_probabilities(logits.reshape(n, c, 4))

    @cached_property
    def feature_ids(self) -> FeatureIds:
        """The vocabulary's ids for the reading path (caches of word -> id)."""
        return FeatureIds(self.vocab)

    @cached_property
    def exact_terms(self) -> int:
        """How many stage 1 weights a sentence may sum with the result exact whatever the order (0:
        never). The weights are float16 (the file format): each a multiple of 2**-24, so any sum of
        them is exact in float64 while it stays under 2**29 in magnitude."""
        w1 = self.w1
        if not w1.size or not np.array_equal(w1.astype(np.float16).astype(np.float64), w1):
            return 0
        top = float(np.abs(w1).max())
        return int(2.0 ** 29 / top) if top else 1 << 62

    def sentence_probabilities_of_ids(self, ids: list[list[int]], constant: list[int]) -> np.ndarray | None:
        """`sentence_probabilities` from vocabulary ids, a list per sentence: see
        `sentence_probabilities_of_arrays`."""
        counts = np.fromiter(map(len, ids), dtype=np.intp, count=len(ids))
        cols = np.fromiter(chain.from_iterable(ids), dtype=np.intp, count=int(counts.sum()))
        return self.sentence_probabilities_of_arrays(counts, cols, constant)

    def sentence_probabilities_of_arrays(self, counts: np.ndarray, cols: np.ndarray,
                                         constant: list[int]) -> np.ndarray | None:
        """`sentence_probabilities` from vocabulary ids (features.document_feature_arrays: COUNTS
        ids per sentence, COLS all of them, sentence after sentence): the same numbers, bit for
        bit, since stage 1's sums are exact in any order (exact_terms). None where a sentence has
        too many features for that (the caller then takes the reference path)."""
        n, c = len(counts), len(self.criteria)
        if (int(counts.max()) if n else 0) + len(constant) > self.exact_terms:
            return None
        w1, b1 = self.w1, self.b1
        # the constant features (the document type) are one row for all: a sentence with nothing
        # else is b1 plus that row, computed once
        base = w1[constant].sum(axis=0) if constant else np.zeros_like(b1)
        logits = np.tile(b1 + base if constant else b1, (n, 1))
        rows = np.flatnonzero(counts)
        if len(rows):
            starts = np.concatenate(([0], np.cumsum(counts[rows[:-1]])))
            logits[rows] = b1 + (base + np.add.reduceat(w1[cols], starts, axis=0))
        return stage1_probabilities(logits.reshape(n, c, 4))

    def decide(self, doc: np.ndarray) -> list[tuple[str, float]]:
        """(level, confidence) per criterion from stage 2's probabilities. Giving credit the text does
        not support is the costly error: a level's score is its probability less over_credit_cost
        times the probability that it over-credits (met over partial, not-met or silence; partial
        over not-met or silence). The confidence is the chosen level's probability."""
        out = []
        for p in doc:
            scores = [p[k] - self.over_credit_cost * float(p[_OVER[k]].sum()) for k in range(4)]
            k = int(np.argmax(scores))
            out.append((LEVELS[k], float(p[k])))
        return out

    def document_probabilities(self, x2: np.ndarray) -> np.ndarray:
        """(criteria, 4) probabilities of no-disclosure / met / partial / not-met."""
        z = x2 @ self.w2 + self.b2
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)


def stage1_probabilities(logits: np.ndarray) -> np.ndarray:
    """(..., 4) stage 1 logits -> probabilities of none / met / partial / not-met (in place on
    LOGITS): the detector's logit (column 0) gives the chance a sentence speaks to the criterion,
    the level model's softmax (columns 1-3) how it is split among the levels."""
    detect = 1.0 / (1.0 + np.exp(-np.clip(logits[..., 0], -60.0, 60.0)))
    levels = logits[..., 1:]
    levels -= levels.max(axis=-1, keepdims=True)
    np.exp(levels, out=levels)
    levels *= (detect / levels.sum(axis=-1))[..., None]
    logits[..., 0] = 1.0 - detect
    return logits


def stage2_matrix(model_criteria, feature_names, probs: np.ndarray, doc_type: str, rule_levels: dict[str, str],
                  topics: dict[str, float] | None = None) -> np.ndarray:
    """Stage 2 inputs for every criterion of one document (shared by training and reading): the
    values `stage2_rows` names, put in their columns through index arrays built once per model
    rather than through a dict of names per document (tests/reader/test_model.py holds the two
    the same)."""
    criteria, names = tuple(model_criteria), tuple(feature_names)
    index = _column_index(names)
    x = np.zeros((len(criteria), len(names)), dtype=np.float64)
    if not criteria:
        return x
    rows, cols, src_rows, src_keys = _summary_columns(criteria, names)
    x[rows, cols] = _summaries(probs, len(criteria))[src_rows, src_keys]
    for ci, cid in enumerate(criteria):  # in stage2_rows' order, after the summaries
        level = rule_levels.get(cid, "no-disclosure")
        for name, value in chain(((f"{cid}*topic:{topic}", v) for topic, v in (topics or {}).items()),
                                 ((f"c:{cid}", 1.0), (f"dt:{doc_type}", 1.0), (f"rule:{level}", 1.0),
                                  (f"{cid}*rule:{level}", 1.0))):
            j = index.get(name)
            if j is not None:
                x[ci, j] = value
    return x


@lru_cache(maxsize=8)
def _summary_columns(criteria: tuple[str, ...], feature_names: tuple[str, ...]
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Where stage2_rows puts the summaries (`_summary` values): the (row, column) of each that
    the model has, and which criterion's summary and which key (`_SUMMARY` index) goes there."""
    index = _column_index(feature_names)
    key = {k: i for i, k in enumerate(_SUMMARY + _TOTALS)}
    rows, cols, src_rows, src_keys = [], [], [], []
    for ci, (own, cross) in enumerate(_row_names(criteria)):
        places = [(k, ci, key[k]) for k in _SUMMARY + _TOTALS] + [(name, ci, key[k]) for k, name in zip(_SUMMARY, own)]
        places += [(name, oi, key[k]) for oi, names in cross for k, name in zip(CROSS, names)]
        for name, src, k in places:
            j = index.get(name)
            if j is not None:
                rows.append(ci)
                cols.append(j)
                src_rows.append(src)
                src_keys.append(k)
    return tuple(np.asarray(a, dtype=np.intp) for a in (rows, cols, src_rows, src_keys))  # type: ignore[return-value]


def _summaries(probs: np.ndarray, criteria: int) -> np.ndarray:
    """(criteria, len(_SUMMARY + _TOTALS)): `_summary` of every criterion at once, the same numbers
    (maxima and picks are exact; the mean of the top three adds them in the same order as
    `_summary`'s; the totals are `_totals` itself, per criterion)."""
    if not len(probs):
        return np.zeros((criteria, len(_SUMMARY) + len(_TOTALS)))
    det = 1.0 - probs[:, :, 0]
    top = np.sort(det, axis=0)[::-1]
    best = np.argmax(det, axis=0)
    at = np.arange(criteria)
    return np.stack([
        probs[:, :, 1].max(axis=0), probs[:, :, 2].max(axis=0), probs[:, :, 3].max(axis=0),
        top[0], top[:3].mean(axis=0), [math.log1p(float(k)) for k in (det > 0.5).sum(axis=0).tolist()],
        probs[best, at, 1], probs[best, at, 2], probs[best, at, 3],
    ] + [list(column) for column in zip(*(_totals(probs[:, ci, :]).values() for ci in range(criteria)))], axis=1)


@lru_cache(maxsize=8)
def _column_index(feature_names: tuple[str, ...]) -> dict[str, int]:
    """Stage 2 feature name -> column (a model's, built once rather than per document)."""
    return {f: i for i, f in enumerate(feature_names)}


_SUMMARY = ("max_met", "max_partial", "max_not_met", "max_detect", "top3_detect", "n_detect",
            "best_met", "best_partial", "best_not_met")
# How much of the document speaks to the criterion, at each level: the log of the expected number
# of sentences (stage 1's readings summed), so that a level stated many times weighs more than a
# level read once. Shared weights only (no per-criterion copy, not seen by the other criteria).
_TOTALS = ("sum_met", "sum_partial", "sum_not_met", "sum_detect")
CROSS = ("max_detect", "max_met", "max_partial", "max_not_met")  # what each criterion sees of the others


def _totals(p: np.ndarray) -> dict[str, float]:
    """`_TOTALS` of one criterion's readings (sentences x 4); summed over a contiguous copy of each
    column, so that `stage2_rows` and `_summaries` give the same bits."""
    if not len(p):
        return dict.fromkeys(_TOTALS, 0.0)
    return {
        "sum_met": math.log1p(float(np.ascontiguousarray(p[:, 1]).sum())),
        "sum_partial": math.log1p(float(np.ascontiguousarray(p[:, 2]).sum())),
        "sum_not_met": math.log1p(float(np.ascontiguousarray(p[:, 3]).sum())),
        "sum_detect": math.log1p(float((1.0 - p[:, 0]).sum())),
    }


def _summary(p: np.ndarray) -> dict[str, float]:
    if not len(p):
        return dict.fromkeys(_SUMMARY, 0.0)
    det = 1.0 - p[:, 0]
    top = np.sort(det)[::-1]
    best = int(np.argmax(det))
    return {
        "max_met": float(p[:, 1].max()), "max_partial": float(p[:, 2].max()), "max_not_met": float(p[:, 3].max()),
        "max_detect": float(top[0]), "top3_detect": float(top[:3].mean()),
        "n_detect": math.log1p(float((det > 0.5).sum())),
        "best_met": float(p[best, 1]), "best_partial": float(p[best, 2]), "best_not_met": float(p[best, 3]),
    }


@lru_cache(maxsize=8)
def _row_names(criteria: tuple[str, ...]) -> list[tuple[list[str], list[tuple[int, list[str]]]]]:
    """Per criterion, the names of its own summary inputs (`_SUMMARY` order) and, per other
    criterion, of what it sees of it (`CROSS` order): built once, not per document."""
    return [([f"{cid}*{k}" for k in _SUMMARY],
             [(oi, [f"{cid}*{other}:{k}" for k in CROSS]) for oi, other in enumerate(criteria) if oi != ci])
            for ci, cid in enumerate(criteria)]


def stage2_rows(criteria, probs: np.ndarray, doc_type: str, rule_levels: dict[str, str],
                topics: dict[str, float] | None = None) -> list[dict[str, float]]:
    """For one document, per criterion, the named stage 2 inputs: what stage 1 found for this
    criterion (shared and criterion-specific weights), what it found for the other criteria (a
    document that hands content over on a subpoena says something about keys too), the hand
    rules' level and the document type."""
    summaries = [_summary(probs[:, ci, :] if len(probs) else np.zeros((0, 4))) for ci in range(len(criteria))]
    rows = []
    for ci, (cid, (own, cross)) in enumerate(zip(criteria, _row_names(tuple(criteria)))):
        row: dict[str, float] = {}
        for (k, v), name in zip(summaries[ci].items(), own):
            row[k] = v
            row[name] = v
        row.update(_totals(probs[:, ci, :] if len(probs) else np.zeros((0, 4))))
        for oi, names in cross:
            theirs = summaries[oi]
            for k, name in zip(CROSS, names):
                row[name] = theirs[k]
        for topic, v in (topics or {}).items():
            row[f"{cid}*topic:{topic}"] = v
        level = rule_levels.get(cid, "no-disclosure")
        row[f"c:{cid}"] = 1.0
        row[f"dt:{doc_type}"] = 1.0
        row[f"rule:{level}"] = 1.0
        row[f"{cid}*rule:{level}"] = 1.0
        rows.append(row)
    return rows


def rules_guard(level: str, rule_level: str) -> str:
    """The hand rules as a guard: where they read only evidence against the practice, the learned
    reader's `met` is capped at `partial` (METHODOLOGY: evidence against caps at partial), and the
    rules' quotes join the evidence, so the level is marked conflicting for a review."""
    return "partial" if level == "met" and rule_level == "not-met" else level


def write_model(path: Path, model_json: dict, w1: np.ndarray) -> None:
    path.mkdir(parents=True, exist_ok=True)
    (path / STAGE1).write_bytes(zlib.compress(np.ascontiguousarray(w1, dtype="<f2").tobytes(), 9))
    (path / "reader.json").write_text(json.dumps(model_json, sort_keys=True, separators=(",", ":")) + "\n", encoding="utf-8")


DEFAULT_REVIEW_BELOW = 0.7


def review_threshold() -> float:
    """Confidence under which an automatic level is flagged for a human review (the model's own)."""
    header = model_header()
    return header.review_below if header is not None else DEFAULT_REVIEW_BELOW


@dataclass(frozen=True)
class ModelHeader:
    """What scoring needs to know of the shipped model without its weights: the findings cache key
    (`version`), which rubric it reads (`rubric_sha256`) and its review threshold. An unchanged
    re-score reads nothing, so it never loads the weights (85 MB once widened to float64)."""
    version: str
    rubric_sha256: str | None
    review_below: float


def _model_files(path: Path) -> tuple[bytes, bytes, bytes, dict] | None:
    """reader.json, the stage 1 blob, its weights and the parsed reader.json; None where there is no
    (readable) model; ValueError for a model of another format."""
    try:
        raw = (path / "reader.json").read_bytes()
        blob = (path / STAGE1).read_bytes()
        weights = zlib.decompress(blob)
    except (OSError, zlib.error):
        return None
    meta = json.loads(raw)
    if meta.get("format") != FORMAT:
        raise ValueError(f"{path / 'reader.json'}: model format {meta.get('format')}, this reader reads {FORMAT}; "
                         "retrain it with `audit reader train`")
    return raw, blob, weights, meta


def _version(raw: bytes, blob: bytes) -> str:
    return hashlib.sha256(raw + blob).hexdigest()[:16]


@lru_cache(maxsize=4)
def model_header(path: Path = MODEL_DIR) -> ModelHeader | None:
    """`ModelHeader` of the model `load_model(path)` loads; None exactly where it loads none."""
    files = _model_files(path)
    if files is None:
        return None
    raw, blob, _, meta = files
    return ModelHeader(_version(raw, blob), meta.get("rubric_sha256"), float(meta["review_below"]))


@lru_cache(maxsize=4)
def load_model(path: Path = MODEL_DIR) -> ReaderModel | None:
    """The shipped model, or None where none has been trained (the rules then read alone)."""
    files = _model_files(path)
    if files is None:
        return None
    raw, blob, weights, meta = files
    vocab_list = meta["vocab"]
    criteria = tuple(meta["criteria"])
    w1 = np.frombuffer(weights, dtype="<f2").reshape(len(vocab_list), len(criteria) * 4).astype(np.float64)
    version = _version(raw, blob)
    return ReaderModel(
        criteria=criteria,
        vocab={f: i for i, f in enumerate(vocab_list)},
        w1=w1,
        b1=np.asarray(meta["b1"], dtype=np.float64),
        stage2_features=tuple(meta["stage2_features"]),
        w2=np.asarray(meta["w2"], dtype=np.float64),
        b2=np.asarray(meta["b2"], dtype=np.float64),
        review_below=float(meta["review_below"]),
        over_credit_cost=float(meta.get("over_credit_cost", 0.0)),
        version=version,
        meta={k: v for k, v in meta.items() if k not in ("vocab", "b1", "w2", "b2", "stage2_features")},
    )
