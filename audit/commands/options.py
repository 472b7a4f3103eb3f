"""Options shared by several commands, so each is spelled and documented once."""

from __future__ import annotations

import os

import click

rubric_option = click.option(
    "--rubric", "rubric_id", default=None, metavar="ID_OR_PATH",
    help="Rubric id (built-in: builtin) or path to a rubric TOML file.",
)
format_option = click.option(
    "--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True,
    help="Output format (data on stdout).",
)
allow_private_option = click.option(
    "--allow-private-network", is_flag=True, default=False,
    help="Allow loopback, private, link-local and metadata addresses (refused by default).",
)
ca_bundle_option = click.option(
    "--ca-bundle", type=click.Path(dir_okay=False), default=None,
    help="CA bundle for TLS verification (also SSL_CERT_FILE / REQUESTS_CA_BUNDLE).",
)

def _workspace_from_main(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """`audit --workspace DIR score` works like `audit score --workspace DIR`: an explicit flag
    after the command wins, then one before it, then $AUDIT_WORKSPACE."""
    source = ctx.get_parameter_source(param.name)
    given_before = ctx.find_root().params.get("workspace")
    if given_before is not None and source in (click.core.ParameterSource.DEFAULT,
                                               click.core.ParameterSource.ENVIRONMENT):
        return given_before
    return value


WORKSPACE_HELP = "Workspace folder (default: $AUDIT_WORKSPACE, else the current folder)."

workspace_option = click.option(
    "--workspace", "workspace", default=None, envvar="AUDIT_WORKSPACE", metavar="DIR",
    type=click.Path(file_okay=False), callback=_workspace_from_main, help=WORKSPACE_HELP,
)

user_agent_option = click.option(
    "--user-agent", default=None, envvar="AUDIT_USER_AGENT", metavar="STRING",
    help="User-Agent to send, e.g. a common browser string (also AUDIT_USER_AGENT).",
)


def ca_bundle_from_env(value: str | None) -> str | None:
    return value or os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("SSL_CERT_FILE") or None


def network_options(f):
    return allow_private_option(ca_bundle_option(f))


def checked_user_agent(value: str | None) -> str | None:
    """--user-agent validated (one non-empty printable line), or None when not given."""
    if value is None:
        return None
    from audit.discover.useragent import with_user_agent
    from audit.fetch.polite import FetchPolicy

    return with_user_agent(FetchPolicy(), value).user_agent


delay_option = click.option(
    "--delay", type=click.FloatRange(min=0), default=None,
    help="Seconds between two requests to the same host (default: audit.toml, else 1).",
)
ignore_robots_option = click.option(
    "--ignore-robots", is_flag=True, default=False, help="Fetch even where robots.txt disallows it (logged).",
)
