"""Sentence features for the learned reader: words with negation scope, the section heading,
the document type and the hand rules that fire on the sentence.

Kept free of any model so training and reading build exactly the same features.
"""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Iterable
from functools import cached_property

import numpy as np

from audit.extract.text import ExtractedText
from audit.models import Finding
from audit.reader.rules.prefilter import required_sets
from audit.reader.tokens import feature_tokens

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
        # the set whose literals, shortest first, are longest: "at " or "if " would hold nearly every
        # sentence, where "discretion" or "feasible" hold few
        self.literals = tuple(sorted(max(sets, key=lambda s: sorted(map(len, s))))) if sets else ()
        if any("\0" in lit or not lit for lit in self.literals):  # `among` needs literals that cannot span two sentences
            self.literals = ()
        self.pieces = _token_pieces(sets) if self.literals else ()

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


def _safe_piece(literal: str) -> str:
    """The longest part of LITERAL that lies inside one token of `document_feature_arrays`, wherever
    the literal occurs: ASCII letters and digits only (a token's characters), and no part the
    tokenizer's rewrites can cut ("n't" -> " not" takes the `n` off the end of a word, "cannot" ->
    "can not" cuts between the two `n`s), so not ending in `n` and not holding `nn`."""
    best = ""
    for run in re.findall(r"[a-z0-9]+", literal):
        for a in range(len(run)):
            for b in range(len(run), a + len(best), -1):
                part = run[a:b]
                if not part.endswith("n") and "nn" not in part:
                    best = part
                    break
    return best


def _token_pieces(sets) -> tuple[str, ...]:
    """For the required set whose pieces are longest (shortest first), one piece per literal: a
    sentence that holds a literal has a token that holds its piece (`_safe_piece`). Empty when
    some literal has no piece of at least two characters."""
    best: tuple[str, ...] = ()
    for lits in sets:
        pieces = tuple(sorted({_safe_piece(lit) for lit in lits}))
        if min(map(len, pieces), default=0) >= 2 and sorted(map(len, pieces)) > sorted(map(len, best)):
            best = pieces
    return best


#: sentences joined by NUL, and where each starts: no literal holds a NUL, so none is found across two
Joined = tuple[str, list[int]]


def joined(lows: list[str]) -> Joined:
    starts, at = [], 0
    for low in lows:
        starts.append(at)
        at += len(low) + 1
    return "\0".join(lows), starts


def words(sentence: str) -> list[str]:
    return _TOKEN.findall(sentence.lower().replace("’", "'").replace("n't", " not").replace("cannot", "can not"))


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


class FeatureIds:
    """A model vocabulary's ids of the features `sentence_features` names, computed without the
    names: the reading path (`document_feature_ids`)."""

    def __init__(self, vocab: dict[str, int]) -> None:
        self.vocab = vocab
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
            got = self.headings[heading] = {self.vocab.get("h:" + t, -1) for t in words(heading)[:12] if t.isalnum()}
        return got

    @cached_property
    def tokens(self) -> TokenCodes:
        """The codes of the tokens seen, with the ids they name."""
        return TokenCodes(self.vocab)


def document_feature_ids(extracted: ExtractedText, doc_type: str, findings: dict[str, list[Finding]],
                         ids: FeatureIds) -> tuple[list[list[int]], list[int], dict[str, float]]:
    """`document_features` as vocabulary ids: per sentence the ids of its features other than the
    constant ones (ascending; the model's sums do not depend on the order, see model.py), the
    constant ids, and the document's topics (`document_topics`). `document_feature_arrays`, cut
    into sentences; tested against `document_features` on the shared corpus
    (tests/reader/test_fast_features.py)."""
    counts, cols, constant, topics = document_feature_arrays(extracted, doc_type, findings, ids)
    flat = cols.tolist()
    out: list[list[int]] = []
    at = 0
    for k in counts.tolist():
        out.append(flat[at:at + k])
        at += k
    return out, constant, topics


