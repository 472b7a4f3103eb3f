"""Sentence features for the learned reader: words with negation scope, the section heading,
the document type and the hand rules that fire on the sentence.

Kept free of any model so training and reading build exactly the same features.
"""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Callable, Iterable
from typing import Any

from audit.extract.text import ExtractedText
from audit.models import Finding
from audit.reader.rules.prefilter import required_sets

_TOKEN = re.compile(r"[a-z0-9]+|[,;:()]")
_NEGATORS = frozenset({"not", "no", "never", "without", "cannot", "neither", "nor", "none", "nothing", "nobody", "unless"})
_BREAKERS = frozenset({",", ";", ":", "(", ")", "but", "except", "however", "although", "unless", "and"})
NEG_WINDOW = 4
CONTEXT_WORDS = 12  # words of the sentence before that a sentence sees
# hedges and plans change a level; they get a feature of their own besides their words
_HEDGE = re.compile(r"\b(?:may|might|could|where (?:feasible|possible|appropriate|practicable)|if (?:feasible|possible)|"
                    r"try|tries|attempt|endeavou?r|generally|typically|usually|reasonabl[ey]|at (?:our|its) (?:sole )?discretion)\b")
_PLAN = re.compile(r"\b(?:working on|plan(?:s|ning)? to|will soon|later this year|in the (?:near )?future|roadmap|coming months)\b")
_NUMBER_PERIOD = re.compile(r"\b\d+\s*(?:hours?|days?|weeks?|months?|years?)\b")


class Mentions:
    """`pattern.search(low) is not None`, after a cheap exact test: every match holds one of a few
    literal strings (prefilter.required_sets), and `in` is several times faster than the search.
    For lower-case patterns searched in lower-cased text (the literals are then exact)."""

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.search = pattern.search
        sets = required_sets(pattern) if pattern.pattern == pattern.pattern.lower() else ()
        self.literals = tuple(sorted(max(sets, key=lambda s: (min(map(len, s)), -len(s))))) if sets else ()
        if any("\0" in lit or not lit for lit in self.literals):  # `among` needs literals that cannot span two sentences
            self.literals = ()

    def __call__(self, low: str) -> bool:
        if self.literals and not any(map(low.__contains__, self.literals)):
            return False
        return self.search(low) is not None

    def among(self, lows: list[str], joined: Joined) -> list[int]:
        """The indices of the LOWS this mentions (`[i for i, low in enumerate(lows) if self(low)]`):
        the literals are looked for once in the joined text, not once per sentence, and the search
        runs only on the sentences holding one."""
        if not self.literals:
            return [i for i, low in enumerate(lows) if self.search(low) is not None]
        text, starts = joined
        find, n = text.find, len(starts)
        held: set[int] = set()
        for lit in self.literals:
            at = find(lit)
            while at >= 0:
                k = bisect.bisect_right(starts, at) - 1
                held.add(k)
                at = find(lit, starts[k + 1]) if k + 1 < n else -1  # on to the next sentence
        return [k for k in sorted(held) if self.search(lows[k]) is not None]


#: sentences joined by NUL, and where each starts: no literal holds a NUL, so none is found across two
Joined = tuple[str, list[int]]


def joined(lows: list[str]) -> Joined:
    starts, at = [], 0
    for low in lows:
        starts.append(at)
        at += len(low) + 1
    return "\0".join(lows), starts


def words(sentence: str) -> list[str]:
    return lowered_words(sentence.lower())


def lowered_words(low: str) -> list[str]:
    """`words` of an already lower-cased sentence (the reading pass lower-cases each sentence once)."""
    return _TOKEN.findall(low.replace("’", "'").replace("n't", " not").replace("cannot", "can not"))


def mark_negation(toks: list[str]) -> list[str]:
    """The words of a sentence, those in a negation's scope marked `~` (punctuation dropped)."""
    if _NEGATORS.isdisjoint(toks):  # most sentences: no scope to track, only punctuation to drop
        return list(filter(str.isalnum, toks))
    marked: list[str] = []
    scope = 0
    for t in toks:
        if t in _BREAKERS:
            scope = 0
            if t not in ("but", "except", "however", "although", "unless", "and"):
                continue
        if t in _NEGATORS:
            scope = NEG_WINDOW
            marked.append(t)
            continue
        if scope:
            marked.append("~" + t)
            scope -= 1
        else:
            marked.append(t)
    return marked


