"""TLS probe with the standard `ssl` module: accepted versions, negotiated cipher, forward secrecy.

One handshake pinned to each of TLS 1.0 / 1.1 / 1.2 / 1.3 says which versions the server
accepts; a handshake offering only RSA key exchange on TLS 1.2 says whether a non-forward-secret
suite is accepted. Certificates are not verified here (see `certificate.py`): this measures the
protocol, whatever the certificate.
"""

from __future__ import annotations

import functools
import ssl
import warnings
from dataclasses import dataclass

from audit.models import TLS_ACCEPTED as ACCEPTED, TLS_REFUSED as REFUSED, TLS_UNTESTABLE as UNTESTABLE
from audit.probe.status import COMPLETED, ERROR, NOT_RUN, Target, connect, first_line, is_ip

#: Versions probed, oldest first (SSL 2/3 are gone from every OpenSSL this runs on).
VERSIONS = ("TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3")
_ENUM = {"TLSv1": "TLSv1", "TLSv1.1": "TLSv1_1", "TLSv1.2": "TLSv1_2", "TLSv1.3": "TLSv1_3"}


@dataclass(frozen=True)
class VersionResult:
    version: str
    outcome: str  # accepted | refused | untestable | error
    cipher: str | None = None
    forward_secrecy: bool | None = None
    reason: str | None = None

    def to_json(self) -> dict:
        return {"version": self.version, "outcome": self.outcome, "cipher": self.cipher,
                "forward_secrecy": self.forward_secrecy, "reason": self.reason}


@dataclass(frozen=True)
class TlsResult:
    status: str  # completed | error | not-run
    reason: str | None = None
    versions: tuple[VersionResult, ...] = ()
    negotiated_version: str | None = None
    negotiated_cipher: str | None = None
    forward_secrecy: bool | None = None  # of the suite negotiated on every accepted version
    non_fs_tls12_accepted: bool | None = None  # None: not tested (no TLS 1.2, or OpenSSL cannot offer)
    leaf_der: bytes | None = None
    plain_http: bool = False  # the port answered a plain HTTP request: there is no TLS to measure

    def version(self, name: str) -> VersionResult | None:
        return next((v for v in self.versions if v.version == name), None)

    @property
    def untestable(self) -> tuple[str, ...]:
        return tuple(v.version for v in self.versions if v.outcome == UNTESTABLE)

    def to_json(self) -> dict:
        return {"status": self.status, "reason": self.reason,
                "versions": [v.to_json() for v in self.versions],
                "negotiated_version": self.negotiated_version, "negotiated_cipher": self.negotiated_cipher,
                "forward_secrecy": self.forward_secrecy, "non_fs_tls12_accepted": self.non_fs_tls12_accepted,
                "plain_http": self.plain_http}


def cipher_has_forward_secrecy(version: str, cipher: str) -> bool:
    """TLS 1.3 suites are always ephemeral; before 1.3 the OpenSSL name says the key exchange."""
    if version == "TLSv1.3" or cipher.startswith("TLS_"):
        return True
    return cipher.startswith(("ECDHE-", "DHE-", "EDH-"))


#: Offer every suite OpenSSL has: the probe measures what the server accepts, not what we like.
OFFER_ALL = "ALL:@SECLEVEL=0"


