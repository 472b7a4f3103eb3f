"""One URL parser for every URL that enters the tool (declarations, `check`, `discover`, redirects).

Two parsers reading one URL differently is how a private-address guard is bypassed: Python's
`urlsplit` reads `http://127.0.0.1:18080\\@8.8.8.8/` as host 8.8.8.8 while urllib3 (what requests
connects with) reads host 127.0.0.1, as WHATWG browsers do. So a URL is accepted only when it is
unambiguous: no backslash, no whitespace or control character, no userinfo (`user@host`), and
urllib3's reading of scheme, host and port equals urlsplit's. Everything else is refused with a
one-line reason.
"""

from __future__ import annotations

import re
from urllib.parse import SplitResult, urlsplit

from urllib3.exceptions import LocationParseError
from urllib3.util import parse_url

_BAD_CHARS = re.compile(r"[\\\x00-\x20\x7f]")


class UnsafeURLError(ValueError):
    """The URL is malformed or ambiguous; str() is the reason (without the URL)."""


def parse_url_strict(url: str, schemes: tuple[str, ...] = ("http", "https")) -> SplitResult:
    """The URL split into parts, or UnsafeURLError when it is malformed or ambiguous."""
    if not isinstance(url, str) or not url:
        raise UnsafeURLError("not a URL")
    m = _BAD_CHARS.search(url)
    if m:
        what = "a backslash" if m.group() == "\\" else "whitespace or a control character"
        raise UnsafeURLError(f"contains {what} (ambiguous; refused)")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as e:
        raise UnsafeURLError(f"malformed URL ({e})") from None
    if parts.scheme.lower() not in schemes:
        raise UnsafeURLError(f"only {' and '.join(schemes)} URLs are accepted")
    if "@" in parts.netloc:
        raise UnsafeURLError("user name or password in the URL (ambiguous authority; refused)")
    host = parts.hostname
    if not host:
        raise UnsafeURLError("no host in URL")
    try:
        other = parse_url(url)
    except LocationParseError as e:
        raise UnsafeURLError(f"malformed URL ({e})") from None
    other_host = (other.host or "").strip("[]").lower()
    if (other_host != host.lower() and other_host != _idna(host)) or other.port != port or (other.scheme or "").lower() != parts.scheme.lower():
        raise UnsafeURLError("host or port is read differently by different URL parsers (ambiguous; refused)")
    return parts


def is_safe_url(url: str) -> bool:
    try:
        parse_url_strict(url)
    except UnsafeURLError:
        return False
    return True


def _idna(host: str) -> str:
    try:
        return host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        return host.lower()


def has_ambiguous_chars(text: str) -> bool:
    """A backslash, whitespace or control character: parsers disagree on what they mean."""
    return bool(_BAD_CHARS.search(text))
