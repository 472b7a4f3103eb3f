"""Markdown and plain text to blocks: headings, list items and paragraphs, markup removed."""

from __future__ import annotations

import re

from audit.extract.pdf import paragraphs_from_lines
from audit.extract.text import ExtractedText, build

_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s*(.*?)\s*#*\s*$")
_SETEXT = re.compile(r"^\s{0,3}(=+|-+)\s*$")
_ITEM = re.compile(r"^\s*(?:[-*+•]|\d{1,3}[.)])\s+(.*)$")
_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]*)\]\((?:[^()\s]|\([^)]*\))*(?:\s+\"[^\"]*\")?\)")
_REF_LINK = re.compile(r"\[([^\]]+)\]\[[^\]]*\]")
_EMPH = re.compile(r"(\*\*|__|\*|_|~~|`)(?=\S)(.+?)(?<=\S)\1")
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>~])")
_AUTOLINK = re.compile(r"<(https?://[^>\s]+|mailto:[^>\s]+)>")
_HTML_TAG = re.compile(r"</?[a-zA-Z][^>]{0,200}>")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")


_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.S)


def inline(s: str) -> str:
    s = _IMAGE.sub(r"\1", s)
    s = _LINK.sub(r"\1", s)
    s = _REF_LINK.sub(r"\1", s)
    s = _AUTOLINK.sub(r"\1", s)
    s = _HTML_TAG.sub(" ", s)
    for _ in range(2):
        s = _EMPH.sub(r"\2", s)
    s = _ESCAPE.sub(r"\1", s)
    return s


def extract_markdown(text: str) -> ExtractedText:
    blocks: list[tuple[str, str]] = []
    para: list[str] = []
    kind = "paragraph"

    def flush() -> None:
        nonlocal kind
        if para:
            blocks.append((kind, " ".join(para)))
            para.clear()
        kind = "paragraph"

    # an HTML comment is not text a reader sees (an unclosed one runs to the end, as in CommonMark)
    text = _COMMENT.sub(lambda m: "\n" * m.group().count("\n"), text)
    lines = text.splitlines()
    in_fence = False
    for i, line in enumerate(lines):
        if line.strip().startswith(("```", "~~~")):
            flush()
            in_fence = not in_fence
            continue
        if in_fence:
            para.append(line)
            kind = "pre"
            continue
        if not line.strip():
            flush()
            continue
        if _TABLE_RULE.match(line) and "-" in line:
            continue
        m = _HEADING.match(line)
        if m:
            flush()
            blocks.append(("heading", inline(m.group(2))))
            continue
        if _SETEXT.match(line) and para and len(para) == 1:
            blocks.append(("heading", inline(para.pop())))
            flush()
            continue
        m = _ITEM.match(line)
        if m:
            flush()
            kind = "item"
            para.append(inline(m.group(1)))
            continue
        stripped = line.strip()
        if stripped.startswith(">"):
            stripped = stripped.lstrip("> ")
        if stripped.startswith("|") and stripped.endswith("|"):
            flush()
            for cell in stripped.strip("|").split("|"):
                if cell.strip():
                    blocks.append(("cell", inline(cell)))
            continue
        para.append(inline(stripped))
    flush()
    return build(blocks, fmt="markdown")


def extract_plain(text: str) -> ExtractedText:
    return build(paragraphs_from_lines(text), fmt="text")
