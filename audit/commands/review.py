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
from audit.workspace import Workspace, open_rubric, require_slugs


ANONYMOUS = "anonymous"


@click.command(no_args_is_help=False)
@click.argument("args", nargs=-1, metavar="SLUG CRITERION | --pending [SLUG...]")
@click.option("--level", type=click.Choice(REVIEW_LEVELS), default=None, help="The level you decided.")
@click.option("--rationale", default=None, help="Why: what you read and where.")
@click.option("--reviewer", default=None,
              help=f"Who decided, as it will be published (default: {ANONYMOUS!r}; never taken from git).")
@click.option("--date", "when", default=None, help="Date of the verdict, YYYY-MM-DD (default: today).")
@click.option("--evidence-url", default=None, help="A URL backing the verdict.")
@click.option("--pending", is_flag=True, default=False,
              help="List the criteria whose automatic level needs a human review (needs_review: true).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Output format of --pending.")
@rubric_option
@workspace_option
def review(args, level, rationale, reviewer, when, evidence_url, pending, fmt, rubric_id, workspace):
    """Record a human verdict that overrides the automatic level (prompts for missing flags on a terminal);
    with --pending, list what awaits a review."""
    if pending:
        return _pending(list(args), fmt, rubric_id, workspace)
    if len(args) != 2:
        raise InputError("give SLUG CRITERION (or --pending [SLUG...])")
    slug, criterion = args
    ws = Workspace.open(workspace)
    require_slugs(ws, [slug])
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
    # only a name the user typed is published: never git's user.name or the login name
    if reviewer is None and interactive:
        reviewer = click.prompt("Reviewer", default="", show_default=False, err=True)  # blank: anonymous
    reviewer = (reviewer or "").strip() or ANONYMOUS
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


def _pending(slugs: list[str], fmt: str, rubric_id, workspace) -> None:
    """Criteria with `needs_review: true` (low confidence or conflicting), per company."""
    import json

    from audit.pipeline.score_workspace import score_workspace_detailed
    from audit.workspace import print_problems

    ws = Workspace.open(workspace)
    require_slugs(ws, slugs)
    rubric = open_rubric(ws, rubric_id)
    result = score_workspace_detailed(ws, rubric, slugs or None)
    print_problems(result.problems, lambda m: click.echo(m, err=True))
    companies = []
    for card in result.all_cards:
        crits = [c for c in card.criteria if c.needs_review and not c.reviewed]
        if crits:
            companies.append((card, crits))
    if fmt == "json":
        doc = {"companies": [{"slug": card.slug, "name": card.name, "criteria": [c.to_json() for c in crits]}
                             for card, crits in companies]}
        click.echo(json.dumps(doc, indent=2, ensure_ascii=False))
    else:
        for card, crits in companies:
            for c in crits:
                conf = "-" if c.confidence is None else f"{c.confidence:.2f}"
                why = "conflicting" if c.conflicting else "low confidence"
                click.echo(f"{card.slug}\t{c.id}\t{c.level.value}\tconfidence {conf}\t{why}")
    n = sum(len(c) for _, c in companies)
    click.echo(f"audit: {n} criteria await a review"
               + (f" (record one with `audit review SLUG CRITERION --level L --rationale R`)" if n else ""), err=True)
    if result.problems:
        raise InputError(f"{len(result.problems)} problem(s) in declarations or reviews")
