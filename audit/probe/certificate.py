"""Certificate probe with `cryptography`: chain verification, name match, key, signature, dates.

Chain verification is done by OpenSSL in a verifying handshake (against --ca-bundle /
SSL_CERT_FILE / REQUESTS_CA_BUNDLE, else certifi's Mozilla bundle, the store `requests` uses
for fetching); everything else is read from the leaf certificate that the TLS probe received, so
a broken chain still gets its key and dates reported. A leaf that is itself a CA
(basicConstraints CA:TRUE) does not verify (RFC 5280 4.2.1.9; the CA/Browser Forum rules): OpenSSL
accepts it, so it is checked here, and where the chain is at hand `cryptography`'s
x509 verification (web PKI policy) is run as well and recorded. The trust store used is recorded
with every probe run (`trust_store`).
"""

from __future__ import annotations

import hashlib
import ipaddress
import ssl
import warnings
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
from cryptography.x509 import verification

from audit.probe.tls import offer_everything
from audit.probe.status import COMPLETED, ERROR, NOT_RUN, Target, connect, first_line, is_ip

SHA2 = ("sha224", "sha256", "sha384", "sha512")
STRONG_BITS = {"RSA": 2048, "DSA": 2048, "EC": 256, "Ed25519": 0, "Ed448": 0}


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
    leaf_is_ca: bool | None = None
    policy_valid: bool | None = None  # cryptography's web PKI verification; None: could not run here
    policy_error: str | None = None

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


def default_bundle() -> str:
    import certifi

    return certifi.where()


def trust_store(ca_bundle: str | None) -> dict:
    """Which trust store verifies certificates, for the probe record (no local paths in it)."""
    if ca_bundle:
        try:
            data = Path(ca_bundle).read_bytes()
        except OSError:
            return {"source": "ca-bundle", "sha256": None, "certificates": None}
        count = data.count(b"-----BEGIN CERTIFICATE-----")
        return {"source": "ca-bundle", "sha256": hashlib.sha256(data).hexdigest(), "certificates": count}
    import certifi

    data = Path(certifi.where()).read_bytes()
    return {"source": "certifi", "certifi_version": certifi.__version__,
            "sha256": hashlib.sha256(data).hexdigest(), "certificates": data.count(b"-----BEGIN CERTIFICATE-----")}


def verify_context(ca_bundle: str | None) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False  # the name is matched separately, so a mismatch and a bad chain are told apart
    ctx.verify_mode = ssl.CERT_REQUIRED
    offer_everything(ctx)  # key strength and hashes are judged below, not by the handshake
    ctx.load_verify_locations(cafile=ca_bundle or default_bundle())
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


def leaf_is_ca(cert: x509.Certificate) -> bool:
    try:
        return bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return False


def policy_verify(leaf: x509.Certificate, host: str, ca_bundle: str | None,
                  now: datetime | None = None) -> tuple[bool | None, str | None]:
    """cryptography's x509 verification (RFC 5280 + CA/B Forum profile) of LEAF for HOST.

    Only the leaf is at hand (the standard `ssl` module of Python < 3.13 does not give the
    server's chain), so this runs when the leaf is issued directly by a root of the store;
    otherwise (None, None): not run, never a verdict.
    """
    try:
        with warnings.catch_warnings():  # old roots with odd serial numbers are still roots
            warnings.simplefilter("ignore")
            roots = x509.load_pem_x509_certificates(Path(ca_bundle or default_bundle()).read_bytes())
    except (OSError, ValueError):
        return None, None
    if not any(r.subject == leaf.issuer for r in roots):
        return None, None
    try:
        subject = x509.IPAddress(ipaddress.ip_address(host)) if is_ip(host) else x509.DNSName(host)
        verifier = (verification.PolicyBuilder().store(verification.Store(roots))
                    .time(now or datetime.now(timezone.utc)).build_server_verifier(subject))
        verifier.verify(leaf, [])
        return True, None
    except verification.VerificationError as e:
        return False, first_line(e)
    except (ValueError, TypeError) as e:  # e.g. a name cryptography cannot express
        return None, f"not run: {first_line(e)}"


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
        "leaf_is_ca": leaf_is_ca(cert),
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
    policy_valid, policy_error = policy_verify(x509.load_der_x509_certificate(leaf_der), target.host, ca_bundle)
    if valid and facts["leaf_is_ca"]:
        valid, why = False, "the leaf certificate is a CA certificate (basicConstraints CA:TRUE)"
    return CertificateResult(COMPLETED, None, valid, why, **facts, policy_valid=policy_valid, policy_error=policy_error)


def not_run(reason: str) -> CertificateResult:
    return CertificateResult(NOT_RUN, reason)