_WORD, _PUNCTUATION, _GAP, _NEGATOR = 0, 1, 2, 3  # kinds of token (a negator is a word too)
_KINDS = {**dict.fromkeys(",;:()", _PUNCTUATION), "\0": _GAP, **dict.fromkeys(_NEGATORS, _NEGATOR)}


class TokenCodes(dict):
    """Token -> code, a small integer given to each token on first sight, with per code the ids of
    the `w:` and `p:` features the token names (-1: not in the vocabulary), its kind, whether it
    ends a negation's scope and the code of its form in one (`~token`); and, per pair of codes, the
    id of the `b:` feature (`pair`). A document's tokens are mapped to codes by one dict lookup
    each, and everything after that is array indexing. Each id is looked up in the vocabulary once,
    the first time its token (or pair) is seen; the tables never grow beyond about LIMIT."""

    LIMIT = 400_000  # tokens, and pairs, of the documents read so far
    SQUARE = 1024  # codes whose pairs have a place in the square table (4 MB)

    def __init__(self, vocab: dict[str, int]) -> None:
        super().__init__()
        self.vocab = vocab
        self._reset()

    def _reset(self) -> None:
        self.clear()
        self.names: list[str] = []  # code -> token
        self.kind = np.zeros(0, dtype=np.int8)
        self.breaks = np.zeros(0, dtype=bool)
        self.w, self.p, self.marked = (np.zeros(0, dtype=np.intp) for _ in range(3))
        self.mentioned = np.zeros(0, dtype=np.uint32)  # bit k: the token holds a piece of _BY_TOKEN[k]
        self.pairs = _PairIds(self)
        self.square = np.full((self.SQUARE, self.SQUARE), _UNSEEN, dtype=np.int32)

    def __missing__(self, token: str | bytes) -> int:
        code = self[token] = len(self.names)
        self.names.append(token.decode("ascii") if isinstance(token, bytes) else token)
        return code

    def codes(self, toks: list[str] | list[bytes]) -> np.ndarray:
        """The code of each token (the tables then cover them all)."""
        if len(self.names) > self.LIMIT:
            self._reset()
        if len(self.pairs) > self.LIMIT:
            self.pairs.clear()
        got = np.fromiter(map(self.__getitem__, toks), dtype=np.intp, count=len(toks))
        self._extend()
        return got

    def _extend(self) -> None:
        """The tables' rows for the tokens given a code since the last call, and their `~` forms."""
        start = len(self.w)
        if start == len(self.names):
            return
        marked = [self["~" + t] if t.isalnum() else -1 for t in self.names[start:]]  # may add `~` forms
        marked += [-1] * (len(self.names) - start - len(marked))  # (those have no form of their own)
        new, get = self.names[start:], self.vocab.get
        self.kind = np.append(self.kind, np.array([_KINDS.get(t, _WORD) for t in new], dtype=np.int8))
        self.breaks = np.append(self.breaks, np.array([t in _BREAKERS for t in new], dtype=bool))
        self.w = np.append(self.w, np.array([get("w:" + t, -1) for t in new], dtype=np.intp))
        self.p = np.append(self.p, np.array([get("p:" + t, -1) for t in new], dtype=np.intp))
        self.marked = np.append(self.marked, np.array(marked, dtype=np.intp))
        self.mentioned = np.append(self.mentioned, np.array([_mentioned_bits(t) for t in new], dtype=np.uint32))

    def pair(self, first: np.ndarray, second: np.ndarray) -> np.ndarray:
        """The `b:` ids of the pairs (first[i], second[i]) of codes (-1: not in the vocabulary).

        Pairs of the first SQUARE codes given (the tokens of the first documents read: the common
        words) are read from a square table by one indexing step, each looked up in the
        vocabulary the first time it is seen; the rest one by one in a dict (`_PairIds`)."""
        size = len(self.square)
        small = (first < size) & (second < size)
        a, b = first[small], second[small]
        got = self.square[a, b]
        unseen = got == _UNSEEN
        if unseen.any():
            keys = np.unique(a[unseen] * size + b[unseen]).tolist()
            names, get = self.names, self.vocab.get
            self.square.flat[keys] = [get(f"b:{names[k // size]}_{names[k % size]}", -1) for k in keys]
            got = self.square[a, b]
        if len(a) == len(first):
            return got.astype(np.intp)
        out = np.empty(len(first), dtype=np.intp)
        out[small] = got
        keys = (first[~small].astype(np.int64) << 32 | second[~small]).tolist()
        out[~small] = np.fromiter(map(self.pairs.__getitem__, keys), dtype=np.intp, count=len(keys))
        return out


