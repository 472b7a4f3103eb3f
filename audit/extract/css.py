"""CSS selectors on lxml trees: translated to XPath by cssselect, compiled once per thread.

One module for both users of CSS: the declarations' `select`/`remove`/ranges (html.py) and the
page's own style sheets (hidden.py). cssselect reads CSS 3 selectors plus `:is()`, `:where()`,
`:has()` and `:not()` with lists; what it cannot read (pseudo-elements, `:focus-within`...)
raises `SelectorError`, which a declaration reports as a bad selector and a style sheet skips.
Element and attribute names are matched in lower case (lxml's HTML parser lowers them);
class and id values are matched as written.

Hostile pages: XPath's descendant, ancestor and sibling axes visit, per element, its subtree,
its ancestors or its siblings, and a `:has()` inside a `:has()` does that per pair. On a page
nested 20,000 deep `div div` alone ran for minutes. So every selector carries its axes (and how
deep inside predicates each one sits), every `Page` its shape, and a selector whose bound on
that page passes MAX_VISITS, or would take the page's total past MAX_PAGE_VISITS, is refused
with `TooCostly` (a `SelectorError`) before it runs: deterministic, whatever the machine. Real
pages are far below: on the corpus pages the largest bound of one rule is ~90,000 and of all
the rules of a page ~600,000.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

from cssselect import HTMLTranslator, SelectorError
from lxml import etree

__all__ = ["MAX_PAGE_VISITS", "MAX_VISITS", "Page", "SelectorError", "Shape", "TooCostly", "check", "outermost"]

Element = etree._Element
_TRANSLATOR = HTMLTranslator()
_LOCAL = threading.local()  # compiled XPath objects are not shared between threads
MAX_CACHED = 4096
MAX_VISITS = 20_000_000  # elements one selector may make libxml2 visit on one page (~0.1-1 s)
MAX_PAGE_VISITS = 100_000_000  # and all the selectors run on one Page together

# In the XPath cssselect writes: quoted strings (skipped), predicate brackets, the base scan that
# opens each alternative ("descendant-or-self::" first or after " | ": one visit per element),
# and the axes whose cost depends on the page's shape.
_XPATH_TOKENS = re.compile(
    r"'[^']*'|\"[^\"]*\"|(\[)|(\])|(?:^|(?<=\| ))descendant-or-self::"
    r"|((?:descendant|ancestor)(?:-or-self)?::)|((?:following|preceding)-sibling::)"
)


class TooCostly(SelectorError):
    """Matching this selector on this page could take too long (see the module docstring)."""


@dataclass(frozen=True)
class Shape:
    """What bounds the work of an axis on a page: for the ancestor/descendant axes, the sum over
    elements of their depth (each element is a descendant of that many) and the deepest depth;
    for the sibling axes, the sum over parents of their children squared and the most children."""

    elements: int
    depth: int
    depth_sum: int
    widest: int
    sibling_sum: int

    @classmethod
    def of(cls, root: Element) -> Shape:
        elements = depth = depth_sum = widest = sibling_sum = 0
        d = 0
        for event, el in etree.iterwalk(root, events=("start", "end")):  # lxml walks; no recursion here
            if event == "end":
                d -= 1
                continue
            d += 1
            elements += 1
            depth_sum += d
            if d > depth:
                depth = d
            children = len(el)
            if children:
                sibling_sum += children * children
                if children > widest:
                    widest = children
        return cls(elements, depth, depth_sum, widest, sibling_sum)


@dataclass(frozen=True)
class _Compiled:
    xpath: etree.XPath
    axes: tuple[tuple[bool, int], ...]  # (a sibling axis?, how many predicates it sits in)

    def visits(self, shape: Shape) -> int:
        """An upper bound of the elements libxml2 visits matching this on a page of SHAPE."""
        total = shape.elements
        for sibling, nesting in self.axes:
            base, factor = (shape.sibling_sum, shape.widest) if sibling else (shape.depth_sum, shape.depth)
            total += base * factor ** max(0, nesting - 1)
        return total


def _axes(xpath: str) -> tuple[tuple[bool, int], ...]:
    axes: list[tuple[bool, int]] = []
    nesting = 0
    for m in _XPATH_TOKENS.finditer(xpath):
        if m.group(1):
            nesting += 1
        elif m.group(2):
            nesting -= 1
        elif m.group(3) or m.group(4):
            axes.append((bool(m.group(4)), nesting))
    return tuple(axes)


def _compiled(selector: str) -> _Compiled:
    cache: dict[str, _Compiled | SelectorError] | None = getattr(_LOCAL, "cache", None)
    if cache is None:
        cache = _LOCAL.cache = {}
    got = cache.get(selector)
    if got is None:
        try:
            xpath = _TRANSLATOR.css_to_xpath(selector)
            got = _Compiled(etree.XPath(xpath), _axes(xpath))
        except SelectorError as e:
            got = e
        except (etree.XPathError, ValueError) as e:  # a translation libxml2 cannot compile
            got = SelectorError(str(e))
        if len(cache) >= MAX_CACHED:
            cache.clear()
        cache[selector] = got
    if isinstance(got, SelectorError):
        raise got
    return got


def check(selector: str) -> None:
    """Raise SelectorError when SELECTOR cannot be read (used to validate declarations)."""
    _compiled(selector)


class Page:
    """A parsed page to run selectors on; its shape is measured the first time a selector needs it."""

    def __init__(self, root: Element) -> None:
        self.root = root
        self._shape: Shape | None = None
        self.spent = 0  # the bounds of the selectors run so far

    @property
    def shape(self) -> Shape:
        if self._shape is None:
            self._shape = Shape.of(self.root)
        return self._shape

    def select(self, selector: str) -> list[Element]:
        """The elements (the root included) that SELECTOR matches, in document order.
        SelectorError when it cannot be read; TooCostly when it could not finish in time here."""
        compiled = _compiled(selector)
        if compiled.axes:
            visits = compiled.visits(self.shape)
            if visits > MAX_VISITS or self.spent + visits > MAX_PAGE_VISITS:
                shape = self.shape
                raise TooCostly(f"matching it could visit {visits:,} elements on this page ({shape.elements:,} "
                                f"elements, nested {shape.depth:,} deep, up to {shape.widest:,} siblings; the "
                                f"limits are {MAX_VISITS:,} a selector and {MAX_PAGE_VISITS:,} a page)")
            self.spent += visits
        return [el for el in compiled.xpath(self.root) if isinstance(el, Element)]


def outermost(elements: list[Element]) -> list[Element]:
    """The elements not inside another of them, each once, in their order (the walk up from a
    nested one stops at its first ancestor among them, so 20,000 nested matches cost 20,000 steps)."""
    chosen = set(elements)
    out: list[Element] = []
    seen: set[Element] = set()
    for el in elements:
        if el not in seen and not any(p in chosen for p in el.iterancestors()):
            seen.add(el)
            out.append(el)
    return out
