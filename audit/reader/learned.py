"""Read one extracted document with the shipped model: per criterion a level, its confidence and
the sentences that decide it (the deciding one first).

The hand rules run first and are features of the model. Where no model is shipped, or for a
criterion the model was not trained on, the rules' own findings stand (confidence unknown).
`LearnedReader` is this reader behind the `Reader` protocol (reader/base.py); `read_document`
reads with it, or with the rules alone (`RulesReader`) where there is no model for the rubric.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace

import numpy as np

from audit.errors import InputError
from audit.extract.text import ExtractedText
from audit.models import Finding, Level, Polarity
from audit.reader.base import DocumentReading, Reader, Reading, reader_tag
from audit.reader.features import document_feature_arrays, document_features
from audit.reader.model import CLASSES, ReaderModel, load_model, model_header, rules_guard, stage2_matrix
from audit.reader.rules.matcher import find_all
from audit.reader.rules.reader import RulesReader, rule_readings
from audit.rubric.model import Rubric

READER_ID = "learned"
#: bump when the reading code (not the model) changes what a document reads as: it enters the
#: findings cache key with the model's hash
READER_REVISION = 5
MAX_QUOTES = 5
SUPPORT_FLOOR = 0.25  # a further quote must carry the decided level at least this strongly


@dataclass(frozen=True)
class LearnedReader:
    rubric: Rubric
    model: ReaderModel  # trained for this rubric (model_for)
    id: str = READER_ID

    @property
    def version(self) -> str:
        """The model's hash and the reading code's revision."""
        return _learned_version(self.model.version)

    def read(self, extracted: ExtractedText, doc_type: str) -> DocumentReading:
        return _read(self.rubric, extracted, doc_type)


def _learned_version(model_version: str) -> str:
    return f"{model_version}:{READER_REVISION}"


READERS = ("learned", "rules")


def chosen_reader() -> str:
    """`AUDIT_READER=rules` reads with the rubric's hand rules alone (to compare, or where the model's
    judgement is not wanted); the default is the learned reader."""
    name = os.environ.get("AUDIT_READER", "").strip().lower() or "learned"
    if name not in READERS:
        raise InputError(f"AUDIT_READER={name!r}: choose one of {', '.join(READERS)}")
    return name


def _model():
    return load_model() if chosen_reader() == "learned" else None


def reader_for(rubric: Rubric) -> Reader:
    """The learned reader where a model was trained for RUBRIC (and AUDIT_READER allows it), else
    the rubric's hand rules."""
    model = model_for(rubric)
    return LearnedReader(rubric, model) if model is not None else RulesReader(rubric)


def reader_version(rubric: Rubric) -> str:
    """The reader of RUBRIC as it enters the findings cache key (`learned:MODEL:REVISION`, `rules`):
    `reader_tag(reader_for(rubric))`, known from the model's header, so that a re-score whose
    findings are all cached never loads the model's weights."""
    header = model_header() if chosen_reader() == "learned" else None
    if header is not None and header.rubric_sha256 == rubric.sha256:
        return f"{READER_ID}:{_learned_version(header.version)}"
    return reader_tag(RulesReader(rubric))


def model_for(rubric: Rubric):
    """The learned model, where it was trained for this rubric (its rules are the model's features,
    its criteria the model's outputs); None otherwise: another rubric is read by its rules alone."""
    model = _model()
    return model if model is not None and model.meta.get("rubric_sha256") == rubric.sha256 else None


def read_document(rubric: Rubric, extracted: ExtractedText, doc_type: str) -> DocumentReading:
    """The chosen reader's reading, each observation stamped with that reader (`id:version`)."""
    reader = reader_for(rubric)
    reading = reader.read(extracted, doc_type)
    if extracted.suspect:
        reading = _no_credit_for_look_alikes(reading, extracted)
    tag = reader_tag(reader)
    return DocumentReading({cid: replace(r, findings=tuple(replace(f, reader=tag)
                                                           for f in attach_originals(r.findings, extracted)))
                            for cid, r in reading.readings.items()})


