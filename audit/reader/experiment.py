"""Training and measuring runs over the labelled corpus: grouped cross-validation, the sealed
split, the final fit. I/O here; the arithmetic lives in train.py and measure.py."""

from __future__ import annotations

import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from audit.errors import InputError
from audit.reader.corpus import LabelledDocument, load_all
from audit.reader.measure import Pair, nothing_to_hand_over
from audit.reader.train import example_sentences, fit, folds_by_company, predict, prepare
from audit.rubric.model import Rubric


@dataclass
class Corpus:
    development: list[LabelledDocument]  # labelled real documents outside the sealed split, plus the dev set
    sealed: list[LabelledDocument]
    sealed_companies: frozenset[str]
    sealed_rounds: dict[str, frozenset[str]]  # labelling round (sample.toml: "1", sample2.toml: "2") -> its sealed companies
    #: rounds whose sealed split was measured, reported and then released into development -> the record
    released: dict[str, str] = field(default_factory=dict)

    def sealed_of_round(self, round_: str | None) -> list[LabelledDocument]:
        if round_ is None:
            if not self.sealed:
                raise InputError("no sealed split left: every round's was measured, reported and released "
                                 f"({'; '.join(f'round {k}: {v}' for k, v in sorted(self.released.items()))})")
            return self.sealed
        if round_ in self.released:
            raise InputError(f"round {round_}'s sealed split was measured, reported and released into development "
                             f"({self.released[round_]}): it is no longer unseen, so it cannot be reported again")
        if round_ not in self.sealed_rounds:
            raise InputError(f"no labelling round {round_!r} (rounds: {', '.join(sorted(self.sealed_rounds))})")
        return [d for d in self.sealed if d.company in self.sealed_rounds[round_]]


def text_criteria(rubric: Rubric) -> tuple[str, ...]:
    return tuple(c.id for c in rubric.criteria if c.method == "text")


