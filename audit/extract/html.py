"""HTML to blocks with BeautifulSoup (lxml): drop page furniture, keep the policy's own text."""

from __future__ import annotations

import re
from functools import lru_cache

from bs4 import BeautifulSoup, NavigableString, Tag
from bs4.element import PageElement, PreformattedString
from bs4.exceptions import ParserRejectedMarkup

from audit.errors import InputError
from audit.extract.text import ExtractedText, build

# Elements that never hold policy text.
_DROP_NAMES = frozenset([
    "script", "style", "noscript", "template", "svg", "canvas", "iframe", "object", "embed",
    "head", "nav", "header", "footer", "aside", "form", "button", "select", "input", "textarea",
    "dialog", "menu", "map", "audio", "video", "picture", "img", "link", "meta",
])
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
# Inline elements: their text runs on with the text around them (others add a space).
_INLINE = frozenset([
    "a", "span", "b", "strong", "em", "i", "u", "code", "small", "sup", "sub", "mark", "abbr", "cite", "q",
    "time", "font", "label", "s", "del", "ins",
])
try:  # bs4 >= 4.13 stores lxml's attributes through a dict whose __setitem__ is Python code
    from bs4.element import AttributeDict

    # lxml only ever gives str values, which that __setitem__ keeps as they are: a plain dict
    # gives the same attributes, minus ~10% of the parse time.
    _FAST_ATTRIBUTES: dict = {"attribute_dict_class": AttributeDict}
except ImportError:  # pragma: no cover - older bs4 uses a plain dict already
    _FAST_ATTRIBUTES = {}
_KIND = {"li": "item", "dt": "item", "dd": "item", "td": "cell", "th": "cell", "pre": "pre"}


def extract_html(markup: str | bytes, select: list[str] | None = None, remove: list[str] | None = None) -> ExtractedText:
    options = dict(_FAST_ATTRIBUTES)
    if not (select or remove):
        # Without CSS selectors to honour, class="a b" may stay one string: splitting every
        # multi-valued attribute into a list is ~10% of the parse, and _furniture() reads both.
        options["multi_valued_attributes"] = None
    try:
        soup = BeautifulSoup(markup, "lxml", **options)
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
    blocks: list[tuple[str, str]] = []
    for root in roots:
        _walk(root, blocks, keep_structural=bool(select))
    return build(blocks, title=title, fmt="html", warnings=warnings)


def _outermost(tags: list[Tag]) -> list[Tag]:
    ids = {id(t) for t in tags}
    out = []
    for t in tags:
        if not any(id(p) in ids for p in t.parents):
            if all(t is not o for o in out):
                out.append(t)
    return out


def _furniture(el: Tag, keep_structural: bool) -> bool:
    """Whether a tag below the root is page furniture: its name, role, hidden state, class or id."""
    name = el.name
    if name in _DROP_NAMES and not (keep_structural and name == "header"):
        # inside an explicitly selected region, a <header> is usually the policy's own title
        return True
    attrs = el.attrs
    if not attrs:
        return False
    # most tags carry only class, id, href or data-*: test for the rarer attributes by key first
    if "role" in attrs and str(attrs["role"]).lower() in _DROP_ROLES:
        return True
    if "hidden" in attrs or ("aria-hidden" in attrs and str(attrs["aria-hidden"]).lower() == "true"):
        return True
    if "style" in attrs:
        style = str(attrs["style"]).replace(" ", "").lower()
        if "display:none" in style or "visibility:hidden" in style:
            return True
    if name in ("body", "main", "article", "html") or ("class" not in attrs and "id" not in attrs):
        return False
    cls = attrs.get("class", [])
    ident = " ".join(cls if isinstance(cls, list) else [str(cls)]) + " " + str(attrs.get("id", ""))
    return _furniture_ident(ident)


@lru_cache(maxsize=4096)
def _furniture_ident(ident: str) -> bool:
    """Cached: pages repeat the same few class lists on thousands of tags."""
    return _FURNITURE.search(ident) is not None


def _walk(root: Tag, blocks: list[tuple[str, str]], keep_structural: bool = False) -> None:
    """Text blocks of root in document order, furniture subtrees skipped.

    One pass that leaves the tree alone: removing furniture first (decompose) and walking
    after cost more than the parse itself on large pages. Depth-first and iterative (hostile
    pages nest deeper than Python's recursion limit); a None on the stack closes a block.
    """
    buf: list[str] = []
    kind_stack: list[str] = []

    def flush(kind: str) -> None:
        if buf:
            text = "".join(buf)
            buf.clear()
            if text.strip():
                blocks.append((kind, text))

    stack: list[PageElement | None] = [root]
    current_kind = "paragraph"
    while stack:
        node = stack.pop()
        if node is None:  # the end of a block element
            kind = kind_stack.pop() if kind_stack else "paragraph"
            flush(kind)
            current_kind = kind_stack[-1] if kind_stack else "paragraph"
            continue
        cls = type(node)
        if cls is NavigableString:
            buf.append(node)
            continue
        if not isinstance(node, Tag):
            if isinstance(node, NavigableString) and not isinstance(node, PreformattedString):
                buf.append(node)  # comments, doctype, CDATA, PIs are skipped
            continue
        name = node.name
        if node is not root and (name in _DROP_NAMES or node.attrs) and _furniture(node, keep_structural):
            continue
        if name in _BLOCKS:
            flush(current_kind)
            current_kind = "heading" if name in _HEADINGS else _KIND.get(name, "paragraph")
            kind_stack.append(current_kind)
            stack.append(None)
        elif name not in _INLINE:
            buf.append(" ")
        stack.extend(reversed(node.contents))
    flush(current_kind)
