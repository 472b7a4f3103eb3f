"""HTML to blocks with lxml: drop page furniture, keep the policy's own text.

The page is parsed by libxml2's HTML parser straight into lxml's own tree. (BeautifulSoup's
"lxml" builder drives the same parser, but building its Python objects for every tag and string
cost more than all the rest of reading a page.) CSS selectors go through `audit.extract.css`.
In lxml a node's text is `.text` (before its first child) and `.tail` (after it, up to the next
sibling, which belongs to the parent): the walks below keep both in document order.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from lxml import etree

from audit.errors import InputError
from audit.extract import css, decode
from audit.extract.hidden import mark_hidden
from audit.extract.text import ExtractedText, build
from audit.models import RangeSelector, Selector

Element = etree._Element

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
_KIND = {"li": "item", "dt": "item", "dd": "item", "td": "cell", "th": "cell", "pre": "pre"}


def parse(markup: str | bytes) -> tuple[css.Page | None, list[str]]:
    """The page (see `tree`) with what its own CSS hides marked `hidden` (extract/hidden.py), and
    the warnings that judging gave."""
    root = tree(markup)
    if root is None:
        return None, []
    _, too_costly = mark_hidden(css.Page(root))
    page = css.Page(root)  # the declaration's selectors have a budget of their own
    if too_costly:
        return page, [f"{too_costly} style rule(s) of the page were not judged for hidden text: on a page "
                      f"this deep or wide they could not be matched in time; review this document"]
    return page, []


#: one parser setup for the direct parse and the streamed one (text arrives as UTF-8; see `tree`)
_PARSER_OPTIONS = dict(encoding="utf-8", remove_comments=True, remove_pis=True, no_network=True, huge_tree=True)


def tree(markup: str | bytes) -> Element | None:
    """The page's root element (<html>), or None for a page without any element.

    Text is handed to libxml2 as UTF-8 with the encoding stated, so a `<meta charset>` or an
    XML declaration in the page cannot make it decode the text a second time. Comments and
    processing instructions are not kept: they are never text (their neighbours join up).
    """
    if isinstance(markup, bytes):
        markup = decode(markup)
    data = markup.encode("utf-8", "replace")
    try:
        parser = etree.HTMLParser(**_PARSER_OPTIONS)
        root = etree.fromstring(data, parser)
        if any(e.type_name == "ERR_RESOURCE_LIMIT" for e in parser.error_log):
            root = _parse_streamed(data)
    except etree.XMLSyntaxError:  # libxml2 found no element at all (an empty or comment-only page)
        return None
    except (etree.LxmlError, ValueError) as e:  # pragma: no cover - libxml2's HTML parser recovers from anything else
        raise InputError(f"cannot parse HTML: {e}") from None
    return root


def _parse_streamed(data: bytes) -> Element | None:
    """The tree built from the parser's events: for the pages libxml2's own tree builder stops
    reading (nested deeper than its limit of 2,048 elements, a hostile page's way to hide the
    rest of its text). Three times slower than the direct parse, so only for those."""
    parser = etree.HTMLParser(**_PARSER_OPTIONS, target=etree.TreeBuilder())
    parser.feed(data)
    return parser.close()


def _select(page: css.Page, selector: str) -> list[Element]:
    try:
        return page.select(selector)
    except css.TooCostly as e:
        raise InputError(f"CSS selector {selector!r} cannot be used on this page: {e}") from None
    except css.SelectorError as e:
        raise InputError(f"bad CSS selector {selector!r}: {e}") from None


def _title(root: Element) -> str:
    """The first <title>'s text, its pieces stripped and joined by a space."""
    for el in root.iter("title"):
        return " ".join(piece.strip() for piece in el.itertext() if piece.strip())
    return ""


