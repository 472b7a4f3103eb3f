"""A cheap, exact "cannot match" test run before a rubric pattern's regular-expression search.

Most rubric patterns start with a word alternation (``\\b(only|solely|exclusively)\\b...``); a
sentence that contains none of those words (case-folded) cannot match, and a substring test is
far cheaper than the regex engine trying every position. Profiling the extract+score bench
showed pattern searches were ~80% of scoring time.

Exactness: the literal prefixes come from the parsed pattern (only mandatory leading literals,
branches and groups; anything else gives no filter), and case-insensitive patterns are only
prefiltered for sentences free of the four non-ASCII characters that `re.IGNORECASE` matches
to ASCII ones (U+0130, U+0131, U+017F, U+212A), so `str.lower` agrees with the regex engine.
"""

from __future__ import annotations

import re

try:  # Python 3.11+
    from re import _constants as _c, _parser as _p
except ImportError:  # pragma: no cover - Python < 3.11
    import sre_constants as _c  # type: ignore[no-redef]
    import sre_parse as _p  # type: ignore[no-redef]

#: Non-ASCII characters that re.IGNORECASE matches to some ASCII character.
IGNORECASE_ASCII_TWINS = "\u0130\u0131\u017f\u212a"
_TWINS = re.compile(f"[{IGNORECASE_ASCII_TWINS}]")

_cache: dict[re.Pattern, tuple[tuple[str, ...] | None, bool]] = {}


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


def folded(sentence: str) -> str | None:
    """The sentence lower-cased for prefiltering, or None when prefiltering would be unsafe."""
    if not sentence.isascii() and _TWINS.search(sentence):
        return None
    return sentence.lower()


class _Plan:
    """Per criteria tuple: each signal's literal sets, and an index literal -> signals needing it."""

    def __init__(self, criteria):
        self.criteria = criteria  # kept so that id() stays unique while cached
        self.items = []  # (criterion, signal, case-folded literal sets, case-sensitive literal sets)
        self.always: list[int] = []  # signals without a case-folded literal set
        self.index: dict[str, list[int]] = {}  # literal -> signals whose first case-folded set has it
        ci: set[str] = set()
        cs: set[str] = set()
        for c in criteria:
            for sig in c.signals:
                # every `all` pattern must match, so each one with literals is a filter
                ci_sets, cs_sets = [], []
                for pat in sig.all:
                    lits, ignorecase = literals(pat)
                    if lits:
                        (ci_sets if ignorecase else cs_sets).append(frozenset(lits))
                        (ci if ignorecase else cs).update(lits)
                n = len(self.items)
                self.items.append((c, sig, tuple(ci_sets), tuple(cs_sets)))
                if ci_sets:
                    for lit in ci_sets[0]:
                        self.index.setdefault(lit, []).append(n)
                else:
                    self.always.append(n)
        self.ci = tuple(sorted(ci))
        self.cs = tuple(sorted(cs))


_plans: dict[int, _Plan] = {}


def candidates(criteria, sentence: str):
    """(criterion, signal) pairs in rubric order, minus those that certainly do not match."""
    plan = _plans.get(id(criteria))
    if plan is None or plan.criteria is not criteria:
        plan = _plans[id(criteria)] = _Plan(criteria)
        if len(_plans) > 64:  # rubrics are few; never grow without bound
            _plans.clear()
            _plans[id(criteria)] = plan
    lowered = folded(sentence)
    if lowered is None:  # case-folded literals cannot be trusted for this sentence
        present_ci = None
        chosen = range(len(plan.items))
    else:
        present_ci = {s for s in plan.ci if s in lowered}
        picked = set(plan.always)
        for lit in present_ci:
            picked.update(plan.index.get(lit, ()))
        chosen = sorted(picked)
    present_cs = {s for s in plan.cs if s in sentence} if plan.cs else set()
    for n in chosen:
        c, sig, ci_sets, cs_sets = plan.items[n]
        if present_ci is not None and any(lits.isdisjoint(present_ci) for lits in ci_sets):
            continue
        if any(lits.isdisjoint(present_cs) for lits in cs_sets):
            continue
        yield c, sig


def cannot_match(pattern: re.Pattern, sentence: str, lowered: str | None) -> bool:
    """True only when `pattern.search(sentence)` is certainly None (lowered = folded(sentence))."""
    lits, ignorecase = literals(pattern)
    if lits is None:
        return False
    if ignorecase:
        return lowered is not None and not any(s in lowered for s in lits)
    return not any(s in sentence for s in lits)
