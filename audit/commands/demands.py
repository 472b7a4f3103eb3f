"""`audit demands SLUG`: a draft letter of demands from a company's scorecard gaps."""

from __future__ import annotations

import click

from audit.commands.options import rubric_option, workspace_option
from audit.demands import build_letter, redact_internal, render_letter
from audit.errors import InputError, NoEvidenceError


@click.command()
@click.argument("slug")
@click.option("--from-json", "from_json", default=None, type=click.Path(dir_okay=False), metavar="FILE",
              help="Read the scorecard from a scorecards.json (from `audit score --format json`, `audit check`, "
                   "or a published report) instead of scoring the workspace.")
@click.option("--format", "fmt", type=click.Choice(["markdown", "text"]), default="markdown", show_default=True,
              help="Output format (the letter goes to stdout).")
@click.option("--publish-internal", is_flag=True, default=False,
              help="Quote internal documents (path =) too; by default their text is withheld.")
@rubric_option
@workspace_option
def demands(slug, from_json, fmt, publish_internal, rubric_id, workspace):
    """Draft a letter of demands for SLUG: the ask, the company's own words, a better policy."""
    if from_json is not None:
        card, rubric = _from_json(from_json, slug, rubric_id)
    else:
        card, rubric = _from_workspace(workspace, slug, rubric_id)
    withheld = [] if publish_internal else _withheld(card, rubric)
    card = card if publish_internal else redact_internal([card])[0]
    letter = build_letter(card, rubric)
    click.echo(render_letter(letter, fmt), nl=False)
    if withheld:
        click.echo(f"audit: {slug}: withheld the quotes of {len(withheld)} gap(s) from non-public documents (local files, or "
                   "with --from-json documents that are not web pages), so the letter does not reveal internal "
                   "text; add --publish-internal to include them:", err=True)
        for line in withheld:
            click.echo(f"audit:   {line}", err=True)
    click.echo(f"audit: {slug}: {letter.asks} demand(s) drafted; review and edit before sending", err=True)


def _withheld(card, rubric) -> list[str]:
    """One line per quote the letter withholds: the criterion and the document (its file name)."""
    from audit.demands.letter import GAP_LEVELS
    from audit.demands.redact import is_internal

    internal = {d.url for d in card.documents if is_internal(d)}
    lines = []
    for r in card.criteria:
        if r.level not in GAP_LEVELS:
            continue
        for e in r.evidence:
            if e.url in internal:
                lines.append(f"{r.id}: a quote from {e.document} {e.url}")
    return list(dict.fromkeys(lines))


def _from_json(path: str, slug: str, rubric_id: str | None):
    """The SLUG scorecard of a scorecards.json; documents that are not web pages count as internal."""
    from dataclasses import replace

    from audit.refresh.diff import load_scorecards
    from audit.refresh.shard import scorecard_from_json
    from audit.rubric.loader import load_rubric

    doc = load_scorecards(path)
    found = [c for c in doc["companies"] if c["slug"] == slug]
    if not found:
        import difflib

        slugs = sorted(c["slug"] for c in doc["companies"])
        close = difflib.get_close_matches(slug, slugs, n=3, cutoff=0.6)
        hint = ("did you mean " + " or ".join(close) + "?") if close else ("companies: " + (", ".join(slugs) or "none"))
        raise InputError(f"{path}: no scorecard for {slug!r} ({hint})")
    rubric = load_rubric(rubric_id)
    made_with = doc.get("rubric") or {}
    if made_with.get("id") and made_with.get("id") != rubric.id:
        raise InputError(f"{path}: scored with rubric {made_with.get('id')!r}, not {rubric.id!r}; "
                         "give the same rubric with --rubric")
    card = scorecard_from_json(found[0])
    docs = tuple(replace(d, public=d.url.startswith(("http://", "https://"))) for d in card.documents)
    return replace(card, documents=docs), rubric


def _from_workspace(workspace, slug: str, rubric_id: str | None):
    from audit.pipeline.score_workspace import score_workspace_detailed
    from audit.workspace import Workspace, open_rubric, print_problems, require_slugs

    ws = Workspace.open(workspace)
    require_slugs(ws, [slug])
    rubric = open_rubric(ws, rubric_id)
    result = score_workspace_detailed(ws, rubric, [slug])
    print_problems(result.problems, lambda m: click.echo(m, err=True))
    for w in result.warnings:
        click.echo(f"audit: warning: {w}", err=True)
    if result.problems:
        raise InputError(f"{slug}: the declaration or its reviews have problems; fix them first")
    cards = [c for c in result.cards if c.slug == slug]
    if not cards:
        raise NoEvidenceError(f"{slug}: nothing could be evaluated (run `audit fetch {slug}` first?)")
    return cards[0], rubric
