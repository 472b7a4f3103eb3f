"""HTML to blocks with BeautifulSoup (lxml): drop page furniture, keep the policy's own text."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from bs4 import BeautifulSoup, NavigableString, Tag
from bs4.element import PageElement, PreformattedString
from bs4.exceptions import ParserRejectedMarkup

from audit.errors import InputError
from audit.extract.hidden import mark_hidden
from audit.extract.text import ExtractedText, build
from audit.models import RangeSelector, Selector

# Elements that never hold policy text.
_DROP_NAMES = frozenset([
    "script", "style", "noscript", "template", "svg", "canvas", "iframe", "object", "embed",
    "head", "nav", "header", "footer", "aside", "form", "button", "select", "input", "textarea",
    "dialog", "menu", "map", "audio", "video", "picture", "img", "link", "meta",
])
_DROP_ROLES = {"navigation", "banner", "contentinfo", "search", "dialog", "alertdialog", "menu", "menubar"}
_FURNITURE = re.compile(
    r"(^|[\s_-])(cookie|cookies|consent|gdpr|onetrust|cc-banner|breadcrumbs?|skip-link|social|newsletter)([\s_-]|$)",
    re.IGNORECASE,
)
# Social-share widgets by class/id token: a token that is `share`/`sharing` itself, or names a
# share widget (share-buttons, social-share, sharethis...). `how-we-share` is policy text, not a widget.
_SHARE_WIDGET = re.compile(
    r"(^|\s)(share|shares|sharing|(?:[\w-]*[-_])?(?:social[-_]?share|share[-_]?(?:buttons?|bar|links?|icons?|tools?"
    r"|widget|box|menu|container)|sharing[-_]?(?:buttons?|bar|links?|icons?|tools?))(?:[-_][\w-]*)?"
    r"|addthis[\w-]*|sharethis[\w-]*|a2a[_-][\w-]*|shariff[\w-]*)(?=\s|$)",
    re.IGNORECASE,
)
# an aria-hidden="true" element is a collapsed panel (read) when it says so by class/id, or when a
# sibling toggles it (aria-expanded); otherwise (icons, off-canvas menus, visual duplicates) it is not text
_PANEL_IDENT = re.compile(r"accordion|collaps|expand|faq|answer|panel|disclosure|details|toggle-content|tab-?content",
                          re.IGNORECASE)
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


def extract_html(markup: str | bytes, select: Sequence[Selector] | None = None,
                 remove: Sequence[Selector] | None = None) -> ExtractedText:
    """The text blocks of a page; `select` keeps parts of it, `remove` drops parts.

    Both take CSS selectors and ranges (RangeSelector). Without a range, CSS selects are read
    in selector order (the matches of each in document order, nested ones once) and CSS removes
    are cut out of the tree. With a range anywhere, one walk of the page keeps what any select
    covers, in document order (overlaps once), minus what any remove covers: see _extract_ranges.
    """
    if any(type(s) is not str for s in select or ()) or any(type(s) is not str for s in remove or ()):
        return _extract_ranges(markup, list(select or ()), list(remove or ()))
    options = dict(_FAST_ATTRIBUTES)
    if not (select or remove):
        # Without CSS selectors to honour, class="a b" may stay one string: splitting every
        # multi-valued attribute into a list is ~10% of the parse, and _furniture() reads both.
        options["multi_valued_attributes"] = None
    try:
        soup = BeautifulSoup(markup, "lxml", **options)
    except (ParserRejectedMarkup, ValueError) as e:  # pragma: no cover - lxml is very forgiving
        raise InputError(f"cannot parse HTML: {e}") from None
    mark_hidden(soup)
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
    controlled = controlled_ids(soup)
    for root in roots:
        _walk(root, blocks, keep_structural=bool(select), controlled=controlled)
    return build(blocks, title=title, fmt="html", warnings=warnings)


def _parse(markup: str | bytes) -> BeautifulSoup:
    try:
        soup = BeautifulSoup(markup, "lxml", **_FAST_ATTRIBUTES)
        mark_hidden(soup)
        return soup
    except (ParserRejectedMarkup, ValueError) as e:  # pragma: no cover - lxml is very forgiving
        raise InputError(f"cannot parse HTML: {e}") from None


def _css(soup: BeautifulSoup, selector: str, limit: int = 0) -> list[Tag]:
    try:
        return soup.select(selector, limit=limit)
    except Exception as e:  # soupsieve raises its own error types
        raise InputError(f"bad CSS selector {selector!r}: {e}") from None


# Counters of the range walk: how many selections cover the node, how many removals, and how
# many furniture subtrees that are walked only because an edge of a range lies inside them.
_SELECTED, _REMOVED, _MUTED = 0, 1, 2


class _Edges:
    """Where the kept/dropped spans of a page begin and end, keyed by node id.

    A span opens or closes either just before a node (`before`, applied when the walk reaches
    it) or just after its subtree (`after`, applied by a marker the walk pops after the children).
    """

    def __init__(self) -> None:
        self.before: dict[int, list[tuple[int, int]]] = {}
        self.after: dict[int, list[tuple[int, int]]] = {}
        self.nodes: list[PageElement] = []  # every node an edge is attached to
        self.exempt: set[int] = set()  # starts of selections and their containers: never furniture

    def add(self, counter: int, start: PageElement, start_after: bool, end: PageElement | None,
            end_after: bool) -> None:
        (self.after if start_after else self.before).setdefault(id(start), []).append((counter, 1))
        self.nodes.append(start)
        if end is not None:
            (self.after if end_after else self.before).setdefault(id(end), []).append((counter, -1))
            self.nodes.append(end)
        node = start if counter == _SELECTED else None
        while node is not None and id(node) not in self.exempt:  # containers of one are in already
            self.exempt.add(id(node))
            node = node.parent

    def path(self) -> set[int]:
        """Ids of the nodes with an edge and of all their containers: the walk must enter them."""
        ids: set[int] = set()
        for node in self.nodes:
            while node is not None and id(node) not in ids:
                ids.add(id(node))
                node = node.parent
        return ids


def _resolve(soup: BeautifulSoup, rng: RangeSelector, warnings: list[str]
             ) -> tuple[Tag, Tag | None] | None:
    """(start element, end element or None = to the end of the page), or None: start not found.

    The end is the first element matching the end selector after the start in document order
    (inside the start element too, unless the range starts after it); an end_after may also be
    a container of the start (from a heading to the end of its section), the closest one.
    """
    matches = _css(soup, rng.start, limit=1)
    if not matches:
        return None
    start = matches[0]
    if rng.end is None:
        return start, None
    ends = {id(t) for t in _css(soup, rng.end)}
    node = _last_descendant(start).next_element if rng.start_after is not None else start.next_element
    while node is not None:  # one forward scan, stopped at the first end
        if id(node) in ends:
            return start, node
        node = node.next_element
    if rng.end_after is not None:
        for container in ([start] if rng.start_before is not None else []) + list(start.parents):
            if id(container) in ends:
                return start, container
    warnings.append(f"range {rng}: end {rng.end!r} matched nothing after the start; kept to the end of the page")
    return start, None


def _last_descendant(tag: Tag) -> PageElement:
    node: PageElement = tag
    while isinstance(node, Tag) and node.contents:
        node = node.contents[-1]
    return node


def _extract_ranges(markup: str | bytes, select: list[Selector], remove: list[Selector]) -> ExtractedText:
    """extract_html when a select or remove is a range: mark span edges, then walk once.

    The tree is not changed: every select (CSS match or range) opens and closes a `selected`
    span, every remove a `removed` span; text is kept where some selection covers it and no
    removal does. Overlapping spans just count up and down, so the result is the union of the
    selections in document order. Without any select (or when none matched) the whole page is
    the selection, as in extract_html. Linear: a CSS scan per selector, one forward scan per
    range end, one walk that skips every subtree holding neither kept text nor an edge.
    """
    soup = _parse(markup)
    title = soup.title.get_text(" ", strip=True) if soup.title else ""
    warnings: list[str] = []
    edges = _Edges()
    _mark(soup, select, _SELECTED, edges, warnings)
    whole = not select or not edges.nodes
    if select and whole:
        warnings.append(f"selector {', '.join(map(str, select))!r} matched nothing; used the whole page")
    _mark(soup, remove, _REMOVED, edges, warnings)
    blocks: list[tuple[str, str]] = []
    _walk_spans(soup, edges, blocks, selected=1 if whole else 0, keep_structural=bool(select),
                controlled=controlled_ids(soup))
    return build(blocks, title=title, fmt="html", warnings=warnings)


def _mark(soup: BeautifulSoup, selectors, kind, edges: _Edges, warnings: list[str]) -> None:
    """Add the spans of SELECTORS (CSS: each matching element whole; ranges: start to end) as KIND."""
    for sel in selectors:
        if isinstance(sel, str):
            for tag in _css(soup, sel):
                edges.add(kind, tag, False, tag, True)
        else:
            found = _resolve(soup, sel, warnings)
            if found is not None:
                edges.add(kind, found[0], sel.start_after is not None, found[1], sel.end_after is not None)


def _walk_spans(root: BeautifulSoup, edges: _Edges, blocks: list[tuple[str, str]], selected: int,
                keep_structural: bool, controlled: frozenset[str] = frozenset()) -> None:
    """_walk over the whole page, keeping only the text inside the spans of `edges`.

    Containers are entered whether their text is kept or not, so a kept part that begins or
    ends inside a <div> or an <li> still gets that block's kind and boundaries. A subtree with
    no edge is skipped whole while nothing is kept; furniture is skipped as in _walk, or, when
    an edge lies inside it, walked muted (edges applied, no text kept).
    """
    buf: list[str] = []
    kind_stack: list[str] = []
    counts = [selected, 0, 0]
    before, after, exempt, path = edges.before, edges.after, edges.exempt, edges.path()
    current_kind = "paragraph"

    def flush(kind: str) -> None:
        if buf:
            text = "".join(buf)
            buf.clear()
            if text.strip():
                blocks.append((kind, text))

    def apply(changes) -> bool:
        was = counts[_SELECTED]
        for counter, delta in changes:
            counts[counter] += delta
        if was and not counts[_SELECTED]:  # a selection ends: its text is a block of its own
            flush(current_kind)
        return counts[_SELECTED] > 0 and not counts[_REMOVED] and not counts[_MUTED]

    on = apply(())
    stack: list = [root]
    while stack:
        node = stack.pop()
        if node is None:  # the end of a block element
            kind = kind_stack.pop() if kind_stack else "paragraph"
            flush(kind)
            current_kind = kind_stack[-1] if kind_stack else "paragraph"
            continue
        cls = type(node)
        if cls is tuple:  # span edges after a subtree
            on = apply(node)
            continue
        if cls is NavigableString:
            if on:
                buf.append(node)
            continue
        if not isinstance(node, Tag):
            if on and isinstance(node, NavigableString) and not isinstance(node, PreformattedString):
                buf.append(node)
            continue
        nid = id(node)
        changes = before.get(nid)
        if changes:
            on = apply(changes)
        if not on and nid not in path:
            continue  # nothing kept below and no edge: skip the subtree
        name = node.name
        if (node is not root and nid not in exempt and (name in _DROP_NAMES or node.attrs)
                and _furniture(node, keep_structural, controlled)):
            if nid not in path:
                continue
            closing = after.get(nid, [])
            stack.append(tuple(closing) + ((_MUTED, -1),))
            on = apply(((_MUTED, 1),))
            stack.extend(c for c in reversed(node.contents) if type(c) is not NavigableString)
            continue
        closing = after.get(nid)
        if closing:
            stack.append(tuple(closing))
        if name in _BLOCKS:
            flush(current_kind)
            current_kind = "heading" if name in _HEADINGS else _KIND.get(name, "paragraph")
            kind_stack.append(current_kind)
            stack.append(None)
        elif name not in _INLINE and on:
            buf.append(" ")
        stack.extend(reversed(node.contents))
    flush(current_kind)


def _outermost(tags: list[Tag]) -> list[Tag]:
    ids = {id(t) for t in tags}
    out = []
    for t in tags:
        if not any(id(p) in ids for p in t.parents):
            if all(t is not o for o in out):
                out.append(t)
    return out


def controlled_ids(soup: Tag) -> frozenset[str]:
    """The ids named by some aria-controls: panels a button opens (accordions, disclosures, tabs)."""
    ids: set[str] = set()
    # a plain walk: find_all(attrs=...) costs as much as the rest of the extraction after the parse
    stack = list(reversed(soup.contents)) if isinstance(soup, Tag) else []
    while stack:
        el = stack.pop()
        if type(el) is NavigableString or not isinstance(el, Tag):
            continue
        if "aria-controls" in el.attrs:
            ids.update(str(el.attrs["aria-controls"]).split())
        if el.contents:
            stack.extend(reversed(el.contents))
    return frozenset(ids)


def _collapsed_panel(el: Tag, controlled: frozenset[str]) -> bool:
    """Whether hidden content is collapsed-but-present text (read), not content removed from the page."""
    attrs = el.attrs
    if attrs.get("id") and str(attrs["id"]) in controlled:
        return True
    if str(attrs.get("hidden", "")).lower() == "until-found":
        return True
    if "hidden" not in attrs and str(attrs.get("aria-hidden", "")).lower() == "true":
        cls = attrs.get("class", [])
        ident = " ".join(cls if isinstance(cls, list) else [str(cls)]) + " " + str(attrs.get("id", ""))
        if _PANEL_IDENT.search(ident):
            return True
        sib = el.find_previous_sibling()  # the toggle just above it: <button aria-expanded>, <h3><button ...>
        if sib is not None and ("aria-expanded" in sib.attrs or (
                sib.name in _HEADINGS | {"dt"} and sib.find(attrs={"aria-expanded": True}) is not None)):
            return True
    return False


def _furniture(el: Tag, keep_structural: bool, controlled: frozenset[str] = frozenset()) -> bool:
    """Whether a tag below the root is page furniture: its name, role, hidden state, class or id.

    Collapsed content is not furniture: a panel a button controls (aria-controls) that is
    `hidden` or styled display:none, and an aria-hidden="true" accordion panel, are read.
    """
    name = el.name
    attrs = el.attrs
    if name == "button" and ("aria-controls" in attrs or "aria-expanded" in attrs):
        pass  # an accordion's button: its text is the question the panel answers
    elif name in _DROP_NAMES and not (keep_structural and name == "header"):
        # inside an explicitly selected region, a <header> is usually the policy's own title
        return True
    if not attrs:
        return False
    # most tags carry only class, id, href or data-*: test for the rarer attributes by key first
    if "role" in attrs and str(attrs["role"]).lower() in _DROP_ROLES:
        return True
    if "hidden" in attrs or ("aria-hidden" in attrs and str(attrs["aria-hidden"]).lower() == "true"):
        if not _collapsed_panel(el, controlled):
            return True
    if "style" in attrs:
        style = "".join(str(attrs["style"]).split()).lower()
        if ("display:none" in style or "visibility:hidden" in style or "visibility:collapse" in style) and not (
                attrs.get("id") and str(attrs["id"]) in controlled):
            return True
    if name in ("body", "main", "article", "html") or ("class" not in attrs and "id" not in attrs):
        return False
    cls = attrs.get("class", [])
    ident = " ".join(cls if isinstance(cls, list) else [str(cls)]) + " " + str(attrs.get("id", ""))
    return _furniture_ident(ident)


@lru_cache(maxsize=4096)
def _furniture_ident(ident: str) -> bool:
    """Cached: pages repeat the same few class lists on thousands of tags."""
    return _FURNITURE.search(ident) is not None or _SHARE_WIDGET.search(ident) is not None


def _walk(root: Tag, blocks: list[tuple[str, str]], keep_structural: bool = False,
          controlled: frozenset[str] = frozenset()) -> None:
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
        if node is not root and (name in _DROP_NAMES or node.attrs) and _furniture(node, keep_structural, controlled):
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
