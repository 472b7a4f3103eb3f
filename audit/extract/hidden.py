"""Text a person does not see is not read: hiding by the page's own CSS.

A page can hide text from its readers and still hand it to a text extractor (an invisible
"we require a warrant" next to the visible policy). This module judges, from the page's own
`<style>` sheets and `style=""` attributes -- never from external stylesheets or scripts --
which elements are hidden by the common techniques, and marks them with the `hidden` attribute
so the HTML walker skips them as furniture:

- display: none (whatever whitespace follows the colon); visibility: hidden | collapse
- font-size: 0; opacity: 0 (or nearly: below 0.05)
- off-screen positioning (left/top/right/margin/text-indent of -999px or further)
- clip: rect(...) of zero size; clip-path: inset(50%+) / circle(0) / polygon(...) of points at 0
- height or width 0 (or max-height/max-width 0) together with overflow: hidden
- text colour equal to the background colour declared on the element or its nearest ancestor
  that declares one (white when none does)

Rules apply in sheet order, then the inline style (specificity and !important are not
weighed: a page that hides text and un-hides it again by specificity is not handled).
CSS is parsed with tinycss2; selectors are matched with soupsieve (BeautifulSoup's `select`).
"""

from __future__ import annotations

import re

import soupsieve
import tinycss2
from bs4 import BeautifulSoup, Tag

from audit.extract.text import MAYBE_HIDDEN_MARK

MAX_RULES = 5000  # a hostile sheet cannot make extraction slow
_ZERO = re.compile(r"^[+-]?0*(\.0*)?([a-z%]*)$")
_NUMBER = re.compile(r"^([+-]?\d*\.?\d+)([a-z%]*)$")
_NAMED = {"white": (255, 255, 255), "black": (0, 0, 0), "red": (255, 0, 0), "transparent": None,
          "silver": (192, 192, 192), "gray": (128, 128, 128), "grey": (128, 128, 128)}


def _declarations(text: str) -> dict[str, str]:
    out = {}
    for d in tinycss2.parse_blocks_contents(text, skip_comments=True, skip_whitespace=True):
        if d.type == "declaration":
            out[d.lower_name] = " ".join(tinycss2.serialize(d.value).split()).lower()
    return out


def _number(value: str) -> float | None:
    m = _NUMBER.match(value.strip())
    return float(m.group(1)) if m else None


def _zero(value: str) -> bool:
    v = value.strip()
    return bool(v) and _ZERO.match(v) is not None


def _colour(value: str | None):
    if not value:
        return None
    v = value.strip().lower().replace(" ", "")
    if v in _NAMED:
        return _NAMED[v]
    if v.startswith("#") and len(v) in (4, 7) and all(c in "0123456789abcdef" for c in v[1:]):
        h = v[1:]
        if len(h) == 3:
            h = "".join(c * 2 for c in h)
        return tuple(int(h[i:i + 2], 16) for i in (0, 2, 4))
    m = re.match(r"^rgba?\((\d+),(\d+),(\d+)(,[\d.]+)?\)$", v)
    if m:
        return tuple(int(x) for x in m.groups()[:3])
    return None


def _background(style: dict[str, str]):
    for key in ("background-color", "background"):
        if key in style:
            for word in [style[key]] + style[key].split():
                c = _colour(word)
                if c is not None:
                    return c
    return None


def hides(style: dict[str, str]) -> bool:
    """Whether these declarations hide the element's text from a reader."""
    if style.get("display", "").split()[:1] == ["none"]:
        return True
    if style.get("visibility") in ("hidden", "collapse"):
        return True
    if "font-size" in style and _zero(style["font-size"]):
        return True
    opacity = _number(style.get("opacity", ""))
    if opacity is not None and opacity < 0.05:
        return True
    for key in ("left", "top", "right", "margin-left", "margin-top", "text-indent"):
        n = _number(style.get(key, ""))
        if n is not None and n <= -999:
            return True
    clip = style.get("clip", "")
    if clip.startswith("rect("):
        nums = [_number(x) for x in re.split(r"[ ,]+", clip[5:].rstrip(")").strip()) if x]
        if len(nums) == 4 and all(n is not None for n in nums) and (nums[0] >= nums[2] or nums[3] >= nums[1]):
            return True
    cp = style.get("clip-path", "")
    if cp.startswith("inset("):
        nums = [_number(x) for x in cp[6:].rstrip(")").split() if x]
        if nums and all(n is not None and n >= 50 for n in nums[:1]):
            return True
    if cp.startswith("circle(") and _zero(cp[7:].split(")")[0].split(" at ")[0] or "x"):
        return True
    if cp.startswith("polygon(") and all(_zero(p) for p in re.split(r"[ ,]+", cp[8:].rstrip(")")) if p):
        return True
    if style.get("overflow", style.get("overflow-y", style.get("overflow-x", ""))) in ("hidden", "clip"):
        for key in ("height", "max-height", "width", "max-width"):
            if key in style and _zero(style[key]):
                return True
    return False


