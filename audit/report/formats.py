"""Output formats for scorecards, as interchangeable classes (pip-audit style).

`json` follows SPEC.md's schema exactly; `text` is a terminal scorecard; `markdown` is for
pasting into an issue or a newsletter. All are deterministic: same scorecards, same bytes.
"""

from __future__ import annotations

import json
import os
import re
from datetime import datetime, timezone

from audit import TOOL_NAME, __version__
from audit.models import DocumentRef, Level, Scorecard
from audit.report.escape import markdown
from audit.schemas import schema_url
from audit.rubric.model import Rubric

SCHEMA_ID = "encryption-audit/scorecards/1"

MARK = {
    Level.MET: "met",
    Level.PARTIAL: "partial",
    Level.NOT_MET: "NOT MET",
    Level.NO_DISCLOSURE: "no disclosure",
    Level.NOT_APPLICABLE: "n/a",
    Level.NOT_EVALUATED: "not evaluated",
    Level.UNREVIEWED: "unreviewed",
}


def generated_at() -> str:
    """Now in UTC, or SOURCE_DATE_EPOCH when set (reproducible output)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.strip().lstrip("-").isdigit():
        dt = datetime.fromtimestamp(int(epoch), tz=timezone.utc)
    else:
        dt = datetime.now(timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def scorecards_document(cards: list[Scorecard], rubric: Rubric, when: str | None = None) -> dict:
    return {
        "$schema": schema_url("scorecards"),
        "schema": SCHEMA_ID,
        "tool": {"name": TOOL_NAME, "version": __version__},
        "rubric": rubric.ref(),
        "generated_at": when or generated_at(),
        "companies": [c.to_json() for c in sorted(cards, key=lambda c: c.slug)],
    }


def dumps(doc: dict) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False, sort_keys=False) + "\n"


class OutputFormat:
    name = ""

    def render(self, cards: list[Scorecard], rubric: Rubric) -> str:  # pragma: no cover - interface
        raise NotImplementedError


class JsonFormat(OutputFormat):
    name = "json"

    def render(self, cards: list[Scorecard], rubric: Rubric) -> str:
        return dumps(scorecards_document(cards, rubric))


def _bar(score: float | None, width: int = 20) -> str:
    if score is None:
        return "·" * width
    filled = int(round(score / 100 * width))
    return "█" * filled + "░" * (width - filled)


def _short(s: str, n: int) -> str:
    s = " ".join(s.split())
    return s if len(s) <= n else s[: n - 1].rstrip() + "…"


def _score_text(card: Scorecard) -> str:
    if card.not_evaluated_reason:
        return f"could not be evaluated ({card.not_evaluated_reason})"
    if card.score is None:
        return "not evaluated"
    return f"grade {card.grade} ({card.score:.1f}/100)"


def document_failure(d: DocumentRef) -> str:
    """One failed (or stale) document and why, for the "could not be evaluated" lines."""
    error = d.error or "failed"
    return f"{d.type} {d.url}: {error}" if not error.startswith(d.url) else f"{d.type} {error}"


def not_evaluated_text(card: Scorecard) -> str | None:
    """'could not be evaluated: REASON (each failed document: its error; ...)', or None when evaluated."""
    if not card.not_evaluated_reason:
        return None
    failures = [document_failure(d) for d in card.documents if d.status == "failed"]
    return f"could not be evaluated: {card.not_evaluated_reason}" + (f" ({'; '.join(failures)})" if failures else "")


class TextFormat(OutputFormat):
    """A readable terminal scorecard: grade, demand bars, each level with its best quote."""

    name = "text"

    def render(self, cards: list[Scorecard], rubric: Rubric) -> str:
        out: list[str] = []
        for card in sorted(cards, key=lambda c: c.slug):
            out.append(f"{card.name}: {_score_text(card)}    [rubric {rubric.id} {rubric.version}]")
            if card.grade_cap:
                out.append(f"  note: {card.grade_cap}")
            for dtype, why in card.incomplete:
                out.append(f"  INCOMPLETE: {dtype} could not be read ({why})")
            for d in card.documents:
                guessed = d.type_guessed or d.url in dict(card.guessed_types)
                kind = f"{d.type} (guessed: {d.type})" if guessed else d.type
                status = "" if d.status == "ok" else f"  [{d.status}{': ' + d.error if d.error else ''}]"
                sha = d.sha256[:12] if d.sha256 else "-"
                out.append(f"  document: {kind}  {d.url}  sha256:{sha}{status}")
            cov = card.coverage
            out.append(
                f"  coverage: {cov.criteria} criteria, {cov.evidenced} with evidence, {cov.no_disclosure} no disclosure, "
                f"{cov.not_applicable} not applicable, {cov.not_evaluated} not evaluated, {cov.unreviewed} unreviewed, "
                f"{cov.reviewed} reviewed"
            )
            out.append("")
            for dscore in card.demands:
                demand = rubric.demand(dscore.id)
                val = "   -" if dscore.score is None else f"{dscore.score:5.1f}"
                out.append(f"{demand.title:<18} {_bar(dscore.score)} {val}")
                for r in card.criteria:
                    if r.demand != dscore.id:
                        continue
                    flags = "".join(f" {f}" for f in criterion_flags(r))
                    out.append(f"  {MARK[r.level]:<14} {r.id}{flags}")
                    if r.evidence:
                        e = r.evidence[0]
                        sign = "+" if e.polarity.value == "for" else "-"
                        out.append(f"      {sign} \"{_short(e.quote, 150)}\" ({e.document}, {e.start}-{e.end})")
                    if r.note:
                        out.append(f"      ({r.note})")
                    if r.level in (Level.PARTIAL, Level.NOT_MET, Level.NO_DISCLOSURE):
                        out.append(f"      demand: {_short(rubric.criterion(r.id).demand, 150)}")
                out.append("")
        return "\n".join(out).rstrip("\n") + "\n"


def criterion_flags(r) -> list[str]:
    """What a reader of a scorecard must know about a level beside the level itself."""
    flags = []
    if r.reviewed:
        flags.append("reviewed")
    if r.conflicting:
        flags.append("conflicting")
    if r.needs_review and not r.reviewed:
        flags.append("needs review" + (f": confidence {r.confidence:.2f}" if r.confidence is not None else ""))
    return flags


def _md_code(s) -> str:
    """A hash shown in a code span: only hex digits survive (a stored value is untrusted)."""
    return re.sub(r"[^0-9a-fA-F]", "", str(s or ""))


_md_escape = markdown  # the one Markdown escaping function (audit/report/escape.py)


class MarkdownFormat(OutputFormat):
    name = "markdown"

    def render(self, cards: list[Scorecard], rubric: Rubric) -> str:
        out: list[str] = []
        for card in sorted(cards, key=lambda c: c.slug):
            out.append(f"## {_md_escape(card.name)}: "
                       f"{'could not be evaluated' if card.not_evaluated_reason else _score_text(card)}")
            out.append("")
            if card.not_evaluated_reason:
                out.append(f"**Could not be evaluated:** {_md_escape(card.not_evaluated_reason)}; "
                           "no score or grade is given. Failed documents:")
                out.append("")
                for d in card.documents:
                    if d.status == "failed":
                        out.append(f"- {_md_escape(document_failure(d))}")
                out.append("")
            if card.incomplete and not card.not_evaluated_reason:
                out.append("**Incomplete:** these documents could not be read, so the criteria only they "
                           "could answer are not evaluated:")
                out.append("")
                for dtype, why in card.incomplete:
                    out.append(f"- {dtype}: {_md_escape(why)}")
                out.append("")
            out.append(f"Rubric `{rubric.id}` {rubric.version}. "
                       f"Coverage: {card.coverage.evidenced} of {card.coverage.criteria} criteria with evidence, "
                       f"{card.coverage.no_disclosure} with no disclosure.")
            if card.grade_cap:
                out.append("")
                out.append(f"> {card.grade_cap}")
            out.append("")
            out.append("| demand | score |")
            out.append("|---|---|")
            for d in card.demands:
                out.append(f"| {rubric.demand(d.id).title} | {'-' if d.score is None else f'{d.score:.1f}'} |")
            out.append("")
            for d in card.demands:
                out.append(f"### {rubric.demand(d.id).title}")
                out.append("")
                for r in card.criteria:
                    if r.demand != d.id:
                        continue
                    flags = "".join(f" ({f})" for f in criterion_flags(r))
                    out.append(f"- **{rubric.criterion(r.id).title}** (`{r.id}`): {MARK[r.level]}{flags}")
                    for e in r.evidence[:2]:
                        out.append(f"  - > {_md_escape(e.quote)}")
                        out.append(f"    ({e.document}, {_md_escape(e.url)}, sha256 `{_md_code(e.sha256[:12])}`, {_md_escape(e.fetched_at)})")
                    if r.level in (Level.PARTIAL, Level.NOT_MET, Level.NO_DISCLOSURE):
                        out.append(f"  - *Demand:* {rubric.criterion(r.id).demand}")
                out.append("")
            out.append("Documents:")
            out.append("")
            for doc in card.documents:
                guessed = " (type guessed)" if doc.type_guessed or doc.url in dict(card.guessed_types) else ""
                sha = f"sha256 `{_md_code(doc.sha256[:12])}`" if doc.sha256 else "no snapshot"
                status = doc.status + (f": {_md_escape(doc.error)}" if doc.error and doc.status != "ok" else "")
                out.append(f"- {_md_escape(doc.type)}{guessed}: {_md_escape(doc.url)} ({sha}, {_md_escape(doc.fetched_at or '-')}, "
                           f"{status})")
            out.append("")
        return "\n".join(out).rstrip("\n") + "\n"


FORMATS: dict[str, type[OutputFormat]] = {f.name: f for f in (TextFormat, JsonFormat, MarkdownFormat)}


def render(fmt: str, cards: list[Scorecard], rubric: Rubric) -> str:
    return FORMATS[fmt]().render(cards, rubric)
