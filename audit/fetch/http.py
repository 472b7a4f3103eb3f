"""One safe HTTP GET: public addresses only, bounded body, bounded redirects, clear errors."""

from __future__ import annotations

import ipaddress
import socket
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from urllib.parse import urljoin, urlsplit

import requests

from audit import __version__
from audit.errors import InputError

USER_AGENT = f"encryption-audit/{__version__} (+https://github.com/encryption-audit/encryption-audit)"
MAX_BODY = 20 * 1024 * 1024
MAX_REDIRECTS = 5
TIMEOUT = (10, 30)
ACCEPTED_TYPES = ("text/html", "application/xhtml+xml", "text/plain", "text/markdown", "application/pdf", "text/x-markdown")


class FetchError(InputError):
    """A document could not be fetched; the message says why in one line.

    `status` is the HTTP status when there was one; `retryable` says whether trying again later
    can help (connection errors, timeouts, 429, 5xx); `retry_after` is the server's wish in seconds.
    """

    def __init__(self, message: str, *, status: int | None = None, retryable: bool = False,
                 retry_after: float | None = None):
        super().__init__(message)
        self.status = status
        self.retryable = retryable
        self.retry_after = retry_after


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After as seconds: either delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


@dataclass(frozen=True)
class FetchResult:
    url: str
    final_url: str
    status: int
    content: bytes
    content_type: str
    fetched_at: str
    headers: dict = field(default_factory=dict)


def now_utc() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def check_public(url: str, allow_private: bool = False) -> None:
    """Refuse loopback, private, link-local, reserved and metadata addresses (unless allowed)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise FetchError(f"{url}: only http and https URLs can be fetched")
    host = parts.hostname
    if not host:
        raise FetchError(f"{url}: no host in URL")
    if allow_private:
        return
    try:
        infos = socket.getaddrinfo(host, parts.port or (443 if parts.scheme == "https" else 80), proto=socket.IPPROTO_TCP)
    except socket.gaierror as e:
        raise FetchError(f"{url}: cannot resolve {host}: {e.strerror}") from None
    for info in infos:
        addr = ipaddress.ip_address(info[4][0].split("%")[0])
        if not addr.is_global or addr.is_multicast:
            raise FetchError(
                f"{url}: {host} resolves to a non-public address ({addr}); use --allow-private-network to allow it"
            )


def fetch_url(
    url: str,
    *,
    allow_private: bool = False,
    ca_bundle: str | None = None,
    max_bytes: int = MAX_BODY,
    timeout=TIMEOUT,
    session: requests.Session | None = None,
    headers: dict | None = None,
    user_agent: str | None = None,
    accepted_types: tuple[str, ...] = ACCEPTED_TYPES,
    max_seconds: float | None = None,
    trusted_hosts: frozenset[str] | tuple[str, ...] = (),
) -> FetchResult:
    """GET a URL safely. `max_seconds` bounds the whole body read (a slow drip cannot hold us).

    `trusted_hosts` are host names exempt from the public-address check (an intranet mirror the
    user named on purpose); every other first URL and redirect target is still checked.
    """
    sess = session or requests.Session()
    hdrs = {"User-Agent": user_agent or USER_AGENT, "Accept": "text/html,application/xhtml+xml,application/pdf,text/plain;q=0.9,*/*;q=0.1", "Accept-Encoding": "gzip, deflate"}
    hdrs.update(headers or {})
    current = url
    seen = set()
    for _ in range(MAX_REDIRECTS + 1):
        check_public(current, allow_private or (urlsplit(current).hostname or "") in trusted_hosts)
        if current in seen:
            raise FetchError(f"{url}: redirect loop at {current}")
        seen.add(current)
        try:
            resp = sess.get(current, headers=hdrs, stream=True, allow_redirects=False, timeout=timeout,
                            verify=ca_bundle if ca_bundle else True)
        except requests.exceptions.SSLError as e:
            raise FetchError(f"{url}: TLS error: {_first_line(e)}") from None
        except requests.exceptions.Timeout:
            raise FetchError(f"{url}: timed out", retryable=True) from None
        except requests.exceptions.RequestException as e:
            raise FetchError(f"{url}: connection failed: {_first_line(e)}", retryable=True) from None
        if resp.is_redirect:
            loc = resp.headers.get("Location", "")
            resp.close()
            if not loc:
                raise FetchError(f"{url}: redirect without Location")
            current = urljoin(current, loc)
            continue
        try:
            if resp.status_code == 304:
                return FetchResult(url, current, 304, b"", resp.headers.get("Content-Type", ""), now_utc(), dict(resp.headers))
            if resp.status_code >= 400:
                code = resp.status_code
                raise FetchError(f"{url}: HTTP {code}", status=code, retryable=code == 429 or code >= 500,
                                 retry_after=parse_retry_after(resp.headers.get("Retry-After")))
            ctype = resp.headers.get("Content-Type", "")
            base = ctype.split(";")[0].strip().lower()
            if base and base not in accepted_types:
                raise FetchError(f"{url}: unsupported content type {base!r}", status=resp.status_code)
            body = read_capped(resp, max_bytes, url, max_seconds)
            return FetchResult(url, current, resp.status_code, body, ctype, now_utc(), dict(resp.headers))
        finally:
            resp.close()
    raise FetchError(f"{url}: more than {MAX_REDIRECTS} redirects")


def read_capped(resp: requests.Response, max_bytes: int, url: str, max_seconds: float | None = None) -> bytes:
    """Read the body in chunks, decompressing ourselves so the cap holds after decompression."""
    import time

    deadline = time.monotonic() + max_seconds if max_seconds else None
    encoding = resp.headers.get("Content-Encoding", "").lower().strip()
    decomp = None
    if encoding in ("gzip", "x-gzip"):
        decomp = zlib.decompressobj(16 + zlib.MAX_WBITS)
    elif encoding == "deflate":
        decomp = zlib.decompressobj()
    out = bytearray()
    try:
        for chunk in resp.raw.stream(64 * 1024, decode_content=False):
            if decomp is not None:
                chunk = decomp.decompress(chunk, max_bytes + 1 - len(out))
            out += chunk
            if deadline is not None and time.monotonic() > deadline:
                raise FetchError(f"{url}: body not complete after {max_seconds:g} s; gave up", retryable=True)
            if len(out) > max_bytes:
                raise FetchError(f"{url}: body larger than {max_bytes:,} bytes (after decompression); refused")
    except zlib.error as e:
        raise FetchError(f"{url}: broken {encoding} encoding: {e}") from None
    except requests.exceptions.RequestException as e:
        raise FetchError(f"{url}: connection failed while reading: {_first_line(e)}", retryable=True) from None
    except Exception as e:  # urllib3 ReadTimeoutError, ProtocolError
        if isinstance(e, FetchError):
            raise
        raise FetchError(f"{url}: reading the body failed: {_first_line(e)}", retryable=True) from None
    return bytes(out)


def _first_line(e: Exception) -> str:
    return str(e).splitlines()[0][:200] if str(e) else e.__class__.__name__
