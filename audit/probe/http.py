"""HTTP probes: http->https redirect on the same host, HSTS, and RFC 9116 security.txt.

Requests are written by hand over a socket to the address resolved once (`status.Target`), so
the Host header and SNI carry the declared name while DNS cannot move the probe elsewhere,
and duplicate headers stay visible (HSTS says only the first one counts).
"""

from __future__ import annotations

import http.client
import re
import ssl
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import urlsplit

from audit import __version__
from audit.probe.status import COMPLETED, ERROR, NOT_RUN, Target, connect, first_line, is_ip

USER_AGENT = f"encryption-audit/{__version__} (transport probe)"
MAX_BODY = 64 * 1024
REDIRECT_CODES = (301, 302, 303, 307, 308)


@dataclass(frozen=True)
class Response:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def get_all(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k.lower() == name.lower()]


def _host_header(target: Target, port: int, default_port: int) -> str:
    name = f"[{target.host}]" if ":" in target.host else target.host
    return name if port == default_port else f"{name}:{port}"


def get(target: Target, path: str, timeout: float, tls: bool, port: int, user_agent: str | None = None) -> Response:
    """One GET without following redirects; raises OSError / ssl.SSLError / HTTPException."""
    sock = connect(target, port, timeout)
    try:
        if tls:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE  # validity is the certificate probe's job
            sock = ctx.wrap_socket(sock, server_hostname=None if is_ip(target.host) else target.host)
        host = _host_header(target, port, 443 if tls else 80)
        sock.sendall((f"GET {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: {user_agent or USER_AGENT}\r\n"
                      "Accept: */*\r\nConnection: close\r\n\r\n").encode("ascii"))
        resp = http.client.HTTPResponse(sock)
        resp.begin()
        body = resp.read(MAX_BODY)
        return Response(resp.status, tuple(resp.msg.items()), body)
    finally:
        sock.close()


# ---- HSTS -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Hsts:
    present: bool
    valid: bool = False
    max_age: int | None = None
    include_subdomains: bool = False
    preload: bool = False
    duplicate: bool = False
    raw: str | None = None

    def to_json(self) -> dict:
        return dict(self.__dict__)


def parse_hsts(values: list[str]) -> Hsts:
    """RFC 6797 6.1: only the first header counts; max-age is required, directives are unique."""
    if not values:
        return Hsts(False)
    raw = values[0]
    max_age, sub, preload, valid, seen = None, False, False, True, set()
    for part in raw.split(";"):
        name, _, value = part.strip().partition("=")
        name = name.strip().lower()
        if not name:
            continue
        if name in seen:
            valid = False
        seen.add(name)
        value = value.strip().strip('"')
        if name == "max-age":
            if value.isdigit():
                max_age = int(value)
            else:
                valid = False
        elif name == "includesubdomains":
            sub = True
        elif name == "preload":
            preload = True
    if max_age is None:
        valid = False
    return Hsts(True, valid, max_age, sub, preload, len(values) > 1, raw[:300])


@dataclass(frozen=True)
class HttpsResult:
    """The http:// -> https:// redirect and the first HTTPS response's HSTS header."""

    status: str
    reason: str | None = None
    http_status: int | None = None  # None: nothing answered on the HTTP port
    http_refused: bool = False
    location: str | None = None
    redirects_to_https_same_host: bool | None = None
    https_status: int | None = None
    hsts: Hsts | None = None

    def to_json(self) -> dict:
        out = {k: v for k, v in self.__dict__.items() if k != "hsts"}
        out["hsts"] = self.hsts.to_json() if self.hsts else None
        return out


def same_host_https(location: str, target: Target) -> bool:
    parts = urlsplit(location)
    try:
        port = parts.port or 443
    except ValueError:
        return False
    return parts.scheme.lower() == "https" and (parts.hostname or "").rstrip(".").lower() == target.host \
        and port == target.port


