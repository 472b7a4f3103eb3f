"""PDF to blocks with pypdf: pages joined, hyphenated line breaks mended, paragraphs guessed."""

from __future__ import annotations

import io
import logging
import re

from pypdf import PdfReader
from pypdf.errors import PdfReadError, PyPdfError

from audit.errors import InputError
from audit.extract.text import ExtractedText, build

MAX_PAGES = 2000


def extract_pdf(data: bytes) -> ExtractedText:
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            try:
                reader.decrypt("")
            except Exception:
                raise InputError("encrypted PDF (no empty password)") from None
        pages = []
        for i, page in enumerate(reader.pages):
            if i >= MAX_PAGES:
                break
            pages.append(page.extract_text() or "")
        title = ""
        try:
            meta = reader.metadata
            title = str(meta.title) if meta and meta.title else ""
        except Exception:
            title = ""
    except InputError:
        raise
    except (PdfReadError, PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError, RecursionError) as e:
        raise InputError(f"broken PDF: {e.__class__.__name__}: {str(e)[:120]}") from None
    text = "\n\n".join(pages)
    if not text.strip():
        raise InputError("PDF has no extractable text (scanned image?)")
    return build(paragraphs_from_lines(text), title=title, fmt="pdf")


_BULLET = re.compile(r"^\s*([•▪◦●\-–*]|\(?\d{1,2}[.)]|\(?[a-z][.)])\s+")


def paragraphs_from_lines(text: str) -> list[tuple[str, str]]:
    """Rejoin hard-wrapped lines into paragraphs; a blank line, a bullet or a short title line ends one."""
    blocks: list[tuple[str, str]] = []
    single: list[bool] = []  # per block: it was one line on its own (a title candidate)
    cur: list[str] = []
    kind = "paragraph"

    def flush() -> None:
        nonlocal kind
        if cur:
            blocks.append((kind, _join(cur)))
            single.append(len(cur) == 1)
            cur.clear()
        kind = "paragraph"

    for line in text.splitlines():
        s = line.strip()
        if not s:
            flush()
            continue
        if _BULLET.match(s):
            flush()
            kind = "item"
        elif cur and _looks_like_heading(s) and cur[-1].rstrip().endswith((".", ":", ";")):
            flush()
            blocks.append(("heading", s))
            single.append(True)
            continue
        cur.append(s)
    flush()
    return _standalone_titles(blocks, single)


_TITLE_LINE = re.compile(r"^(?:(?:\d{1,2}(?:\.\d{1,2})*|[IVXLC]{1,5}|[A-Z])[.)]?\s+)?[A-Z][^.;:,!?]{1,78}$")


def _standalone_titles(blocks: list[tuple[str, str]], single: list[bool]) -> list[tuple[str, str]]:
    """A short line standing on its own ("8. Record retention", "Government requests") before a
    paragraph of prose is that paragraph's heading, so the sentences below it keep their
    section as context. A run of short lines (a list of data types) is left alone: the block
    after a title must be prose that ends a sentence and is longer than the title."""
    out = list(blocks)
    for i, (kind, text) in enumerate(blocks[:-1]):
        if kind == "heading" or not single[i] or not _TITLE_LINE.match(text):
            continue
        nkind, ntext = blocks[i + 1]
        if nkind == "paragraph" and len(ntext) > len(text) + 20 and ntext.rstrip().endswith((".", ":", "!", "?", ")")):
            out[i] = ("heading", text)
    return out


def _looks_like_heading(s: str) -> bool:
    return len(s) < 80 and not s.endswith((".", ",", ";")) and (s.isupper() or s.istitle())


def _join(lines: list[str]) -> str:
    out = lines[0]
    for nxt in lines[1:]:
        if out.endswith("-") and nxt[:1].islower():
            out = out[:-1] + nxt
        else:
            out += " " + nxt
    return out
