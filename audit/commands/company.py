"""`audit company ...`: manage the workspace's company declarations."""

from __future__ import annotations

import click

from audit.commands.options import workspace_option


@click.group()
def company():
    """Add, import and export company declarations."""


@company.command("add")
@click.argument("slug")
@click.option("--name", required=True, help="Company name as shown on scorecards.")
@click.option("--doc", "docs", multiple=True, metavar="TYPE=URL_OR_PATH",
              help="A document to fetch (URL) or read (path relative to companies/); repeatable.")
@click.option("--host", "hosts", multiple=True, help="A host to probe for transport security; repeatable.")
@click.option("--website", default=None, help="The company's main site (https://...).")
@click.option("--force", is_flag=True, help="Overwrite an existing declaration.")
@workspace_option
def add(slug, name, docs, hosts, website, force, workspace):
    """Write companies/SLUG.toml from flags (validated before it is written)."""
    from audit.commands.company_add import add_company

    add_company(slug, name, docs, hosts, website, force, workspace)
