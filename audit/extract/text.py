"""The extracted text of a document: blocks (headings, paragraphs, list items) and sentences.

Every stage after extraction speaks in character offsets into :attr:`ExtractedText.text`, so
that a quote can always be found again in the same extraction of the same snapshot.
"""

from __future__ import annotations

import re
import unicodedata
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
    #: words that mixed Latin with Cyrillic/Greek look-alikes (read as Latin): never credited
    suspect: tuple[tuple[int, int], ...] = field(default=())
    #: block index -> the block's text before normalisation, where normalisation changed more than spaces
    raw_blocks: dict = field(default_factory=dict, compare=False, repr=False)

    def sentence_text(self, s: Sentence) -> str:
        return self.text[s.start : s.end]

    def in_suspect_word(self, start: int, end: int) -> bool:
        return any(a < end and start < b for a, b in self.suspect)

    def original(self, start: int, end: int) -> str | None:
        """The characters the page had at text[start:end] before normalisation (invisible ones shown
        as <U+XXXX>), or None where normalisation changed nothing there but spaces."""
        for i, b in enumerate(self.blocks):
            if b.start <= start and end <= b.end:
                raw = self.raw_blocks.get(i)
                if raw is None:
                    return None
                where = source_offsets(raw, self.text[b.start:b.end])
                if where is None:
                    return None
                a, z = where[start - b.start], where[end - b.start - 1] + 1
                return "".join(f"<U+{ord(c):04X}>" if unicodedata.category(c) == "Cf" else c for c in raw[a:z])
        return None


def normalise_space(s: str) -> str:
    """What a person reads: NFKC, no invisible format characters, single spaces.

    Unicode NFKC folds compatibility forms (full-width letters, ligatures, non-breaking spaces);
    every format-category (Cf) character is dropped -- zero-width space/joiner/non-joiner, word
    joiner, byte-order mark, soft hyphen, bidi embeddings/overrides/isolates, tag characters --
    as none of them is a letter a reader sees, yet any of them inside "not" hides the word from
    a matcher. Offsets everywhere after extraction are offsets into this normalised text, so
    a quote shows the normalised characters (documented in the README).
    """
    if not s.isascii():
        s = unicodedata.normalize("NFKC", s)
        s = s.translate(_FORMAT_CHARS) if _HAS_FORMAT.search(s) else s
        s = _fold_mixed_scripts(s)
    # str.split() splits on exactly the characters `\s` matches, and is several times faster
    return " ".join(s.split())


#: Every format (Cf) character of the Unicode database, mapped to nothing.
_FORMAT_CHARS = {cp: None for cp in range(0x110000) if unicodedata.category(chr(cp)) == "Cf"}


def _char_class(codepoints) -> str:
    """A regex character class of these code points, runs written as ranges (a class of single
    characters is searched ten times slower)."""
    runs: list[list[int]] = []
    for cp in sorted(codepoints):
        if runs and runs[-1][1] == cp - 1:
            runs[-1][1] = cp
        else:
            runs.append([cp, cp])
    return "[" + "".join(re.escape(chr(a)) + ("-" + re.escape(chr(b)) if b > a else "") for a, b in runs) + "]"


_HAS_FORMAT = re.compile(_char_class(_FORMAT_CHARS))

#: Cyrillic and Greek letters that look like Latin ones (the common homoglyphs of Unicode's
#: confusables list); used only inside a word that also has Latin letters.
_CONFUSABLE = str.maketrans({
    "а": "a", "в": "b", "е": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c", "т": "t",
    "у": "y", "х": "x", "ѕ": "s", "і": "i", "ј": "j", "ԁ": "d", "ԛ": "q", "ԝ": "w", "һ": "h", "ӏ": "l",
    "ү": "y", "ɡ": "g", "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P",
    "С": "C", "Т": "T", "У": "Y", "Х": "X", "Ѕ": "S", "І": "I", "Ј": "J", "Ү": "Y",
    "α": "a", "ο": "o", "ν": "v", "ρ": "p", "τ": "t", "υ": "u", "ι": "i", "κ": "k", "ϲ": "c", "ϳ": "j",
    "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N", "Ο": "O",
    "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X",
})
_WORD = re.compile(r"\w+")
MIXED_SCRIPT_MARK = "\u2063"  # never in normalised text (Cf); tells build() a word was folded
MAYBE_HIDDEN_MARK = "\u2064"  # set by extract/hidden.py before text that conditional CSS hides


def _script(ch: str) -> str | None:
    if not ch.isalpha():
        return None
    if ch.isascii():
        return "Latin"
    name = unicodedata.name(ch, "")
    for script in ("LATIN", "CYRILLIC", "GREEK"):
        if name.startswith(script):
            return script.title()
    return "Other"