_LAST_COMPOUND = re.compile(r"[^\s>+~]+$")
_SIMPLE = re.compile(r"([.#]?)(-?[_a-zA-Z][\w-]*)")

#: The only properties hides() and the colour test read. A rule that sets none of them changes
#: no verdict (an element styled only by such rules is judged as if unstyled, and gives no
#: background to its descendants), so its selector is never matched.
_RELEVANT = frozenset([
    "display", "visibility", "font-size", "opacity", "left", "top", "right", "margin-left", "margin-top",
    "text-indent", "clip", "clip-path", "overflow", "overflow-x", "overflow-y", "height", "max-height",
    "width", "max-width", "color", "background-color", "background",
])


def _scan(soup: BeautifulSoup) -> tuple[list[Tag], list[Tag], list[Tag]]:
    """One walk of the page, in document order: its <style> elements, the elements with a style
    attribute, and every element (what find_all("style"), find_all(style=True) and find_all(True) give)."""
    sheets: list[Tag] = []
    styled: list[Tag] = []
    tags: list[Tag] = []
    stack = list(reversed(soup.contents))
    pop, push = stack.pop, stack.extend
    while stack:
        node = pop()
        if not isinstance(node, Tag):
            continue
        tags.append(node)
        if node.name == "style":
            sheets.append(node)
        if "style" in node.attrs:
            styled.append(node)
        if node.contents:
            push(reversed(node.contents))
    return sheets, styled, tags


def _present(tags: list[Tag]) -> dict[str, list[Tag]]:
    """The page's elements by tag name, `.class` and `#id`: a rule's selector is tried only on the
    elements its last compound could match (most of a site's stylesheet is for other pages)."""
    index: dict[str, list[Tag]] = {}
    for el in tags:
        index.setdefault(el.name, []).append(el)
        attrs = el.attrs
        cls = attrs.get("class") or ()
        for c in (cls.split() if isinstance(cls, str) else cls):  # one string where the parse keeps it so
            index.setdefault("." + c, []).append(el)
        if attrs.get("id"):
            index.setdefault("#" + str(attrs["id"]), []).append(el)
    return index


def _candidates(part: str, index: dict[str, list[Tag]]) -> list[Tag] | None:
    """The elements one selector (no commas) could match, by its last compound's most selective
    name; None where that cannot be told (the selector is then run on the whole page)."""
    m = _LAST_COMPOUND.search(part.strip())
    if m is None or "(" in part:
        return None
    compound = re.sub(r"\[[^\]]*\]|::?[\w-]+", "", m.group())
    names = [kind + (name if kind else name.lower()) for kind, name in _SIMPLE.findall(compound)]
    if not names:
        return None
    for key in sorted(names, key=lambda k: {"#": 0, ".": 1}.get(k[0], 2)):
        if key not in index:
            return []
    key = min(names, key=lambda k: len(index[k]))
    return index[key]


try:  # one matcher per selector and page instead of one per element (soupsieve's match() builds
    # a CSSMatch, walking up to the root, for every element it is asked about)
    from soupsieve.css_match import CSSMatch as _CSSMatch
    from soupsieve.css_types import SelectorNull as _SelectorNull
except ImportError:  # pragma: no cover - a soupsieve without them: match() per element, select() per page
    _CSSMatch = _SelectorNull = None


