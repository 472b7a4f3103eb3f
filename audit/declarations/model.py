"""A company declaration (`companies/<slug>.toml`) as loaded, validated values."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from audit.models import Selector

def selectors_plain(items) -> list:
    """select/remove entries as plain JSON-able values (strings stay strings; ranges become tables),
    e.g. for a cache key: a declaration without ranges gives the same value as before ranges."""
    return [s if isinstance(s, str) else s.as_table() for s in items]


@dataclass(frozen=True)
class DeclaredDocument:
    type: str
    url: str | None = None
    path: str | None = None  # relative to the declaration file, as written
    select: tuple[Selector, ...] = ()  # CSS selectors and ranges, in declaration order
    remove: tuple[Selector, ...] = ()
    #: Pages sharing a `group` (same type) are ONE document split over several pages, like an
    #: Open Terms Archive `combine` entry: each page is fetched and archived on its own, and
    #: evidence names the page it came from.
    group: str | None = None
    title: str | None = None  # a human label for the document (optional)

    @property
    def key(self) -> str:
        """A stable file-name-safe key for the archive log of this document (type + source hash)."""
        import hashlib

        source = self.url or f"file:{self.path}"
        return f"{self.type}-{hashlib.sha256(source.encode('utf-8')).hexdigest()[:12]}"

    @property
    def source(self) -> str:
        return self.url or str(self.path)

    @property
    def document_id(self) -> str:
        """Which document this page belongs to: `type#group` for a combined one, else its key."""
        return f"{self.type}#{self.group}" if self.group else self.key


@dataclass(frozen=True)
class Declaration:
    slug: str
    name: str
    website: str | None
    hosts: tuple[str, ...]
    not_applicable: frozenset[str]
    documents: tuple[DeclaredDocument, ...]
    path: Path

    def combined(self) -> dict[str, tuple[DeclaredDocument, ...]]:
        """The documents made of several pages: {group: its pages in declaration order}."""
        out: dict[str, list[DeclaredDocument]] = {}
        for d in self.documents:
            if d.group:
                out.setdefault(d.group, []).append(d)
        return {g: tuple(pages) for g, pages in out.items()}

    def local_path(self, doc: DeclaredDocument) -> Path:
        """Where a `path =` document is on disk (relative to the declaration file)."""
        assert doc.path is not None
        return (self.path.parent / doc.path)


@dataclass(frozen=True)
class DeclarationProblem:
    """One thing wrong with a declaration or review file: file, key and line where known."""

    file: str
    key: str | None
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = self.file + (f":{self.line}" if self.line else "")
        key = f" [{self.key}]" if self.key else ""
        return f"{where}:{key} {self.message}"
