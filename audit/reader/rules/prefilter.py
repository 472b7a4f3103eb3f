"""A cheap, exact "cannot match" test run before a rubric signal's regular-expression searches.

A rubric pattern can only match a sentence that contains certain literal words: the ones its
parsed form makes mandatory (``\\b(only|solely)\\b...\\b(subpoena|warrant)`` needs "only" or
"solely", *and* "subpoena" or "warrant"). Profiling the extract+score bench showed pattern
searches were most of scoring time, and that testing every literal with ``in`` on every
sentence was the next cost. So, per rubric (cached):

* every signal gets its *required sets*: for each ``all`` pattern (and for the ``any`` list as
  a whole) the disjunctions of literals one of which must occur in a matching sentence; a
  literal is then reduced to its longest run of word characters, which lies inside one word;
* a sentence is cut into its (lower-cased) words; each word is scanned once, the first time
  it is seen, by one trie-shaped regular expression of all literals run as a zero-width
  lookahead (the longest literal at every position; the shorter ones there are its prefixes,
  so overlaps count), and remembers the bit mask of the required sets it meets;
* a signal is tried only when each of its required sets is met: one OR of the sentence's
  word masks, then an AND of a few rows of bits (see :class:`Plan`).

Exactness: literals come from the parsed pattern (literal runs, groups, branches whose every
alternative requires something, repeats of at least one); anything else just gives no
requirement. Matching is on the lower-cased sentence (a case-sensitive literal present in the
sentence is present lower-cased too, so that only weakens the filter), and sentences holding
one of the four non-ASCII characters that ``re.IGNORECASE`` matches to ASCII ones (U+0130,
U+0131, U+017F, U+212A) are never filtered, so ``str.lower`` agrees with the regex engine.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Sequence
from functools import reduce
from math import prod
from operator import or_

import numpy as np

from audit.reader.tokens import words_and_breaks

try:  # Python 3.11+
    from re import _constants as _c, _parser as _p
except ImportError:  # pragma: no cover - Python < 3.11
    import sre_constants as _c  # type: ignore[no-redef]
    import sre_parse as _p  # type: ignore[no-redef]

#: Non-ASCII characters that re.IGNORECASE matches to some ASCII character.
IGNORECASE_ASCII_TWINS = "\u0130\u0131\u017f\u212a"
_TWINS = re.compile(f"[{IGNORECASE_ASCII_TWINS}]")

#: Literals shorter than this occur in nearly every sentence: a set holding one filters nothing.
MIN_LITERAL = 3

_REPEATS = (_c.MAX_REPEAT, _c.MIN_REPEAT) + ((_c.POSSESSIVE_REPEAT,) if hasattr(_c, "POSSESSIVE_REPEAT") else ())

_cache: dict[re.Pattern, tuple[tuple[str, ...] | None, bool]] = {}
_req_cache: dict[re.Pattern, tuple[frozenset[str], ...]] = {}


def _prefixes(seq) -> set[str] | None:
    """Literal strings one of which every match of this parsed sequence starts with, or None."""
    items = list(seq)
    i = 0
    while i < len(items) and items[i][0] is _c.AT and items[i][1] in (_c.AT_BOUNDARY, _c.AT_NON_BOUNDARY):
        i += 1
    if i == len(items):
        return None
    op, av = items[i]
    if op is _c.LITERAL:
        run = []
        while i < len(items) and items[i][0] is _c.LITERAL:
            run.append(chr(items[i][1]))
            i += 1
        return {"".join(run)}
    if op is _c.SUBPATTERN:
        _group, add_flags, del_flags, sub = av
        if add_flags or del_flags:
            return None
        return _prefixes(sub)
    if op is _c.BRANCH:
        out: set[str] = set()
        for branch in av[1]:
            got = _prefixes(branch)
            if not got:
                return None
            out |= got
        return out
    return None


def literals(pattern: re.Pattern) -> tuple[tuple[str, ...] | None, bool]:
    """(the pattern's required literal prefixes or None, whether it ignores case); cached."""
    got = _cache.get(pattern)
    if got is None:
        ignorecase = bool(pattern.flags & re.IGNORECASE)
        try:
            found = _prefixes(_p.parse(pattern.pattern, pattern.flags)) if isinstance(pattern.pattern, str) else None
        except Exception:  # an internal parser change must never break scoring
            found = None
        if found and not all(s.isascii() for s in found):
            found = None
        if found is not None and ignorecase:
            found = {s.lower() for s in found}
        got = (tuple(sorted(found)) if found else None, ignorecase)
        _cache[pattern] = got
    return got


def _ascii_piece(run: list[str]) -> str:
    """The longest all-ASCII stretch of a literal run (itself a required substring)."""
    return max("".join(run).encode("ascii", "replace").decode("ascii").split("?"), key=len)


def _best(sets: list[frozenset[str]]) -> frozenset[str]:
    """The most selective of several required sets: the one whose shortest literal is longest."""
    return max(sets, key=lambda s: (min(map(len, s)), -len(s)))


MAX_COMBINATIONS = 32


def _branch_sets(per_branch: list[list[frozenset[str]]]) -> list[frozenset[str]]:
    """What a branch requires, when alternative i requires every set of per_branch[i].

    Any union that takes one set from each alternative is required (whichever alternative
    matched brings a literal of its pick). All such unions while they are few, since the most
    selective one depends on the sentence; else the union of each alternative's best set.
    """
    if prod(map(len, per_branch)) <= MAX_COMBINATIONS:
        return [frozenset().union(*pick) for pick in itertools.product(*per_branch)]
    return [frozenset().union(*map(_best, per_branch))]


def _required(seq) -> list[frozenset[str]]:
    """Sets of lower-cased literals, one of each of which every match of the parsed sequence contains."""
    out: list[frozenset[str]] = []
    run: list[str] = []

    def flush() -> None:
        if run:
            piece = _ascii_piece(run).lower()
            if piece:
                out.append(frozenset({piece}))
            run.clear()

    for op, av in seq:
        if op is _c.LITERAL:
            run.append(chr(av))
            continue
        flush()
        if op is _c.SUBPATTERN:
            _group, add_flags, del_flags, sub = av
            if not add_flags and not del_flags:  # scoped flags: leave it out
                out += _required(sub)
        elif op is _c.BRANCH:
            per_branch = [_required(branch) for branch in av[1]]
            if all(per_branch):  # an alternative that needs nothing makes the whole branch need nothing
                out += _branch_sets(per_branch)
        elif op in _REPEATS:
            lo, _hi, sub = av
            if lo >= 1:
                out += _required(sub)
        elif op is _c.ATOMIC_GROUP:
            out += _required(av)
    flush()
    return out


def required_sets(pattern: re.Pattern) -> tuple[frozenset[str], ...]:
    """Lower-cased literal sets one literal of each of which any match of the pattern contains; cached.

    Empty when nothing is certain (bytes patterns, parser surprises).
    """
    got = _req_cache.get(pattern)
    if got is None:
        try:
            found = _required(_p.parse(pattern.pattern, pattern.flags).data) if isinstance(pattern.pattern, str) else []
        except Exception:  # an internal parser change must never break scoring
            found = []
        got = _req_cache[pattern] = tuple(dict.fromkeys(found))
    return got


def signal_sets(sig) -> list[frozenset[str]]:
    """Required sets of a whole signal: each `all` pattern's, plus one for the `any` list."""
    sets = [s for pat in sig.all for s in required_sets(pat)]
    if sig.any:
        per_any = [required_sets(pat) for pat in sig.any]
        if all(per_any):  # one of the `any` patterns must match, so one of their literals must occur
            sets.append(frozenset().union(*(_best(list(s)) for s in per_any)))
    return list(dict.fromkeys(sets))


def _top_alternatives(pattern: re.Pattern) -> list[list[frozenset[str]]] | None:
    """Each top-level alternative's required sets, when the pattern is an `a|b|c` whose
    alternatives are too many to combine into required sets of the whole (_branch_sets would
    fall back to a weak union); None otherwise."""
    try:
        data = _p.parse(pattern.pattern, pattern.flags).data if isinstance(pattern.pattern, str) else None
    except Exception:  # an internal parser change must never break scoring
        return None
    items = [item for item in data or () if item[0] is not _c.AT]  # the parser factors a shared `\b` out
    if len(items) != 1 or items[0][0] is not _c.BRANCH:
        return None
    per_branch = [_required(branch) for branch in items[0][1][1]]
    if not all(per_branch) or prod(map(len, per_branch)) <= MAX_COMBINATIONS:
        return None
    return per_branch


def signal_alternatives(sig) -> list[list[frozenset[str]]]:
    """Ways a signal can match, each with its required sets: a sentence meeting none of them
    cannot make the signal fire.

    Usually one way (signal_sets). A signal whose `all` pattern is a long top-level alternation
    (`this page explains...|guidelines for law enforcement|...`) gets one way per alternative:
    requiring "one literal of the union of the alternatives" would let nearly every sentence
    through, while each alternative on its own is selective.
    """
    whole = signal_sets(sig)
    for k, pat in enumerate(sig.all):
        alternatives = _top_alternatives(pat)
        if alternatives is None:
            continue
        rest = [s for other in sig.all[:k] + sig.all[k + 1:] for s in required_sets(other)]
        rest += [s for s in whole if s not in rest and s not in required_sets(pat)]  # the `any` set
        return [list(dict.fromkeys(alt + rest)) for alt in alternatives]
    return [whole]


_WORD_PIECE = re.compile(r"\w+")


def word_piece(literal: str) -> str:
    """The literal's longest run of word characters: present (in one word) wherever the literal is."""
    return max(_WORD_PIECE.findall(literal) or [""], key=len)


def _trie_regex(words: Sequence[str]) -> str:
    """One expression matching the longest of `words` at a position (greedy trie, longest first)."""
    trie: dict = {}
    for w in words:
        node = trie
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def render(node: dict) -> str:
        alts = [re.escape(ch) + render(child) for ch, child in sorted(node.items()) if ch]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        return f"(?:{body})?" if "" in node else body  # a word ends here: longer ones first (greedy)

    return render(trie)


#: Required sets kept per signal (most selective first): each one costs a shift and an AND per
#: sentence, and beyond a couple of dozen they no longer drop signals in practice.
MAX_ROWS = 24


def _strongest(sets: list[frozenset[str]]) -> list[frozenset[str]]:
    """At most MAX_ROWS of the sets, most selective first; a superset of another adds nothing."""
    sets = list(dict.fromkeys(sets))
    kept = [s for s in sets if not any(o < s for o in sets)]
    return sorted(kept, key=lambda s: (-min(map(len, s)), len(s), sorted(s)))[:MAX_ROWS]


class _WordMasks(dict):
    """Lower-cased word -> mask of the required sets it meets, computed on first sight."""

    def __init__(self, bits: dict[str, int], scanner: re.Pattern | None) -> None:
        super().__init__()
        self.bits, self.scanner = bits, scanner

    def __missing__(self, word: str) -> int:
        if len(self) > 200_000:  # vocabularies are small; never grow without bound
            self.clear()
        bits = self.bits
        mask = reduce(or_, [bits[p] for p in self.scanner.findall(word)], 0) if self.scanner else 0
        self[word] = mask
        return mask


class Plan:
    """Per criteria tuple: which required sets each word meets, as one bit mask.

    Signal i's k-th required set has bit ``k * n + i`` (n signals). A sentence's mask is the
    OR of its words' masks (cached per word), plus the bits of sets that do not exist (a
    signal with two sets needs nothing in rows 2, 3, ...). The signals whose every set is met
    are then the AND of the rows: a few big-integer operations per sentence, whatever the
    number of signals and literals.
    """

    def __init__(self, criteria: tuple) -> None:
        self.criteria = criteria  # kept, so that the ids in the cache key stay unique while cached
        self.pairs: list[tuple] = []  # (criterion, signal) in rubric order
        piece_sets: list[list[frozenset[str]]] = []  # one entry per slot: a way a signal can match
        slot_signal: list[int] = []  # slot -> index into pairs (a signal's slots are adjacent)
        for c in criteria:
            for sig in c.signals:
                for way in signal_alternatives(sig):
                    # a set needing a literal without a word piece, or a too-common one, filters nothing
                    pieces = [frozenset(map(word_piece, s)) for s in way]
                    piece_sets.append(_strongest([s for s in pieces if min(map(len, s)) >= MIN_LITERAL]))
                    slot_signal.append(len(self.pairs))
                self.pairs.append((c, sig))
        self.slot_signal = slot_signal
        self.split = len(slot_signal) != len(self.pairs)
        n = self.n = len(slot_signal)
        self.rows = max(map(len, piece_sets), default=0)
        self.row_mask = (1 << n) - 1
        met: dict[str, int] = {}  # piece -> bits of the sets it meets
        self.always = 0  # bits of the sets a signal does not have
        for i, sets in enumerate(piece_sets):
            for k in range(self.rows):
                if k < len(sets):
                    for piece in sets[k]:
                        met[piece] = met.get(piece, 0) | 1 << (k * n + i)
                else:
                    self.always |= 1 << (k * n + i)
        words = sorted(met)
        # a piece found at a position stands for itself and every piece that is a prefix of it
        bits = {w: reduce(or_, (met[p] for p in words if w.startswith(p)), 0) for w in words}
        scanner = re.compile(f"(?=({_trie_regex(words)}))") if words else None
        self.word_masks = _WordMasks(bits, scanner)
        self.everything = tuple(range(len(self.pairs)))
        # the same bits as numpy rows, for chosen_in(): row k holds the slots of set k
        self.words_per_row = max(1, (n + 63) // 64)
        self.row_mask_words = np.frombuffer(self.row_mask.to_bytes(self.words_per_row * 8, "little"), "<u8")
        self.always_rows = self.word_rows(self.always)
        self.row_table = _RowTable(self)

    def chosen(self, sentence: str) -> tuple[int, ...]:
        """Indices into :attr:`pairs` (rubric order) of the signals that may fire on the sentence."""
        if not sentence.isascii() and _TWINS.search(sentence):  # case-folded literals are unsafe
            return self.everything
        mask = reduce(or_, map(self.word_masks.__getitem__, set(_WORD_PIECE.findall(sentence.lower()))), self.always)
        n, ok = self.n, self.row_mask
        for _ in range(self.rows):  # most selective sets first: ok is soon 0 in most sentences
            ok &= mask
            if not ok:
                return ()
            mask >>= n
        return self._indices(ok)

    def chosen_in(self, text: str, spans: Sequence[tuple[int, int]]) -> list[tuple[int, ...]]:
        """chosen() of each (start, end) span of TEXT, a whole document at once.

        The same answers: the words of all sentences are cut by one regular expression, each
        sentence's masks are ORed by numpy (rows of 64-bit words, one table row per word that
        meets a set; the rest share a zero row), and the AND of the rows is taken for all
        sentences together. Only the sentences that keep a signal are turned back into indices.
        """
        out: list[tuple[int, ...]] = [()] * len(spans)
        lowered: list[str] = []
        todo: list[int] = []
        for j, (a, b) in enumerate(spans):
            sentence = text[a:b]
            if not sentence.isascii() and _TWINS.search(sentence):
                out[j] = self.everything
                continue
            low = sentence.lower()
            lowered.append(low.replace(_BREAK, " ") if _BREAK in low else low)  # NUL is no word character
            todo.append(j)
        if not todo:
            return out
        # each sentence opens with a break token (a zero row): no sentence is an empty segment
        tokens = words_and_breaks(_BREAK + _BREAK.join(lowered))  # chosen()'s words and the breaks, as bytes
        if len(tokens) > MAX_TABLE_WORDS:  # a huge document: one sentence at a time, as chosen() does
            for j in todo:
                out[j] = self.chosen(text[spans[j][0]:spans[j][1]])
            return out
        if len(self.row_table) + len(tokens) > MAX_TABLE_WORDS:
            self.row_table = _RowTable(self)
        table = self.row_table
        ids = np.fromiter(map(table.__getitem__, tokens), np.intp, len(tokens))
        starts = np.flatnonzero(ids == _BREAK_ROW)
        rows = np.bitwise_or.reduceat(table.matrix()[ids], starts, axis=0) | self.always_rows
        ok = np.bitwise_and.reduce(rows.reshape(len(todo), self.rows, self.words_per_row), axis=1) & self.row_mask_words
        for k in np.flatnonzero(ok.any(axis=1)).tolist():
            out[todo[k]] = self._indices(int.from_bytes(ok[k].astype("<u8").tobytes(), "little"))
        return out

    def _indices(self, ok: int) -> tuple[int, ...]:
        """Signal indices (rubric order) of the set bits of one row of slots."""
        got = []
        while ok:  # lowest bit first: rubric order
            low = ok & -ok
            ok ^= low
            got.append(low.bit_length() - 1)
        if self.split:  # slots -> signals; a signal's slots are adjacent, so duplicates are too
            slot_signal = self.slot_signal
            return tuple(dict.fromkeys(slot_signal[i] for i in got))
        return tuple(got)

    def word_rows(self, mask: int) -> np.ndarray:
        """A big-integer mask as rows x words_per_row 64-bit words (row k: the slots of set k)."""
        n, words = self.n, self.words_per_row
        out = np.zeros(self.rows * words, np.uint64)
        for k in range(self.rows):
            part = (mask >> (k * n)) & self.row_mask
            if part:
                out[k * words:(k + 1) * words] = np.frombuffer(part.to_bytes(words * 8, "little"), "<u8")
        return out


#: The break between sentences in chosen_in(): not a word character. Its row and the row shared
#: by the words that meet no set are all zeros; the break's own index marks where sentences start.
_BREAK = "\x00"
_BREAK_ROW = 0
_NOTHING_ROW = 1
MAX_TABLE_WORDS = 200_000  # words remembered per plan (a hostile document cannot grow it without bound)


class _RowTable(dict):
    """Lower-cased word (UTF-8 bytes, as tokens.words_and_breaks cuts it) -> its row in `matrix()`;
    words that meet no set share one zero row."""

    def __init__(self, plan: Plan) -> None:
        super().__init__()
        self.plan = plan
        self[_BREAK.encode()] = _BREAK_ROW
        zero = np.zeros(plan.rows * plan.words_per_row, np.uint64)
        self._rows: list[np.ndarray] = [zero, zero]  # _BREAK_ROW, _NOTHING_ROW
        self._matrix: np.ndarray | None = None

    def __missing__(self, word: bytes) -> int:
        mask = self.plan.word_masks[word.decode("utf-8", "surrogatepass")]
        if not mask:
            self[word] = _NOTHING_ROW
            return _NOTHING_ROW
        self._rows.append(self.plan.word_rows(mask))
        self._matrix = None
        self[word] = row = len(self._rows) - 1
        return row

    def matrix(self) -> np.ndarray:
        if self._matrix is None:
            self._matrix = np.vstack(self._rows)
        return self._matrix


_plans: dict[tuple[int, ...], Plan] = {}


def plan_for(criteria: tuple) -> Plan:
    """The cached plan of these criteria (rubric.text_criteria is a new tuple on every call)."""
    key = tuple(map(id, criteria))
    plan = _plans.get(key)
    if plan is None or any(a is not b for a, b in zip(plan.criteria, criteria)):
        plan = Plan(tuple(criteria))
        if len(_plans) > 64:  # rubrics are few; never grow without bound
            _plans.clear()
        _plans[key] = plan
    return plan


def candidates(criteria, sentence: str) -> Iterator[tuple]:
    """(criterion, signal) pairs in rubric order, minus those that certainly do not match."""
    plan = plan_for(criteria)
    for i in plan.chosen(sentence):
        yield plan.pairs[i]


# The first prefilter's per-pattern helpers, still used by tests and handy when debugging.


def folded(sentence: str) -> str | None:
    """The sentence lower-cased for prefiltering, or None when prefiltering would be unsafe."""
    if not sentence.isascii() and _TWINS.search(sentence):
        return None
    return sentence.lower()


def cannot_match(pattern: re.Pattern, sentence: str, lowered: str | None) -> bool:
    """True only when `pattern.search(sentence)` is certainly None (lowered = folded(sentence))."""
    lits, ignorecase = literals(pattern)
    if lits is None:
        return False
    if ignorecase:
        return lowered is not None and not any(s in lowered for s in lits)
    return not any(s in sentence for s in lits)
