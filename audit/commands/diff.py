"""`audit diff OLD.json NEW.json`: score changes between two scorecards files, each with its cause."""

from __future__ import annotations

import click

from audit.commands.options import format_option
from audit.refresh.diff import diff_scorecards, load_scorecards
from audit.refresh.render import RENDERERS


@click.command()
@click.argument("old", metavar="OLD.json")
@click.argument("new", metavar="NEW.json")
@format_option
def diff(old: str, new: str, fmt: str):
    """Every changed criterion, score and grade, with why: text, probe, rubric, extraction, review, stale."""
    d = diff_scorecards(load_scorecards(old), load_scorecards(new))
    click.echo(RENDERERS[fmt](d), nl=False)
