"""What changed between two scorecards.json files, and why.

A score that moves without a reason erodes trust, so every changed criterion carries its
causes, told apart: the company's text changed, a probe result changed, the rubric changed,
the tool's extraction or reading changed (same snapshot, different evidence: a new tool version,
or another reader, which each document records as `reader`), a review was added or changed, or
evidence went stale because a fetch failed.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field
from pathlib import Path

from audit.errors import InputError
from audit.untrusted import loads_json

TEXT = "text-changed"
PROBE = "probe-changed"
RUBRIC = "rubric-changed"
EXTRACTION = "extraction-changed"
REVIEW = "review-changed"
STALE = "fetch-failed"
LANGUAGE = "language-changed"
UNEXPLAINED = "unexplained"

CAUSE_LABELS = {
    TEXT: "the company's text changed",
    PROBE: "a probe result changed",
    RUBRIC: "the rubric changed",
    EXTRACTION: "the tool's extraction or reading changed (same snapshot, different evidence)",
    REVIEW: "a review was added or changed",
    STALE: "evidence went stale: a fetch failed",
    LANGUAGE: "a document's language changed (a language the rubric does not read is not evaluated)",
    UNEXPLAINED: "no recorded cause (same inputs, same rubric, same tool)",
}

# What a reader would call "different evidence": the same quote found at another offset or in a
# new snapshot is the same evidence (the document line already says the snapshot changed).
_EVIDENCE_KEYS = ("url", "quote", "polarity", "signal", "observation")


@dataclass(frozen=True)
class Cause:
    kind: str
    document: str | None = None  # URL of the document concerned
    detail: str = ""
    quote_diff: tuple[str, ...] = ()

    def to_json(self) -> dict:
        return {"kind": self.kind, "document": self.document, "detail": self.detail,
                "quote_diff": list(self.quote_diff)}


@dataclass(frozen=True)
class CriterionChange:
    id: str
    old_level: str | None
    new_level: str | None
    old_points: float | None
    new_points: float | None
    causes: tuple[Cause, ...]

    def to_json(self) -> dict:
        return {"id": self.id, "old_level": self.old_level, "new_level": self.new_level,
                "old_points": self.old_points, "new_points": self.new_points,
                "causes": [c.to_json() for c in self.causes]}


@dataclass(frozen=True)
class DocumentChange:
    url: str
    type: str
    old_status: str | None
    new_status: str | None
    old_sha256: str | None
    new_sha256: str | None
    error: str | None
    kind: str  # TEXT | STALE | LANGUAGE | "added" | "removed" | "recovered"
    old_language: str | None = None
    new_language: str | None = None

    def to_json(self) -> dict:
        return {"url": self.url, "type": self.type, "kind": self.kind, "old_status": self.old_status,
                "new_status": self.new_status, "old_sha256": self.old_sha256,
                "new_sha256": self.new_sha256, "error": self.error,
                "old_language": self.old_language, "new_language": self.new_language}


@dataclass(frozen=True)
class CompanyChange:
    slug: str
    name: str
    status: str  # changed | added | removed
    old_score: float | None
    new_score: float | None
    old_grade: str | None
    new_grade: str | None
    criteria: tuple[CriterionChange, ...]
    documents: tuple[DocumentChange, ...]

    @property
    def causes(self) -> tuple[str, ...]:
        kinds = {c.kind for cc in self.criteria for c in cc.causes}
        kinds |= {d.kind for d in self.documents if d.kind in (TEXT, STALE, LANGUAGE)}
        return tuple(k for k in CAUSE_LABELS if k in kinds)

    @property
    def grade_dropped(self) -> bool:
        return grade_rank(self.new_grade) < grade_rank(self.old_grade) if self.old_grade else False

    def to_json(self) -> dict:
        return {"slug": self.slug, "name": self.name, "status": self.status,
                "old_score": self.old_score, "new_score": self.new_score,
                "old_grade": self.old_grade, "new_grade": self.new_grade,
                "grade_dropped": self.grade_dropped, "causes": list(self.causes),
                "criteria": [c.to_json() for c in self.criteria],
                "documents": [d.to_json() for d in self.documents]}


@dataclass(frozen=True)
class Diff:
    old_rubric: dict
    new_rubric: dict
    old_tool: str | None
    new_tool: str | None
    companies: tuple[CompanyChange, ...] = field(default=())

    @property
    def rubric_changed(self) -> bool:
        return _rubric_key(self.old_rubric) != _rubric_key(self.new_rubric)

    @property
    def empty(self) -> bool:
        return not self.companies and not self.rubric_changed and self.old_tool == self.new_tool

    def to_json(self) -> dict:
        from audit.schemas import schema_url

        return {"$schema": schema_url("diff"), "schema": "encryption-audit/diff/1",
                "rubric": {"old": self.old_rubric, "new": self.new_rubric, "changed": self.rubric_changed},
                "tool": {"old": self.old_tool, "new": self.new_tool, "changed": self.old_tool != self.new_tool},
                "companies": [c.to_json() for c in self.companies]}


_GRADES = "FEDCBA"


def grade_rank(grade: str | None) -> int:
    """A > B > ... > F; None (not graded) ranks lowest."""
    if not grade:
        return -1
    g = grade.strip().upper()[:1]
    return _GRADES.index(g) if g in _GRADES else -1


def _rubric_key(r: dict) -> tuple:
    return (r.get("id"), r.get("version"), r.get("sha256"))


def load_scorecards(path: str | Path) -> dict:
    """Read a scorecards.json, with one-line errors for anything unusable."""
    p = Path(path)
    try:
        doc = loads_json(p.read_text(encoding="utf-8"))
    except OSError as e:
        raise InputError(f"{p}: cannot read: {e.strerror or e}") from None
    except (UnicodeDecodeError, ValueError) as e:
        raise InputError(f"{p}: not valid JSON ({e})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("companies"), list):
        raise InputError(f"{p}: not a scorecards file (no 'companies' list)")
    for c in doc["companies"]:
        if not isinstance(c, dict) or not isinstance(c.get("slug"), str):
            raise InputError(f"{p}: a company entry has no slug")
        for key in ("criteria", "documents"):
            if not isinstance(c.get(key, []), list):
                raise InputError(f"{p}: company {c['slug']!r}: {key} is not a list")
    for key in ("rubric", "tool"):
        if not isinstance(doc.get(key, {}), dict):
            raise InputError(f"{p}: {key} is not an object")
    return doc


def diff_scorecards(old: dict, new: dict) -> Diff:
    """Compare two scorecards documents (parsed JSON)."""
    old_r, new_r = old.get("rubric") or {}, new.get("rubric") or {}
    old_t = (old.get("tool") or {}).get("version")
    new_t = (new.get("tool") or {}).get("version")
    ctx = _Context(rubric_changed=_rubric_key(old_r) != _rubric_key(new_r), tool_changed=old_t != new_t)
    olds = {c["slug"]: c for c in old["companies"]}
    news = {c["slug"]: c for c in new["companies"]}
    changes = []
    for slug in sorted(olds.keys() | news.keys()):
        ch = _company(olds.get(slug), news.get(slug), ctx)
        if ch is not None:
            changes.append(ch)
    return Diff(old_r, new_r, old_t, new_t, tuple(changes))


@dataclass(frozen=True)
class _Context:
    rubric_changed: bool
    tool_changed: bool


def _company(old: dict | None, new: dict | None, ctx: _Context) -> CompanyChange | None:
    base = new or old
    status = "added" if old is None else "removed" if new is None else "changed"
    old, new = old or {}, new or {}
    old_docs = {d.get("url"): d for d in old.get("documents", []) if isinstance(d, dict)}
    new_docs = {d.get("url"): d for d in new.get("documents", []) if isinstance(d, dict)}
    docs = tuple(_documents(old_docs, new_docs)) if status == "changed" else ()
    crits: list[CriterionChange] = []
    if status == "changed":
        oc = {c["id"]: c for c in old.get("criteria", []) if isinstance(c, dict) and "id" in c}
        nc = {c["id"]: c for c in new.get("criteria", []) if isinstance(c, dict) and "id" in c}
        for cid in sorted(oc.keys() | nc.keys()):
            cc = _criterion(cid, oc.get(cid), nc.get(cid), old_docs, new_docs, ctx, docs)
            if cc is not None:
                crits.append(cc)
    score_same = old.get("score") == new.get("score") and old.get("grade") == new.get("grade")
    if status == "changed" and score_same and not crits and not docs:
        return None
    return CompanyChange(base["slug"], base.get("name", base["slug"]), status, old.get("score"),
                         new.get("score"), old.get("grade"), new.get("grade"), tuple(crits), docs)


def _documents(old_docs: dict, new_docs: dict):
    for url in sorted(old_docs.keys() | new_docs.keys(), key=str):
        o, n = old_docs.get(url), new_docs.get(url)
        if o is None:
            yield _doc_change(url, None, n, "added")
        elif n is None:
            yield _doc_change(url, o, None, "removed")
        elif _failed(n) and not _failed(o):
            yield _doc_change(url, o, n, STALE)
        elif _language_changed(o, n):
            yield _doc_change(url, o, n, LANGUAGE)
        elif _failed(o) and not _failed(n):
            yield _doc_change(url, o, n, "recovered" if o.get("sha256") == n.get("sha256") else TEXT)
        elif o.get("sha256") != n.get("sha256") and not _failed(n):
            yield _doc_change(url, o, n, TEXT)


def _doc_change(url, o, n, kind) -> DocumentChange:
    o, n = o or {}, n or {}
    return DocumentChange(str(url), (n or o).get("type", ""), o.get("status"), n.get("status"),
                          o.get("sha256"), n.get("sha256"), n.get("error"), kind, o.get("language"), n.get("language"))


def _language_changed(o: dict, n: dict) -> bool:
    """Both scorecards record the document's language (older ones do not) and it differs."""
    return ("language" in o and "language" in n and o.get("language") and n.get("language")
            and o.get("language") != n.get("language"))


