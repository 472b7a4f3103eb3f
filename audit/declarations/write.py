"""Write a declaration TOML (for `audit company add` and `audit init`), atomically."""

from __future__ import annotations

from pathlib import Path

import tomli_w

from audit.archive.files import atomic_write
from audit.declarations.model import DeclaredDocument
from audit.models import RangeSelector


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
            item["select"] = d.select[0] if len(d.select) == 1 and isinstance(d.select[0], str) else list(d.select)
        if d.remove:
            item["remove"] = list(d.remove)
        if d.group:
            item["group"] = d.group
        if d.title:
            item["title"] = d.title
        text += "\n[[documents]]\n" + document_toml(item)
    return text


def document_toml(item: dict) -> str:
    """The body of one [[documents]] table, keys in the dict's order.

    select/remove entries that are ranges (RangeSelector or a {start_before = ...} table) are
    written as inline tables inside the array, one per line, whatever the tomli_w version
    (1.0 would turn a list of tables into [[select]] sections).
    """
    out = []
    for key, value in item.items():
        if key in ("select", "remove") and _has_range(value):
            entries = value if isinstance(value, list) else [value]
            lines = [f"    {_selector_toml(e)}," for e in entries]
            out.append(f"{key} = [\n" + "\n".join(lines) + "\n]\n")
        else:
            out.append(tomli_w.dumps({key: value}))
    return "".join(out)


def _has_range(value) -> bool:
    entries = value if isinstance(value, list) else [value]
    return any(isinstance(e, (RangeSelector, dict)) for e in entries)


def _selector_toml(entry) -> str:
    if isinstance(entry, str):
        return _toml_string(entry)
    table = entry.as_table() if isinstance(entry, RangeSelector) else entry
    return "{ " + ", ".join(f"{k} = {_toml_string(v)}" for k, v in table.items()) + " }"


def _toml_string(value: str) -> str:
    return tomli_w.dumps({"v": value})[len("v = "):].rstrip("\n")


def write_declaration(path: Path, text: str) -> Path:
    atomic_write(path, text)
    return Path(path)
