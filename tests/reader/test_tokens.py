"""The byte-cut tokens (audit/reader/tokens.py) are the tokens of the regular expressions they
stand for, on random text of every kind of character: letters and digits of many scripts,
combining marks, punctuation and spaces of all sorts, NULs, underscores, lone surrogates,
look-alike letters; and on the shared corpus when it is there."""

from __future__ import annotations

import random
import re
import sys

import pytest

from audit.reader.features import _TOKEN
from audit.reader.rules.prefilter import _WORD_PIECE
from audit.reader.tokens import feature_tokens, words_and_breaks

# what each stands for: the words the sentence-at-a-time paths cut (`Plan.chosen`, `features.words`)
# and the NUL between sentences
WORDS = re.compile(_WORD_PIECE.pattern + r"|\x00")
FEATURES = re.compile(_TOKEN.pattern + r"|\x00")


def _encoded(tokens: list[str]) -> list[bytes]:
    return [t.encode("utf-8", "surrogatepass") for t in tokens]


# characters of many kinds: ASCII, Latin-1, curly quotes and dashes, Cyrillic and Greek, CJK,
# Arabic, Devanagari (with its combining marks), digits of other scripts, spaces of other kinds,
# a lone surrogate, the dotless/dotted i and the Kelvin sign, emoji, C0 and C1 controls
_POOL = ("abcxyzABCXYZ0189_ ,;:()'.-!?\t\n\x00\x1c\x1f\x7f"
         "éÉçñßøÆ\u00a0\u00ad¼²"
         "’‘“”—–…•·\u200b\u200d\ufeff"
         "дЖЯαΩς"
         "中文字"
         "العربية"
         "हिन्दी\u0301\u0308"
         "٣৫"
         "\u2003\u3000\u2028"
         "\ud800"
         "İıſK"
         "😀\U0001f1e6"
         "\x85\x9f")


def _random_text(rng: random.Random) -> str:
    return "".join(rng.choice(_POOL) for _ in range(rng.randint(0, 60)))


def test_words_and_breaks_are_the_regex_words():
    rng = random.Random(5)
    for _ in range(4000):
        text = _random_text(rng)
        assert words_and_breaks(text) == _encoded(WORDS.findall(text)), repr(text)


def test_feature_tokens_are_the_regex_tokens():
    rng = random.Random(6)
    for _ in range(4000):
        text = _random_text(rng).lower()
        assert feature_tokens(text) == _encoded(FEATURES.findall(text)), repr(text)
        assert feature_tokens(text.upper()) == _encoded(FEATURES.findall(text.upper())), repr(text)


def test_every_character_of_the_basic_plane_and_a_few_beyond():
    """Each character alone, between two words and glued to them: all of the BMP."""
    chars = [chr(c) for c in range(0x10000)] + [chr(c) for c in (0x1F600, 0x10400, 0x1D7CE, 0xE0001, sys.maxunicode)]
    for i in range(0, len(chars), 512):
        block = chars[i:i + 512]
        for text in ("".join(block), " a".join(block), "x" + "x".join(block) + "x"):
            assert words_and_breaks(text) == _encoded(WORDS.findall(text)), i
            assert feature_tokens(text) == _encoded(FEATURES.findall(text)), i


def test_a_text_of_many_kinds_of_mark_is_cut_the_same(monkeypatch):
    """Past MAX_MARKS kinds of non-ASCII mark (each would cost one pass over the text) the regular
    expression cuts the text: the same tokens either way, at the bound and past it."""
    from audit.reader import tokens

    marks = [chr(c) for c in range(0x2000, 0x2BFF) if not re.match(r"\w", chr(c))]
    rng = random.Random(8)
    for kinds in (tokens.MAX_MARKS, tokens.MAX_MARKS + 1, len(marks)):
        used = marks[:kinds]
        text = "".join(rng.choice(used) + rng.choice(["word", "x\u00e9", "\x00", " "]) for _ in range(3000))
        assert words_and_breaks(text) == _encoded(WORDS.findall(text)), kinds
    passes = []
    monkeypatch.setattr(tokens, "_encode", lambda t: passes.append(t) or t.encode("utf-8", "surrogatepass"))
    words_and_breaks("".join(marks) + " a b c")
    assert len(marks) > 500 and len(passes) < 50  # never one pass per kind of mark


def test_the_shared_corpus(shared_dir):
    corpus = shared_dir / "corpus" / "real"
    files = sorted(corpus.glob("*.md"))[::5] if corpus.is_dir() else []
    if not files:
        pytest.skip("../shared is absent")
    for f in files:
        text = f.read_text("utf-8", "replace").lower()
        assert words_and_breaks(text) == _encoded(WORDS.findall(text)), f.name
        assert feature_tokens(text) == _encoded(FEATURES.findall(text)), f.name
