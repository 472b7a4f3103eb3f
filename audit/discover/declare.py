"""Choose the best candidate per document type and add it to a company declaration.

An existing declaration is appended to (its comments and order stay as written) and the result
is validated before it replaces the file; a new one is written with the declaration writer.
The hosts of the chosen pages go into `hosts`, so that `audit probe` has something to measure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import tomli_w

from audit.archive.files import atomic_write
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
    new_text = _with_hosts(text, all_hosts) if new_hosts else text
    blocks = "".join("\n[[documents]]\n" + tomli_w.dumps({"type": c.type, "url": c.url}) for c in added)
    if blocks and new_text is not None:
        new_text = new_text + ("" if new_text.endswith("\n") else "\n") + blocks
    want_docs = list(current.documents) + [DeclaredDocument(c.type, url=c.url) for c in added]
    result = parse_declaration(new_text, path)[0] if new_text is not None else None
    if result is None or list(result.hosts) != all_hosts or [d.url for d in result.documents] != [
            d.url for d in want_docs]:
        # e.g. an inline `documents = [...]` or an unusual `hosts` layout: rewrite the file
        new_text = declaration_toml(current.name, website=current.website, hosts=all_hosts,
                                    not_applicable=current.not_applicable, documents=want_docs)
        _check(new_text, path)
    atomic_write(path, new_text)
    return Added(tuple(added), tuple(new_hosts))


_HOSTS_ARRAY = re.compile(r"^hosts[ \t]*=[ \t]*\[[^\]]*\][ \t]*\n?", re.M)
_TABLE = re.compile(r"^[ \t]*\[", re.M)


def _with_hosts(text: str, hosts: list[str]) -> str | None:
    """TEXT with its top-level `hosts` set to HOSTS, everything else as written (None: cannot)."""
    line = tomli_w.dumps({"hosts": hosts})
    found = list(_HOSTS_ARRAY.finditer(text))
    if len(found) == 1:
        m = found[0]
        return text[:m.start()] + line + text[m.end():]
    if found:
        return None
    table = _TABLE.search(text)
    at = table.start() if table else len(text)
    head = text[:at]
    if head and not head.endswith("\n"):
        head += "\n"
    return head + line + ("\n" if table else "") + text[at:]


def _check(text: str, path: Path) -> None:
    decl, problems = parse_declaration(text, path)
    if decl is None:
        raise DeclarationInvalid(problems)