def _failed(d: dict) -> bool:
    return d.get("status") in ("stale", "failed")


def _ev_key(e: dict) -> tuple:
    return tuple(json.dumps(" ".join(str(e.get(k, "")).split()) if k == "quote" else e.get(k), sort_keys=True)
                 for k in _EVIDENCE_KEYS)


def _criterion(cid, o, n, old_docs, new_docs, ctx: _Context,
               doc_changes: tuple[DocumentChange, ...] = ()) -> CriterionChange | None:
    if o is None or n is None:
        c = o or n
        cause = Cause(RUBRIC, detail="criterion added to the rubric" if o is None else "criterion removed from the rubric")
        return CriterionChange(cid, o and o.get("level"), n and n.get("level"), o and o.get("points"),
                               n and n.get("points"), (cause,)) if c else None
    o_ev = [e for e in o.get("evidence", []) if isinstance(e, dict)]
    n_ev = [e for e in n.get("evidence", []) if isinstance(e, dict)]
    same_ev = sorted(map(_ev_key, o_ev)) == sorted(map(_ev_key, n_ev))
    same_review = o.get("reviewed") == n.get("reviewed") and o.get("review") == n.get("review")
    same_def = all(o.get(k) == n.get(k) for k in ("weight", "demand", "method"))
    if o.get("level") == n.get("level") and o.get("points") == n.get("points") and same_def:
        return None  # only real level changes are listed (new quotes at the same level are not one)
    causes: list[Cause] = []
    if not same_review:
        who = (n.get("review") or {}).get("reviewer")
        causes.append(Cause(REVIEW, detail=(f"reviewed by {who}" if who else
                                            "review removed" if not n.get("reviewed") else "review changed")))
    if not same_def:
        causes.append(Cause(RUBRIC, detail="criterion definition changed (weight, demand or method)"))
    if not same_ev:
        causes.extend(_evidence_causes(o, n, o_ev, n_ev, old_docs, new_docs, ctx, doc_changes))
    if ctx.rubric_changed and not any(c.kind == RUBRIC for c in causes) and (
            not causes or (same_ev and same_review)):
        causes.append(Cause(RUBRIC, detail="rubric version or content changed"))
    if not causes and _is_text(o, n):
        # same evidence, different level: a changed document is the explanation, if there is one
        causes.extend(_document_causes(doc_changes, "the level follows from the company's documents"))
    if not causes:
        why = _reading_changes(ctx, _readers_changed(old_docs, new_docs))
        causes.append(Cause(EXTRACTION if why else UNEXPLAINED, detail=why))
    return CriterionChange(cid, o.get("level"), n.get("level"), o.get("points"), n.get("points"),
                           tuple(_dedupe(causes)))


