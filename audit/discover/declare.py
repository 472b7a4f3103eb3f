"""Choose the best candidate per document type and add it to a company declaration.

An existing declaration is appended to (its comments and order stay as written) and the result
is validated before it replaces the file; a new one is written with the declaration writer.
"""

from __future__ import annotations

from pathlib import Path

import tomli_w

from audit.archive.files import atomic_write
from audit.declarations.load import DeclarationInvalid, parse_declaration, read_declaration_text
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


def add_to_declaration(path: Path, chosen: list[Candidate], *, name: str, website: str) -> list[Candidate]:
    """Add the chosen pages to the declaration at PATH (created if missing); returns those added."""
    path = Path(path)
    if not path.exists():
        docs = [DeclaredDocument(c.type, url=c.url) for c in chosen]
        text = declaration_toml(name, website=website, documents=docs)
        _check(text, path)
        atomic_write(path, text)
        return list(chosen)
    text = read_declaration_text(path)
    current, problems = parse_declaration(text, path)
    if current is None:
        raise DeclarationInvalid(problems)
    have = {d.url for d in current.documents if d.url}
    added = [c for c in chosen if c.url not in have]
    if not added:
        return []
    blocks = "".join("\n[[documents]]\n" + tomli_w.dumps({"type": c.type, "url": c.url}) for c in added)
    new_text = text + ("" if text.endswith("\n") else "\n") + blocks
    if parse_declaration(new_text, path)[0] is None:  # e.g. an inline `documents = [...]`: rewrite it
        new_text = declaration_toml(current.name, website=current.website, hosts=current.hosts,
                                    not_applicable=current.not_applicable,
                                    documents=list(current.documents) + [DeclaredDocument(c.type, url=c.url) for c in added])
        _check(new_text, path)
    atomic_write(path, new_text)
    return added


def _check(text: str, path: Path) -> None:
    decl, problems = parse_declaration(text, path)
    if decl is None:
        raise DeclarationInvalid(problems)