_UNSEEN = -2  # a pair of the square table not yet looked up


class _PairIds(dict):
    """(first code << 32 | second code) -> the id of the `b:` feature of that pair of tokens."""

    def __init__(self, codes: TokenCodes) -> None:
        super().__init__()
        self.names, self.vocab = codes.names, codes.vocab

    def __missing__(self, key: int) -> int:
        got = self[key] = self.vocab.get(f"b:{self.names[key >> 32]}_{self.names[key & 0xFFFFFFFF]}", -1)
        return got


def document_feature_arrays(extracted: ExtractedText, doc_type: str, findings: dict[str, list[Finding]],
                            ids: FeatureIds) -> tuple[np.ndarray, np.ndarray, list[int], dict[str, float]]:
    """The reading path's features: (per sentence how many feature ids it has, those ids sentence
    after sentence and ascending within one, the constant ids, the document's topics as
    `document_topics` gives them).

    The same id sets as `document_features` (less the constant ones), built for the whole document
    at once, so that most sentences cost no Python steps of their own: the text is cut into tokens
    by one regex, the tokens are mapped to codes by one `map` (TokenCodes), negation scopes are
    found with array operations, words, word pairs and context words are mapped to ids by
    indexing arrays with those codes, and a sort removes the duplicates."""
    text, blocks, sents = extracted.text, extracted.blocks, extracted.sentences
    n = len(sents)
    lows = [text[s.start:s.end].lower() for s in sents]
    constant = ids.constant(doc_type)
    if not n:
        return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp), constant, topics_of(lows)
    # a NUL inside a sentence parts words as a space does (neither is in a word), but must not end it
    body = "\0".join(lows) if "\0" not in text else "\0".join(low.replace("\0", " ") for low in lows)
    # the tokens of `words` (_TOKEN), plus the NUL between sentences
    toks = feature_tokens(body.replace("’", "'").replace("n't", " not").replace("cannot", "can not"))
    table = ids.tokens
    code = table.codes(toks)
    kind = table.kind[code]
    gap = kind == _GAP
    word = (kind == _WORD) | (kind == _NEGATOR)
    sentence = np.cumsum(gap)  # each token's sentence (n - 1 gaps in all)
    mentioning = _Mentioning(lows, sentence, table.mentioned[code])
    # (sentence, id) pairs, duplicates and -1 allowed: a few as lists, the many as arrays
    rows: list[int] = []
    cols: list[int] = []
    row_arrays: list[np.ndarray] = []
    col_arrays: list[np.ndarray] = []
    for fid, k in ((ids.hedge, 0), (ids.plan, 1), (ids.period, 2)):
        if fid >= 0:
            found = mentioning(k)
            rows.extend(found)
            cols.extend([fid] * len(found))
    # `mark_negation` on every sentence at once: a word is in a negation's scope when the last
    # token before it that sets or ends a scope is a negator, at most NEG_WINDOW tokens back
    # (the tokens between are words of the scope: each took one of its places)
    event = table.breaks[code] | gap | (kind == _NEGATOR)
    place = np.arange(len(code))
    last = np.maximum.accumulate(np.where(event, place, -1))
    scoped = ~event & (last >= 0) & (place - last <= NEG_WINDOW) & (kind[last] == _NEGATOR)
    # the words as they are read (marked or not) and their pairs: punctuation dropped
    form = np.where(scoped, table.marked[code], code)[word]
    where = sentence[word]
    row_arrays.append(where)
    col_arrays.append(table.w[form])
    same = where[1:] == where[:-1]
    row_arrays.append(where[1:][same])
    col_arrays.append(table.pair(form[:-1][same], form[1:][same]))
    # the heading of the section, for a sentence that is not a heading itself
    block_of = [s.block for s in sents]
    heading_sentence = np.zeros(n, dtype=bool)
    per_sentence = np.zeros(n, dtype=np.intp)  # how many heading ids each sentence gets
    heading_ids: list[int] = []
    a = 0
    while a < n:
        k = block_of[a]
        z = a + 1
        while z < n and block_of[z] == k:
            z += 1
        block = blocks[k]
        if block.kind == "heading":
            heading_sentence[a:z] = True
        else:
            hs = list(ids.heading(block.heading))
            per_sentence[a:z] = len(hs)
            heading_ids.extend(hs * (z - a))
        a = z
    row_arrays.append(np.repeat(np.arange(n), per_sentence))
    col_arrays.append(np.asarray(heading_ids, dtype=np.intp))
    # the last CONTEXT_WORDS tokens of the sentence before (words kept), unless it is a heading
    if CONTEXT_WORDS and n > 1:
        gaps = np.flatnonzero(gap)
        starts = np.append(0, gaps[:-1] + 1)  # of sentences 0 .. n-2, each seen by the next one
        take = np.minimum(gaps - starts, CONTEXT_WORDS)
        take[heading_sentence[:-1]] = 0
        at = np.repeat(gaps - take, take) + (np.arange(int(take.sum())) - np.repeat(np.cumsum(take) - take, take))
        kept = word[at]
        row_arrays.append(np.repeat(np.arange(1, n), take)[kept])
        col_arrays.append(table.p[code[at[kept]]])
    r = ids.vocab.get
    for i, tags in enumerate(rule_hits_by_sentence(extracted, findings)):
        if tags:
            rows.extend([i] * len(tags))
            cols.extend(r("r:" + tag, -1) for tag in tags)
    row = np.concatenate(row_arrays + [np.asarray(rows, dtype=np.intp)])
    col = np.concatenate(col_arrays + [np.asarray(cols, dtype=np.intp)])
    known = col >= 0
    span = len(ids.vocab) + 1
    key = np.sort(row[known] * span + col[known])  # sentence by sentence, ids ascending
    if len(key):
        key = key[np.concatenate(([True], key[1:] != key[:-1]))]  # each id once
    row = key // span
    topics = {name: round(math.log1p(len(mentioning(k))), 6) for k, name in enumerate(_TOPICS, start=3)}
    return np.bincount(row, minlength=n), key - row * span, constant, topics


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


