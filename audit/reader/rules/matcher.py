"""Find rubric signals in the sentences of an extracted text.

Raw evidence first (OSSF Scorecard style): the matcher only reports which signal fired on which
sentence and at what level; turning findings into a criterion's level is `reader.py`'s job (with
`score.engine.decide_level`). Moved here from `audit/score/matcher.py`.
Each text is scanned once for all criteria, with every pattern compiled once in the rubric.
"""

from __future__ import annotations

import re

from audit.extract.text import ExtractedText
from audit.models import Finding, Level, Polarity
from audit.rubric.model import Criterion, Lexicon, Rubric, Signal
from audit.reader.rules.prefilter import plan_for


_WORD = re.compile(r"[\w'’]+")


def _negated_before(lexicon: Lexicon, sentence: str, anchor: int) -> bool:
    """A negation cue among the few words just before the anchor ("we do *not* require a warrant")."""
    before = sentence[:anchor]
    words = _WORD.findall(before)[-lexicon.negation_window :]
    if not words:
        return False
    window = " ".join(words)
    return bool(lexicon.negation.search(window))


def match_signal(signal: Signal, sentence: str, context: str, lexicon: Lexicon) -> tuple[Level, bool, bool] | None:
    """The level the signal gives this sentence, with (negated, hedged), or None if it does not fire."""
    spans = []
    for pat in signal.all:
        m = pat.search(sentence)
        if m is None:
            return None
        spans.append(m)
    if signal.near is not None and len(spans) > 1:
        lo = min(m.start() for m in spans)
        hi = max(m.start() for m in spans)
        if hi - lo > signal.near:
            # try other occurrences: any combination within the window counts
            if not _within(signal, sentence):
                return None
    if signal.any and not any(p.search(sentence) for p in signal.any):
        return None
    if signal.none and any(p.search(sentence) for p in signal.none):
        return None
    if signal.context and not any(p.search(context) for p in signal.context):
        return None
    level = signal.level
    negated = False
    if signal.negated != "ignore" and _negated_before(lexicon, sentence, spans[0].start()):
        negated = True
        if signal.negated == "skip":
            return None
        level = Level(signal.negated)
    hedged = False
    if signal.hedged is not None and lexicon.hedge.search(sentence):
        hedged = True
        if signal.hedged.rank < level.rank or level is Level.NOT_MET:
            level = signal.hedged
    return level, negated, hedged


def _within(signal: Signal, sentence: str) -> bool:
    positions = [[m.start() for m in p.finditer(sentence)] for p in signal.all]
    first = positions[0]
    for a in first:
        if all(any(abs(b - a) <= signal.near for b in pos) for pos in positions[1:]):
            return True
    return False


def polarity_of(signal: Signal, level: Level) -> Polarity:
    """Not-met is always evidence against; otherwise the signal's declared polarity holds."""
    if level is Level.NOT_MET:
        return Polarity.AGAINST
    return signal.polarity if level is signal.level else Polarity.FOR


def find_in_text(criteria: tuple[Criterion, ...], lexicon: Lexicon, extracted: ExtractedText) -> dict[str, list[Finding]]:
    """All findings per criterion id, in text order (one pass over the sentences)."""
    out: dict[str, list[Finding]] = {c.id: [] for c in criteria}
    text = extracted.text
    blocks = extracted.blocks
    plan = plan_for(criteria)
    pairs = plan.pairs
    sentences = extracted.sentences
    # drops only signals that certainly do not fire (prefilter.py), for all sentences at once
    for s, chosen in zip(sentences, plan.chosen_in(text, [(s.start, s.end) for s in sentences])):
        if not chosen:
            continue
        sentence = text[s.start : s.end]
        block = blocks[s.block]
        context = None
        for i in chosen:
            c, sig = pairs[i]
            if sig.context and context is None:
                context = block.heading + "\n" + text[block.start : block.end]
            got = match_signal(sig, sentence, context or "", lexicon)
            if got is None:
                continue
            level, negated, hedged = got
            out[c.id].append(
                Finding(c.id, sig.id, level, polarity_of(sig, level), s.start, s.end, sentence, negated, hedged)
            )
    return out


def find_all(rubric: Rubric, extracted: ExtractedText) -> dict[str, list[Finding]]:
    return find_in_text(rubric.text_criteria, rubric.lexicon, extracted)
