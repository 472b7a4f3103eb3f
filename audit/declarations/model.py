"""A company declaration (`companies/<slug>.toml`) as loaded, validated values."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

#: The keys of a range table, in the order they are written (TOML: snake_case; OTA: camelCase).
RANGE_KEYS = ("start_before", "start_after", "end_before", "end_after")
_OTA_KEYS = {"start_before": "startBefore", "start_after": "startAfter",
             "end_before": "endBefore", "end_after": "endAfter"}


@dataclass(frozen=True)
class RangeSelector:
    """A part of a page between two CSS-selected elements (Open Terms Archive's range selector).

    Exactly one of start_before/start_after, at most one of end_before/end_after; without an end
    the range runs to the end of the page. `before` keeps the start element (or drops the end
    element), `after` drops the start element (or keeps the end element), subtrees included.
    Built valid by the declaration loader (audit.declarations.load), which reports bad tables.
    """

    start_before: str | None = None
    start_after: str | None = None
    end_before: str | None = None
    end_after: str | None = None

    def __post_init__(self):
        if (self.start_before is None) == (self.start_after is None):
            raise ValueError("a range needs exactly one of start_before, start_after")
        if self.end_before is not None and self.end_after is not None:
            raise ValueError("a range takes at most one of end_before, end_after")

    @property
    def start(self) -> str:
        return self.start_before if self.start_before is not None else self.start_after  # type: ignore[return-value]

    @property
    def end(self) -> str | None:
        return self.end_before if self.end_before is not None else self.end_after

    def as_table(self) -> dict[str, str]:
        """The TOML table (snake_case keys, in RANGE_KEYS order, only the ones set)."""
        return {k: getattr(self, k) for k in RANGE_KEYS if getattr(self, k) is not None}

    def as_ota(self) -> dict[str, str]:
        """Open Terms Archive's form: {"startBefore": css, "endBefore": css}."""
        return {_OTA_KEYS[k]: v for k, v in self.as_table().items()}

    def __str__(self) -> str:
        return "{" + ", ".join(f"{k} = {v!r}" for k, v in self.as_table().items()) + "}"


#: One `select`/`remove` entry: a CSS selector or a range.
Selector = str | RangeSelector


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
