"""Certificate probe with `cryptography`: chain verification, name match, key, signature, dates.

Chain verification is done by OpenSSL in a verifying handshake (against --ca-bundle /
SSL_CERT_FILE or the system store); everything else is read from the leaf certificate that
the TLS probe received, so a broken chain still gets its key and dates reported.
"""

from __future__ import annotations

import ipaddress
import ssl
from dataclasses import dataclass
from datetime import datetime, timezone

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa

from audit.probe.tls import offer_everything
from audit.probe.status import COMPLETED, ERROR, NOT_RUN, Target, connect, first_line, is_ip

SHA2 = ("sha224", "sha256", "sha384", "sha512")
STRONG_BITS = {"RSA": 2048, "DSA": 2048, "EC": 256, "Ed25519": 0, "Ed448": 0}
EXPIRY_WARNING_DAYS = 30


@dataclass(frozen=True)
class CertificateResult:
    status: str
    reason: str | None = None
    chain_valid: bool | None = None
    verify_error: str | None = None
    name_matches: bool | None = None
    names: tuple[str, ...] = ()
    subject: str | None = None
    issuer: str | None = None
    key_type: str | None = None
    key_bits: int | None = None
    signature_hash: str | None = None
    not_before: str | None = None
    not_after: str | None = None
    days_to_expiry: int | None = None
    lifetime_days: int | None = None
    sha256_fingerprint: str | None = None

    @property
    def strong_key(self) -> bool:
        return self.key_type in STRONG_BITS and (self.key_bits or 0) >= STRONG_BITS[self.key_type]

    @property
    def sha2_signature(self) -> bool:
        """SHA-2 signatures, or EdDSA (which hashes internally and has no separate hash)."""
        return self.signature_hash in SHA2 or (self.signature_hash is None and self.key_type in ("Ed25519", "Ed448"))

    @property
    def expired(self) -> bool:
        return self.days_to_expiry is not None and self.days_to_expiry < 0

    def to_json(self) -> dict:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.__dict__.items()} | {
            "strong_key": self.strong_key if self.status == COMPLETED else None,
            "sha2_signature": self.sha2_signature if self.status == COMPLETED else None}


def verify_context(ca_bundle: str | None) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False  # the name is matched separately, so a mismatch and a bad chain are told apart
    ctx.verify_mode = ssl.CERT_REQUIRED
    offer_everything(ctx)  # key strength and hashes are judged below, not by the handshake
    if ca_bundle:
        ctx.load_verify_locations(cafile=ca_bundle)
    else:
        ctx.load_default_certs()
    return ctx


def verify_chain(target: Target, ca_bundle: str | None, timeout: float) -> tuple[bool, str | None]:
    """(valid, OpenSSL's reason) from a verifying handshake; OSError if the host is unreachable."""
    ctx = verify_context(ca_bundle)
    sock = connect(target, target.port, timeout)
    try:
        with ctx.wrap_socket(sock, server_hostname=None if is_ip(target.host) else target.host):
            return True, None
    except ssl.SSLCertVerificationError as e:
        return False, e.verify_message or first_line(e)
    finally:
        sock.close()


def name_matches(host: str, cert: x509.Certificate) -> tuple[bool, tuple[str, ...]]:
    """RFC 6125 matching on subjectAltName (one left-most wildcard label; IPs exactly)."""
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        dns = san.get_values_for_type(x509.DNSName)
        ips = [str(i) for i in san.get_values_for_type(x509.IPAddress)]
    except x509.ExtensionNotFound:
        dns, ips = [], []
    names = tuple(sorted(dns)) + tuple(sorted(ips))
    if is_ip(host):
        return str(ipaddress.ip_address(host)) in ips, names
    h = host.rstrip(".").lower()
    for name in dns:
        n = name.rstrip(".").lower()
        if n == h:
            return True, names
        if n.startswith("*.") and "." in h and h.split(".", 1)[1] == n[2:] and n.count(".") >= 2:
            return True, names
    return False, names


def _key(cert: x509.Certificate) -> tuple[str, int | None]:
    key = cert.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        return "RSA", key.key_size
    if isinstance(key, ec.EllipticCurvePublicKey):
        return "EC", key.curve.key_size
    if isinstance(key, dsa.DSAPublicKey):
        return "DSA", key.key_size
    if isinstance(key, ed25519.Ed25519PublicKey):
        return "Ed25519", 256
    if isinstance(key, ed448.Ed448PublicKey):
        return "Ed448", 456
    return type(key).__name__, None


def inspect_leaf(der: bytes, host: str, now: datetime | None = None) -> dict:
    """Facts of a DER leaf certificate, as CertificateResult fields."""
    now = now or datetime.now(timezone.utc)
    cert = x509.load_der_x509_certificate(der)
    try:
        sig = cert.signature_hash_algorithm
        sig_name = sig.name if sig else None
    except UnsupportedAlgorithm:
        sig_name = "unsupported"
    key_type, bits = _key(cert)
    matches, names = name_matches(host, cert)
    nb, na = cert.not_valid_before_utc, cert.not_valid_after_utc
    return {
        "name_matches": matches, "names": names,
        "subject": cert.subject.rfc4514_string(), "issuer": cert.issuer.rfc4514_string(),
        "key_type": key_type, "key_bits": bits, "signature_hash": sig_name,
        "not_before": nb.strftime("%Y-%m-%dT%H:%M:%SZ"), "not_after": na.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "days_to_expiry": (na - now).days if na >= now else -((now - na).days + 1),
        "lifetime_days": (na - nb).days,
        "sha256_fingerprint": cert.fingerprint(hashes.SHA256()).hex(),
    }


def probe_certificate(target: Target, leaf_der: bytes | None, ca_bundle: str | None, timeout: float) -> CertificateResult:
    if not leaf_der:
        return CertificateResult(NOT_RUN, "no certificate was received")
    try:
        facts = inspect_leaf(leaf_der, target.host)
    except ValueError as e:
        return CertificateResult(ERROR, f"unreadable certificate: {first_line(e)}")
    try:
        valid, why = verify_chain(target, ca_bundle, timeout)
    except (ssl.SSLError, OSError) as e:
        return CertificateResult(ERROR, f"verifying handshake failed: {first_line(e)}", **facts)
    return CertificateResult(COMPLETED, None, valid, why, **facts)


def not_run(reason: str) -> CertificateResult:
    return CertificateResult(NOT_RUN, reason)
