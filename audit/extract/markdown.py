"""Markdown and plain text to blocks: headings, list items and paragraphs, markup removed.

Markdown is parsed as CommonMark (plus GFM tables and strikethrough) by markdown-it-py, so the
blocks are the ones a Markdown renderer would show: setext headings over several lines, HTML
comments and raw HTML blocks are not text, underscores inside words stay, code stays verbatim.
"""

from __future__ import annotations

from markdown_it import MarkdownIt
from markdown_it.token import Token

from audit.extract.pdf import paragraphs_from_lines
from audit.extract.text import ExtractedText, build

_MD = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])


def inline(s: str) -> str:
    """The text of one line of inline Markdown: emphasis, links, images and raw HTML removed."""
    tokens = _MD.parseInline(s)
    return "".join(_inline_text(t.children or []) for t in tokens)


def _inline_text(children: list[Token]) -> str:
    out: list[str] = []
    for t in children:
        if t.type in ("text", "code_inline"):
            out.append(t.content)
        elif t.type in ("softbreak", "hardbreak"):
            out.append(" ")
        elif t.type == "image":
            out.append(_inline_text(t.children or []))  # the alt text
        elif t.type == "html_inline":
            out.append(" ")  # a tag (or inline comment) is not text, but may separate words
    return "".join(out)


def extract_markdown(text: str) -> ExtractedText:
    blocks: list[tuple[str, str]] = []
    tokens = _MD.parse(text)
    containers: list[str] = []  # open block containers: list_item, blockquote, th, td...
    kind = "paragraph"
    for t in tokens:
        if t.nesting == 1:
            containers.append(t.type)
        elif t.nesting == -1 and containers:
            containers.pop()
        if t.type == "heading_open":
            kind = "heading"
        elif t.type == "paragraph_open":
            kind = "item" if "list_item_open" in containers else "paragraph"
        elif t.type in ("th_open", "td_open"):
            kind = "cell"
        elif t.type == "inline":
            blocks.append((kind, _inline_text(t.children or [])))
        elif t.type in ("fence", "code_block"):
            blocks.append(("pre", t.content))
        # html_block (comments, raw HTML), hr and front matter: not text
    return build(blocks, fmt="markdown")


def extract_plain(text: str) -> ExtractedText:
    return build(paragraphs_from_lines(text), fmt="text")
