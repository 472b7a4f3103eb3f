"""CSS selectors on lxml trees: translated to XPath by cssselect, compiled once per thread.

One module for both users of CSS: the declarations' `select`/`remove`/ranges (html.py) and the
page's own style sheets (hidden.py). cssselect reads CSS 3 selectors plus `:is()`, `:where()`,
`:has()` and `:not()` with lists; what it cannot read (pseudo-elements, `:focus-within`...)
raises `SelectorError`, which a declaration reports as a bad selector and a style sheet skips.
Element and attribute names are matched in lower case (lxml's HTML parser lowers them);
class and id values are matched as written.
"""

from __future__ import annotations

import threading

from cssselect import HTMLTranslator, SelectorError
from lxml import etree

__all__ = ["SelectorError", "check", "select"]

_TRANSLATOR = HTMLTranslator()
_LOCAL = threading.local()  # compiled XPath objects are not shared between threads
MAX_CACHED = 4096


def _compiled(selector: str) -> etree.XPath:
    cache: dict[str, etree.XPath | SelectorError] | None = getattr(_LOCAL, "cache", None)
    if cache is None:
        cache = _LOCAL.cache = {}
    got = cache.get(selector)
    if got is None:
        try:
            got = etree.XPath(_TRANSLATOR.css_to_xpath(selector))
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


def select(root: etree._Element, selector: str) -> list[etree._Element]:
    """The elements under ROOT (itself included) that SELECTOR matches, in document order."""
    return [el for el in _compiled(selector)(root) if isinstance(el, etree._Element)]
