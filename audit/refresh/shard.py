"""Split companies across parallel CI jobs, and merge their scorecards back into one.

The split is by index in the sorted slug list (slug i goes to shard i mod N), so every job
computes the same split from the same declarations without talking to the others.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from audit.errors import InputError
from audit.models import (Coverage, CriterionResult, DemandScore, DocumentRef, Evidence, Level, Polarity,
                          Review, Scorecard)
from audit.refresh.diff import load_scorecards


@dataclass(frozen=True)
class Shard:
    index: int  # 1-based
    count: int

    def select(self, slugs) -> list[str]:
        return [s for i, s in enumerate(sorted(set(slugs))) if i % self.count == self.index - 1]


def parse_shard(value: str) -> Shard:
    m = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", value or "")
    if not m:
        raise InputError(f"--shard {value!r}: expected I/N, e.g. 1/4")
    i, n = int(m.group(1)), int(m.group(2))
    if n < 1 or not 1 <= i <= n:
        raise InputError(f"--shard {value!r}: I must be between 1 and N")
    return Shard(i, n)


def merge_documents(docs: list[tuple[str, dict]]) -> dict:
    """One scorecards document from shard documents (same rubric and tool; disjoint companies)."""
    if not docs:
        raise InputError("--merge: no shard results given")
    first_name, first = docs[0]
    companies: dict[str, dict] = {}
    for name, doc in docs:
        for key in ("schema", "tool", "rubric"):
            if doc.get(key) != first.get(key):
                raise InputError(f"{name}: {key} differs from {first_name}; shards must share it")
        for c in doc["companies"]:
            if c["slug"] in companies:
                raise InputError(f"{name}: company {c['slug']!r} is in two shards")
            companies[c["slug"]] = c
    merged = {k: v for k, v in first.items() if k != "companies"}
    merged["generated_at"] = max(str(d.get("generated_at", "")) for _, d in docs)
    merged["companies"] = [companies[s] for s in sorted(companies)]
    return merged


def find_shard_files(dirs: list[str]) -> list[tuple[str, dict]]:
    """scorecards.json of each shard directory (DIR/scorecards.json or DIR/reports/scorecards.json)."""
    out = []
    for d in dirs:
        p = Path(d)
        cands = [p] if p.is_file() else [p / "scorecards.json", p / "reports" / "scorecards.json"]
        found = next((c for c in cands if c.is_file()), None)
        if found is None:
            raise InputError(f"{d}: no scorecards.json in this shard result")
        out.append((str(found), load_scorecards(found)))
    return out


# -- scorecards JSON back into Scorecard objects (so a merge can render the site) --------------

def _level(v) -> Level:
    try:
        return Level(v)
    except ValueError:
        raise InputError(f"unknown level {v!r} in scorecards file") from None


def scorecard_from_json(c: dict) -> Scorecard:
    """Rebuild a Scorecard from its JSON; to_json() of the result gives the same JSON back."""
    try:
        crits = []
        for x in c.get("criteria", []):
            level = _level(x["level"])
            ev = tuple(Evidence(e["document"], e["url"], e["sha256"], e["fetched_at"], e["quote"], e["start"],
                                e["end"], Polarity(e["polarity"]), e["signal"], level, e.get("observation"))
                       for e in x.get("evidence", []))
            r = x.get("review")
            review = (Review(x["id"], level, r.get("rationale", ""), r.get("reviewer", ""), r.get("date", ""),
                             r.get("evidence_url")) if r else None)
            auto = _level(r["automatic_level"]) if r and r.get("automatic_level") else None
            crits.append(CriterionResult(x["id"], x["demand"], x["method"], level, x["points"], x["weight"],
                                         x.get("reviewed", False), x.get("conflicting", False), ev, auto,
                                         review, x.get("note"), confidence=x.get("confidence"),
                                         needs_review=bool(x.get("needs_review", False))))
        cov = c["coverage"]
        coverage = Coverage(cov["criteria"], cov["evidenced"], cov["no_disclosure"], cov["not_applicable"],
                            cov["not_evaluated"], cov["reviewed"], cov.get("unreviewed", 0))
        docs = tuple(DocumentRef(d["type"], d["url"], d["sha256"], d["fetched_at"], d.get("status", "ok"),
                                 d.get("error"), type_guessed=d.get("type_guessed", False),
                                 language=d.get("language"), reader=d.get("reader"))
                     for d in c.get("documents", []))
        return Scorecard(c["slug"], c["name"], c["score"], c["grade"], coverage,
                         tuple(DemandScore(d["id"], d["score"]) for d in c.get("demands", [])),
                         tuple(crits), docs, c.get("grade_cap"),
                         not_evaluated_reason=c.get("not_evaluated_reason"),
                         incomplete=tuple((i["document"], i["reason"]) for i in c.get("incomplete", [])))
    except (KeyError, TypeError, ValueError) as e:
        raise InputError(f"company {c.get('slug', '?')!r}: incomplete scorecard ({type(e).__name__}: {e})") from None
