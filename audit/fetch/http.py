"""One safe HTTP GET: public addresses only, bounded body, bounded redirects, clear errors."""

from __future__ import annotations

import contextvars
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
import requests.adapters
import urllib3.connection
import urllib3.connectionpool
from requests.utils import (
    address_in_network,
    get_netrc_auth,
    is_ipv4_address,
    is_valid_cidr,
    select_proxy,
)

from audit import __version__
from audit.errors import InputError
from audit.fetch.urls import UnsafeURLError, has_ambiguous_chars, parse_url_strict

USER_AGENT = f"encryption-audit/{__version__} (+https://github.com/encryption-audit/encryption-audit)"
MAX_BODY = 20 * 1024 * 1024
MAX_REDIRECTS = 5
TIMEOUT = (10, 30)
#: wall-clock bound of one fetch (all redirects, headers and body) when the caller names none
MAX_SECONDS = 120.0
ACCEPTED_TYPES = ("text/html", "application/xhtml+xml", "text/plain", "text/markdown", "application/pdf", "text/x-markdown")


#: The rubric reads English: ask for it, so a site that negotiates the language serves the English text.
ACCEPT_LANGUAGE = "en"


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


#: IPv6 ranges that carry an IPv4 address inside: NAT64 (RFC 6052 well-known prefix) and 6to4.
NAT64 = ipaddress.ip_network("64:ff9b::/96")
NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")  # RFC 8215 local-use: never public
SIX_TO_FOUR = ipaddress.ip_network("2002::/16")


def embedded_ipv4(addr) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (IPv4-mapped, NAT64, 6to4, Teredo client), if any."""
    if addr.version != 6:
        return None
    if addr.ipv4_mapped is not None:
        return addr.ipv4_mapped
    if addr in NAT64:
        return ipaddress.IPv4Address(int(addr) & 0xFFFFFFFF)
    if addr in SIX_TO_FOUR:
        return addr.sixtofour
    if addr.teredo is not None:
        return addr.teredo[1]
    return None


def is_public_address(addr) -> bool:
    """Global unicast, and -- for IPv6 forms that embed an IPv4 address -- so is the embedded one."""
    if isinstance(addr, str):
        addr = ipaddress.ip_address(addr.split("%")[0])
    if not addr.is_global or addr.is_multicast:
        return False
    if addr.version == 6 and addr in NAT64_LOCAL:
        return False
    inner = embedded_ipv4(addr)
    if inner is not None and (not inner.is_global or inner.is_multicast):
        return False
    return True


def _refuse_address(url: str, host: str, addr) -> None:
    if not is_public_address(addr):
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
    try:
        parts = parse_url_strict(url)
    except UnsafeURLError as e:
        raise FetchError(f"{url}: {e}") from None
    host = parts.hostname
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


#: Set (to the URL being fetched) while a request whose peer must be public is being made; the
#: guarded connections below check the address they actually connected to against it. This closes
#: DNS rebinding between `check_public`'s lookup and the client's own lookup at connect time.
_PEER_GUARD: contextvars.ContextVar[str | None] = contextvars.ContextVar("audit_peer_guard", default=None)


#: The sockets the current fetch opened (see `_Deadline`): set per fetch_url call.
_REQUEST_SOCKETS: contextvars.ContextVar[list | None] = contextvars.ContextVar("audit_request_sockets", default=None)


class _Deadline:
    """One wall-clock deadline for a whole fetch, enforced while bytes trickle in.

    Socket timeouts bound each read, not the whole: a server sending one byte every two seconds
    never trips a 30 s read timeout. A timer thread shuts down every socket the fetch opened when
    the deadline passes, which wakes any blocked read (headers, TLS handshake or body) at once.
    """

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.sockets: list = []
        self.expired = threading.Event()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def _expire(self) -> None:
        self.expired.set()
        for sock in list(self.sockets):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def __enter__(self):
        self._token = _REQUEST_SOCKETS.set(self.sockets)
        self._timer.start()
        return self

    def __exit__(self, *exc):
        self._timer.cancel()
        _REQUEST_SOCKETS.reset(self._token)
        return False


def _register_socket(sock) -> None:
    sockets = _REQUEST_SOCKETS.get()
    if sockets is not None:
        sockets.append(sock)


class PeerRefused(Exception):
    """The connection's peer is not a public address (raised before any byte is sent)."""


def _check_peer(sock) -> None:
    url = _PEER_GUARD.get()
    if url is None:
        return
    try:
        peer = sock.getpeername()[0]
    except (OSError, IndexError, TypeError):
        return  # not an inet socket (a test double); nothing to judge
    if not is_public_address(peer):
        sock.close()
        raise PeerRefused(f"{url}: connected to a non-public address ({peer}); refused "
                          "(the name resolved differently at connect time); use --allow-private-network to allow it")


class _GuardedHTTPConnection(urllib3.connection.HTTPConnection):
    def _new_conn(self):
        sock = super()._new_conn()
        _register_socket(sock)
        _check_peer(sock)
        return sock


class _GuardedHTTPSConnection(urllib3.connection.HTTPSConnection):
    def _new_conn(self):
        sock = super()._new_conn()
        _register_socket(sock)
        _check_peer(sock)  # before the TLS handshake: not a byte goes to a private peer
        return sock


class _GuardedHTTPPool(urllib3.connectionpool.HTTPConnectionPool):
    ConnectionCls = _GuardedHTTPConnection


class _GuardedHTTPSPool(urllib3.connectionpool.HTTPSConnectionPool):
    ConnectionCls = _GuardedHTTPSConnection


