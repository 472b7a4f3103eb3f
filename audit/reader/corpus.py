"""Hand-labelled documents for training and measuring the reader.

Two label formats are read: the project's own real-corpus labels (`labels/real/*.toml`: evidence
as character spans of the shared file, checked against a short hash) and the shared dev set's
`labels.toml` (evidence as quotes). Either way each labelled document becomes its extracted text,
its sentences, and for every criterion the document-level level plus which sentences carry it.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from audit.errors import InputError
from audit.extract import extract
from audit.extract.text import ExtractedText
from audit.models import Level

_HEADER = re.compile(r"\A(?:[a-z_]+: [^\n]*\n)+\n?")


def strip_corpus_header(text: bytes) -> bytes:
    """Corpus files start with `key: value` provenance lines; they are not the policy's text."""
    head = text[:4096].decode("utf-8", "replace")
    m = _HEADER.match(head)
    return text[len(m.group(0).encode("utf-8")):] if m else text


SPEC_TYPES = ("law-enforcement-guidelines", "transparency-report", "privacy-policy", "terms-of-service",
              "encryption", "security", "developer-terms", "product", "other")
_LEVELS = {"met", "partial", "not-met", "not-applicable"}


def corpus_doc_type(file: str) -> str:
    """A shared-corpus file's document type in the rubric's vocabulary (DPAs, press, help: other)."""
    parts = Path(file).name.split("__")
    t = parts[1] if len(parts) > 2 else "other"
    return t if t in SPEC_TYPES else "other"


@dataclass
class CriterionLabel:
    level: Level
    spans: list[str]  # the evidence texts, deciding one first


@dataclass
class LabelledDocument:
    file: str  # relative to the corpus root (or the dev set's documents folder)
    company: str
    doc_type: str
    labels: dict[str, CriterionLabel]
    labeller: str = ""
    source: str = "real"  # real | dev
    extracted: ExtractedText | None = field(default=None, repr=False)

    def level(self, criterion: str) -> Level:
        lab = self.labels.get(criterion)
        return lab.level if lab else Level.NO_DISCLOSURE


def _toml(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise InputError(f"{path}: cannot read labels: {e}") from None


def span_sha(text: str, start: int, end: int) -> str:
    return hashlib.sha256(text[start:end].encode("utf-8")).hexdigest()[:12]


def read_span_labels(path: Path, corpus: Path, known: set[str] | None = None) -> list[LabelledDocument]:
    """A project label file (spans into the shared corpus). A span whose hash differs is an error."""
    out = []
    for d in _toml(path).get("document", []):
        file = d.get("file")
        if not isinstance(file, str) or not isinstance(d.get("company"), str):
            raise InputError(f"{path}: a document needs `file` and `company`")
        try:
            text = (corpus / file).read_text(encoding="utf-8")
        except OSError as e:
            raise InputError(f"{path}: {file}: {e.strerror or e}") from None
        labels = {}
        for cid, lab in (d.get("labels") or {}).items():
            if known is not None and cid not in known:
                raise InputError(f"{path}: {file}: unknown criterion {cid}")
            if lab.get("level") not in _LEVELS:
                raise InputError(f"{path}: {file}: {cid}: level {lab.get('level')!r}")
            spans = []
            for ev in lab.get("evidence", []):
                s, e = int(ev["start"]), int(ev["end"])
                if span_sha(text, s, e) != ev.get("sha"):
                    raise InputError(f"{path}: {file}: {cid}: span {s}-{e} no longer matches its hash (the shared file changed)")
                spans.append(text[s:e])
            labels[cid] = CriterionLabel(Level(lab["level"]), spans)
        out.append(LabelledDocument(file, d["company"], corpus_doc_type(file), labels, d.get("labeller", "")))
    return out


def read_quote_labels(path: Path, known: set[str] | None = None) -> list[LabelledDocument]:
    """The shared dev set's labels.toml (quotes instead of spans)."""
    out = []
    for d in _toml(path).get("document", []):
        labels = {}
        for cid, lab in (d.get("labels") or {}).items():
            if known is not None and cid not in known:
                raise InputError(f"{path}: {d.get('file')}: unknown criterion {cid}")
            if lab.get("level") not in _LEVELS | {"no-disclosure"}:
                raise InputError(f"{path}: {d.get('file')}: {cid}: level {lab.get('level')!r}")
            if lab["level"] == "no-disclosure":
                continue
            labels[cid] = CriterionLabel(Level(lab["level"]), [lab["quote"]] if lab.get("quote") else [])
        doctype = d.get("doctype", "other")
        out.append(LabelledDocument(d["file"], d["company"], doctype if doctype in SPEC_TYPES else "other",
                                    labels, "dev", source="dev"))
    return out


def load_text(doc: LabelledDocument, root: Path) -> ExtractedText:
    data = (root / doc.file).read_bytes()
    if doc.source == "dev":
        data = strip_corpus_header(data)
    return extract(data, filename=doc.file)


_MD_LINK = re.compile(r"\]\([^)]*\)")
_WORD = re.compile(r"[a-z0-9]+")


def _tokens(s: str) -> list[str]:
    return _WORD.findall(_MD_LINK.sub(" ", s.lower().replace("’", "'")))


def sentences_of_span(extracted: ExtractedText, span: str) -> list[int]:
    """Indexes of the sentences that carry an evidence span (matched on words, so Markdown marks,
    links and white space do not matter)."""
    want = _tokens(span)
    if not want:
        return []
    joined = " " + " ".join(want) + " "
    want_set = set(want)
    hits = []
    for i, s in enumerate(extracted.sentences):
        toks = _tokens(extracted.text[s.start:s.end])
        if len(toks) < 2 or not want_set.intersection(toks):
            continue
        sj = " " + " ".join(toks) + " "
        if sj in joined or (len(want) >= 4 and joined in sj):
            hits.append(i)
            continue
        # the quote cut a sentence, or extraction split differently: a long shared run of words
        if _longest_run(toks, want) >= max(5, min(len(toks), len(want)) // 2):
            hits.append(i)
    return hits


def _longest_run(a: list[str], b: list[str]) -> int:
    best = 0
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0] * (len(b) + 1)
        for j, y in enumerate(b, 1):
            if x == y:
                cur[j] = prev[j - 1] + 1
                if cur[j] > best:
                    best = cur[j]
        prev = cur
    return best


def load_all(label_files: list[Path], corpus: Path, dev_labels: Path | None = None,
             dev_documents: Path | None = None, known: set[str] | None = None) -> list[LabelledDocument]:
    """Every labelled document with its extracted text, sorted by file for reproducibility."""
    docs: list[LabelledDocument] = []
    for p in sorted(label_files):
        for d in read_span_labels(p, corpus, known):
            d.extracted = load_text(d, corpus)
            docs.append(d)
    if dev_labels is not None and dev_documents is not None:
        for d in read_quote_labels(dev_labels, known):
            d.extracted = load_text(d, dev_documents)
            docs.append(d)
    seen: set[str] = set()
    unique = []
    for d in sorted(docs, key=lambda d: (d.source, d.file)):
        if (d.source, d.file) not in seen:  # a document labelled twice: the first label file wins
            seen.add((d.source, d.file))
            unique.append(d)
    return unique