def sentence_features(sentence: str, heading: str, doc_type: str, rule_hits: list[str], before: str = "") -> list[str]:
    """The feature names of one sentence (duplicates removed, order kept)."""
    feats: list[str] = []
    marked = mark_negation(words(sentence))
    feats.extend("w:" + t for t in marked)
    feats.extend("b:" + a + "_" + b for a, b in zip(marked, marked[1:]))
    feats.extend("h:" + t for t in words(heading)[:12] if t.isalnum())
    # the sentence before (a list item's lead-in: "we may disclose your information: ...")
    if CONTEXT_WORDS:
        feats.extend("p:" + t for t in words(before)[-CONTEXT_WORDS:] if t.isalnum())
    feats.append("dt:" + doc_type)
    low = sentence.lower()
    if _HEDGE.search(low):
        feats.append("x:hedge")
    if _PLAN.search(low):
        feats.append("x:plan")
    if _NUMBER_PERIOD.search(low):
        feats.append("x:period")
    feats.extend("r:" + h for h in rule_hits)
    seen: set[str] = set()
    return [f for f in feats if not (f in seen or seen.add(f))]


def rule_hits_by_sentence(extracted: ExtractedText, findings: dict[str, list[Finding]]) -> list[list[str]]:
    """For each sentence, the hand rules (criterion:level) whose quote lies in it."""
    starts = [s.start for s in extracted.sentences]
    hits: list[list[str]] = [[] for _ in starts]
    for cid, items in findings.items():
        for f in items:
            i = bisect.bisect_right(starts, f.start) - 1
            if 0 <= i < len(hits):
                tag = f"{cid}:{f.level.value}"
                if tag not in hits[i]:
                    hits[i].append(tag)
    return hits


def document_features(extracted: ExtractedText, doc_type: str, findings: dict[str, list[Finding]]) -> list[list[str]]:
    hits = rule_hits_by_sentence(extracted, findings)
    out = []
    sents = extracted.sentences
    for i, s in enumerate(sents):
        block = extracted.blocks[s.block]
        heading = block.heading if block.kind != "heading" else ""
        before = ""
        if i and extracted.blocks[sents[i - 1].block].kind != "heading":
            before = extracted.text[sents[i - 1].start:sents[i - 1].end]
        out.append(sentence_features(extracted.text[s.start:s.end], heading, doc_type, hits[i], before))
    return out


_MENTIONS_HEDGE, _MENTIONS_PLAN, _MENTIONS_PERIOD = Mentions(_HEDGE), Mentions(_PLAN), Mentions(_NUMBER_PERIOD)


class _VocabIds(dict):
    """key -> vocabulary id of the feature it names (-1: not in the vocabulary), looked up once:
    later sentences map their words to ids without building feature strings."""

    LIMIT = 400_000  # words and word pairs of the documents read so far; never grow without bound

    def __init__(self, vocab: dict[str, int], name: Callable[[Any], str]) -> None:
        super().__init__()
        self.vocab, self.name = vocab, name

    def __missing__(self, key: Any) -> int:
        if len(self) > self.LIMIT:
            self.clear()
        got = self[key] = self.vocab.get(self.name(key), -1)
        return got


class FeatureIds:
    """A model vocabulary's ids of the features `sentence_features` names, computed without the
    names: the reading path (`document_feature_ids`). Caches grow with the words seen."""

    def __init__(self, vocab: dict[str, int]) -> None:
        self.vocab = vocab
        self.w = _VocabIds(vocab, "w:".__add__)
        self.b = _VocabIds(vocab, lambda pair: f"b:{pair[0]}_{pair[1]}")
        self.h = _VocabIds(vocab, "h:".__add__)
        self.p = _VocabIds(vocab, "p:".__add__)
        self.headings: dict[str, set[int]] = {}
        self.hedge, self.plan, self.period = (vocab.get(f, -1) for f in ("x:hedge", "x:plan", "x:period"))

    def constant(self, doc_type: str) -> list[int]:
        """Ids of the features every sentence of a document has (its type)."""
        j = self.vocab.get("dt:" + doc_type)
        return [] if j is None else [j]

    def heading(self, heading: str) -> set[int]:
        """Ids of the `h:` features of a section heading (cached: a section has many sentences)."""
        got = self.headings.get(heading)
        if got is None:
            if len(self.headings) > 10_000:
                self.headings.clear()
            got = self.headings[heading] = set(map(self.h.__getitem__, filter(str.isalnum, words(heading)[:12])))
        return got


