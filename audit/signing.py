"""Ed25519 detached signatures over published files (scorecards.json).

Readers of a scorecard must be able to check that nobody changed it after the CI job
published it; a detached signature beside the file, checked against a published public key,
does that without any server.
"""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from audit.archive.files import atomic_write
from audit.errors import GateFailed, InputError

SIGNATURE_SUFFIX = ".sig"
PUBLIC_SUFFIX = ".pub"
DEFAULT_KEY = Path("audit-signing.key")
#: environment variable holding a PEM private key (the CI secret), used when no key file is given
KEY_ENV = "AUDIT_SIGNING_KEY"


@dataclass(frozen=True)
class KeyPair:
    private_path: Path
    public_path: Path
    fingerprint: str


def fingerprint(public_key: Ed25519PublicKey) -> str:
    """SHA256 of the raw public key, OpenSSH style, so people can compare it by eye."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "SHA256:" + base64.b64encode(hashlib.sha256(raw).digest()).decode().rstrip("=")



def public_path_for(private_path: Path) -> Path:
    return private_path.with_name(private_path.name + PUBLIC_SUFFIX)


def generate(private_path: Path, force: bool = False) -> KeyPair:
    """Write a new key pair: the private key 0600 (never printed), the public key beside it."""
    public_path = public_path_for(private_path)
    if private_path.exists() and not force:
        raise InputError(f"{private_path}: already exists (use --force to replace it)")
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    atomic_write(private_path, pem, 0o600)
    pub = key.public_key()
    atomic_write(public_path, public_pem(pub), 0o644)
    return KeyPair(private_path, public_path, fingerprint(pub))


def public_pem(pub: Ed25519PublicKey) -> bytes:
    return pub.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except (OSError, ValueError) as e:
        raise InputError(f"{path}: cannot read {what}: {getattr(e, 'strerror', None) or e}") from None


def load_private_key(path: Path | None) -> Ed25519PrivateKey:
    """The private key from PATH, or from $AUDIT_SIGNING_KEY (CI secret) when PATH is None."""
    if path is None and os.environ.get(KEY_ENV):
        data, name = os.environ[KEY_ENV].encode(), f"${KEY_ENV}"
    else:
        path = path or DEFAULT_KEY
        data, name = _read(path, "private key"), str(path)
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except Exception as e:  # noqa: BLE001 - cryptography raises several types for unusable keys
        raise InputError(f"{name}: not a usable private key ({type(e).__name__})") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise InputError(f"{name}: not an Ed25519 private key")
    return key


def load_public_key(path: Path) -> Ed25519PublicKey:
    data = _read(path, "public key")
    try:
        key = serialization.load_pem_public_key(data)
    except Exception as e:  # noqa: BLE001 - any parse failure means an unusable key
        raise InputError(f"{path}: not a usable public key ({type(e).__name__})") from None
    if not isinstance(key, Ed25519PublicKey):
        raise InputError(f"{path}: not an Ed25519 public key")
    return key


def sign_file(path: Path, key: Ed25519PrivateKey, signature_path: Path | None = None) -> Path:
    """Write a detached base64 signature of PATH's bytes to PATH.sig; returns its path."""
    data = _read(path, "file to sign")
    sig_path = signature_path or path.with_name(path.name + SIGNATURE_SUFFIX)
    sig = base64.b64encode(key.sign(data)) + b"\n"
    atomic_write(sig_path, sig, 0o644)
    return sig_path


def verify_file(path: Path, public_key: Ed25519PublicKey, signature_path: Path | None = None) -> None:
    """Raise GateFailed (exit 1) unless the signature matches the file exactly."""
    data = _read(path, "signed file")
    sig_path = signature_path or path.with_name(path.name + SIGNATURE_SUFFIX)
    raw = _read(sig_path, "signature")
    try:
        sig = base64.b64decode(raw.strip(), validate=True)
    except ValueError:
        raise GateFailed(f"{sig_path}: signature is damaged (not base64)") from None
    try:
        public_key.verify(sig, data)
    except InvalidSignature:
        raise GateFailed(f"{path}: signature does NOT match (file or signature changed, or wrong key)") from None