def _no_credit_for_look_alikes(reading: DocumentReading, extracted: ExtractedText) -> DocumentReading:
    """A quote with a word that mixes Latin and Cyrillic/Greek look-alike letters earns no credit:
    the criterion drops it, and where nothing else carries the level it is silent with confidence 0,
    which flags it for a human review."""
    out = {}
    for cid, r in reading.readings.items():
        if r.level not in (Level.MET, Level.PARTIAL):
            out[cid] = r
            continue
        kept = tuple(f for f in r.findings if not extracted.in_suspect_word(f.start, f.end))
        if len(kept) == len(r.findings):
            out[cid] = r
        elif any(f.polarity is Polarity.FOR for f in kept):
            out[cid] = replace(r, findings=kept, confidence=0.0 if r.confidence is not None else None)
        else:
            out[cid] = Reading(Level.NO_DISCLOSURE, 0.0, ())
    return DocumentReading(out)


def attach_originals(findings, extracted: ExtractedText) -> tuple[Finding, ...]:
    """Each quote with the page's own characters beside it, where normalisation changed them."""
    if not extracted.raw_blocks:
        return tuple(findings)
    out = []
    for f in findings:
        original = extracted.original(f.start, f.end)
        out.append(replace(f, original=original) if original is not None and original != f.quote else f)
    return tuple(out)


def _read(rubric: Rubric, extracted: ExtractedText, doc_type: str) -> DocumentReading:
    rules = find_all(rubric, extracted)
    model = model_for(rubric)
    readings = rule_readings(rubric, rules)
    if model is None or not extracted.sentences:
        return DocumentReading(readings)
    rule_levels = {cid: r.level.value for cid, r in readings.items()}
    probs, topics = _stage1(model, extracted, doc_type, rules)
    x2 = stage2_matrix(model.criteria, model.stage2_features, probs, doc_type, rule_levels, topics)
    doc = model.document_probabilities(x2)
    known = {c.id for c in rubric.text_criteria}
    # a heading (a page title) is context, not a statement: quoted only where the text is all headings
    said = np.asarray([i for i, s in enumerate(extracted.sentences) if extracted.blocks[s.block].kind != "heading"]
                      or range(len(extracted.sentences)), dtype=np.intp)
    for ci, (cid, (name, confidence)) in enumerate(zip(model.criteria, model.decide(doc))):
        if cid not in known:
            continue
        level = Level(name)
        confidence = round(confidence, 4)
        if level is Level.NO_DISCLOSURE:
            readings[cid] = Reading(level, confidence, ())
            continue
        quotes = _quotes(extracted, said, probs[:, ci, CLASSES.index(level.value)], cid, level, confidence)
        if rules_guard(level.value, rule_levels[cid]) != level.value:
            # the rules read only evidence against: both sides go to the engine, which caps the
            # level at partial and marks it conflicting
            quotes = quotes + tuple(f for f in rules.get(cid, []) if f.polarity is Polarity.AGAINST)
        readings[cid] = Reading(level, confidence, quotes)
    return DocumentReading(readings)


def _stage1(model: ReaderModel, extracted: ExtractedText, doc_type: str,
            rules: dict[str, list[Finding]]) -> tuple[np.ndarray, dict[str, float]]:
    """Stage 1's probabilities and the document's topics: the one-pass path on vocabulary ids, or
    (where its sums could be inexact) the reference path that training takes; both give the same."""
    counts, cols, constant, topics = document_feature_arrays(extracted, doc_type, rules, model.feature_ids)
    probs = model.sentence_probabilities_of_arrays(counts, cols, constant)
    if probs is None:
        probs = model.sentence_probabilities(document_features(extracted, doc_type, rules))
    return probs, topics


def _quotes(extracted: ExtractedText, said: np.ndarray, strength: np.ndarray, cid: str, level: Level,
            confidence: float) -> tuple[Finding, ...]:
    """The strongest sentences of SAID (indices, ascending) for the level: strongest first, ties in
    text order (a stable sort)."""
    order = said[np.argsort(-strength[said], kind="stable")[:MAX_QUOTES]].tolist()
    polarity = Polarity.AGAINST if level is Level.NOT_MET else Polarity.FOR
    out = []
    for rank, i in enumerate(order):
        if rank and strength[i] < SUPPORT_FLOOR:
            break
        s = extracted.sentences[i]
        out.append(Finding(cid, f"{READER_ID}:{float(strength[i]):.2f}", level, polarity, s.start, s.end,
                           extracted.text[s.start:s.end], confidence=confidence,
                           strength=round(float(strength[i]), 4)))
    return tuple(out)