def document_feature_ids(extracted: ExtractedText, doc_type: str, findings: dict[str, list[Finding]],
                         ids: FeatureIds) -> tuple[list[list[int]], list[int], list[str]]:
    """`document_features` as vocabulary ids, in one pass (each sentence lower-cased and cut into
    words once; the sentence before reuses its words): per sentence the ids of its features other
    than the constant ones (no order: the model's sums do not depend on it, see model.py), the
    constant ids, and the lower-cased sentences (for `topics_of`). Tested against
    `document_features` on the shared corpus (tests/reader/test_fast_features.py)."""
    hits = rule_hits_by_sentence(extracted, findings)
    text, blocks, sents = extracted.text, extracted.blocks, extracted.sentences
    w, b, p, r = ids.w.__getitem__, ids.b.__getitem__, ids.p.__getitem__, ids.vocab.get
    out: list[list[int]] = []
    lows = [text[s.start:s.end].lower() for s in sents]
    together = joined(lows)
    marks: list[list[int]] = [[] for _ in sents]  # per sentence: the hedge, plan and period ids it mentions
    for fid, mentions in ((ids.hedge, _MENTIONS_HEDGE), (ids.plan, _MENTIONS_PLAN), (ids.period, _MENTIONS_PERIOD)):
        if fid >= 0:
            for i in mentions.among(lows, together):
                marks[i].append(fid)
    before: list[str] | None = None  # the previous sentence's words, where it is not a heading
    for i, s in enumerate(sents):
        low = lows[i]
        toks = lowered_words(low)
        marked = mark_negation(toks)
        got = set(map(w, marked))
        got.update(map(b, zip(marked, marked[1:])))
        block = blocks[s.block]
        if block.kind != "heading":
            got |= ids.heading(block.heading)
        if CONTEXT_WORDS and before is not None:
            got.update(map(p, filter(str.isalnum, before[-CONTEXT_WORDS:])))
        got.update(marks[i])
        for tag in hits[i]:
            got.add(r("r:" + tag, -1))
        got.discard(-1)
        out.append(list(got))
        before = toks if block.kind != "heading" else None
    return out, ids.constant(doc_type), lows


# What a whole document is about, as context for each criterion's decision: a service that stores
# users' messages and files and answers subpoenas can read what it hands over (Reading notes 1, 3);
# a page about agencies and officers is about police customers (note 11).
_TOPICS = {
    "content": re.compile(r"\b(?:messages?|chats?|files?|uploads?|photos?|videos?|posts?|recordings?|communications?|"
                          r"emails?|attachments?|user content|your content|customer data|stored content)\b"),
    "legal": re.compile(r"\b(?:law enforcement|subpoenas?|court orders?|warrants?|legal process|government requests?)\b"),
    "police": re.compile(r"\b(?:police|officers?|public safety|agenc(?:y|ies)|law enforcement|investigators?|cjis)\b"),
    "encryption": re.compile(r"\b(?:encrypt\w*|end-to-end|decrypt\w*|keys?)\b"),
    "retention": re.compile(r"\b(?:retain|retention|delete[ds]?|logs?)\b"),
    "sale": re.compile(r"\b(?:sell|sells|sold|sale|data brokers?)\b"),
}


def document_topics(extracted: ExtractedText) -> dict[str, float]:
    """log(1 + sentences mentioning each topic)."""
    return topics_of(extracted.text[s.start:s.end].lower() for s in extracted.sentences)


_MENTIONS_TOPIC = {name: Mentions(pat) for name, pat in _TOPICS.items()}


def topics_of(lowered_sentences: Iterable[str]) -> dict[str, float]:
    """`document_topics` from the lower-cased sentences."""
    lows = list(lowered_sentences)
    together = joined(lows)
    counts = {name: len(mentions.among(lows, together)) for name, mentions in _MENTIONS_TOPIC.items()}
    return {k: round(math.log1p(v), 6) for k, v in counts.items()}
