"""The status every probe result carries: completed, error (with a reason) or not run.

A probe that could not run must never be read as a bad measurement, so the status travels
with every result and `levels.py` turns anything but "completed" into "not evaluated".
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass

from audit.models import PROBE_COMPLETED as COMPLETED, PROBE_ERROR as ERROR, PROBE_NOT_RUN as NOT_RUN


@dataclass(frozen=True)
class Target:
    """One declared host: the name (for SNI, Host and name matching) and the address dialled."""

    host: str
    port: int
    address: str

    @property
    def url(self) -> str:
        """The HTTPS URL of the host, as evidence points to it."""
        name = f"[{self.host}]" if ":" in self.host else self.host
        return f"https://{name}/" if self.port == 443 else f"https://{name}:{self.port}/"

    @property
    def label(self) -> str:
        name = f"[{self.host}]" if ":" in self.host else self.host
        return name if self.port == 443 else f"{name}:{self.port}"


class TargetRefused(Exception):
    """A host that cannot or may not be probed (bad syntax, unresolvable, non-public address)."""


def parse_host(spec: str) -> tuple[str, int]:
    """`host`, `host:port` or `[v6]:port` -> (host, port); port 443 unless given."""
    spec = spec.strip()
    if not spec or any(c.isspace() for c in spec) or "/" in spec:
        raise TargetRefused(f"{spec!r}: not a host name (use host or host:port)")
    if spec.startswith("["):
        host, sep, rest = spec[1:].partition("]")
        port_text = rest[1:] if rest.startswith(":") else ""
        if not sep or (rest and not rest.startswith(":")):
            raise TargetRefused(f"{spec!r}: malformed IPv6 host")
    elif spec.count(":") == 1:
        host, port_text = spec.split(":")
    else:
        host, port_text = spec, ""
    if not port_text:
        return host.lower(), 443
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise TargetRefused(f"{spec!r}: invalid port {port_text!r}")
    return host.lower(), int(port_text)


def resolve(spec: str, allow_private: bool) -> Target:
    """Resolve once and dial that address for every check, so a DNS answer cannot change mid-probe."""
    host, port = parse_host(spec)
    try:
        from audit.resolver import getaddrinfo

        infos = getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    except socket.gaierror as e:
        raise TargetRefused(f"{host}: cannot resolve: {e.strerror}") from None
    addresses = [info[4][0].split("%")[0] for info in infos]
    if not allow_private:
        for a in addresses:
            ip = ipaddress.ip_address(a)
            if not ip.is_global or ip.is_multicast:
                raise TargetRefused(
                    f"{host} resolves to a non-public address ({a}); use --allow-private-network to probe it")
    ipv4 = [a for a in addresses if ":" not in a]
    return Target(host, port, (ipv4 or addresses)[0])


def connect(target: Target, port: int, timeout: float) -> socket.socket:
    return socket.create_connection((target.address, port), timeout=timeout)


def is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return False


def first_line(e: BaseException) -> str:
    """A one-line reason for an exception, for result records."""
    if isinstance(e, socket.timeout) or isinstance(e, TimeoutError):
        return "timed out"
    if isinstance(e, ConnectionRefusedError):
        return "connection refused"
    text = getattr(e, "reason", None) if e.__class__.__name__.startswith("SSL") else None
    text = text or str(e) or e.__class__.__name__
    return text.splitlines()[0][:200]