def probe_https(target: Target, timeout: float, http_port: int = 80, user_agent: str | None = None) -> HttpsResult:
    try:
        first = get(target, "/", timeout, tls=True, port=target.port, user_agent=user_agent)
    except (OSError, http.client.HTTPException) as e:
        return HttpsResult(ERROR, f"HTTPS request failed: {first_line(e)}")
    hsts = parse_hsts(first.get_all("Strict-Transport-Security"))
    try:
        plain = get(target, "/", timeout, tls=False, port=http_port, user_agent=user_agent)
    except ConnectionRefusedError:
        return HttpsResult(COMPLETED, None, None, True, None, False, first.status, hsts)
    except (OSError, http.client.HTTPException) as e:
        return HttpsResult(ERROR, f"HTTP request to port {http_port} failed: {first_line(e)}",
                           https_status=first.status, hsts=hsts)
    location = (plain.get_all("Location") or [None])[0]
    redirects = plain.status in REDIRECT_CODES and location is not None and same_host_https(location, target)
    return HttpsResult(COMPLETED, None, plain.status, False, location, redirects, first.status, hsts)


# ---- security.txt (RFC 9116) ---------------------------------------------------------------

SECURITY_TXT_PATH = "/.well-known/security.txt"
_FIELD = re.compile(r"^([A-Za-z][A-Za-z0-9-]*):\s*(.*?)\s*$")
_CONTACT_URI = re.compile(r"^(?:mailto:[^\s@]+@[^\s@]+|https://[^\s/?#]+[^\s]*|tel:\+?[0-9][0-9()./-]*)$", re.I)


@dataclass(frozen=True)
class SecurityTxtResult:
    status: str
    reason: str | None = None
    http_status: int | None = None
    present: bool = False
    contacts: tuple[str, ...] = ()
    expires: str | None = None
    expires_valid: bool | None = None  # parsed and in the future
    problems: tuple[str, ...] = ()

    @property
    def valid(self) -> bool:
        return self.present and bool(self.contacts) and bool(self.expires_valid) and not self.problems

    def to_json(self) -> dict:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.__dict__.items()} | {"valid": self.valid}


def parse_rfc3339(text: str) -> datetime | None:
    try:
        value = datetime.fromisoformat(text.strip().replace("z", "Z").replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else None


def parse_security_txt(text: str, now: datetime | None = None) -> tuple[tuple[str, ...], str | None, bool | None, tuple[str, ...]]:
    """(contacts, expires, expires in the future, problems) of a security.txt body."""
    now = now or datetime.now(timezone.utc)
    contacts: list[str] = []
    expires: list[str] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or line.startswith("-----") or line.startswith("Hash:"):
            continue
        m = _FIELD.match(line)
        if not m:
            continue
        name, value = m.group(1).lower(), m.group(2)
        if name == "contact" and value:
            contacts.append(value[:300])
        elif name == "expires":
            expires.append(value[:100])
    problems = []
    if not contacts:
        problems.append("no Contact field")
    for c in contacts:  # RFC 9116 2.5.3: a URI; web URIs must be https
        if not _CONTACT_URI.match(c):
            problems.append(f"Contact {c[:80]!r} is not a mailto:, https: or tel: URI")
    if not expires:
        problems.append("no Expires field")
        return tuple(contacts), None, None, tuple(problems)
    if len(expires) > 1:
        problems.append("more than one Expires field")
    when = parse_rfc3339(expires[0])
    if when is None:
        problems.append("Expires is not an RFC 3339 date-time")
        return tuple(contacts), expires[0], None, tuple(problems)
    if when <= now:
        problems.append("Expires is in the past")
    return tuple(contacts), expires[0], when > now, tuple(problems)


def probe_security_txt(target: Target, timeout: float, user_agent: str | None = None) -> SecurityTxtResult:
    try:
        resp = get(target, SECURITY_TXT_PATH, timeout, tls=True, port=target.port, user_agent=user_agent)
    except (OSError, http.client.HTTPException) as e:
        return SecurityTxtResult(ERROR, f"fetching {SECURITY_TXT_PATH} failed: {first_line(e)}")
    ctype = (resp.get_all("Content-Type") or [""])[0].lower()
    if resp.status != 200 or not ctype.startswith("text/plain"):
        why = f"HTTP {resp.status}" if resp.status != 200 else f"served as {ctype or 'no content type'}, not text/plain"
        return SecurityTxtResult(COMPLETED, why, resp.status, False)
    contacts, expires, future, problems = parse_security_txt(resp.body.decode("utf-8", "replace"))
    return SecurityTxtResult(COMPLETED, None, resp.status, True, contacts, expires, future, problems)


def https_not_run(reason: str) -> HttpsResult:
    return HttpsResult(NOT_RUN, reason)


def security_txt_not_run(reason: str) -> SecurityTxtResult:
    return SecurityTxtResult(NOT_RUN, reason)
