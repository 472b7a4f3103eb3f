"""Write a declaration TOML (for `audit company add` and `audit init`), atomically."""

from __future__ import annotations

from pathlib import Path

import tomli_w

from audit.archive.files import atomic_write
from audit.declarations.model import DeclaredDocument


def declaration_toml(name: str, *, website: str | None = None, hosts=(), not_applicable=(),
                     documents: list[DeclaredDocument] | tuple = ()) -> str:
    """The TOML text of a declaration, keys in the order SPEC.md shows them."""
    raw: dict = {"name": name}
    if website:
        raw["website"] = website
    if hosts:
        raw["hosts"] = list(hosts)  # one line per host keeps diffs of pull requests small
    if not_applicable:
        raw["not_applicable"] = sorted(not_applicable)
    text = tomli_w.dumps(raw)
    for d in documents:
        item: dict = {"type": d.type}
        if d.url:
            item["url"] = d.url
        if d.path:
            item["path"] = d.path
        if d.select:
            item["select"] = d.select[0] if len(d.select) == 1 else list(d.select)
        if d.remove:
            item["remove"] = list(d.remove)
        if d.group:
            item["group"] = d.group
        if d.title:
            item["title"] = d.title
        text += "\n[[documents]]\n" + tomli_w.dumps(item)
    return text


def write_declaration(path: Path, text: str) -> Path:
    atomic_write(path, text)
    return Path(path)
