"""PDF to blocks with pypdf: pages joined, hyphenated line breaks mended, paragraphs guessed."""

from __future__ import annotations

import io
import logging
import re

from pypdf import PdfReader
from pypdf.generic import NameObject
from pypdf.errors import FileNotDecryptedError, PdfReadError, PyPdfError

from audit.errors import InputError
from audit.extract.text import ExtractedText, build

MAX_PAGES = 2000


def extract_pdf(data: bytes) -> ExtractedText:
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            try:
                if not reader.decrypt(""):  # PasswordType.NOT_DECRYPTED: a password is needed
                    raise ValueError("not decrypted")
            except Exception:
                raise InputError("encrypted PDF: cannot be read without its password") from None
        pages = []
        for i, page in enumerate(reader.pages):
            if i >= MAX_PAGES:
                break
            _drop_invisible_text(page)
            pages.append(page.extract_text() or "")
        title = ""
        try:
            meta = reader.metadata
            title = str(meta.title) if meta and meta.title else ""
        except Exception:
            title = ""
    except InputError:
        raise
    except FileNotDecryptedError:
        raise InputError("encrypted PDF: cannot be read without its password") from None
    except (PdfReadError, PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError, RecursionError) as e:
        raise InputError(f"broken PDF: {e.__class__.__name__}: {str(e)[:120]}") from None
    text = "\n\n".join(pages)
    if not text.strip():
        raise InputError("PDF has no extractable text (scanned image?)")
    return build(paragraphs_from_lines(text), title=title, fmt="pdf")


_SHOW_TEXT = (b"Tj", b"TJ", b"'", b'"')


def _drop_invisible_text(page) -> None:
    """Remove the text a page draws in render mode 3 (neither filled nor stroked: invisible).

    Scanned PDFs use it for their OCR layer, which is the page's own visible words; a crafted
    PDF uses it to hide words from readers but not from extractors. OCR text is visible as the
    image behind it, so only pages that also draw visible text lose their invisible text.
    Form XObjects are not rewritten (their text is read as before).
    """
    contents = page.get_contents()
    if contents is None or b"Tr" not in contents.get_data():
        return
    ops = contents.operations
    mode, saved, visible = 0, [], False
    kept = []
    for operands, op in ops:
        if op == b"Tr" and operands:
            try:
                mode = int(operands[0])
            except (TypeError, ValueError):
                mode = 0
        elif op == b"q":
            saved.append(mode)
        elif op == b"Q":
            mode = saved.pop() if saved else 0
        if op in _SHOW_TEXT and mode == 3:
            if op in (b"'", b'"'):
                kept.append(([], b"T*"))  # keep the line move, drop the text
            continue
        if op in _SHOW_TEXT:
            visible = True
        kept.append((operands, op))
    if not visible or len(kept) == len(ops):
        return
    contents.operations = kept
    page[NameObject("/Contents")] = contents  # in memory only: what extract_text() reads


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
