"""One safe HTTP GET: public addresses only, bounded body, bounded redirects, clear errors."""

from __future__ import annotations

import ipaddress
import os
import re
import socket
import threading
import urllib.request
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from urllib.parse import urljoin, urlsplit

import requests
from requests.utils import (
    address_in_network,
    get_netrc_auth,
    is_ipv4_address,
    is_valid_cidr,
    select_proxy,
)

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


#: Names that only ever mean "this machine" or "this local network" (RFC 6761 localhost,
#: RFC 6762 .local, RFC 8375 home.arpa, ICANN's .internal, the common .localdomain/.lan).
LOCAL_SUFFIXES = (".localhost", ".local", ".localdomain", ".internal", ".home.arpa", ".lan")
#: Proxy schemes where the proxy, not this machine, resolves the host name. With socks5:// and
#: socks4:// the SOCKS client (this machine) resolves the name itself before connecting.
REMOTE_DNS_SCHEMES = ("http", "https", "socks5h", "socks4a")
_IPV4ISH = re.compile(r"^[0-9a-fA-Fx.]+$")


def _ip_literal(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address when the host is an IP literal, including the old IPv4 forms that resolvers
    still accept (127.1, 0x7f000001, 2130706433); None for a host name. No DNS lookup."""
    try:
        return ipaddress.ip_address(host.split("%")[0])
    except ValueError:
        pass
    if _IPV4ISH.match(host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def _refuse_address(url: str, host: str, addr) -> None:
    if not addr.is_global or addr.is_multicast:
        raise FetchError(
            f"{url}: {host} resolves to a non-public address ({addr}); use --allow-private-network to allow it"
        )


def local_name(host: str) -> bool:
    """Whether a host name obviously names this machine or the local network (no DNS lookup)."""
    name = host.rstrip(".").lower()
    return name == "localhost" or name.endswith(LOCAL_SUFFIXES) or "." not in name


def check_public(url: str, allow_private: bool = False, *, resolve: bool = True) -> None:
    """Refuse loopback, private, link-local, reserved and metadata addresses (unless allowed).

    `resolve=False` is for a request that goes through a proxy which resolves the name itself:
    looking the name up here would send it to the local resolver (a DNS leak around Tor), so only
    what can be judged without a lookup is refused: IP literals that are not public and
    obviously local names (localhost, *.local, single-label names, ...).
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise FetchError(f"{url}: only http and https URLs can be fetched")
    host = parts.hostname
    if not host:
        raise FetchError(f"{url}: no host in URL")
    if allow_private:
        return
    literal = _ip_literal(host)
    if literal is not None:
        _refuse_address(url, host, literal)
        return
    if not resolve:
        if local_name(host):
            raise FetchError(f"{url}: {host} is a local name (refused even through a proxy); "
                             "use --allow-private-network to allow it")
        return
    try:
        from audit.resolver import getaddrinfo

        infos = getaddrinfo(host, parts.port or (443 if parts.scheme == "https" else 80), proto=socket.IPPROTO_TCP)
    except socket.gaierror as e:
        raise FetchError(f"{url}: cannot resolve {host}: {e.strerror}") from None
    for info in infos:
        _refuse_address(url, host, ipaddress.ip_address(info[4][0].split("%")[0]))


class NetworkEnv:
    """The environment's network settings, read once per fetch session instead of per request.

    requests (with `trust_env`) re-reads the proxy variables, NO_PROXY, the CA bundle variables
    and ~/.netrc on every request. This snapshot applies the same rules -- HTTP_PROXY,
    HTTPS_PROXY, ALL_PROXY, NO_PROXY (lower case wins, as in urllib), system proxy settings on
    macOS/Windows, REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE, .netrc credentials -- from one reading;
    per-host answers are cached. It also tells `fetch_url` when a proxy resolves host names, so
    the private-address check does not resolve them locally.
    """

    def __init__(self, proxies: dict[str, str], no_proxy: str | None, *, from_environment: bool = True,
                 ca_bundle: str | None = None, netrc: bool = True):
        self.proxies = {k: v for k, v in proxies.items() if v}
        self.no_proxy = no_proxy
        self.from_environment = from_environment
        self.ca_bundle = ca_bundle
        self.netrc = netrc
        self._bypass: dict[tuple, bool] = {}
        self._auth: dict[tuple, object] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_env(cls) -> NetworkEnv:
        proxies = dict(urllib.request.getproxies_environment())
        from_environment = bool(proxies)
        if not from_environment:
            proxies = dict(urllib.request.getproxies())  # system settings (macOS, Windows); {} elsewhere
        no_proxy = proxies.pop("no", None)
        ca = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or None
        return cls(proxies, no_proxy, from_environment=from_environment, ca_bundle=ca)

    def _bypasses(self, url: str) -> bool:
        """requests' should_bypass_proxies, from the snapshot (and cached per host)."""
        parts = urlsplit(url)
        host = parts.hostname
        if host is None:
            return True
        key = (host, parts.port)
        with self._lock:
            if key in self._bypass:
                return self._bypass[key]
        result = False
        entries = [h for h in (self.no_proxy or "").replace(" ", "").split(",") if h]
        if is_ipv4_address(host):
            result = any(address_in_network(host, e) if is_valid_cidr(e) else host == e for e in entries)
        else:
            with_port = host + (f":{parts.port}" if parts.port else "")
            result = any(host.endswith(e) or with_port.endswith(e) for e in entries)
        if not result:
            try:
                if self.from_environment:
                    result = bool(urllib.request.proxy_bypass_environment(host, {"no": self.no_proxy or ""}))
                else:
                    result = bool(urllib.request.proxy_bypass(host))
            except (TypeError, socket.gaierror):
                result = False
        with self._lock:
            self._bypass[key] = result
        return result

    def proxies_for(self, url: str) -> dict[str, str]:
        """The proxies requests would use for this URL ({} when NO_PROXY says go direct)."""
        if not self.proxies or self._bypasses(url):
            return {}
        return dict(self.proxies)

    def proxy_for(self, url: str) -> str | None:
        """The proxy URL that will carry a request to `url`, or None for a direct connection."""
        return select_proxy(url, self.proxies_for(url))

    def proxy_resolves(self, url: str) -> bool:
        """Whether the request goes through a proxy that resolves the host name itself."""
        proxy = self.proxy_for(url)
        if not proxy:
            return False
        scheme = urlsplit(proxy if "://" in proxy else "http://" + proxy).scheme.lower()
        return scheme in REMOTE_DNS_SCHEMES

    def netrc_auth(self, url: str):
        """Credentials from ~/.netrc (or $NETRC) for the URL's host, as requests would send them."""
        if not self.netrc:
            return None
        parts = urlsplit(url)
        key = (parts.hostname, parts.port)
        with self._lock:
            if key in self._auth:
                return self._auth[key]
        auth = get_netrc_auth(url)
        with self._lock:
            self._auth[key] = auth
        return auth


def new_session() -> requests.Session:
    """A session that does not consult the environment per request (see NetworkEnv)."""
    sess = requests.Session()
    sess.trust_env = False
    return sess


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
    network: NetworkEnv | None = None,
) -> FetchResult:
    """GET a URL safely. `max_seconds` bounds the whole body read (a slow drip cannot hold us).

    `trusted_hosts` are host names exempt from the public-address check (an intranet mirror the
    user named on purpose); every other first URL and redirect target is still checked.
    `network` is the proxy/CA/netrc snapshot of the fetch session (read from the environment
    when not given). When a proxy that resolves names carries a request, the host name is not
    looked up locally (see `check_public`).
    """
    from audit.offline import is_offline, refuse

    if is_offline():  # --offline wins over every other check (private address, robots, ...)
        parts = urlsplit(url)
        refuse(f"{parts.hostname}:{parts.port or (443 if parts.scheme == 'https' else 80)}")
    env = network or NetworkEnv.from_env()
    sess = session or new_session()
    hdrs = {"User-Agent": user_agent or USER_AGENT, "Accept": "text/html,application/xhtml+xml,application/pdf,text/plain;q=0.9,*/*;q=0.1", "Accept-Encoding": "gzip, deflate"}
    hdrs.update(headers or {})
    current = url
    seen = set()
    for _ in range(MAX_REDIRECTS + 1):
        check_public(current, allow_private or (urlsplit(current).hostname or "") in trusted_hosts,
                     resolve=not env.proxy_resolves(current))
        if current in seen:
            raise FetchError(f"{url}: redirect loop at {current}")
        seen.add(current)
        try:
            resp = sess.get(current, headers=hdrs, stream=True, allow_redirects=False, timeout=timeout,
                            verify=ca_bundle or env.ca_bundle or True, proxies=env.proxies_for(current),
                            auth=env.netrc_auth(current))
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
