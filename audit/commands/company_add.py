"""The work behind `audit company add`: flags -> a validated declaration file."""

from __future__ import annotations

import re

import click

from audit.declarations.load import SLUG, parse_declaration
from audit.declarations.model import DeclaredDocument
from audit.declarations.write import declaration_toml, write_declaration
from audit.errors import InputError
from audit.extract.doctype import DOCUMENT_TYPES
from audit.workspace import Workspace


def parse_doc(spec: str) -> DeclaredDocument:
    dtype, sep, target = spec.partition("=")
    dtype, target = dtype.strip(), target.strip()
    if not sep or not target:
        raise InputError(f"--doc {spec!r}: use TYPE=URL_OR_PATH (like law-enforcement-guidelines=https://...)")
    if dtype not in DOCUMENT_TYPES:
        raise InputError(f"--doc {spec!r}: unknown type {dtype!r} (one of: {', '.join(DOCUMENT_TYPES)})")
    if re.match(r"^https?://", target):
        return DeclaredDocument(dtype, url=target)
    return DeclaredDocument(dtype, path=target)


def add_company(slug, name, docs, hosts, website, force, workspace) -> None:
    ws = Workspace.open(workspace)
    if not SLUG.match(slug):
        raise InputError(f"{slug!r}: a slug must match [a-z0-9][a-z0-9-]*")
    path = ws.declaration_path(slug)
    if path.exists() and not force:
        raise InputError(f"{path} exists (use --force to overwrite)")
    documents = [parse_doc(d) for d in docs]
    text = declaration_toml(name, website=website, hosts=hosts, documents=documents)
    ws.companies_dir.mkdir(parents=True, exist_ok=True)
    decl, problems = parse_declaration(text, path)
    if problems:
        raise InputError("; ".join(p.message if p.key is None else f"{p.key}: {p.message}" for p in problems))
    write_declaration(path, text)
    click.echo(f"audit: wrote {path} ({len(decl.documents)} document(s), {len(decl.hosts)} host(s))", err=True)