def _reader_change(od: dict, nd: dict) -> str | None:
    """`old -> new` where both scorecards record the reader of the same snapshot and it differs
    (older scorecards do not record it: then nothing can be said)."""
    o, n = od.get("reader"), nd.get("reader")
    if o and n and o != n and od.get("sha256") and od.get("sha256") == nd.get("sha256"):
        return f"{o} -> {n}"
    return None


def _reading_changes(ctx: _Context, readers: list[str]) -> str:
    """What changed in how unchanged bytes were read: the tool version, each reader (`old -> new`);
    empty when neither did."""
    return "; ".join((["tool version changed"] if ctx.tool_changed else [])
                     + [f"reader changed ({r})" for r in readers])


def _readers_changed(old_docs: dict, new_docs: dict) -> list[str]:
    """The reader changes among the company's documents read from unchanged snapshots."""
    return sorted({c for url in old_docs.keys() & new_docs.keys()
                   if (c := _reader_change(old_docs[url] or {}, new_docs[url] or {}))})


def _is_text(o: dict, n: dict) -> bool:
    return "text" in str(o.get("method", "text")) or "text" in str(n.get("method", "text"))


def _is_probe_evidence(e: dict) -> bool:
    return e.get("observation") is not None or str(e.get("signal", "")).startswith("probe:")


