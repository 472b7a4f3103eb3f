"""`audit init [DIR]`: a new workspace with an example declaration and a suitable .gitignore."""

from __future__ import annotations

from pathlib import Path

import click

from audit.archive.files import atomic_write
from audit.errors import InputError

EXAMPLE = '''# A company declaration: what to fetch and score. See the README ("Create a workspace and declare a company").
name = "Example Corp"
website = "https://example.com"
hosts = ["example.com"]          # probed for transport security by `audit probe`
# not_applicable = ["no-police-portal"]

[[documents]]
type = "law-enforcement-guidelines"
url = "https://example.com/legal/law-enforcement"
# select = "main"                 # CSS selector(s) or ranges for the policy text
# remove = [".cookie-banner"]     # CSS selectors to drop

[[documents]]
type = "privacy-policy"
url = "https://example.com/privacy"
'''

GITIGNORE = '''# encryption-audit workspace
# The archive is evidence: commit archive/snapshots and archive/documents if you publish scores.
# The cache is derived from them and can always be rebuilt.
archive/cache/
archive/**/.*.tmp
*.tmp
__pycache__/
.venv/
'''

SETTINGS = '''# Workspace settings (all optional).
# delay = 1.0                   # seconds between two requests to the same host
# timeout = 10.0                # connect timeout in seconds (read timeout is 3x)
# retries = 2
# max_retry_after = 30.0        # honour Retry-After up to this many seconds
# workers = 4                   # hosts fetched in parallel
# ignore_robots = false
# allow_private_network = false
# rubric = "builtin"
'''


@click.command()
@click.argument("directory", required=False, default=".", type=click.Path(file_okay=False, path_type=Path))
def init(directory: Path):
    """Create a workspace (companies/, reviews/, archive/, reports/) with an example declaration."""
    if directory.exists() and not directory.is_dir():
        raise InputError(f"{directory}: exists and is not a folder")
    created = []
    for sub in ("companies", "reviews", "archive", "reports"):
        (directory / sub).mkdir(parents=True, exist_ok=True)
    for rel, text in (("companies/example-corp.toml", EXAMPLE), (".gitignore", GITIGNORE), ("audit.toml", SETTINGS)):
        path = directory / rel
        if path.exists():
            click.echo(f"audit: kept existing {rel}", err=True)
            continue
        atomic_write(path, text)
        created.append(rel)
    for rel in created:
        click.echo(f"audit: created {rel}", err=True)
    click.echo(f"audit: workspace ready in {directory}; edit companies/*.toml, then run "
               f"`audit fetch` and `audit score`", err=True)
