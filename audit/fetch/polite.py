"""Polite fetching: robots.txt (RFC 9309, parsed by protego), one request at a time per host with a delay, hosts in parallel,
retries with backoff (Retry-After honoured, capped), conditional requests.

Built on :func:`audit.fetch.http.fetch_url`, which keeps every request safe (public addresses
only, bounded body after decompression, at most 5 redirects).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit
import requests
from protego import Protego

from audit.fetch.http import USER_AGENT, FetchError, FetchResult, NetworkEnv, fetch_url, new_session

ROBOTS_AGENT = "encryption-audit"
# a robots.txt Crawl-delay raises the per-host delay up to this many seconds, never further
MAX_CRAWL_DELAY = 60.0


@dataclass(frozen=True)
class Robots:
    """The rules of one origin's robots.txt (RFC 9309: longest match wins, `*` and `$` wildcards).

    `disallow_all` is set when robots.txt was unreachable (HTTP 5xx, connection failure): RFC 9309
    section 2.3.1.4 says to assume complete disallow; `reason` then says why.
    """

    parser: Protego | None = None
    disallow_all: bool = False
    reason: str | None = None

    def can_fetch(self, url: str, agent: str = ROBOTS_AGENT) -> bool:
        if self.disallow_all:
            return False
        return self.parser is None or self.parser.can_fetch(url, agent)

    def crawl_delay(self, agent: str = ROBOTS_AGENT) -> float | None:
        if self.parser is None:
            return None
        delay = self.parser.crawl_delay(agent)
        return float(delay) if delay is not None else None

    def site_maps(self) -> list[str]:
        return list(self.parser.sitemaps) if self.parser is not None else []


@dataclass(frozen=True)
class FetchPolicy:
    """How politely and how safely to fetch; built from audit.toml and command-line flags."""

    delay: float = 1.0
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    max_seconds: float = 120.0
    retries: int = 2
    backoff: float = 1.0
    max_retry_after: float = 30.0
    workers: int = 4
    ignore_robots: bool = False
    allow_private: bool = False
    ca_bundle: str | None = None
    max_bytes: int = 20 * 1024 * 1024
    user_agent: str = USER_AGENT


@dataclass(frozen=True)
class Attempt:
    """The outcome of fetching one URL (after retries): a result or an error."""

    url: str
    result: FetchResult | None
    error: str | None = None
    attempts: int = 1
    robots_ignored: bool = False


class HostGate:
    """Serialises requests to one host and spaces them by `delay` seconds."""

    def __init__(self, delay: float):
        self.delay = delay
        self.lock = threading.Lock()
        self.last = 0.0

    def __enter__(self):
        self.lock.acquire()
        wait = self.last + self.delay - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        return self

    def __exit__(self, *exc):
        self.last = time.monotonic()
        self.lock.release()


@dataclass
class PoliteFetcher:
    policy: FetchPolicy = field(default_factory=FetchPolicy)

    def __post_init__(self):
        # proxies (HTTP(S)_PROXY, ALL_PROXY, NO_PROXY), CA bundle variables and .netrc: read once
        # for this fetch session, not again on every request
        self.network = NetworkEnv.from_env()
        self._gates: dict[str, HostGate] = {}
        self._robots: dict[str, Robots | None] = {}
        self._lock = threading.Lock()
        self._local = threading.local()

    # plumbing ----------------------------------------------------------------------------------
    def _session(self) -> requests.Session:
        sess = getattr(self._local, "session", None)
        if sess is None:
            sess = new_session()  # the environment is applied from self.network, read once
            self._local.session = sess
        return sess

    def gate(self, url: str) -> HostGate:
        host = (urlsplit(url).hostname or "").lower() + f":{urlsplit(url).port or ''}"
        with self._lock:
            return self._gates.setdefault(host, HostGate(self.policy.delay))

    def _get(self, url: str, headers: dict | None = None, accepted=None) -> FetchResult:
        p = self.policy
        kwargs = {"accepted_types": accepted} if accepted else {}
        if not p.allow_private and not self.network.proxy_resolves(url):
            from audit.resolver import known_failure

            host = urlsplit(url).hostname or ""
            why = known_failure(host)
            if why is not None:  # nothing would be sent: no politeness delay, no retry
                raise FetchError(f"{url}: cannot resolve {host}: {why}")
        with self.gate(url):
            return fetch_url(url, allow_private=p.allow_private, ca_bundle=p.ca_bundle, max_bytes=p.max_bytes,
                             timeout=(p.connect_timeout, p.read_timeout), session=self._session(),
                             headers=headers, user_agent=p.user_agent, max_seconds=p.max_seconds,
                             network=self.network, **kwargs)

    # robots.txt --------------------------------------------------------------------------------
    def robots(self, url: str) -> Robots | None:
        """The parsed robots.txt of the URL's origin; None means everything is allowed.

        RFC 9309: 2xx is parsed; 4xx means no rules (except 401/403, kept as disallow-all, the
        cautious reading); 5xx and connection failures mean "unreachable", i.e. disallow all.
        A Crawl-delay for our agent raises this host's delay (capped at MAX_CRAWL_DELAY).
        """
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        with self._lock:
            if origin in self._robots:
                return self._robots[origin]
        rules: Robots | None = None
        try:
            res = self._get(origin + "/robots.txt", accepted=("text/plain", "text/html", ""))
            rules = Robots(Protego.parse(res.content.decode("utf-8", "replace")))
        except FetchError as e:
            if e.status in (401, 403):
                rules = Robots(disallow_all=True, reason=f"robots.txt answered HTTP {e.status}")
            elif (e.status is not None and e.status >= 500) or (e.status is None and e.retryable):
                why = f"HTTP {e.status}" if e.status is not None else str(e)
                rules = Robots(disallow_all=True, reason=f"robots.txt unreachable ({why}): RFC 9309 says disallow all")
            # 404 and other 4xx, refused addresses, wrong types: no usable robots.txt, everything allowed
        if rules is not None:
            delay = rules.crawl_delay()
            if delay is not None and delay > 0:
                gate = self.gate(url)
                gate.delay = max(gate.delay, min(delay, MAX_CRAWL_DELAY))
        with self._lock:
            self._robots[origin] = rules
        return rules

    def allowed(self, url: str) -> bool:
        rules = self.robots(url)
        return rules is None or rules.can_fetch(url, ROBOTS_AGENT)

    # one document ------------------------------------------------------------------------------
    def fetch(self, url: str, etag: str | None = None, last_modified: str | None = None) -> Attempt:
        """Fetch one URL with robots check, conditional headers and retries."""
        p = self.policy
        try:
            if not p.ignore_robots and not self.allowed(url):
                rules = self.robots(url)
                why = f" ({rules.reason})" if rules is not None and rules.reason else ""
                return Attempt(url, None, f"{url}: disallowed by robots.txt{why} (use --ignore-robots to override)", 0)
        except FetchError as e:  # e.g. a refused private address: the real fetch would fail the same way
            return Attempt(url, None, str(e), 0)
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        attempt = 0
        while True:
            attempt += 1
            try:
                return Attempt(url, self._get(url, headers), None, attempt, p.ignore_robots)
            except FetchError as e:
                if not e.retryable or attempt > p.retries:
                    suffix = f" (after {attempt} attempts)" if attempt > 1 else ""
                    return Attempt(url, None, f"{e}{suffix}", attempt, p.ignore_robots)
                wait = p.backoff * (2 ** (attempt - 1))
                if e.retry_after is not None:
                    wait = max(wait, e.retry_after)
                time.sleep(min(wait, p.max_retry_after))