#: the patterns `document_feature_arrays` looks for in every sentence, in the order of the bits
#: of `TokenCodes.mentioned`: the hedge, plan and period features, then the topics
_BY_TOKEN = (_MENTIONS_HEDGE, _MENTIONS_PLAN, _MENTIONS_PERIOD, *_MENTIONS_TOPIC.values())


_PIECE_SEARCHES = tuple((1 << k, re.compile("|".join(map(re.escape, m.pieces))).search)
                        for k, m in enumerate(_BY_TOKEN) if m.pieces)


def _mentioned_bits(token: str) -> int:
    """Bit k set: TOKEN holds one of the pieces of _BY_TOKEN[k]."""
    bits = 0
    for bit, search in _PIECE_SEARCHES:
        if search(token) is not None:
            bits |= bit
    return bits


class _Mentioning:
    """`_BY_TOKEN[k].among(lows, ...)` from a document's tokens: a sentence can mention the
    pattern only if one of its tokens holds a piece of it (`_token_pieces`), so only those
    sentences are searched. One array step per pattern instead of one string search per place a
    literal occurs."""

    def __init__(self, lows: list[str], sentence: np.ndarray, bits: np.ndarray) -> None:
        self.lows = lows
        hit = np.flatnonzero(bits)
        self.sentence, self.bits = sentence[hit], bits[hit]

    def __call__(self, k: int) -> list[int]:
        mentions, lows = _BY_TOKEN[k], self.lows
        if not mentions.pieces:
            return mentions.among(lows, joined(lows))
        search = mentions.search
        held = np.unique(self.sentence[(self.bits & np.uint32(1 << k)) != 0]).tolist()
        return [i for i in held if search(lows[i]) is not None]
