"""The language a document is written in: what the page declares (`<html lang>`, `xml:lang`, the
Content-Language header), checked against the text itself.

The detector is py3langid (a pure-Python langid.py with its model in the package, no download).
The text decides when there is enough of it to tell (MIN_CHARS letters); the declaration decides
only for short texts, or when the detector's guess is one of several close candidates. A
declaration the text contradicts is reported as a warning.
"""

from __future__ import annotations

import re

MIN_CHARS = 200  # letters needed before the text outweighs a declaration
SAMPLE_CHARS = 20_000

_LANG_ATTR = re.compile(rb"<html\b[^>]*?\b(?:xml:)?lang\s*=\s*[\"']?([A-Za-z]{2,3})(?:[-_][\w-]*)?", re.I)


def primary_tag(value: str | None) -> str | None:
    """`en-GB`, `EN_us`, `de, en` -> `en`, `en`, `de` (the first tag's primary subtag); None if unusable."""
    if not value:
        return None
    first = value.split(",")[0].split(";")[0].strip()
    m = re.match(r"^([A-Za-z]{2,3})(?:[-_]|$)", first)
    return m.group(1).lower() if m else None


def declared_in_html(data: bytes) -> str | None:
    """The `lang` of the `<html>` element, from the first bytes of the page."""
    m = _LANG_ATTR.search(data[:8192])
    return m.group(1).decode("ascii").lower() if m else None


def detect(text: str) -> str | None:
    """The language the text reads as, or None when there are too few letters to tell."""
    sample = text[:SAMPLE_CHARS]
    if sum(ch.isalpha() for ch in sample) < 20:
        return None
    import py3langid

    lang, _ = py3langid.classify(sample)
    return lang or None


def document_language(text: str, declared: str | None) -> tuple[str | None, str | None]:
    """(language, warning or None): the declared language checked against the text."""
    declared = primary_tag(declared)
    letters = sum(ch.isalpha() for ch in text[:SAMPLE_CHARS])
    detected = detect(text)
    if detected is None:
        return declared, None
    if declared is None or declared == detected:
        return detected, None
    if letters < MIN_CHARS:
        return declared, None
    return detected, f"the page declares language {declared!r} but its text reads as {detected!r}; using {detected!r}"
