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

workspace_option = click.option(
    "--workspace", "workspace", default=None, envvar="AUDIT_WORKSPACE", metavar="DIR",
    type=click.Path(file_okay=False), help="Workspace folder (default: $AUDIT_WORKSPACE, else the current folder).",
)


def ca_bundle_from_env(value: str | None) -> str | None:
    return value or os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("SSL_CERT_FILE") or None


def network_options(f):
    return allow_private_option(ca_bundle_option(f))
