"""Extraction: bytes of a snapshot (HTML, PDF, Markdown, plain text) to text with offsets.

`extract()` is the one entry point; it decides the format, decodes the bytes and hands them
to the format's extractor. Every failure is an :class:`InputError` with a one-line reason.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from audit.errors import InputError
from audit.extract.text import ExtractedText

if TYPE_CHECKING:
    from audit.models import Selector

#: bump when extraction changes what text or offsets a snapshot gives (enters the findings cache key)
EXTRACTOR_VERSION = "6"  # 3: language, hidden text, CommonMark; 4: all three together; 5: look-alike and @media spans;
# 6: lxml's own tree (not BeautifulSoup's), selectors by cssselect
MAX_BYTES = 20 * 1024 * 1024  # files over 20 MB are refused (SPEC: oversized input)

_HTML_SNIFF = re.compile(rb"^\s*(<!--.*?-->\s*)*(<!doctype\s+html|<html|<head|<body|<meta|<title|<div|<p[ >])", re.I | re.S)


def sniff_format(data: bytes, content_type: str | None = None, filename: str | None = None) -> str:
    """html | pdf | markdown | text, from the content type, the name and the first bytes."""
    ct = (content_type or "").split(";")[0].strip().lower()
    name = (filename or "").lower().split("?")[0]
    if data[:5] == b"%PDF-" or ct == "application/pdf" or name.endswith(".pdf"):
        return "pdf"
    if ct in ("text/html", "application/xhtml+xml") or name.endswith((".html", ".htm", ".xhtml")):
        return "html"
    if ct in ("text/markdown", "text/x-markdown") or name.endswith((".md", ".markdown")):
        return "markdown"
    if _HTML_SNIFF.match(data[:2048]):
        return "html"
    if ct and ct not in ("text/plain", "application/octet-stream") and not ct.startswith("text/"):
        raise InputError(f"unsupported content type {ct!r}")
    return "text"


def charset_of(content_type: str | None) -> str | None:
    m = re.search(r"charset\s*=\s*[\"']?([\w.:-]+)", content_type or "", re.I)
    return m.group(1) if m else None


def _wide(name: str | None) -> str | None:
    """'utf-16' or 'utf-32' when the charset is one of their forms, else None."""
    try:
        canonical = codecs.lookup(name).name if name else ""
    except LookupError:
        return None
    return next((w for w in ("utf-16", "utf-32") if canonical.startswith(w)), None)


def _decode_wide(data: bytes, wide: str) -> str | None:
    """UTF-16/32 without a byte-order mark: the byte order the NUL bytes show; None if it does not fit."""
    unit = 2 if wide == "utf-16" else 4
    if len(data) % unit:
        data = data[: len(data) - len(data) % unit]
    head = data[:4096]
    if wide == "utf-16":
        big = head[0::2].count(0) > head[1::2].count(0)
    else:
        big = head[0::4].count(0) >= head[3::4].count(0) and head[3::4].count(0) < len(head) // 8
    enc = f"{wide}-{'be' if big else 'le'}"
    try:
        text = data.decode(enc)
    except UnicodeDecodeError:
        return None
    return text.lstrip("\ufeff")


def decode(data: bytes, declared: str | None = None) -> str:
    """Decode text bytes: BOM, then the declared charset if it fits, then UTF-8, then detection.

    A declared UTF-16/32 is believed only when the bytes look like it (NUL bytes in the text):
    an ASCII page that declares utf-16 is read as what its bytes are; a server-declared UTF-16
    page without a byte-order mark is decoded in the byte order its NULs show.
    """
    wide = _wide(declared)
    nul = b"\x00" in data[:8192]
    if wide and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF8)):
        if nul:
            text = _decode_wide(data, wide)
            if text is not None:
                return text
        declared = None  # mis-declared: fall back to what the bytes are
    if nul and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise InputError("binary content (NUL bytes), not a text document")
    for bom, enc in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode(enc).lstrip("\ufeff")
            except UnicodeDecodeError:
                raise InputError(f"undecodable text: bad {enc} after a byte-order mark") from None
    candidates = []
    if declared:
        try:
            codecs.lookup(declared)
            candidates.append(declared)
        except LookupError:
            pass
    candidates.append("utf-8")
    for enc in candidates:
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    from charset_normalizer import from_bytes  # shipped with requests

    best = from_bytes(data[:200_000]).best()
    if best is None or best.encoding is None:
        raise InputError("undecodable text: not UTF-8 and no other encoding fits")
    text = data.decode(best.encoding, errors="replace")
    if text.count("\ufffd") > max(10, len(text) // 100):
        raise InputError("undecodable text: too many invalid characters")
    return text


def extract(
    data: bytes,
    content_type: str | None = None,
    filename: str | None = None,
    select: Sequence[Selector] | None = None,
    remove: Sequence[Selector] | None = None,
    content_language: str | None = None,
) -> ExtractedText:
    """Extract a document's text; `select`/`remove` (CSS selectors and ranges, see
    audit.declarations.model.RangeSelector) apply to HTML only. The result's `language` is the
    declared one (`content_language` header, else `<html lang>`) checked against the text."""
    if not data or not data.strip():
        raise InputError("empty document")
    if len(data) > MAX_BYTES:
        raise InputError(f"document too large ({len(data):,} bytes; the limit is {MAX_BYTES:,})")
    fmt = sniff_format(data, content_type, filename)
    if fmt == "pdf":
        from audit.extract.pdf import extract_pdf

        if data[:5] != b"%PDF-" and b"%PDF-" not in data[:1024]:
            raise InputError("broken PDF: no %PDF header")
        result = extract_pdf(data)
    elif fmt == "html":
        from audit.extract.html import extract_html

        declared = charset_of(content_type) or _meta_charset(data)
        if (b"\x00" in data[:8192] and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
                and not _wide(charset_of(content_type))):
            raise InputError("binary content (NUL bytes), not a text document")
        result = extract_html(decode(data, declared), select=select, remove=remove)
    else:
        from audit.extract.markdown import extract_markdown, extract_plain

        text = decode(data, charset_of(content_type))
        result = extract_markdown(text) if fmt == "markdown" or _looks_like_markdown(text) else extract_plain(text)
    if not result.text.strip():
        raise InputError("no text could be extracted")
    from dataclasses import replace

    from audit.extract.language import declared_in_html, document_language

    declared = content_language or (declared_in_html(data) if fmt == "html" else None)
    language, warning = document_language(result.text, declared, [(b.start, b.end) for b in result.blocks])
    return replace(result, language=language, warnings=result.warnings + ((warning,) if warning else ()))


def _meta_charset(data: bytes) -> str | None:
    m = re.search(rb"<meta[^>]+charset\s*=\s*[\"']?([\w.:-]+)", data[:4096], re.I)
    if not m:
        return None
    name = m.group(1).decode("ascii", "replace")
    # a meta tag readable as ASCII proves the page is not UTF-16/32 (HTML spec: read it as UTF-8)
    return "utf-8" if _wide(name) else name


def _looks_like_markdown(text: str) -> bool:
    head = text[:20000]
    return bool(re.search(r"^#{1,6} \S", head, re.M) or re.search(r"\]\((https?://|/)", head) or re.search(r"\*\*\w", head))
