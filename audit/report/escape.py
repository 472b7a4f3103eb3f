"""One escaping function per output format; every untrusted string goes through it.

- Markdown: :func:`markdown` (inline text: no links, images, HTML, emphasis, code, tables,
  strike-through or line structure) and :func:`markdown_link`.
- HTML and SVG: Jinja2 with autoescape (markupsafe escapes & < > " '), see audit/report/site.py
  and audit/report/badge.py. No HTML or SVG is built by string formatting.
- JSON and CSV: their writers (json.dumps, csv) quote by construction.
"""

from __future__ import annotations

import re
from urllib.parse import quote as url_quote

# Text is always placed mid-line (whitespace collapsed), so line-start syntax (lists, headings,
# numbered items) cannot arise; what is left is inline syntax: code, emphasis, strike-through,
# links, HTML, entities, tables, math.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]#!|~$])")


def markdown(text) -> str:
    """Untrusted text as inert Markdown (CommonMark + GFM): shown as typed, never as syntax."""
    text = " ".join(str(text).split())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", text)


def markdown_link(url: str, label: str | None = None) -> str:
    """A link for http(s) URLs (percent-encoded so it cannot break out); other sources as plain text."""
    if url.startswith(("http://", "https://")):
        safe = url_quote(url, safe=":/?#&=%~+,;@!$'*")
        safe = safe.replace("(", "%28").replace(")", "%29")
        return f"[{markdown(label or url)}]({safe})"
    return markdown(label or url)
