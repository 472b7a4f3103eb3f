"""`audit fetch [SLUG...]`: fetch every declared document into the archive, politely."""

from __future__ import annotations

import sys
from collections import Counter

import click

from audit.archive.store import Archive
from audit.commands.options import (ca_bundle_from_env, delay_option, ignore_robots_option, network_options,
                                   user_agent_option, workspace_option)
from audit.declarations.load import load_declarations
from audit.errors import InputError, NoEvidenceError
from audit.fetch.polite import FetchPolicy, PoliteFetcher
from audit.pipeline.fetch_workspace import fetch_declarations
from audit.workspace import Workspace, print_problems, require_slugs


def policy_for(ws: Workspace, *, allow_private: bool, ca_bundle, delay, ignore_robots: bool) -> FetchPolicy:
    timeout = float(ws.setting("timeout"))
    return FetchPolicy(
        delay=float(ws.setting("delay") if delay is None else delay),
        connect_timeout=timeout,
        read_timeout=timeout * 3,
        max_seconds=float(ws.setting("deadline")) or max(60.0, timeout * 12),
        retries=int(ws.setting("retries")),
        max_retry_after=float(ws.setting("max_retry_after")),
        workers=max(1, int(ws.setting("workers"))),
        ignore_robots=ignore_robots or bool(ws.setting("ignore_robots")),
        allow_private=allow_private or bool(ws.setting("allow_private_network")),
        ca_bundle=ca_bundle_from_env(ca_bundle),
    )


@click.command()
@click.argument("slugs", nargs=-1, metavar="[SLUG...]")
@workspace_option
@network_options
@delay_option
@ignore_robots_option
@user_agent_option
def fetch(slugs, workspace, allow_private_network, ca_bundle, delay, ignore_robots, user_agent):
    """Fetch the declared documents (url =) into the archive; print a summary per company."""
    ws = Workspace.open(workspace)
    require_slugs(ws, slugs)
    decls, problems = load_declarations(ws, slugs or None)
    print_problems(problems, lambda m: click.echo(m, err=True))
    if not decls and not problems:
        raise InputError(f"no company declarations in {ws.companies_dir}")
    policy = policy_for(ws, allow_private=allow_private_network, ca_bundle=ca_bundle, delay=delay,
                        ignore_robots=ignore_robots)
    if user_agent:
        from audit.discover.useragent import with_user_agent

        policy = with_user_agent(policy, user_agent)
    if policy.ignore_robots:
        click.echo("audit: robots.txt is ignored for this run (--ignore-robots)", err=True)
    total = sum(1 for d in decls for doc in d.documents if doc.url)
    outcomes = []
    if total:
        with click.progressbar(length=total, label="fetching", file=sys.stderr,
                               show_pos=True, item_show_func=lambda o: o.slug if o else None) as bar:
            def done(o):
                bar.update(1, o)

            outcomes = fetch_declarations(PoliteFetcher(policy), Archive(ws.archive_dir), decls, done)
    for o in outcomes:
        if o.outcome == "failed":
            click.echo(f"audit: warning: {o.describe()}", err=True)
    counts = {d.slug: Counter() for d in decls}
    for o in outcomes:
        counts[o.slug][o.outcome] += 1
    for slug in sorted(counts):
        c = counts[slug]
        line = f"{slug}: {c['fetched']} fetched, {c['unchanged']} unchanged, {c['failed']} failed"
        click.echo(f"audit: {line}", err=True)
    if problems:
        raise InputError(f"{len(problems)} declaration problem(s); the other companies were fetched")
    if outcomes and all(o.outcome == "failed" for o in outcomes):
        raise NoEvidenceError("every document failed to fetch")