class _Selector:
    """The page's elements a selector matches, each comma-separated part matched once per page.

    Same results as matching each part with soupsieve on its candidates (or on the whole page
    where candidates cannot be told): the tree does not change while the sheets are read.
    """

    def __init__(self, soup: BeautifulSoup, tags: list[Tag]) -> None:
        self.soup = soup
        self.tags = tags
        self.index = _present(tags)
        self.done: dict[str, list[Tag] | Exception] = {}
        self.templates = any(name.lower() == "template" for name in self.index if name[:1] not in ".#")

    def select(self, selector: str) -> list[Tag]:
        parts = [selector] if "(" in selector else [p for p in selector.split(",") if p.strip()]
        out: list[Tag] = []
        for part in parts:
            got = self.done.get(part)
            if got is None:
                try:
                    got = self._part(part)
                except Exception as e:  # soupsieve's errors: raised again for every rule naming the part
                    got = e
                self.done[part] = got
            if isinstance(got, Exception):
                raise got
            out.extend(got)
        return out

    def _part(self, part: str) -> list[Tag]:
        candidates = _candidates(part, self.index)
        if candidates is None:
            return self._whole_page(part)
        if not candidates:
            return []
        compiled = soupsieve.compile(part)
        if _CSSMatch is None or "\\" in part or "scope" in part.lower():
            # :scope is the element matched itself only in a matcher made for that element
            return [el for el in candidates if compiled.match(el)]
        match = _CSSMatch(compiled.selectors, self.soup, compiled.namespaces, compiled.flags).match
        wanted = None if self.templates else self._wanted(compiled.selectors)
        if wanted is not None:  # `.nav a`: only the <a> inside a .nav can match (same test as _whole_page)
            candidates = [el for el in candidates if id(el) in wanted]
        return [el for el in candidates if match(el)]

    def _whole_page(self, part: str) -> list[Tag]:
        """soup.select(part), trying only the elements that can match: those with the id or class
        its last compound names, else the children or descendants of those with the id or class
        of the compound before it. soup.select() tries every element of the page with one
        matcher, in document order; this tries a subset of them in the same order with a matcher
        made the same way, so the result is the same. Pages with a <template> (whose contents
        select() does not enter) and selectors that name no id or class there are run as before."""
        if _CSSMatch is None or self.templates:
            return self.soup.select(part)
        compiled = soupsieve.compile(part, self.soup._namespaces)  # what soup.select() compiles
        subset = self._subset(compiled.selectors)
        if subset is None:
            return self.soup.select(part)
        match = _CSSMatch(compiled.selectors, self.soup, compiled.namespaces, compiled.flags).match
        return [el for el in subset if match(el)]

    def _keyed(self, sel) -> list[Tag] | None:
        """The elements having the first id, else the first class, a compound names; None if it names neither."""
        if sel.ids:
            return self.index.get("#" + sel.ids[0], [])
        if sel.classes:
            name = sel.classes[0]
            if name.split() != [name]:  # the index splits class lists on more kinds of space than soupsieve
                return None
            return self.index.get("." + name, [])
        return None

    def _subset(self, selectors) -> list[Tag] | None:
        """The page's elements, in document order, that can match one of these selectors; None when unknown."""
        wanted = self._wanted(selectors)
        return None if wanted is None else [el for el in self.tags if id(el) in wanted]

    def _wanted(self, selectors) -> set[int] | None:
        """The ids of the elements that can match one of these selectors; None when unknown."""
        if selectors.is_not or selectors.is_html:
            return None
        wanted: set[int] = set()
        for sel in selectors:
            if isinstance(sel, _SelectorNull):
                continue  # matches nothing (:hover, :focus...)
            got = self._keyed(sel)
            if got is None:
                if len(sel.relation) != 1:
                    return None
                left = sel.relation[0]
                anchors = self._keyed(left)
                if anchors is None or left.rel_type not in (">", " "):
                    return None
                got = []
                for anchor in anchors:
                    if left.rel_type == ">":
                        got.extend(c for c in anchor.contents if isinstance(c, Tag))
                    else:
                        got.extend(_descendant_tags(anchor))
            wanted.update(map(id, got))
        return wanted


def _descendant_tags(tag: Tag) -> list[Tag]:
    out: list[Tag] = []
    stack = list(reversed(tag.contents))
    while stack:
        node = stack.pop()
        if isinstance(node, Tag):
            out.append(node)
            if node.contents:
                stack.extend(reversed(node.contents))
    return out


def _hiding_selectors(rule) -> tuple[str, ...]:
    """The selectors of the rules inside a conditional rule (@media, @supports) that hide."""
    out = []
    for inner in tinycss2.parse_rule_list(rule.content, skip_comments=True, skip_whitespace=True):
        if inner.type != "qualified-rule" or not _names_relevant(inner.content):
            continue  # a block naming none of the properties hides() reads cannot hide
        decls = _declarations(tinycss2.serialize(inner.content))
        if not decls or not hides(decls):
            continue
        out.append(tinycss2.serialize(inner.prelude).strip())
    return tuple(out)


