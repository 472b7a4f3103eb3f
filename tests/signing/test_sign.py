"""Ed25519 keygen / sign / verify: round trip, tamper detection, unusable keys, file modes."""

from __future__ import annotations

import stat

import pytest


@pytest.fixture
def keyed(tmp_path, run_cli):
    key = tmp_path / "k.key"
    r = run_cli("keygen", "--out", key)
    assert r.code == 0, r
    doc = tmp_path / "scorecards.json"
    doc.write_text('{"companies": []}\n')
    r = run_cli("sign", doc, "--key", key)
    assert r.code == 0, r
    return key, doc


def test_keygen_modes_and_private_key_never_printed(tmp_path, run_cli):
    key = tmp_path / "k.key"
    r = run_cli("keygen", "--out", key)
    assert r.code == 0
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert (tmp_path / "k.key.pub").read_text().startswith("-----BEGIN PUBLIC KEY-----")
    assert r.out.startswith("SHA256:")
    secret = key.read_text()
    assert "PRIVATE KEY" in secret
    body = "".join(secret.splitlines()[1:-1])
    assert body not in r.out + r.err and "PRIVATE" not in r.out + r.err


def test_keygen_refuses_to_overwrite(tmp_path, run_cli):
    key = tmp_path / "k.key"
    assert run_cli("keygen", "--out", key).code == 0
    before = key.read_bytes()
    r = run_cli("keygen", "--out", key)
    assert r.code == 2 and "exists" in r.err
    assert key.read_bytes() == before


def test_round_trip(keyed, run_cli):
    key, doc = keyed
    r = run_cli("verify", doc, "--public-key", f"{key}.pub")
    assert r.code == 0, r


def test_tampered_file_fails(keyed, run_cli):
    key, doc = keyed
    doc.write_text('{"companies": [1]}\n')
    r = run_cli("verify", doc, "--public-key", f"{key}.pub")
    assert r.code == 1 and "does NOT match" in r.err


def test_one_byte_appended_fails(keyed, run_cli):
    key, doc = keyed
    doc.write_bytes(doc.read_bytes() + b" ")
    assert run_cli("verify", doc, "--public-key", f"{key}.pub").code == 1


def test_tampered_signature_fails(keyed, run_cli, tmp_path):
    import base64

    key, doc = keyed
    sig = tmp_path / "scorecards.json.sig"
    raw = bytearray(base64.b64decode(sig.read_text()))
    raw[0] ^= 1
    sig.write_text(base64.b64encode(bytes(raw)).decode())
    assert run_cli("verify", doc, "--public-key", f"{key}.pub").code == 1
    sig.write_text("not base64 !!!")
    assert run_cli("verify", doc, "--public-key", f"{key}.pub").code == 1


def test_wrong_key_fails(keyed, run_cli, tmp_path):
    _, doc = keyed
    other = tmp_path / "other.key"
    assert run_cli("keygen", "--out", other).code == 0
    assert run_cli("verify", doc, "--public-key", f"{other}.pub").code == 1


@pytest.mark.parametrize("content", [b"", b"garbage", b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"])
def test_unusable_public_key_exits_2(keyed, run_cli, tmp_path, content):
    _, doc = keyed
    bad = tmp_path / "bad.pub"
    bad.write_bytes(content)
    r = run_cli("verify", doc, "--public-key", bad)
    assert r.code == 2 and "Traceback" not in r.err


def test_unusable_and_missing_private_key_exit_2(tmp_path, run_cli):
    doc = tmp_path / "f.json"
    doc.write_text("{}")
    bad = tmp_path / "bad.key"
    bad.write_text("not a key")
    assert run_cli("sign", doc, "--key", bad).code == 2
    assert run_cli("sign", doc, "--key", tmp_path / "missing.key").code == 2
    assert not (tmp_path / "f.json.sig").exists()


def test_rsa_key_is_refused(tmp_path, run_cli):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    k = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    pub = tmp_path / "rsa.pub"
    pub.write_bytes(k.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    doc = tmp_path / "f.json"
    doc.write_text("{}")
    (tmp_path / "f.json.sig").write_text("AAAA")
    r = run_cli("verify", doc, "--public-key", pub)
    assert r.code == 2 and "Ed25519" in r.err


def test_key_from_environment(tmp_path, run_cli):
    key = tmp_path / "k.key"
    assert run_cli("keygen", "--out", key).code == 0
    doc = tmp_path / "f.json"
    doc.write_text("{}")
    r = run_cli("sign", doc, env={"AUDIT_SIGNING_KEY": key.read_text()})
    assert r.code == 0, r
    assert run_cli("verify", doc, "--public-key", f"{key}.pub").code == 0
