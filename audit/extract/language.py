"""The language a document is written in: what the page declares (`<html lang>`, `xml:lang`, the
Content-Language header), checked against the text itself.

The detector is py3langid (a pure-Python langid.py with its model in the package, no download).
The text decides when there is enough of it to tell (MIN_CHARS letters); the declaration decides
only for short texts, or when the detector's guess is one of several close candidates. A
declaration the text contradicts is reported as a warning.

Detection classifies a sample of the blocks one by one (py3langid's full computation on each) and
stops as soon as the chunks left could no longer change the answer: when the leading language
would keep more than half and at least MIXED_SHARE of the sample even if every chunk left read as
another one. The answer is then the one the whole sample gives, on any document, not a guess;
only the cost of the chunks that could not matter is saved.
"""

from __future__ import annotations

import re

MIN_CHARS = 200  # letters needed before the text outweighs a declaration
SAMPLE_CHARS = 20_000
BUDGET = 4_000  # characters classified per document (a spread sample: detection stays cheap)

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


#: a document whose main language has less than this share of its text, and whose second has at
#: least SECOND_SHARE, is written in several languages ("mul", ISO 639-2): it is read
MIXED_SHARE = 0.75
SECOND_SHARE = 0.2
MIN_BLOCK_LETTERS = 80
NOT_LANGUAGE = {"zxx"}  # "no linguistic content" (tables of data)


def _classify(text: str) -> str | None:
    import py3langid

    lang, _ = py3langid.classify(text)
    return None if not lang or lang in NOT_LANGUAGE else lang


def _settled(shares: dict[str, int], left: int) -> bool:
    """Whether the leading language stays the answer whatever the LEFT characters still to classify
    read as. With A of the B characters classified so far, it ends with (A + x) / (B + y) >=
    A / (B + LEFT) of the text (0 <= x <= y <= LEFT): if that is more than half and at least
    MIXED_SHARE, it stays first and the text is not mixed (float division is monotonic, so the
    final `< MIXED_SHARE` test cannot flip either)."""
    lead, total = max(shares.values()), sum(shares.values()) + left
    return 2 * lead > total and lead / total >= MIXED_SHARE


def detect(text: str, spans=()) -> str | None:
    """The language the text reads as (`mul` for a document in several), or None when there are too
    few letters to tell. SPANS, (start, end) of the text's blocks, are classified one by one and
    weighed by length, so a bilingual page is seen as such; once the rest of the sample can no
    longer change the answer (`_settled`), it is not classified."""
    shares: dict[str, int] = {}
    blocks = [(a, b) for a, b in spans if b - a >= MIN_BLOCK_LETTERS]
    total = sum(b - a for a, b in blocks)
    # a sample spread evenly over the document: every k-th block, about BUDGET characters in all
    stride = max(1, round(total / BUDGET)) if total > BUDGET else 1
    chunks = [text[start:min(end, start + 1500)] for start, end in blocks[::stride]]
    left = sum(map(len, chunks))  # what the chunks not yet classified could still add
    for chunk in chunks:
        left -= len(chunk)
        if sum(map(str.isalpha, chunk)) < MIN_BLOCK_LETTERS:
            continue
        lang = _classify(chunk)
        if lang:
            shares[lang] = shares.get(lang, 0) + len(chunk)
            if _settled(shares, left):
                break
    if shares:
        total = sum(shares.values())
        ranked = sorted(shares.items(), key=lambda kv: (-kv[1], kv[0]))
        if len(ranked) > 1 and ranked[0][1] / total < MIXED_SHARE and ranked[1][1] / total >= SECOND_SHARE:
            return "mul"
        return ranked[0][0]
    sample = text[:BUDGET]
    if sum(map(str.isalpha, sample)) < 20:
        return None
    return _classify(sample)


def document_language(text: str, declared: str | None, spans=()) -> tuple[str | None, str | None]:
    """(language, warning or None): the declared language checked against the text."""
    declared = primary_tag(declared)
    detected = detect(text, spans)
    if detected is None:
        return declared, None
    if declared is None or declared == detected:
        return detected, None
    if sum(map(str.isalpha, text[:SAMPLE_CHARS])) < MIN_CHARS:  # letters
        return declared, None
    if detected == "mul":
        return detected, f"the page declares language {declared!r} but its text is in several languages"
    return detected, f"the page declares language {declared!r} but its text reads as {detected!r}; using {detected!r}"


def readable(language: str | None, languages) -> bool:
    """Whether a rubric reading LANGUAGES can read a document in LANGUAGE (unknown and mixed: yes)."""
    return language is None or language == "mul" or language in languages
