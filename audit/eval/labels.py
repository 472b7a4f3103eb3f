"""Read a labels file (format of the shared corpus's labels.toml) and score the tool against it."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from audit.errors import InputError
from audit.models import Level
from audit.rubric.model import Rubric
from audit.reader.learned import read_document
from audit.reader.corpus import strip_corpus_header
from audit.reader.measure import nothing_to_hand_over
from audit.pipeline.documents import load_document, read_file

_LEVELS = {"met", "partial", "not-met", "no-disclosure", "not-applicable"}


@dataclass(frozen=True)
class LabelledDocument:
    file: str
    company: str
    doctype: str
    labels: dict[str, Level]


def read_labels(path: str) -> list[LabelledDocument]:
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"{path}: cannot read: {e}") from None
    except tomllib.TOMLDecodeError as e:
        raise InputError(f"{path}: invalid TOML: {e}") from None
    docs = []
    for i, d in enumerate(data.get("document", [])):
        for key in ("file", "company", "doctype"):
            if not isinstance(d.get(key), str):
                raise InputError(f"{path}: document #{i + 1}: `{key}` is required")
        labels = {}
        for cid, lab in (d.get("labels") or {}).items():
            lv = lab.get("level") if isinstance(lab, dict) else None
            if lv not in _LEVELS:
                raise InputError(f"{path}: {d['file']}: label {cid}: level {lv!r} is not a level")
            labels[cid] = Level(lv)
        docs.append(LabelledDocument(d["file"], d["company"], d["doctype"], labels))
    if not docs:
        raise InputError(f"{path}: no [[document]] tables")
    return docs


@dataclass
class Row:
    file: str
    criterion: str
    label: Level
    got: Level
    quote: str = ""


@dataclass
class EvalReport:
    rows: list[Row] = field(default_factory=list)

    def _labelled(self, rows):
        return [r for r in rows if r.label is not Level.NO_DISCLOSURE]

    def metrics(self, criterion: str | None = None) -> dict:
        rows = [r for r in self.rows if criterion is None or r.criterion == criterion]
        labelled = self._labelled(rows)
        exact = sum(1 for r in labelled if r.got is r.label)
        detected = sum(1 for r in labelled if r.got is not Level.NO_DISCLOSURE)
        false_credit = sum(1 for r in rows if over_credit(r.got, r.label))
        return {
            "pairs": len(rows),
            "labelled": len(labelled),
            "exact_agreement": _ratio(exact, len(labelled)),
            "detection": _ratio(detected, len(labelled)),
            "false_credit": _ratio(false_credit, len(rows)),
            "exact": exact,
            "detected": detected,
            "false_credit_pairs": false_credit,
        }

    def confusion(self) -> dict[str, dict[str, int]]:
        names = ["met", "partial", "not-met", "no-disclosure"]
        table = {a: {b: 0 for b in names} for a in names}
        for r in self.rows:
            if r.label.value in table and r.got.value in table:
                table[r.label.value][r.got.value] += 1
        return table


def over_credit(got: Level, label: Level) -> bool:
    if got is Level.MET:
        return label in (Level.PARTIAL, Level.NOT_MET, Level.NO_DISCLOSURE)
    if got is Level.PARTIAL:
        return label in (Level.NOT_MET, Level.NO_DISCLOSURE)
    return False


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 4) if b else None


def evaluate(rubric: Rubric, labels: list[LabelledDocument], documents_dir: str) -> EvalReport:
    report = EvalReport()
    criteria = [c for c in rubric.criteria if c.method == "text"]
    known = {c.id for c in rubric.criteria}
    unknown = sorted({f"{d.file}: {cid}" for d in labels for cid in d.labels if cid not in known})
    if unknown:
        # a typo would otherwise turn silently into no-disclosure and skew every figure
        raise InputError(f"labels name criteria the rubric {rubric.id} does not have: {'; '.join(unknown)}")
    for doc in labels:
        path = Path(documents_dir) / doc.file
        data = strip_corpus_header(read_file(str(path)))
        loaded = load_document(data, url=doc.file, fetched_at="", doc_type=doc.doctype, filename=doc.file)
        reading = read_document(rubric, loaded.extracted, doc.doctype)
        got = {c.id: reading.readings[c.id] for c in criteria}
        # METHODOLOGY's "nothing to hand over": on both sides, a provider that cannot decrypt
        # meets warrant-for-content unless something says content is handed over
        got_levels = nothing_to_hand_over({cid: r.level.value for cid, r in got.items()})
        labels = nothing_to_hand_over({c.id: doc.labels.get(c.id, Level.NO_DISCLOSURE).value for c in criteria})
        for c in criteria:
            label = Level(labels[c.id])
            if label is Level.NOT_APPLICABLE:
                continue
            r = got[c.id]
            quote = r.findings[0].quote if r.findings else ""
            report.rows.append(Row(doc.file, c.id, label, Level(got_levels[c.id]), quote))
    return report