#: The words (whole `\w+` runs) that hold a non-ASCII word character: the only ones fold() can change.
#: A run is matched from its first character or not at all, so these are the _WORD matches that are
#: not ASCII, and ASCII words never reach Python code. The lookbehind changes no match; it only stops
#: the engine retrying from every character inside a word (quadratic in the word's length).
_NON_ASCII_WORD = re.compile(r"(?<!\w)\w*[^\W\x00-\x7f]\w*")


_FOLD_CACHE: dict[str, str] = {}  # word -> _fold_word(word)


def _fold_word(word: str) -> str:
    scripts = {_script(c) for c in word} - {None}
    if "Latin" in scripts and scripts & {"Cyrillic", "Greek"}:
        return MIXED_SCRIPT_MARK + word.translate(_CONFUSABLE)
    return word


def _fold_mixed_scripts(s: str) -> str:
    """A word mixing Latin with Cyrillic/Greek look-alikes ("nоt" with a Cyrillic о) is read as
    the Latin word a person sees; build() warns about it so the document is reviewed."""
    folded = {}
    cache = _FOLD_CACHE
    for word in set(_NON_ASCII_WORD.findall(s)):  # each distinct word once (scripts repeat words)
        got = cache.get(word)
        if got is None:
            if len(cache) > 100_000:  # vocabularies are small; never grow without bound
                cache.clear()
            got = cache[word] = _fold_word(word)
        if got != word:
            folded[word] = got
    if not folded:
        return s
    return _NON_ASCII_WORD.sub(lambda m: folded.get(m.group(), m.group()), s)


def source_offsets(raw: str, normalised: str) -> list[int] | None:
    """For each character of normalise_space(raw), the offset in raw it came from (None if the
    replay does not give the same text)."""
    chars: list[str] = []
    src: list[int] = []
    for i, c in enumerate(raw):
        for ch in (c if c.isascii() else unicodedata.normalize("NFKC", c)):
            if unicodedata.category(ch) != "Cf":
                chars.append(ch)
                src.append(i)
    folded = _fold_mixed_scripts("".join(chars)).replace(MIXED_SCRIPT_MARK, "")
    if len(folded) != len(chars):
        return None
    out: list[str] = []
    where: list[int] = []
    space = True
    for ch, i in zip(folded, src):
        if ch.isspace():
            if space:
                continue
            ch, space = " ", True
        else:
            space = False
        out.append(ch)
        where.append(i)
    while out and out[-1] == " ":
        out.pop()
        where.pop()
    return where if "".join(out) == normalised else None


def build(blocks: list[tuple[str, str]], title: str = "", fmt: str = "text", warnings=()) -> ExtractedText:
    """Join (kind, text) blocks into one text and split it into sentences with offsets."""
    parts: list[str] = []
    out_blocks: list[Block] = []
    pos = 0
    heading = ""
    mixed = 0
    suspect: list[tuple[int, int]] = []
    raw_blocks: dict[int, str] = {}
    maybe_hidden = 0
    for kind, raw in _join_broken_paragraphs(blocks):
        uncertain = MAYBE_HIDDEN_MARK in raw
        if uncertain:
            maybe_hidden += 1
            raw = raw.replace(MAYBE_HIDDEN_MARK, "")
        t = normalise_space(raw)
        marks: list[int] = []
        if MIXED_SCRIPT_MARK in t:
            mixed += t.count(MIXED_SCRIPT_MARK)
            j = 0
            for ch in t:
                if ch == MIXED_SCRIPT_MARK:
                    marks.append(j)
                else:
                    j += 1
            t = t.replace(MIXED_SCRIPT_MARK, "")
        if not t:
            continue
        if parts:
            parts.append(BLOCK_SEPARATOR)
            pos += len(BLOCK_SEPARATOR)
        for m in marks:
            w = _WORD.match(t, m)
            suspect.append((pos + m, pos + (w.end() if w else m + 1)))
        if uncertain:
            suspect.append((pos, pos + len(t)))
        if not raw.isascii() and t != " ".join(raw.split()):
            raw_blocks[len(out_blocks)] = raw
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
    if maybe_hidden:
        warnings = tuple(warnings) + (f"{maybe_hidden} block(s) are hidden on some screens only (@media/@supports "
                                      "rules): they earn no credit; review this document",)
    if mixed:
        warnings = tuple(warnings) + (f"{mixed} word(s) mix Latin with Cyrillic/Greek look-alike letters "
                                      "(read as the Latin word a person sees); review this document",)
    if not title:
        title = next((text[b.start : b.end] for b in out_blocks if b.kind == "heading"), "")
    return ExtractedText(text, tuple(out_blocks), tuple(sentences), title[:300], fmt, tuple(warnings),
                         suspect=tuple(suspect), raw_blocks=raw_blocks)


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
# `[.!?][.!?]*` rather than `[.!?]+`: the same matches, but a pattern that opens with a character
# class lets the regex engine skip ahead to the next [.!?] instead of trying every position
_BOUNDARY = re.compile(r"[.!?][.!?]*[\"'”’)\]]*\s+(?=[\"“'‘(\[]?[A-Z0-9•\-–])")
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