def offer_everything(ctx: ssl.SSLContext, version: str | None = None, ciphers: str | None = None) -> ssl.SSLContext:
    """Pin CTX to VERSION (or allow every version) and offer CIPHERS (default: all of them)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        if version is None:
            ctx.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
            ctx.maximum_version = ssl.TLSVersion.MAXIMUM_SUPPORTED
        else:
            v = getattr(ssl.TLSVersion, _ENUM[version])
            ctx.minimum_version = v
            ctx.maximum_version = v
    ctx.set_ciphers(ciphers or OFFER_ALL)
    return ctx


def _context(version: str | None = None, ciphers: str | None = None) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return offer_everything(ctx, version, ciphers)


@functools.cache
def local_can_offer(version: str) -> bool:
    """Whether this OpenSSL can send a ClientHello for VERSION (checked offline, in memory)."""
    try:
        ctx = _context(version)
    except (ValueError, ssl.SSLError):
        return False
    obj = ctx.wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO(), server_hostname=None)
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        return True
    except ssl.SSLError:
        return False
    return True


@functools.cache
def local_can_offer_rsa_kex() -> bool:
    try:
        _context("TLSv1.2", "kRSA:@SECLEVEL=0")
        return True
    except (ValueError, ssl.SSLError):
        return False


def _handshake(target: Target, ctx: ssl.SSLContext, timeout: float) -> ssl.SSLSocket:
    sock = connect(target, target.port, timeout)
    try:
        return ctx.wrap_socket(sock, server_hostname=None if is_ip(target.host) else target.host)
    except BaseException:
        sock.close()
        raise


#: OpenSSL reasons that come from this side of the connection, before or without any word from the
#: server: they say nothing about what the server accepts.
LOCAL_REASONS = frozenset({
    "NO_PROTOCOLS_AVAILABLE", "NO_CIPHERS_AVAILABLE", "NO_CIPHER_MATCH", "NO_SUITABLE_KEY_SHARE",
    "NO_SUITABLE_SIGNATURE_ALGORITHM", "UNSUPPORTED_SSL_VERSION", "INTERNAL_ERROR", "MALLOC_FAILURE",
    "CA_MD_TOO_WEAK", "EE_KEY_TOO_SMALL", "DH_KEY_TOO_SMALL", "BAD_DH_VALUE", "LIBRARY_HAS_NO_CIPHERS",
})
#: Reasons that are the server's answer: an alert, or a version or suite we did not offer.
SERVER_REASONS = frozenset({
    "WRONG_VERSION_NUMBER", "UNSUPPORTED_PROTOCOL", "VERSION_TOO_LOW", "VERSION_TOO_HIGH", "WRONG_SSL_VERSION",
    "UNEXPECTED_EOF_WHILE_READING", "NO_SHARED_CIPHER", "WRONG_CIPHER_RETURNED", "UNKNOWN_PROTOCOL",
    "RECORD_LAYER_FAILURE", "UNEXPECTED_MESSAGE", "PACKET_LENGTH_TOO_LONG", "HTTP_REQUEST",
})


def is_server_refusal(e: BaseException) -> bool | None:
    """True: the server refused (an alert, a hang-up, another version); False: a local OpenSSL error
    (nothing was learnt about the server); None: an OpenSSL reason we do not know (not a verdict)."""
    if isinstance(e, (ssl.SSLEOFError, ssl.SSLZeroReturnError, ConnectionResetError, ConnectionAbortedError,
                      BrokenPipeError)):
        return True
    reason = (getattr(e, "reason", None) or "").upper()
    if "ALERT" in reason or reason in SERVER_REASONS:
        return True
    if reason in LOCAL_REASONS:
        return False
    return None


def _pinned(target: Target, version: str, timeout: float) -> VersionResult:
    if not local_can_offer(version):
        return VersionResult(version, UNTESTABLE, reason=f"the local OpenSSL ({ssl.OPENSSL_VERSION}) cannot offer {version}")
    try:
        ctx = _context(version)
    except (ValueError, ssl.SSLError) as e:
        return VersionResult(version, UNTESTABLE, reason=f"local OpenSSL error: {first_line(e)}")
    try:
        with _handshake(target, ctx, timeout) as s:
            cipher = s.cipher()[0]
            return VersionResult(version, ACCEPTED, cipher, cipher_has_forward_secrecy(version, cipher))
    except (ssl.SSLError, ConnectionResetError, ConnectionAbortedError, BrokenPipeError) as e:
        verdict = is_server_refusal(e)
        if verdict is True:
            return VersionResult(version, REFUSED, reason=first_line(e))
        # a local error, or one we cannot attribute: the version is not evaluated (never a pass)
        what = "local OpenSSL error" if verdict is False else "handshake failed for an unknown reason"
        return VersionResult(version, UNTESTABLE, reason=f"{what}: {first_line(e)}")
    except OSError as e:
        return VersionResult(version, "error", reason=first_line(e))


def _answers_plain_http(target: Target, timeout: float) -> bool:
    """After a failed handshake: is this a web server without TLS on the port (a measured "no HTTPS")
    rather than a broken or unknown service (which stays an error, never a level)?"""
    try:
        with connect(target, target.port, timeout) as sock:
            sock.sendall(f"HEAD / HTTP/1.0\r\nHost: {target.host}\r\n\r\n".encode("ascii", "replace"))
            return sock.recv(5) == b"HTTP/"
    except OSError:
        return False


def probe_tls(target: Target, timeout: float) -> TlsResult:
    """Measure TLS on TARGET. An unreachable or silent host is an error, never "refused"."""
    try:
        with _handshake(target, _context(), timeout) as s:
            negotiated_version = s.version()
            negotiated_cipher = s.cipher()[0]
            leaf = s.getpeercert(binary_form=True)
    except ssl.SSLError as e:
        if _answers_plain_http(target, timeout):
            return TlsResult(COMPLETED, f"no TLS: port {target.port} answers plain HTTP", plain_http=True)
        return TlsResult(ERROR, f"TLS handshake with {target.label} failed: {first_line(e)}")
    except OSError as e:
        return TlsResult(ERROR, f"TLS handshake with {target.label} failed: {first_line(e)}")
    versions = tuple(_pinned(target, v, timeout) for v in VERSIONS)
    failed = [v for v in versions if v.outcome == "error"]
    if failed:
        return TlsResult(ERROR, f"{failed[0].version} handshake: {failed[0].reason}", versions,
                         negotiated_version, negotiated_cipher, leaf_der=leaf)
    accepted = [v for v in versions if v.outcome == ACCEPTED]
    fs = all(v.forward_secrecy for v in accepted) and cipher_has_forward_secrecy(negotiated_version, negotiated_cipher)
    non_fs = None
    tls12 = next(v for v in versions if v.version == "TLSv1.2")
    if tls12.outcome == ACCEPTED and local_can_offer_rsa_kex():
        try:
            with _handshake(target, _context("TLSv1.2", "kRSA:@SECLEVEL=0"), timeout):
                non_fs = True
        except (ssl.SSLError, ConnectionResetError, ConnectionAbortedError, BrokenPipeError) as e:
            non_fs = False if is_server_refusal(e) else None  # a local error tells nothing
        except OSError as e:
            return TlsResult(ERROR, f"TLS 1.2 RSA key exchange handshake: {first_line(e)}", versions,
                             negotiated_version, negotiated_cipher, fs, leaf_der=leaf)
    elif tls12.outcome != ACCEPTED:
        non_fs = False
    return TlsResult(COMPLETED, None, versions, negotiated_version, negotiated_cipher, fs, non_fs, leaf)


def not_run(reason: str) -> TlsResult:
    return TlsResult(NOT_RUN, reason)
