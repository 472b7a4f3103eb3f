"""`audit explain SLUG CRITERION`: the evidence and the reasoning behind one level."""

from __future__ import annotations

import click

from audit.commands.options import rubric_option, workspace_option
from audit.commands.score import score_or_fail
from audit.errors import InputError, NoEvidenceError
from audit.models import Level
from audit.workspace import Workspace, open_rubric, require_slugs


def explain_text(card, rubric, cid: str) -> str:
    c = rubric.criterion(cid)
    r = card.criterion(cid)
    out = [f"{card.name} / {c.id}: {r.level.value}" + (f" ({r.points} points, weight {r.weight:g})"
                                                        if r.points is not None else ""),
           f"  criterion: {c.title}", f"  method: {c.method}"]
    if r.level.value in c.levels:
        out.append(f"  {r.level.value} means: {' '.join(c.levels[r.level.value].split())}")
    if r.review is not None:
        auto = r.automatic_level.value if r.automatic_level else "?"
        out.append(f"  reviewed by {r.review.reviewer} on {r.review.date} (automatic level: {auto})")
        out.append(f"  rationale: {r.review.rationale}")
        if r.review.evidence_url:
            out.append(f"  evidence url: {r.review.evidence_url}")
    if r.note:
        out.append(f"  note: {r.note}")
    if r.conflicting:
        out.append("  conflicting: evidence against this practice caps the level at partial")
    if r.level is Level.NO_DISCLOSURE and not r.evidence:
        out.append("  why: no sentence in the company's documents fired any of this criterion's signals")
    for i, e in enumerate(r.evidence, 1):
        sign = "supports" if e.polarity.value == "for" else "against"
        out.append(f"  [{i}] {sign} ({e.level.value}, signal {e.signal})")
        out.append(f"      \"{' '.join(e.quote.split())}\"")
        src = f"      {e.document} {e.url}"
        if e.sha256:
            src += f" sha256:{e.sha256[:12]} chars {e.start}-{e.end}"
        if e.fetched_at:
            src += f" fetched {e.fetched_at}"
        out.append(src)
    if r.level in (Level.PARTIAL, Level.NOT_MET, Level.NO_DISCLOSURE):
        out.append(f"  demand: {' '.join(c.demand.split())}")
    return "\n".join(out) + "\n"


@click.command()
@click.argument("slug")
@click.argument("criterion")
@rubric_option
@workspace_option
def explain(slug, criterion, rubric_id, workspace):
    """Show the evidence and the reasoning behind one criterion's level for one company."""
    ws = Workspace.open(workspace)
    require_slugs(ws, [slug])
    rubric = open_rubric(ws, rubric_id)
    if criterion not in {c.id for c in rubric.criteria}:
        raise InputError(f"unknown criterion {criterion!r} (see `audit rubric show`)")
    result = score_or_fail(ws, rubric, [slug])
    if result.problems:
        raise InputError(f"{slug}: invalid declaration or reviews")
    if not result.cards:
        raise NoEvidenceError(f"{slug}: nothing could be evaluated (run `audit fetch {slug}` first?)")
    click.echo(explain_text(result.cards[0], rubric, criterion), nl=False)
