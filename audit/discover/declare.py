"""Choose the best candidate per document type and add it to a company declaration.

An existing declaration is edited with tomlkit (its comments, order and layout stay as written)
and the result is validated before it replaces the file, never rewritten as a whole; a new one is written with the declaration writer.
The hosts of the chosen pages go into `hosts`, so that `audit probe` has something to measure.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import tomlkit
import tomlkit.items

from audit.archive.files import atomic_write
from audit.errors import InputError
from audit.declarations.load import HOST, DeclarationInvalid, parse_declaration, read_declaration_text
from audit.declarations.model import DeclaredDocument
from audit.declarations.write import declaration_toml
from audit.discover.crawl import Candidate, Discovery

#: Below this score a candidate is shown but not written.
MIN_SCORE = 6


def choose(discovery: Discovery, min_score: int = MIN_SCORE) -> list[Candidate]:
    """The best candidate of each type (not `other`) that scores at least MIN_SCORE."""
    best: dict[str, Candidate] = {}
    for c in discovery.candidates:  # already best first
        if c.type != "other" and c.score >= min_score and c.type not in best:
            best[c.type] = c
    return sorted(best.values(), key=lambda c: (c.type, c.url))


@dataclass(frozen=True)
class Added:
    """What add_to_declaration changed."""

    documents: tuple[Candidate, ...]
    hosts: tuple[str, ...]

    def __bool__(self) -> bool:
        return bool(self.documents or self.hosts)


def page_hosts(chosen: list[Candidate]) -> list[str]:
    """The hosts to probe for the chosen pages: deduplicated, sorted.

    An https page on a port other than 443 keeps its port (that is where TLS answers); a plain
    http page gives its host name only, probed on 443 like any declared host.
    """
    hosts = set()
    for c in chosen:
        parts = urlsplit(c.url)
        host = (parts.hostname or "").lower().rstrip(".")
        try:
            port = parts.port
        except ValueError:
            port = None
        name = f"{host}:{port}" if parts.scheme == "https" and port not in (None, 443) else host
        if name and HOST.match(name):
            hosts.add(name)
    return sorted(hosts)


def add_to_declaration(path: Path, chosen: list[Candidate], *, name: str, website: str) -> Added:
    """Add the chosen pages, and their hosts, to the declaration at PATH (created if missing)."""
    path = Path(path)
    hosts = page_hosts(chosen)
    if not path.exists():
        docs = [DeclaredDocument(c.type, url=c.url) for c in chosen]
        text = declaration_toml(name, website=website, hosts=hosts, documents=docs)
        _check(text, path)
        atomic_write(path, text)
        return Added(tuple(chosen), tuple(hosts))
    text = read_declaration_text(path)
    current, problems = parse_declaration(text, path)
    if current is None:
        raise DeclarationInvalid(problems)
    have = {d.url for d in current.documents if d.url}
    added = [c for c in chosen if c.url not in have]
    new_hosts = [h for h in hosts if h not in current.hosts]
    if not added and not new_hosts:
        return Added((), ())
    all_hosts = list(current.hosts) + new_hosts
    want_docs = [d.url for d in current.documents] + [c.url for c in added]
    new_text = edit_declaration(text, new_hosts, [{"type": c.type, "url": c.url} for c in added])
    result, problems = parse_declaration(new_text, path)
    if result is None or list(result.hosts) != all_hosts or [d.url for d in result.documents] != want_docs:
        # never rewrite the whole file (its comments would be lost): say what could not be done
        raise InputError(f"{path}: cannot add {len(added)} document(s) and {len(new_hosts)} host(s) without "
                         "rewriting the file; add them by hand: "
                         + ", ".join([c.url for c in added] + new_hosts))
    atomic_write(path, new_text)
    return Added(tuple(added), tuple(new_hosts))


def edit_declaration(text: str, new_hosts: list[str], new_documents: list[dict]) -> str:
    """TEXT with NEW_HOSTS appended to `hosts` and NEW_DOCUMENTS to `documents`, edited with tomlkit.

    Comments, blank lines, key order and the layout of arrays (one host a line, inline tables)
    are kept as written; only the new entries are added.
    """
    doc = tomlkit.parse(text)
    if new_hosts and "hosts" in doc:
        doc["hosts"].extend(new_hosts)
    for item in new_documents:
        existing = doc.get("documents")
        if isinstance(existing, tomlkit.items.Array):  # documents = [{...}, ...] written inline
            table = tomlkit.inline_table()
            table.update(item)
            existing.append(table)
            continue
        table = tomlkit.table()
        table.update(item)
        table.trivia.indent = "\n"  # a blank line before each new [[documents]]
        if existing is None:
            doc.append("documents", tomlkit.aot())
        doc["documents"].append(table)
    out = tomlkit.dumps(doc)
    out = out if out.endswith("\n") else out + "\n"
    if new_hosts and "hosts" not in doc:
        out = _insert_hosts(out, new_hosts)
    return out


_TOP_KEY = re.compile(r"[ \t]*(not_applicable|website|name)[ \t]*=")
MAX_VALUE_LINES = 200  # lines one top-level value may span before the anchor search gives up


def _insert_hosts(text: str, hosts: list[str]) -> str:
    """TEXT with a `hosts` line right after the value of `not_applicable`, else `website`, else `name`:
    beside the other top-level keys, before the first table and the comments that lead into it.

    Where a value ends is found by tomllib, not by guessing at the layout: the first line after
    the key's line whose prefix parses, with the key at the top level (a `name` inside a table is
    not the anchor). Without an anchor the line goes first. (tomlkit's own insertion puts a new
    key after the comments above the first table, and its helper for placing it is private.)
    """
    line = tomlkit.dumps({"hosts": hosts})
    lines = text.splitlines(keepends=True)
    for key in ("not_applicable", "website", "name"):
        for start, first in enumerate(lines):
            m = _TOP_KEY.match(first)
            if m is None or m.group(1) != key:
                continue
            for end in range(start, min(len(lines), start + MAX_VALUE_LINES)):
                try:
                    top = tomllib.loads("".join(lines[: end + 1]))
                except tomllib.TOMLDecodeError:
                    continue
                if key in top:
                    return "".join(lines[: end + 1]) + line + "".join(lines[end + 1:])
                break  # a complete prefix without the key at the top: this line is inside a table
    return line + text


def _check(text: str, path: Path) -> None:
    decl, problems = parse_declaration(text, path)
    if decl is None:
        raise DeclarationInvalid(problems)
