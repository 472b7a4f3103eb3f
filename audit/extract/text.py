"""The extracted text of a document: blocks (headings, paragraphs, list items) and sentences.

Every stage after extraction speaks in character offsets into :attr:`ExtractedText.text`, so
that a quote can always be found again in the same extraction of the same snapshot.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

BLOCK_SEPARATOR = "\n\n"


@dataclass(frozen=True)
class Block:
    start: int
    end: int
    kind: str  # heading | paragraph | item | cell | pre
    heading: str = ""  # the nearest heading above this block (its text)


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    block: int  # index into ExtractedText.blocks


@dataclass(frozen=True)
class ExtractedText:
    text: str
    blocks: tuple[Block, ...]
    sentences: tuple[Sentence, ...]
    title: str = ""
    format: str = "text"  # html | pdf | markdown | text
    warnings: tuple[str, ...] = field(default=())
    language: str | None = None  # primary language tag (audit/extract/language.py)

    def sentence_text(self, s: Sentence) -> str:
        return self.text[s.start : s.end]


def normalise_space(s: str) -> str:
    # str.split() splits on exactly the characters `\s` matches, and is several times faster
    return " ".join(s.replace("\u00ad", "").replace("\u200b", "").split())


def build(blocks: list[tuple[str, str]], title: str = "", fmt: str = "text", warnings=()) -> ExtractedText:
    """Join (kind, text) blocks into one text and split it into sentences with offsets."""
    parts: list[str] = []
    out_blocks: list[Block] = []
    pos = 0
    heading = ""
    for kind, raw in _join_broken_paragraphs(blocks):
        t = normalise_space(raw)
        if not t:
            continue
        if parts:
            parts.append(BLOCK_SEPARATOR)
            pos += len(BLOCK_SEPARATOR)
        if kind == "heading":
            heading = t
        out_blocks.append(Block(pos, pos + len(t), kind, heading if kind != "heading" else t))
        parts.append(t)
        pos += len(t)
    text = "".join(parts)
    sentences: list[Sentence] = []
    for i, b in enumerate(out_blocks):
        for s, e in split_sentences(text, b.start, b.end):
            sentences.append(Sentence(s, e, i))
    if not title:
        title = next((text[b.start : b.end] for b in out_blocks if b.kind == "heading"), "")
    return ExtractedText(text, tuple(out_blocks), tuple(sentences), title[:300], fmt, tuple(warnings))


_OPEN_END = re.compile(r"[\w,“\"(–-]\s*$")
_LOWER_START = re.compile(r"^\s*[a-z]")


def _open_end(raw: str) -> bool:
    """_OPEN_END.search(raw), tried only at the last non-space character (not at every one)."""
    return _OPEN_END.search(raw, max(0, len(raw.rstrip()) - 1)) is not None


def _join_broken_paragraphs(blocks: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Rejoin a paragraph cut in two by a PDF page or column break ("... in" / "which case ...").

    Only when the first part ends mid-sentence and the second starts with a lower-case word, so
    real paragraphs, headings and list items are never merged.
    """
    out: list[tuple[str, str]] = []
    for kind, raw in blocks:
        if (out and kind == "paragraph" and out[-1][0] == "paragraph"
                and _open_end(out[-1][1]) and _LOWER_START.match(raw)):
            out[-1] = ("paragraph", out[-1][1].rstrip() + " " + raw.lstrip())
            continue
        out.append((kind, raw))
    return out


# Abbreviations after which a full stop does not end a sentence.
_ABBREV = {
    "e.g", "i.e", "etc", "inc", "ltd", "llc", "co", "corp", "no", "nos", "mr", "mrs", "ms", "dr",
    "st", "sec", "secs", "u.s", "u.s.c", "u.k", "e.u", "v", "vs", "art", "para", "approx", "cf",
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "fig",
    "pp", "p", "ch", "cal", "pen", "code", "stat", "seq", "ann", "civ", "proc", "crim", "al",
}
_BOUNDARY = re.compile(r"[.!?]+[\"'”’)\]]*\s+(?=[\"“'‘(\[]?[A-Z0-9•\-–])")
MAX_SENTENCE = 1200  # characters: long PDF runs without punctuation are cut at this length


def split_sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentence spans inside text[start:end], skipping abbreviations like "U.S.C." and "e.g."."""
    spans: list[tuple[int, int]] = []
    s = start
    for m in _BOUNDARY.finditer(text, start, end):
        cut = m.start()
        if _abbreviation_before(text, s, cut + 1):
            continue
        e = m.end()
        spans.append((s, _rstrip(text, s, e)))
        s = e
    if s < end:
        spans.append((s, _rstrip(text, s, end)))
    out: list[tuple[int, int]] = []
    for a, b in spans:
        while b - a > MAX_SENTENCE:
            cut = text.rfind(" ", a, a + MAX_SENTENCE)
            cut = cut if cut > a else a + MAX_SENTENCE
            out.append((a, cut))
            a = cut + 1
        if b > a:
            out.append((a, b))
    return out


_TRAILING_WORD = re.compile(r"([\w.]+)$")
_CLOSERS = ".!?\"'”’)]"
_TAIL = max(map(len, _ABBREV)) + 2  # characters read before a full stop


def _abbreviation_before(text: str, s: int, cut: int) -> bool:
    """Whether text[s:cut] (a sentence so far, up to its full stop) ends in an abbreviation.

    Reads only the last few characters: re-reading the sentence from its start at every
    full stop made long sentences quadratic.
    """
    while cut > s and text[cut - 1] in _CLOSERS:
        cut -= 1
    lo = max(s, cut - _TAIL)
    word = _TRAILING_WORD.search(text, lo, cut)
    if word is not None and word.start() == lo and lo > s:  # the word may start further back
        if text[cut - 1] != "\n":  # then it is longer than any abbreviation (and ends in no ".")
            return False
        word = _TRAILING_WORD.search(text[s:cut])  # `$` also matches before a final newline
    before = (word.group(1) if word else "").lower().rstrip(".")
    return before in _ABBREV or (len(before) == 1 and before.isalpha())


def _rstrip(text: str, a: int, b: int) -> int:
    while b > a and text[b - 1].isspace():
        b -= 1
    return b
