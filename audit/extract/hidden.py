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
CSS is parsed with tinycss2; selectors are matched by `audit.extract.css` (cssselect's XPath).
"""

from __future__ import annotations

import re

import tinycss2
from lxml import etree

from audit.extract import css
from audit.extract.text import MAYBE_HIDDEN_MARK

Element = etree._Element

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


_SIMPLE = re.compile(r"([.#]?)(-?[_a-zA-Z][\w-]*)")
_NOT_NAMES = re.compile(r"\[[^\]]*\]|::?[\w-]+")  # attribute tests and pseudo-classes name no tag, class or id
_ONE_COMPOUND = re.compile(r"(?:-?[_a-zA-Z][\w-]*)?(?:[.#]-?[_a-zA-Z][\w-]*)*")
#: what XPath's normalize-space() splits on, so what cssselect's class test splits a class list on
_CLASS_SPACE = re.compile(r"[ \t\r\n]+")

#: The only properties hides() and the colour test read. A rule that sets none of them changes
#: no verdict (an element styled only by such rules is judged as if unstyled, and gives no
#: background to its descendants), so its selector is never matched.
_RELEVANT = frozenset([
    "display", "visibility", "font-size", "opacity", "left", "top", "right", "margin-left", "margin-top",
    "text-indent", "clip", "clip-path", "overflow", "overflow-x", "overflow-y", "height", "max-height",
    "width", "max-width", "color", "background-color", "background",
])


def _index(root: Element) -> dict[str, list[Element]]:
    """The page's elements, in document order, by tag name, `.class` and `#id`."""
    index: dict[str, list[Element]] = {}
    for el in root.iter(etree.Element):
        index.setdefault(el.tag, []).append(el)
        cls = el.get("class")
        if cls:
            for name in dict.fromkeys(_CLASS_SPACE.split(cls)):
                if name:
                    index.setdefault("." + name, []).append(el)
        ident = el.get("id")
        if ident is not None:
            index.setdefault("#" + ident, []).append(el)
    return index


def _names(part: str) -> list[str]:
    """The tags (lower case), `.class`es and `#id`s one selector (no commas, no functions) names."""
    return [kind + (name if kind else name.lower()) for kind, name in _SIMPLE.findall(_NOT_NAMES.sub(" ", part))]


class _Selector:
    """The page's elements a selector matches; each comma-separated part matched once per page.

    Most of a site's style sheet is for its other pages, and most rules that hide are one
    compound (`.sr-only`, `div.hidden`): a part without functions or escapes that names a tag,
    class or id no element has matches nothing (every compound of a selector must match some
    element), and a single compound of names is answered from the index. The rest goes to
    cssselect's XPath, which is what the index agrees with.
    """

    def __init__(self, page: css.Page) -> None:
        self.page = page
        self.index = _index(page.root)
        self.done: dict[str, list[Element] | Exception] = {}

    def select(self, selector: str) -> list[Element]:
        parts = [selector] if "(" in selector else [p for p in selector.split(",") if p.strip()]
        out: list[Element] = []
        for part in parts:
            got = self.done.get(part)
            if got is None:
                try:
                    got = self._part(part.strip())
                except css.SelectorError as e:  # raised again for every rule naming the part
                    got = e
                self.done[part] = got
            if isinstance(got, Exception):
                raise got
            out.extend(got)
        return out

    def _part(self, part: str) -> list[Element]:
        if "(" in part or "\\" in part:
            return self.page.select(part)
        names = _names(part)
        if any(n not in self.index for n in names):
            return []
        if names and _ONE_COMPOUND.fullmatch(part):
            rarest = min(names, key=lambda n: len(self.index[n]))
            others = [set(self.index[n]) for n in names if n != rarest]
            return [el for el in self.index[rarest] if all(el in other for other in others)]
        return self.page.select(part)


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


def _mark_maybe_hidden(elements: list[Element]) -> None:
    """Text that a conditional rule (@media, @supports) hides is read, but marked: a block holding
    it earns no credit and asks for a review (text.build, reader.learned)."""

    def marked(text: str | None) -> str | None:
        if text and text.strip() and not text.startswith(MAYBE_HIDDEN_MARK):
            return MAYBE_HIDDEN_MARK + text
        return text

    # marking the outermost marks the rest: marking each of 20,000 nested elements would walk
    # every subtree again (N*N)
    for el in css.outermost(elements):
        el.text = marked(el.text)
        for inner in el.iterdescendants():
            inner.text = marked(inner.text)
            inner.tail = marked(inner.tail)


def mark_hidden(page: css.Page) -> tuple[int, int]:
    """Mark every element the page's own CSS hides with the `hidden` attribute.

    Returns (elements marked, rules not judged because matching them could not finish in time
    on this page: css.TooCostly). A rule whose selector cssselect cannot read is not judged
    either, silently: that is a limit of the reader, not a property of the page.
    """
    root = page.root
    styles: dict[Element, dict[str, str]] = {}
    rules = too_costly = 0
    selector: _Selector | None = None
    uncertain: list[Element] = []
    for sheet in root.iter("style"):
        for entry in _compiled(sheet.text or ""):
            if entry[0] == _MEDIA:
                for sel in entry[1]:
                    if selector is None:
                        selector = _Selector(page)
                    try:
                        uncertain.extend(selector.select(sel))
                    except css.TooCostly:
                        too_costly += 1
                    except css.SelectorError:  # a selector cssselect cannot read is not judged
                        continue
                continue
            rules += 1
            if rules > MAX_RULES:
                break
            sel, decls = entry[1], entry[2]
            if sel is None:
                continue
            if selector is None:
                selector = _Selector(page)
            try:
                matched = selector.select(sel)
            except css.TooCostly:
                too_costly += 1
                continue
            except css.SelectorError:  # a selector cssselect cannot read is not judged
                continue
            for el in matched:
                styles.setdefault(el, {}).update(decls)
    _mark_maybe_hidden(uncertain)
    for el in root.xpath("descendant-or-self::*[@style]"):  # the inline style comes after the sheets
        styles.setdefault(el, {}).update(_declarations(el.attrib["style"]))
    count = 0
    # many elements share one set of declarations (every link of a menu): judged once per set
    verdicts: dict[tuple[tuple[str, str], ...], tuple[bool, tuple | None]] = {}
    backgrounds: dict[Element, tuple | None] = {}  # the background each element shows, once each
    for el, style in styles.items():
        key = tuple(style.items())
        verdict = verdicts.get(key)
        if verdict is None:
            verdict = verdicts[key] = (hides(style), _colour(style.get("color")))
        hidden, fg = verdict
        if not hidden and fg is not None:
            bg = _background_of(el, styles, backgrounds)
            hidden = fg == (bg if bg is not None else (255, 255, 255))
        if hidden:
            el.set("hidden", "")
            count += 1
    return count, too_costly


def _background_of(el: Element, styles: dict[Element, dict[str, str]], known: dict[Element, tuple | None]):
    """The background colour EL declares, else its nearest ancestor's that declares one (None: none
    does). Remembered per element on the way up, so a page nested N deep costs N steps, not N*N."""
    path: list[Element] = []
    node: Element | None = el
    bg = None
    while node is not None:
        if node in known:
            bg = known[node]
            break
        path.append(node)
        entry = styles.get(node)
        bg = _background(entry) if entry else None
        if bg is not None:
            break
        node = node.getparent()
    for seen in path:
        known[seen] = bg
    return bg
