"""Polite fetching: robots.txt, one request at a time per host with a delay, hosts in parallel,
retries with backoff (Retry-After honoured, capped), conditional requests.

Built on :func:`audit.fetch.http.fetch_url`, which keeps every request safe (public addresses
only, bounded body after decompression, at most 5 redirects).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

import requests

from audit.fetch.http import USER_AGENT, FetchError, FetchResult, NetworkEnv, fetch_url, new_session

ROBOTS_AGENT = "encryption-audit"


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
        self._robots: dict[str, RobotFileParser | None] = {}
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
    def robots(self, url: str) -> RobotFileParser | None:
        """The parsed robots.txt of the URL's origin; None means everything is allowed."""
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        with self._lock:
            if origin in self._robots:
                return self._robots[origin]
        parser: RobotFileParser | None = None
        try:
            res = self._get(origin + "/robots.txt", accepted=("text/plain", "text/html", ""))
            parser = RobotFileParser()
            parser.parse(res.content.decode("utf-8", "replace").splitlines())
        except FetchError as e:
            if e.status in (401, 403):
                parser = RobotFileParser()
                parser.disallow_all = True
            # 404 and other failures: no robots.txt, everything allowed
        with self._lock:
            self._robots[origin] = parser
        return parser

    def allowed(self, url: str) -> bool:
        parser = self.robots(url)
        return parser is None or parser.can_fetch(ROBOTS_AGENT, url)

    # one document ------------------------------------------------------------------------------
    def fetch(self, url: str, etag: str | None = None, last_modified: str | None = None) -> Attempt:
        """Fetch one URL with robots check, conditional headers and retries."""
        p = self.policy
        try:
            if not p.ignore_robots and not self.allowed(url):
                return Attempt(url, None, f"{url}: disallowed by robots.txt (use --ignore-robots to override)", 0)
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