class GuardedAdapter(requests.adapters.HTTPAdapter):
    """Direct connections check their peer address (see `_PEER_GUARD`); proxied ones connect to
    the proxy, which the user chose, and are judged by name before the request (`check_public`)."""

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _GuardedHTTPPool, "https": _GuardedHTTPSPool}

    def proxy_manager_for(self, proxy, **proxy_kwargs):
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if not proxy.lower().startswith("socks"):
            # connections to an HTTP proxy register for the deadline too (the peer check is off
            # for proxied requests: the peer is the proxy)
            manager.pool_classes_by_scheme = {"http": _GuardedHTTPPool, "https": _GuardedHTTPSPool}
        return manager


def new_session() -> requests.Session:
    """A session that does not consult the environment per request (see NetworkEnv) and whose
    direct connections check the peer address they reached."""
    sess = requests.Session()
    sess.trust_env = False
    sess.mount("http://", GuardedAdapter())
    sess.mount("https://", GuardedAdapter())
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
    """GET a URL safely. `max_seconds` (default MAX_SECONDS) bounds the whole fetch by the wall
    clock -- redirects, headers, TLS and body -- however slowly bytes trickle in (see _Deadline).

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
    seconds = max_seconds if max_seconds else MAX_SECONDS
    deadline = _Deadline(seconds)
    try:
        with deadline:
            return _fetch(url, allow_private=allow_private, ca_bundle=ca_bundle, max_bytes=max_bytes,
                          timeout=timeout, session=session, headers=headers, user_agent=user_agent,
                          accepted_types=accepted_types, max_seconds=seconds, trusted_hosts=trusted_hosts,
                          network=network, deadline=deadline)
    except FetchError:
        if deadline.expired.is_set():
            raise FetchError(f"{url}: no complete response within {seconds:g} s (the server is too slow); "
                             "gave up") from None
        raise


def _fetch(url, *, allow_private, ca_bundle, max_bytes, timeout, session, headers, user_agent, accepted_types,
           max_seconds, trusted_hosts, network, deadline) -> FetchResult:
    env = network or NetworkEnv.from_env()
    sess = session or new_session()
    hdrs = {"User-Agent": user_agent or USER_AGENT, "Accept": "text/html,application/xhtml+xml,application/pdf,text/plain;q=0.9,*/*;q=0.1", "Accept-Encoding": "gzip, deflate",
            "Accept-Language": ACCEPT_LANGUAGE}
    hdrs.update(headers or {})
    hdrs["Connection"] = "close"  # a fresh connection per request: the deadline knows its socket
    current = url
    seen = set()
    for _ in range(MAX_REDIRECTS + 1):
        exempt = allow_private or (urlsplit(current).hostname or "") in trusted_hosts
        check_public(current, exempt, resolve=not env.proxy_resolves(current))
        if current in seen:
            raise FetchError(f"{url}: redirect loop at {current}")
        seen.add(current)
        proxies = env.proxies_for(current)
        token = _PEER_GUARD.set(None if exempt or proxies else current)
        try:
            resp = sess.get(current, headers=hdrs, stream=True, allow_redirects=False, timeout=timeout,
                            verify=ca_bundle or env.ca_bundle or True, proxies=proxies,
                            auth=env.netrc_auth(current))
        except PeerRefused as e:
            raise FetchError(str(e)) from None
        except requests.exceptions.SSLError as e:
            raise FetchError(f"{url}: TLS error: {_first_line(e)}") from None
        except requests.exceptions.Timeout:
            raise FetchError(f"{url}: timed out", retryable=True) from None
        except requests.exceptions.RequestException as e:
            raise FetchError(f"{url}: connection failed: {_first_line(e)}", retryable=True) from None
        finally:
            _PEER_GUARD.reset(token)
        if resp.is_redirect:
            loc = resp.headers.get("Location", "")
            resp.close()
            _drop_pooled(sess)
            if not loc:
                raise FetchError(f"{url}: redirect without Location")
            if has_ambiguous_chars(loc):
                raise FetchError(f"{url}: redirect to {loc!r}: contains a backslash, whitespace or a control "
                                 "character (ambiguous; refused)")
            current = urljoin(current, loc)
            continue
        try:
            if resp.status_code == 304:
                return FetchResult(url, current, 304, b"", resp.headers.get("Content-Type", ""), now_utc(), dict(resp.headers))
            if resp.status_code >= 400:
                code = resp.status_code
                raise FetchError(f"{url}: HTTP {code}", status=code, retryable=code == 429 or code >= 500,
                                 retry_after=parse_retry_after(resp.headers.get("Retry-After")))
            if resp.status_code != 200:
                # 206 (a part), 300 (a choice), 204, 203...: only a complete 200 is a document
                raise FetchError(f"{url}: HTTP {resp.status_code} is not a complete document; not archived",
                                 status=resp.status_code)
            ctype = resp.headers.get("Content-Type", "")
            base = ctype.split(";")[0].strip().lower()
            if base and base not in accepted_types:
                raise FetchError(f"{url}: unsupported content type {base!r}", status=resp.status_code)
            body = read_capped(resp, max_bytes, url, max_seconds)
            return FetchResult(url, current, resp.status_code, body, ctype, now_utc(), dict(resp.headers))
        finally:
            resp.close()
            _drop_pooled(sess)
    raise FetchError(f"{url}: more than {MAX_REDIRECTS} redirects")


def _drop_pooled(sess: requests.Session) -> None:
    """Close pooled connections: every request gets a fresh one (`Connection: close`), which the
    deadline knows; a server that honours the header would otherwise leave a dead one pooled."""
    for adapter in sess.adapters.values():
        adapter.close()


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
