"""Parsing untrusted TOML and JSON from a workspace: bounded size and nesting, checked before parsing.

A workspace may come from anyone (a pull request). `tomllib` and `json` recurse once per nesting
level, so a declaration nested 100,000 deep raised RecursionError in every command. Here the
nesting depth is measured first by one linear scan that skips strings and comments, and text
over the size or depth bound is refused with a one-line ValueError subclass
(:class:`UntrustedInputError`) that callers report like any parse error.
"""

from __future__ import annotations

import json
import re
import tomllib

MAX_DEPTH = 64
MAX_TOML_BYTES = 2 * 1024 * 1024
MAX_JSON_BYTES = 64 * 1024 * 1024


class UntrustedInputError(ValueError):
    """Too large or too deeply nested to parse (one line)."""


# What the scan skips, as the parsers read it. JSON: strings (a backslash escapes the next
# character). TOML: multi-line strings first ("""...""", '''...''': to the closing triple),
# then one-line basic strings (escapes; a newline ends them) and literal strings (no escapes),
# and comments to the end of the line. An unclosed string or comment runs to the end.
_JSON_SKIP = re.compile(r'"[^"\\]*(?:\\[\s\S][^"\\]*)*(?:"|\\?\Z)')
_TOML_SKIP = re.compile(
    r'"""[\s\S]*?(?:"""|\Z)'
    r"|'''[\s\S]*?(?:'''|\Z)"
    r'|"[^"\\\n]*(?:\\[\s\S][^"\\\n]*)*(?:"|\\?\Z|(?=\n))'
    r"|'[^'\n]*(?:'|(?=\n)|\Z)"
    r"|#[^\n]*"
)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")


def nesting_depth(text: str, toml: bool = False, limit: int = MAX_DEPTH) -> int:
    """The deepest bracket nesting ([ and {) outside strings (and TOML comments); stops counting
    once past `limit`. Linear in the length of the text: two regular-expression passes drop the
    strings and comments and then everything but brackets (a re-score reads thousands of cached
    findings files; a loop per character was half of its time), and only the brackets are counted."""
    brackets = _NOT_BRACKET.sub("", (_TOML_SKIP if toml else _JSON_SKIP).sub(" ", text))
    depth = deepest = 0
    for ch in brackets:
        if ch == "[" or ch == "{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > limit:
                    return deepest
        elif depth:
            depth -= 1
    return deepest


def _bound(text: str, kind: str, max_bytes: int, max_depth: int, toml: bool) -> None:
    if len(text) > max_bytes:
        raise UntrustedInputError(f"{kind} larger than {max_bytes:,} characters; refused")
    if nesting_depth(text, toml, max_depth) > max_depth:
        raise UntrustedInputError(f"{kind} nested deeper than {max_depth} levels; refused")


def loads_toml(text: str, max_bytes: int = MAX_TOML_BYTES, max_depth: int = MAX_DEPTH) -> dict:
    """tomllib.loads after the bounds; TOMLDecodeError or UntrustedInputError otherwise."""
    _bound(text, "TOML", max_bytes, max_depth, True)
    try:
        return tomllib.loads(text)
    except RecursionError:  # pragma: no cover - the depth bound comes first
        raise UntrustedInputError("TOML nested too deeply; refused") from None


def loads_json(text: str | bytes, max_bytes: int = MAX_JSON_BYTES, max_depth: int = MAX_DEPTH):
    """json.loads after the bounds; ValueError (JSONDecodeError or UntrustedInputError) otherwise."""
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    _bound(text, "JSON", max_bytes, max_depth, False)
    try:
        return json.loads(text)
    except RecursionError:  # pragma: no cover - the depth bound comes first
        raise UntrustedInputError("JSON nested too deeply; refused") from None