def _names_relevant(content) -> bool:
    """Whether a rule's block has an identifier naming a property hides() or the colour test reads
    at its top level: a declaration's name is one, so a block without any declares none of them."""
    for token in content:
        if token.type == "ident" and token.lower_value in _RELEVANT:
            return True
    return False


_MEDIA, _RULE = 0, 1
_SHEETS: dict[str, tuple] = {}
_SHEET_CHARS = [0]
MAX_CACHED_CHARS = 8_000_000  # style sheets kept compiled (pages of one site share most of theirs)


def _compiled(css: str) -> tuple:
    """A style sheet as what mark_hidden needs of it, in sheet order (cached by its text):
    (_MEDIA, selectors of the hiding rules inside an @media/@supports) and
    (_RULE, selector or None, declarations that matter) for each qualified rule; a selector of
    None means the rule changes no verdict. Rules after the MAX_RULES-th are never read."""
    got = _SHEETS.get(css)
    if got is not None:
        return got
    entries: list[tuple] = []
    rules = 0
    for rule in tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True):
        if rule.type == "at-rule" and rule.content is not None and rule.lower_at_keyword in ("media", "supports"):
            # hidden on some screens or browsers only: the tool cannot tell what a reader saw
            entries.append((_MEDIA, _hiding_selectors(rule)))
            continue
        if rule.type != "qualified-rule":
            continue  # other at-rules: not judged
        rules += 1
        if rules > MAX_RULES:
            entries.append((_RULE, None, None))  # counted by mark_hidden, which stops there
            break
        if not _names_relevant(rule.content):
            entries.append((_RULE, None, None))
            continue
        decls = {k: v for k, v in _declarations(tinycss2.serialize(rule.content)).items() if k in _RELEVANT}
        entries.append((_RULE, tinycss2.serialize(rule.prelude).strip() if decls else None, decls))
    got = tuple(entries)
    if _SHEET_CHARS[0] + len(css) > MAX_CACHED_CHARS:
        _SHEETS.clear()
        _SHEET_CHARS[0] = 0
    if len(css) <= MAX_CACHED_CHARS // 4:
        _SHEETS[css] = got
        _SHEET_CHARS[0] += len(css)
    return got


def _mark_maybe_hidden(elements: list[Tag]) -> None:
    """Text that a conditional rule (@media, @supports) hides is read, but marked: a block holding
    it earns no credit and asks for a review (text.build, reader.learned)."""
    for el in elements:
        for text in list(el.find_all(string=True)):
            if text.strip() and not str(text).startswith(MAYBE_HIDDEN_MARK):
                text.replace_with(type(text)(MAYBE_HIDDEN_MARK + str(text)))


def mark_hidden(soup: BeautifulSoup) -> int:
    """Mark every element the page's own CSS hides with the `hidden` attribute; returns how many."""
    sheets, styled, tags = _scan(soup)
    styles: dict[int, tuple[Tag, dict[str, str]]] = {}
    rules = 0
    selector: _Selector | None = None
    uncertain: list[Tag] = []
    for sheet in sheets:
        css = sheet.string or sheet.get_text()
        for entry in _compiled(css):
            if entry[0] == _MEDIA:
                for sel in entry[1]:
                    if selector is None:
                        selector = _Selector(soup, tags)
                    try:
                        uncertain.extend(selector.select(sel))
                    except Exception:  # a selector soupsieve cannot match is not judged
                        continue
                continue
            rules += 1
            if rules > MAX_RULES:
                break
            sel, decls = entry[1], entry[2]
            if sel is None:
                continue
            if selector is None:
                selector = _Selector(soup, tags)
            try:
                matched = selector.select(sel)
            except Exception:  # soupsieve's errors: a selector it cannot match is not judged
                continue
            for el in matched:
                styles.setdefault(id(el), (el, {}))[1].update(decls)
    _mark_maybe_hidden(uncertain)
    for el in styled:
        try:
            decls = _declarations(str(el["style"]))
        except Exception:
            continue
        styles.setdefault(id(el), (el, {}))[1].update(decls)
    count = 0
    for el, style in styles.values():
        hidden = hides(style)
        if not hidden and "color" in style:
            fg = _colour(style["color"])
            if fg is not None:
                bg = _background(style)
                node = el.parent
                while bg is None and node is not None and isinstance(node, Tag):
                    entry = styles.get(id(node))
                    bg = _background(entry[1]) if entry else None
                    node = node.parent
                hidden = fg == (bg if bg is not None else (255, 255, 255))
        if hidden:
            el["hidden"] = ""
            count += 1
    return count
