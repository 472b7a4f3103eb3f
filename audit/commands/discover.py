"""`audit discover DOMAIN_OR_URL`: find a company's policy pages and propose a declaration."""

from __future__ import annotations

import json
import click

from audit.commands.options import (delay_option, ignore_robots_option, network_options, user_agent_option,
                                    workspace_option)
from audit.errors import InputError, NoEvidenceError

_SLUG_HELP = "Add the best page of each type to companies/SLUG.toml (created if missing)."


@click.command()
@click.argument("domain_or_url")
@click.option("--write", "write_slug", default=None, metavar="SLUG", help=_SLUG_HELP)
@click.option("--name", default=None, help="Company name for a new declaration (default: the home page title).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Output format (data on stdout).")
@click.option("--max-pages", type=click.IntRange(1, 200), default=25, show_default=True,
              help="At most this many candidate pages are fetched.")
@delay_option
@ignore_robots_option
@user_agent_option
@workspace_option
@network_options
def discover(domain_or_url, write_slug, name, fmt, max_pages, delay, ignore_robots, user_agent, workspace,
             allow_private_network, ca_bundle):
    """Find candidate policy pages of a site: links, footer, sitemaps, common paths; ranked with reasons."""
    from audit.commands.fetch import policy_for
    from audit.declarations.ota import valid_slug
    from audit.discover import add_to_declaration, choose
    from audit.discover import discover as run_discovery
    from audit.discover.useragent import with_user_agent
    from audit.fetch.polite import PoliteFetcher
    from audit.workspace import Workspace

    if write_slug is not None and not valid_slug(write_slug):
        raise InputError(f"{write_slug!r}: a slug must match [a-z0-9][a-z0-9-]*")
    ws = Workspace.open(workspace)
    policy = policy_for(ws, allow_private=allow_private_network, ca_bundle=ca_bundle, delay=delay,
                        ignore_robots=ignore_robots)
    policy = with_user_agent(policy, user_agent)
    if policy.ignore_robots:
        click.echo("audit: robots.txt is ignored for this run (--ignore-robots)", err=True)
    found = run_discovery(domain_or_url, PoliteFetcher(policy), max_pages=max_pages,
                          log=lambda m: click.echo(f"audit: {m}", err=True))
    for err in found.failed:
        click.echo(f"audit: warning: {err}", err=True)
    chosen = choose(found)
    if fmt == "json":
        doc = found.to_json() | {"chosen": [c.url for c in chosen]}
        click.echo(json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False))
    else:
        click.echo(_text(found, chosen), nl=False)
    if not found.candidates:
        raise NoEvidenceError(f"{domain_or_url}: no candidate policy pages found")
    if write_slug is not None:
        if not chosen:
            raise NoEvidenceError(f"{domain_or_url}: no candidate scored high enough to write; add documents by hand")
        path = ws.declaration_path(write_slug)
        path.parent.mkdir(parents=True, exist_ok=True)
        added = add_to_declaration(path, chosen, name=name or found.title or _host(found.site), website=found.site)
        hosts = f", host(s) added: {', '.join(added.hosts)}" if added.hosts else ""
        click.echo(f"audit: {path}: {len(added.documents)} document(s) added{hosts}"
                   + ("" if added.documents else " (all were already declared)"), err=True)


def _host(url: str) -> str:
    from urllib.parse import urlsplit

    return urlsplit(url).hostname or url


def _text(found, chosen) -> str:
    picked = {c.url for c in chosen}
    lines = [f"{found.site}  {_clean(found.title)}".rstrip(), ""]
    for c in found.candidates:
        mark = "*" if c.url in picked else " "
        lines.append(f"{mark} {c.score:>3}  {c.type:<27} {_clean(c.url)}")
        lines.append(f"        {_clean('; '.join(c.reasons))}")
    lines += ["", "* = proposed for the declaration (--write SLUG)", ""]
    return "\n".join(lines)


def _clean(s: str) -> str:
    """Untrusted page text on a terminal: no control characters."""
    return "".join(ch if ch.isprintable() else " " for ch in s)
