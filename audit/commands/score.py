"""`audit score [SLUG...]`: scorecards of a workspace from archive + probes + reviews."""

from __future__ import annotations

import click

from audit.commands.options import format_option, rubric_option, workspace_option
from audit.errors import InputError, NoEvidenceError, NothingArchived
from audit.report.formats import render
from audit.pipeline.score_workspace import score_workspace_detailed
from audit.workspace import Workspace, open_rubric, print_problems, require_slugs


def score_or_fail(ws: Workspace, rubric, slugs):
    """Score and report on stderr; InputError when declarations are missing, NoEvidenceError when nothing scores."""
    result = score_workspace_detailed(ws, rubric, slugs or None)
    if result.never_fetched:
        raise NothingArchived(result.hint())
    print_problems(result.problems, lambda m: click.echo(m, err=True))
    for w in result.warnings:
        click.echo(f"audit: warning: {w}", err=True)
    if not result.cards and not result.problems and not result.skipped:
        raise InputError(f"no company declarations in {ws.companies_dir}")
    return result


@click.command()
@click.argument("slugs", nargs=-1, metavar="[SLUG...]")
@format_option
@rubric_option
@workspace_option
def score(slugs, fmt, rubric_id, workspace):
    """Score the workspace's companies from their newest snapshots, probes and reviews."""
    ws = Workspace.open(workspace)
    require_slugs(ws, slugs)
    rubric = open_rubric(ws, rubric_id)
    result = score_or_fail(ws, rubric, slugs)
    cards = result.all_cards  # companies that could not be evaluated are listed too, with why
    if cards:
        click.echo(render(fmt, cards, rubric), nl=False)
    if result.problems:
        raise InputError(f"{len(result.problems)} problem(s) in declarations or reviews"
                         + ("; the other companies were scored" if result.cards else ""))
    if not result.cards:
        raise NoEvidenceError("nothing could be evaluated: every document failed to fetch or parse and there are "
                              "no probe results (run `audit fetch` first?)")