def _cut(el: Element) -> None:
    """Take EL out of the tree; the text after it (its tail) stays where it was."""
    parent = el.getparent()
    if parent is None:
        return
    if el.tail:
        before = el.getprevious()
        if before is not None:
            before.tail = (before.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


def extract_html(markup: str | bytes, select: Sequence[Selector] | None = None,
                 remove: Sequence[Selector] | None = None) -> ExtractedText:
    """The text blocks of a page; `select` keeps parts of it, `remove` drops parts.

    Both take CSS selectors and ranges (RangeSelector). Without a range, CSS selects are read
    in selector order (the matches of each in document order, nested ones once) and CSS removes
    are cut out of the tree. With a range anywhere, one walk of the page keeps what any select
    covers, in document order (overlaps once), minus what any remove covers: see _extract_ranges.
    """
    page, warnings = parse(markup)
    blocks: list[tuple[str, str]] = []
    if page is None:
        return build(blocks, title="", fmt="html", warnings=warnings)
    if any(type(s) is not str for s in select or ()) or any(type(s) is not str for s in remove or ()):
        return _extract_ranges(page, warnings, list(select or ()), list(remove or ()))
    root = page.root
    title = _title(root)
    roots: list[Element] = [root]
    whole = True
    if select:
        chosen: list[Element] = []
        for sel in select:
            chosen.extend(_select(page, sel))
        if chosen:
            roots, whole = css.outermost(chosen), False
        else:
            warnings.append(f"selector {', '.join(select)!r} matched nothing; used the whole page")
    for sel in remove or []:
        for el in _select(page, sel):
            if el is root:  # the whole page removed
                roots = []
            _cut(el)
    controlled = controlled_ids(root)
    for one in roots:
        if _inside(one, root):  # not a selected part that a remove took out of the page
            _walk(one, blocks, keep_structural=bool(select), controlled=controlled, document=whole)
    return build(blocks, title=title, fmt="html", warnings=warnings)


def _inside(el: Element, root: Element) -> bool:
    while el.getparent() is not None:
        el = el.getparent()
    return el is root


# Counters of the range walk: how many selections cover the node, how many removals, and how
# many furniture subtrees that are walked only because an edge of a range lies inside them.
_SELECTED, _REMOVED, _MUTED = 0, 1, 2


class _Edges:
    """Where the kept/dropped spans of a page begin and end, keyed by element.

    A span opens or closes either just before an element (`before`, applied when the walk
    reaches it) or just after its subtree (`after`, applied by a marker the walk pops after the
    children, before the element's tail).
    """

    def __init__(self) -> None:
        self.before: dict[Element, list[tuple[int, int]]] = {}
        self.after: dict[Element, list[tuple[int, int]]] = {}
        self.nodes: list[Element] = []  # every element an edge is attached to
        self.exempt: set[Element] = set()  # starts of selections and their containers: never furniture

    def add(self, counter: int, start: Element, start_after: bool, end: Element | None,
            end_after: bool) -> None:
        (self.after if start_after else self.before).setdefault(start, []).append((counter, 1))
        self.nodes.append(start)
        if end is not None:
            (self.after if end_after else self.before).setdefault(end, []).append((counter, -1))
            self.nodes.append(end)
        node = start if counter == _SELECTED else None
        while node is not None and node not in self.exempt:  # containers of one are in already
            self.exempt.add(node)
            node = node.getparent()

    def path(self) -> set[Element]:
        """The elements with an edge and all their containers: the walk must enter them."""
        found: set[Element] = set()
        for node in self.nodes:
            while node is not None and node not in found:
                found.add(node)
                node = node.getparent()
        return found


def _following(el: Element):
    """The elements after EL's subtree, in document order."""
    node: Element | None = el
    while node is not None:
        for sibling in node.itersiblings():
            yield from sibling.iter()
        node = node.getparent()


def _resolve(page: css.Page, rng: RangeSelector, warnings: list[str]) -> tuple[Element, Element | None] | None:
    """(start element, end element or None = to the end of the page), or None: start not found.

    The end is the first element matching the end selector after the start in document order
    (inside the start element too, unless the range starts after it); an end_after may also be
    a container of the start (from a heading to the end of its section), the closest one.
    """
    matches = _select(page, rng.start)
    if not matches:
        return None
    start = matches[0]
    if rng.end is None:
        return start, None
    ends = set(_select(page, rng.end))
    if rng.start_after is None:
        for node in start.iterdescendants():
            if node in ends:
                return start, node
    for node in _following(start):  # one forward scan, stopped at the first end
        if node in ends:
            return start, node
    if rng.end_after is not None:
        for container in ([start] if rng.start_before is not None else []) + list(start.iterancestors()):
            if container in ends:
                return start, container
    warnings.append(f"range {rng}: end {rng.end!r} matched nothing after the start; kept to the end of the page")
    return start, None


def _extract_ranges(page: css.Page, warnings: list[str], select: list[Selector],
                    remove: list[Selector]) -> ExtractedText:
    """extract_html when a select or remove is a range: mark span edges, then walk once.

    The tree is not changed: every select (CSS match or range) opens and closes a `selected`
    span, every remove a `removed` span; text is kept where some selection covers it and no
    removal does. Overlapping spans just count up and down, so the result is the union of the
    selections in document order. Without any select (or when none matched) the whole page is
    the selection, as in extract_html. Linear: a CSS scan per selector, one forward scan per
    range end, one walk that skips every subtree holding neither kept text nor an edge.
    """
    root = page.root
    title = _title(root)
    blocks: list[tuple[str, str]] = []
    edges = _Edges()
    _mark(page, select, _SELECTED, edges, warnings)
    whole = not select or not edges.nodes
    if select and whole:
        warnings.append(f"selector {', '.join(map(str, select))!r} matched nothing; used the whole page")
    _mark(page, remove, _REMOVED, edges, warnings)
    _walk_spans(root, edges, blocks, selected=1 if whole else 0, keep_structural=bool(select),
                controlled=controlled_ids(root))
    return build(blocks, title=title, fmt="html", warnings=warnings)


def _mark(page: css.Page, selectors, kind, edges: _Edges, warnings: list[str]) -> None:
    """Add the spans of SELECTORS (CSS: each matching element whole; ranges: start to end) as KIND."""
    for sel in selectors:
        if isinstance(sel, str):
            for el in _select(page, sel):
                edges.add(kind, el, False, el, True)
        else:
            found = _resolve(page, sel, warnings)
            if found is not None:
                edges.add(kind, found[0], sel.start_after is not None, found[1], sel.end_after is not None)


def _walk_spans(root: Element, edges: _Edges, blocks: list[tuple[str, str]], selected: int,
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
        if cls is str:  # a tail: the text after an element, in its parent
            if on:
                buf.append(node)
            continue
        if cls is tuple:  # span edges after a subtree
            on = apply(node)
            continue
        if node is not root and node.tail:
            stack.append(node.tail)
        changes = before.get(node)
        if changes:
            on = apply(changes)
        if not on and node not in path:
            continue  # nothing kept below and no edge: skip the subtree
        name = node.tag
        if (node not in exempt and (name in _DROP_NAMES or node.attrib)
                and _furniture(node, keep_structural, controlled)):
            if node not in path:
                continue
            stack.append(tuple(after.get(node, ())) + ((_MUTED, -1),))
            on = apply(((_MUTED, 1),))
            stack.extend(reversed(node))
            continue
        closing = after.get(node)
        if closing:
            stack.append(tuple(closing))
        if name in _BLOCKS:
            flush(current_kind)
            current_kind = "heading" if name in _HEADINGS else _KIND.get(name, "paragraph")
            kind_stack.append(current_kind)
            stack.append(None)
        elif name not in _INLINE and on:
            buf.append(" ")
        if on and node.text:
            buf.append(node.text)
        stack.extend(reversed(node))
    flush(current_kind)


def controlled_ids(root: Element) -> frozenset[str]:
    """The ids named by some aria-controls: panels a button opens (accordions, disclosures, tabs)."""
    ids: set[str] = set()
    for value in root.xpath("//@aria-controls"):
        ids.update(str(value).split())
    return frozenset(ids)


def _collapsed_panel(el: Element, controlled: frozenset[str]) -> bool:
    """Whether hidden content is collapsed-but-present text (read), not content removed from the page."""
    attrs = el.attrib
    if attrs.get("id") and attrs["id"] in controlled:
        return True
    if attrs.get("hidden", "").lower() == "until-found":
        return True
    if "hidden" not in attrs and attrs.get("aria-hidden", "").lower() == "true":
        ident = attrs.get("class", "") + " " + attrs.get("id", "")
        if _PANEL_IDENT.search(ident):
            return True
        sib = el.getprevious()  # the toggle just above it: <button aria-expanded>, <h3><button ...>
        if sib is not None and ("aria-expanded" in sib.attrib or (
                sib.tag in _HEADINGS | {"dt"} and sib.find(".//*[@aria-expanded]") is not None)):
            return True
    return False


def _furniture(el: Element, keep_structural: bool, controlled: frozenset[str] = frozenset()) -> bool:
    """Whether an element below the root is page furniture: its name, role, hidden state, class or id.

    Collapsed content is not furniture: a panel a button controls (aria-controls) that is
    `hidden` or styled display:none, and an aria-hidden="true" accordion panel, are read.
    """
    name = el.tag
    attrs = el.attrib
    if name == "button" and ("aria-controls" in attrs or "aria-expanded" in attrs):
        pass  # an accordion's button: its text is the question the panel answers
    elif name in _DROP_NAMES and not (keep_structural and name == "header"):
        # inside an explicitly selected region, a <header> is usually the policy's own title
        return True
    if not attrs:
        return False
    # most tags carry only class, id, href or data-*: test for the rarer attributes by key first
    if "role" in attrs and attrs["role"].lower() in _DROP_ROLES:
        return True
    if "hidden" in attrs or ("aria-hidden" in attrs and attrs["aria-hidden"].lower() == "true"):
        if not _collapsed_panel(el, controlled):
            return True
    if "style" in attrs:
        style = "".join(attrs["style"].split()).lower()
        if ("display:none" in style or "visibility:hidden" in style or "visibility:collapse" in style) and not (
                attrs.get("id") and attrs["id"] in controlled):
            return True
    if name in ("body", "main", "article", "html") or ("class" not in attrs and "id" not in attrs):
        return False
    return _furniture_ident(attrs.get("class", "") + " " + attrs.get("id", ""))


@lru_cache(maxsize=4096)
def _furniture_ident(ident: str) -> bool:
    """Cached: pages repeat the same few class lists on thousands of tags."""
    return _FURNITURE.search(ident) is not None or _SHARE_WIDGET.search(ident) is not None


def _walk(root: Element, blocks: list[tuple[str, str]], keep_structural: bool = False,
          controlled: frozenset[str] = frozenset(), document: bool = True) -> None:
    """Text blocks of root in document order, furniture subtrees skipped.

    One pass that leaves the tree alone. Depth-first and iterative (hostile pages nest deeper
    than Python's recursion limit); a None on the stack closes a block, a str is the tail of an
    element whose subtree is done. The page's root (`document`) is judged like any element; a
    selected part is kept whatever it looks like.
    """
    buf: list[str] = []
    kind_stack: list[str] = []

    def flush(kind: str) -> None:
        if buf:
            text = "".join(buf)
            buf.clear()
            if text.strip():
                blocks.append((kind, text))

    own = None if document else root
    stack: list = [root]
    current_kind = "paragraph"
    while stack:
        node = stack.pop()
        if node is None:  # the end of a block element
            kind = kind_stack.pop() if kind_stack else "paragraph"
            flush(kind)
            current_kind = kind_stack[-1] if kind_stack else "paragraph"
            continue
        if type(node) is str:  # a tail
            buf.append(node)
            continue
        if node is not root and node.tail:
            stack.append(node.tail)
        name = node.tag
        if node is not own and (name in _DROP_NAMES or node.attrib) and _furniture(node, keep_structural, controlled):
            continue
        if name in _BLOCKS:
            flush(current_kind)
            current_kind = "heading" if name in _HEADINGS else _KIND.get(name, "paragraph")
            kind_stack.append(current_kind)
            stack.append(None)
        elif name not in _INLINE:
            buf.append(" ")
        if node.text:
            buf.append(node.text)
        stack.extend(reversed(node))
    flush(current_kind)
