"""A whole document's tokens for the reader's two word passes, cut by byte operations.

The rules' prefilter reads a document as `\\w+` words (prefilter.Plan.chosen_in) and the learned
reader's features as `[a-z0-9]+` words and a few punctuation marks (features.py). Cutting a
document's text with those regular expressions creates one string per token from a scan that
steps through the text one character at a time; here the text is encoded once and cut with
`bytes.translate` and `bytes.split`, which run over whole buffers, for the same tokens (as UTF-8
bytes). Each function is tested against its regular expression (tests/reader/test_tokens.py).
"""

from __future__ import annotations

import re

_WORD_CHAR = re.compile(r"\w")
_WORDS = re.compile(r"\w+|\x00")  # what words_and_breaks cuts, for a text with too many kinds of mark
#: distinct non-ASCII characters that are no word character, each one pass over the text: past
#: this many (a page made of symbols) one regular-expression scan is cheaper, and stays linear
MAX_MARKS = 24
_ASCII_BYTES = bytes(range(128))
#: ASCII bytes that are no word character -> a space; NUL and the bytes of other characters kept
_WORDS_TABLE = bytes(c if c == 0 or c >= 128 or c == ord("_") or chr(c).isalnum() else 32 for c in range(256))
_FEATURE_KEPT = frozenset(b"abcdefghijklmnopqrstuvwxyz0123456789,;:()\x00")
#: what features.py's tokens are made of -> itself; everything else (all non-ASCII bytes too) -> a space
_FEATURE_TABLE = bytes(c if c in _FEATURE_KEPT else 32 for c in range(256))
_ALONE = (b",", b";", b":", b"(", b")", b"\x00")  # each a token of its own, even between letters


def _encode(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


def words_and_breaks(text: str) -> list[bytes]:
    """`re.findall(r"\\w+|\\x00", text)`, each token UTF-8 encoded.

    Non-ASCII characters that are no word character (curly quotes, dashes, marks) become spaces
    first, each by one `replace` of its bytes (UTF-8 never holds one character's bytes inside
    another's); the rest is one table lookup per byte and a split on spaces. A text with more
    than MAX_MARKS kinds of such characters is cut by the regular expression instead."""
    data = _encode(text)
    if not text.isascii():
        others = data.translate(None, _ASCII_BYTES).decode("utf-8", "surrogatepass")  # the non-ASCII characters
        marks = [ch for ch in set(others) if _WORD_CHAR.match(ch) is None]
        if len(marks) > MAX_MARKS:
            return [_encode(t) for t in _WORDS.findall(text)]
        for ch in marks:
            data = data.replace(_encode(ch), b" ")
    data = data.translate(_WORDS_TABLE)
    if b"\x00" in data:
        data = data.replace(b"\x00", b" \x00 ")
    return data.split()


def feature_tokens(text: str) -> list[bytes]:
    """`re.findall(r"[a-z0-9]+|[,;:()]|\\x00", text)`, each token as ASCII bytes."""
    data = _encode(text).translate(_FEATURE_TABLE)
    for mark in _ALONE:
        if mark in data:
            data = data.replace(mark, b" " + mark + b" ")
    return data.split()