def _document_causes(doc_changes, why: str):
    """A cause for each document of the company that changed (text, fetch failure, added, removed)."""
    for d in doc_changes:
        if d.kind == STALE:
            if d.new_status == "stale" and d.old_sha256 == d.new_sha256:
                continue  # still scored from the same snapshot: it moved no evidence
            yield Cause(STALE, d.url, f"fetch failed: {d.error or d.new_status or '–'}; {why}")
        elif d.kind == LANGUAGE:
            yield Cause(LANGUAGE, d.url, f"language {d.old_language} -> {d.new_language}; {why}")
        elif d.kind == TEXT:
            yield Cause(TEXT, d.url, f"sha256 {(d.old_sha256 or '–')[:12]} -> {(d.new_sha256 or '–')[:12]}; {why}")
        elif d.kind in ("added", "removed", "recovered"):
            what = {"added": "document added", "removed": "document no longer listed",
                    "recovered": "document readable again"}[d.kind]
            yield Cause(TEXT, d.url, f"{what}; {why}")


def _evidence_causes(o, n, o_ev, n_ev, old_docs, new_docs, ctx: _Context, doc_changes=()):
    o_probe = [e for e in o_ev if _is_probe_evidence(e)]
    n_probe = [e for e in n_ev if _is_probe_evidence(e)]
    if o.get("method") == "probe" or n.get("method") == "probe" or o_probe or n_probe:
        obs_o = sorted(json.dumps(e.get("observation"), sort_keys=True) for e in o_probe)
        obs_n = sorted(json.dumps(e.get("observation"), sort_keys=True) for e in n_probe)
        pure_probe = o.get("method") == "probe" or n.get("method") == "probe"
        if obs_o != obs_n or (pure_probe and o.get("level") != n.get("level")):
            hosts = sorted({str(e.get("url")) for e in o_probe + n_probe if e.get("url")})
            yield Cause(PROBE, ", ".join(hosts) or None, "probe observations changed")
        if pure_probe:
            return
        o_ev = [e for e in o_ev if not _is_probe_evidence(e)]
        n_ev = [e for e in n_ev if not _is_probe_evidence(e)]
    # Quotes of a document whose snapshot did not change, moving in or out of the (truncated)
    # evidence list: not a cause of their own unless nothing else can explain them.
    moved: list[tuple[str, list, list]] = []
    own: list[Cause] = []
    urls = sorted({str(e.get("url")) for e in o_ev + n_ev if e.get("url") is not None})
    for url in urls:
        od, nd = old_docs.get(url) or {}, new_docs.get(url) or {}
        oe = [e for e in o_ev if str(e.get("url")) == url]
        ne = [e for e in n_ev if str(e.get("url")) == url]
        if sorted(map(_ev_key, oe)) == sorted(map(_ev_key, ne)):
            continue
        if od and nd and _language_changed(od, nd):
            own.append(Cause(LANGUAGE, url, f"language {od.get('language')} -> {nd.get('language')}",
                             _quote_diff(oe, ne)))
        elif nd and _failed(nd) and not (od and _failed(od)):
            own.append(Cause(STALE, url, f"fetch failed: {nd.get('error') or nd.get('status')}",
                             _quote_diff(oe, ne)))
        elif (od.get("sha256") and nd.get("sha256") and od.get("sha256") == nd.get("sha256")
              and _failed(od) == _failed(nd)):
            # Same bytes: the difference is in how they were read (rubric signals, the tool or its
            # reader), or other documents' quotes pushed these in or out of the list.
            reader = _reader_change(od, nd)
            why = _reading_changes(ctx, [reader] if reader else [])
            if ctx.rubric_changed:
                own.append(Cause(RUBRIC, url, "same snapshot sha256, rubric signals changed", _quote_diff(oe, ne)))
            if why:
                own.append(Cause(EXTRACTION, url, f"same snapshot sha256, different evidence: {why}",
                                 _quote_diff(oe, ne)))
            if not ctx.rubric_changed and not why:
                moved.append((url, oe, ne))
        else:
            what = ("document added" if not od else "document no longer listed" if not nd
                    else "document readable again (same snapshot)" if od.get("sha256") == nd.get("sha256")
                    else f"sha256 {(od.get('sha256') or '–')[:12]} -> {(nd.get('sha256') or '–')[:12]}")
            own.append(Cause(TEXT, url, what, _quote_diff(oe, ne)))
    yield from own
    if not moved:
        return
    explained = any(c.kind in (TEXT, STALE, LANGUAGE) for c in own)
    if not explained:
        # the document that changed may have no quote of its own in the list: name it anyway
        others = list(_document_causes(doc_changes, "quotes of other documents moved in or out of the "
                                                    "evidence list"))
        yield from others
        explained = bool(others)
    if not explained:
        # same snapshots for all the company's documents, same rubric, same tool version:
        # only the way the tool read them can explain it
        for url, oe, ne in moved:
            yield Cause(EXTRACTION, url, "same snapshot sha256, different evidence", _quote_diff(oe, ne))


def _quote_diff(oe: list[dict], ne: list[dict], limit: int = 12) -> tuple[str, ...]:
    """A short unified diff of the evidence quotes (what the reader needs to see)."""
    a = sorted({" ".join(str(e.get("quote", "")).split()) for e in oe})
    b = sorted({" ".join(str(e.get("quote", "")).split()) for e in ne})
    lines = [ln for ln in difflib.unified_diff(a, b, lineterm="", n=0) if not ln.startswith(("---", "+++", "@@"))]
    lines = [ln if len(ln) <= 200 else ln[:199] + "…" for ln in lines]
    return tuple(lines[:limit] + ([f"… {len(lines) - limit} more"] if len(lines) > limit else []))


def _dedupe(causes):
    seen = set()
    for c in causes:
        k = (c.kind, c.document, c.detail)
        if k not in seen:
            seen.add(k)
            yield c
