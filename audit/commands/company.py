"""`audit company ...`: manage the workspace's company declarations."""

from __future__ import annotations

import click


@click.group()
def company():
    """Add, import and export company declarations."""
