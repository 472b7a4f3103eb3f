"""HTML to blocks with BeautifulSoup (lxml): drop page furniture, keep the policy's own text."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, Comment, NavigableString, Tag
from bs4.element import PreformattedString
from bs4.exceptions import ParserRejectedMarkup

from audit.errors import InputError
from audit.extract.text import ExtractedText, build

# Elements that never hold policy text.
_DROP_TAGS = [
    "script", "style", "noscript", "template", "svg", "canvas", "iframe", "object", "embed",
    "head", "nav", "header", "footer", "aside", "form", "button", "select", "input", "textarea",
    "dialog", "menu", "map", "audio", "video", "picture", "img", "link", "meta",
]
_DROP_ROLES = {"navigation", "banner", "contentinfo", "search", "dialog", "alertdialog", "menu", "menubar"}
_FURNITURE = re.compile(
    r"(^|[\s_-])(cookie|cookies|consent|gdpr|onetrust|cc-banner|breadcrumbs?|skip-link|share|social|newsletter)([\s_-]|$)",
    re.IGNORECASE,
)
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_BLOCKS = {
    "p", "div", "section", "article", "main", "li", "dt", "dd", "td", "th", "tr", "blockquote",
    "pre", "table", "ul", "ol", "dl", "figure", "figcaption", "address", "details", "summary",
    "caption", "body", "html", "hr", "br",
} | _HEADINGS
_KIND = {"li": "item", "dt": "item", "dd": "item", "td": "cell", "th": "cell", "pre": "pre"}


def extract_html(markup: str | bytes, select: list[str] | None = None, remove: list[str] | None = None) -> ExtractedText:
    try:
        soup = BeautifulSoup(markup, "lxml")
    except (ParserRejectedMarkup, ValueError) as e:  # pragma: no cover - lxml is very forgiving
        raise InputError(f"cannot parse HTML: {e}") from None
    title = soup.title.get_text(" ", strip=True) if soup.title else ""
    warnings: list[str] = []
    roots: list[Tag] = [soup]
    if select:
        chosen: list[Tag] = []
        for sel in select:
            try:
                chosen.extend(soup.select(sel))
            except Exception as e:  # soupsieve raises its own error types
                raise InputError(f"bad CSS selector {sel!r}: {e}") from None
        if chosen:
            roots = _outermost(chosen)
        else:
            warnings.append(f"selector {', '.join(select)!r} matched nothing; used the whole page")
    for sel in remove or []:
        try:
            for el in soup.select(sel):
                el.decompose()
        except Exception as e:
            raise InputError(f"bad CSS selector {sel!r}: {e}") from None
    for root in roots:
        _strip_furniture(root, keep_structural=bool(select))
    blocks: list[tuple[str, str]] = []
    for root in roots:
        _walk(root, blocks)
    return build(blocks, title=title, fmt="html", warnings=warnings)


def _outermost(tags: list[Tag]) -> list[Tag]:
    ids = {id(t) for t in tags}
    out = []
    for t in tags:
        if not any(id(p) in ids for p in t.parents):
            if all(t is not o for o in out):
                out.append(t)
    return out


def _strip_furniture(root: Tag, keep_structural: bool) -> None:
    # Plain walks over .descendants: bs4's find_all filter machinery was most of extraction time.
    drop = set(_DROP_TAGS)
    for el in [d for d in root.descendants if isinstance(d, Tag) and d.name in drop]:
        if keep_structural and el.name in ("header", "footer", "aside") and el is not root:
            # inside an explicitly selected region, a <header> is usually the policy's own title
            if el.name == "header":
                continue
        el.decompose()
    remaining = list(root.descendants)
    for el in remaining:
        if isinstance(el, Comment):
            el.extract()
    dead: set[int] = set()  # ids of tags already gone with a decomposed ancestor
    for el in [d for d in remaining if isinstance(d, Tag)]:
        # not el.decomposed: in bs4 4.x that property falls back to a subtree find() per tag
        if id(el) in dead or not el.attrs:  # no attributes: nothing below can match
            continue
        attrs = el.attrs
        role = str(attrs.get("role", "")).lower()
        hidden = "hidden" in attrs or str(attrs.get("aria-hidden", "")).lower() == "true"
        style = str(attrs.get("style", "")).replace(" ", "").lower()
        if "display:none" in style or "visibility:hidden" in style:
            hidden = True
        ident = " ".join(attrs.get("class", []) if isinstance(attrs.get("class"), list) else [str(attrs.get("class", ""))])
        ident += " " + str(attrs.get("id", ""))
        if role in _DROP_ROLES or hidden or (_FURNITURE.search(ident) and el.name not in ("body", "main", "article", "html")):
            dead.update(map(id, el.descendants))
            el.decompose()


def _walk(root: Tag, blocks: list[tuple[str, str]]) -> None:
    """Depth-first, iterative (hostile pages can nest deeper than Python's recursion limit)."""
    buf: list[str] = []
    kind_stack: list[str] = []

    def flush(kind: str) -> None:
        if buf:
            text = "".join(buf)
            buf.clear()
            if text.strip():
                blocks.append((kind, text))

    stack: list[tuple[object, bool]] = [(root, False)]
    current_kind = "paragraph"
    while stack:
        node, closing = stack.pop()
        if isinstance(node, NavigableString):
            if not isinstance(node, PreformattedString):  # comments, doctype, CDATA, PIs
                buf.append(str(node))
            continue
        if not isinstance(node, Tag):
            continue
        name = node.name
        is_block = name in _BLOCKS
        if closing:
            if is_block:
                kind = kind_stack.pop() if kind_stack else "paragraph"
                flush(kind)
                current_kind = kind_stack[-1] if kind_stack else "paragraph"
            continue
        if is_block:
            flush(current_kind)
            current_kind = "heading" if name in _HEADINGS else _KIND.get(name, "paragraph")
            kind_stack.append(current_kind)
            stack.append((node, True))
        elif name in ("td", "th"):
            buf.append(" ")
        children = list(node.children)
        for child in reversed(children):
            stack.append((child, False))
        if not is_block and name not in ("a", "span", "b", "strong", "em", "i", "u", "code", "small", "sup", "sub", "mark", "abbr", "cite", "q", "time", "font", "label", "s", "del", "ins"):
            buf.append(" ")
    flush(current_kind)
