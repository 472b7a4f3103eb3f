"""`audit review SLUG CRITERION --level L --rationale R`: record a human verdict in reviews/<slug>.toml."""

from __future__ import annotations

import sys
from datetime import date as Date

import click

from audit.commands.options import rubric_option, workspace_option
from audit.declarations.load import load_declaration
from audit.declarations.reviews import REVIEW_LEVELS, load_reviews, write_review
from audit.errors import InputError
from audit.models import Level, Review
from audit.workspace import Workspace, open_rubric


def _git_user() -> str | None:
    import subprocess

    try:
        out = subprocess.run(["git", "config", "user.name"], capture_output=True, text=True, timeout=5)
        return out.stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


@click.command()
@click.argument("slug")
@click.argument("criterion")
@click.option("--level", type=click.Choice(REVIEW_LEVELS), default=None, help="The level you decided.")
@click.option("--rationale", default=None, help="Why: what you read and where.")
@click.option("--reviewer", default=None, help="Who decided (default: git user.name).")
@click.option("--date", "when", default=None, help="Date of the verdict, YYYY-MM-DD (default: today).")
@click.option("--evidence-url", default=None, help="A URL backing the verdict.")
@rubric_option
@workspace_option
def review(slug, criterion, level, rationale, reviewer, when, evidence_url, rubric_id, workspace):
    """Record a human verdict that overrides the automatic level (prompts for missing flags on a terminal)."""
    ws = Workspace.open(workspace)
    rubric = open_rubric(ws, rubric_id)
    known = {c.id for c in rubric.criteria}
    load_declaration(ws.declaration_path(slug), known)
    if criterion not in known:
        raise InputError(f"unknown criterion {criterion!r} (see `audit rubric list`)")
    interactive = sys.stdin.isatty()
    if level is None:
        if not interactive:
            raise InputError("--level is required (one of: " + ", ".join(REVIEW_LEVELS) + ")")
        level = click.prompt("Level", type=click.Choice(REVIEW_LEVELS), err=True)
    if not rationale:
        if not interactive:
            raise InputError("--rationale is required")
        rationale = click.prompt("Rationale", err=True)
    reviewer = reviewer or _git_user()
    if not reviewer:
        if not interactive:
            raise InputError("--reviewer is required (no git user.name set)")
        reviewer = click.prompt("Reviewer", err=True)
    when = when or Date.today().isoformat()
    try:
        Date.fromisoformat(when)
    except ValueError:
        raise InputError(f"--date {when!r}: use YYYY-MM-DD") from None
    if evidence_url and not evidence_url.startswith(("http://", "https://")):
        raise InputError("--evidence-url must be an http(s) URL")
    if not rationale.strip():
        raise InputError("--rationale must not be empty")
    load_reviews(ws, slug, known)  # refuse to append to an invalid file
    path = write_review(ws, slug, Review(criterion, Level(level), rationale.strip(), reviewer.strip(), when,
                                         evidence_url))
    click.echo(f"audit: recorded {criterion} = {level} for {slug} in {path}", err=True)
