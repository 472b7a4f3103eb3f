"""`audit import FILE --company SLUG --type T [--url U] [--fetched-at DATE]`: a saved copy as evidence.

For pages a fetcher cannot reach (logins, bot walls) or copies saved by someone else: the bytes
become a snapshot and the log records where they came from and when.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

import click

from audit.archive.store import Archive, LogEntry
from audit.commands.options import workspace_option
from audit.declarations.load import load_declaration
from audit.declarations.model import DeclaredDocument
from audit.errors import InputError
from audit.extract import extract
from audit.extract.doctype import DOCUMENT_TYPES
from audit.pipeline.documents import read_file
from audit.workspace import Workspace

CONTENT_TYPES = {".pdf": "application/pdf", ".html": "text/html", ".htm": "text/html", ".md": "text/markdown",
                 ".markdown": "text/markdown", ".txt": "text/plain"}


def parse_when(value: str | None) -> str:
    if not value:
        return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InputError(f"--fetched-at {value!r}: not a date (use 2026-11-28 or 2026-11-28T10:00:00Z)") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@click.command(name="import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--company", "slug", required=True, help="Company slug (companies/<slug>.toml).")
@click.option("--type", "doc_type", required=True, type=click.Choice(DOCUMENT_TYPES), help="Document type.")
@click.option("--url", default=None, help="The URL the copy was saved from (default: the declared one).")
@click.option("--fetched-at", default=None, metavar="DATE", help="When the copy was saved (default: now).")
@workspace_option
def import_cmd(file, slug, doc_type, url, fetched_at, workspace):
    """Add a saved copy of a document to the archive, with its source and time."""
    ws = Workspace.open(workspace)
    decl = load_declaration(ws.declaration_path(slug))
    candidates = [d for d in decl.documents if d.url and d.type == doc_type and (url is None or d.url == url)]
    if url is None:
        if not candidates:
            raise InputError(f"{slug}: no declared {doc_type} document with a url; give --url")
        if len(candidates) > 1:
            raise InputError(f"{slug}: {len(candidates)} declared {doc_type} documents; say which with --url")
    elif not re.match(r"^https?://", url):
        raise InputError(f"--url {url!r}: must be an http(s) URL")
    doc = candidates[0] if candidates else DeclaredDocument(doc_type, url)
    data = read_file(file)
    suffix = "." + file.rsplit(".", 1)[-1].lower() if "." in file else ""
    ctype = CONTENT_TYPES.get(suffix)
    extracted = extract(data, content_type=ctype, filename=file, select=list(doc.select) or None,
                        remove=list(doc.remove) or None)  # refuse what could never be scored
    archive = Archive(ws.archive_dir)
    sha = archive.put(data)
    headers = {"content-type": ctype} if ctype else {}
    archive.record(slug, doc.key, LogEntry(parse_when(fetched_at), doc.url, doc.url, "imported", sha, len(data),
                                           headers, source="import"))
    click.echo(f"{slug}: imported {file} as {doc_type} {doc.url} (sha256 {sha[:12]}, {len(extracted.text):,} characters)",
               err=True)
    if not candidates:
        click.echo(f"audit: warning: {doc.url} is not declared in {ws.declaration_path(slug)}; "
                   f"it is archived but not scored until declared", err=True)