def load_corpus(rubric: Rubric, labels_dir: Path, shared_corpus: Path, with_dev_set: bool = True,
                limit: int | None = None) -> Corpus:
    """The labelled documents, split by the sealed companies recorded in labels/sample.toml (round 1)
    and labels/sample<N>.toml (later rounds, each with a sealed split of its own). A round whose file
    records `released` had its sealed figure measured and reported once; its documents have then
    joined development (training and cross-validation), since a figure measured on them again
    would no longer be on unseen text."""
    rounds = sealed_rounds(labels_dir)
    released = released_rounds(labels_dir)
    sealed = frozenset().union(*(v for k, v in rounds.items() if k not in released))
    files = sorted((labels_dir / "real").glob("*.toml"))
    if not files:
        raise InputError(f"{labels_dir / 'real'}: no label files")
    known = {c.id for c in rubric.criteria}
    dev_labels = shared_corpus / "labels.toml"
    docs = load_all(files, shared_corpus, dev_labels if with_dev_set and dev_labels.exists() else None,
                    shared_corpus / "documents", known)
    if limit is not None:
        real = [d for d in docs if d.source == "real"]
        keep = {d.file for d in real[:: max(1, len(real) // limit)][:limit]}
        docs = [d for d in docs if d.source != "real" or d.file in keep]
    return Corpus([d for d in docs if d.company not in sealed], [d for d in docs if d.company in sealed], sealed,
                  {k: v for k, v in rounds.items() if k not in released}, released)


def sealed_rounds(labels_dir: Path) -> dict[str, frozenset[str]]:
    """Every labelling round's sealed companies: sample.toml is round 1, sample2.toml round 2, ..."""
    rounds: dict[str, frozenset[str]] = {}
    for sample in sorted(labels_dir.glob("sample*.toml")):
        name = sample.stem.removeprefix("sample") or "1"
        try:
            rounds[name] = frozenset(tomllib.loads(sample.read_text(encoding="utf-8"))["sealed"])
        except (OSError, KeyError, tomllib.TOMLDecodeError) as e:
            raise InputError(f"{sample}: cannot read the sealed split: {e}") from None
    if "1" not in rounds:
        raise InputError(f"{labels_dir / 'sample.toml'}: missing (the record of the sealed split)")
    return rounds


def released_rounds(labels_dir: Path) -> dict[str, str]:
    """Rounds whose sample file records `released = "..."` (when and where their sealed figure was
    reported) -> that record."""
    out: dict[str, str] = {}
    for sample in sorted(labels_dir.glob("sample*.toml")):
        try:
            note = tomllib.loads(sample.read_text(encoding="utf-8")).get("released")
        except (OSError, tomllib.TOMLDecodeError) as e:
            raise InputError(f"{sample}: cannot read: {e}") from None
        if note is not None:
            if not isinstance(note, str) or not note.strip():
                raise InputError(f"{sample}: released must be a note saying when and where the sealed figure was reported")
            out[sample.stem.removeprefix("sample") or "1"] = note.strip()
    return out


def _pairs(model, prepared, criteria) -> list[Pair]:
    out = []
    for p in prepared:
        if p.doc.source != "real":
            continue  # the dev set was tuned on: it trains, it is never measured here
        levels, conf, _ = predict(model, p)
        got = nothing_to_hand_over(dict(zip(criteria, levels)))
        gold = nothing_to_hand_over({c: p.doc.level(c).value for c in criteria})
        for ci, c in enumerate(criteria):
            if gold[c] == "not-applicable":
                continue
            out.append(Pair(p.doc.file, p.doc.company, c, gold[c], got[c], conf[ci]))
    return out


def cross_validate(rubric: Rubric, docs: list[LabelledDocument], folds: int = 5, progress=None,
                   seeds: tuple[int, ...] = (0,)) -> list[list[Pair]]:
    """Fit on k-1 folds of companies, read the unseen fold; pooled pairs of every fold, once per
    draw of companies into folds (SEEDS: seed 0 is the draw every figure in the README uses).
    Which companies share a fold moves the pooled figure by a point or two, so a change is best
    judged on several draws."""
    criteria = text_criteria(rubric)
    prepared = prepare(rubric, docs, criteria)
    examples = example_sentences(rubric, criteria)
    draws: list[list[Pair]] = []
    for seed in seeds:
        fold_of = folds_by_company(docs, folds, seed=seed)
        pairs: list[Pair] = []
        for f in range(folds):
            train = [p for p, g in zip(prepared, fold_of) if g != f]
            held = [p for p, g in zip(prepared, fold_of) if g == f]
            if progress:
                draw = f"draw {seed}, " if len(seeds) > 1 else ""
                progress(f"{draw}fold {f + 1}/{folds}: fitting on {len(train)} documents, reading {len(held)}")
            model = fit(rubric, train, criteria, examples)
            pairs += _pairs(model, held, criteria)
        draws.append(pairs)
    return draws


def sealed_figure(rubric: Rubric, corpus: Corpus, round_: str | None = None) -> list[Pair]:
    """Fit on every development document, read the sealed split (of one labelling round, or all) once."""
    criteria = text_criteria(rubric)
    model = fit(rubric, prepare(rubric, corpus.development, criteria), criteria, example_sentences(rubric, criteria))
    return _pairs(model, prepare(rubric, corpus.sealed_of_round(round_), criteria), criteria)


def stderr(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def labeller_agreement(rubric: Rubric, labels_dir: Path, shared_corpus: Path) -> list[Pair]:
    """The second labeller's blind labels (labels/second/) against the first labels of the same
    documents: the ceiling a reader can be held to. `label` is the first labeller's level."""
    from audit.reader.corpus import read_span_labels

    known = {c.id for c in rubric.criteria}
    first = {d.file: d for p in sorted((labels_dir / "real").glob("*.toml")) for d in read_span_labels(p, shared_corpus, known)}
    criteria = text_criteria(rubric)
    pairs = []
    for p in sorted((labels_dir / "second").glob("*.toml")):
        for d in read_span_labels(p, shared_corpus, known):
            a = first.get(d.file)
            if a is None:
                continue
            la = nothing_to_hand_over({c: a.level(c).value for c in criteria})
            lb = nothing_to_hand_over({c: d.level(c).value for c in criteria})
            pairs += [Pair(d.file, a.company, c, la[c], lb[c], 1.0) for c in criteria if la[c] != "not-applicable"]
    return pairs
