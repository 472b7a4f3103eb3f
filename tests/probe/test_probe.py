"""Probe library against real local TLS/HTTP servers on 127.0.0.1 (certificates made here)."""

from __future__ import annotations

import shutil
import ssl
import subprocess
from datetime import datetime, timedelta, timezone

import pytest
import trustme

from audit.models import Level
from audit.probe import levels
from audit.probe.host import probe_host
from audit.probe.http import parse_hsts, parse_security_txt
from audit.probe.status import parse_host, TargetRefused
from audit.probe.tls import local_can_offer, local_can_offer_rsa_kex
from test_probe_servers import (HOST, ca, ca_bundle, closed_port, good_cert, serve,  # noqa: F401 (fixtures)
                                server_context, silent_port)

TIMEOUT = 3.0
FUTURE = (datetime.now(timezone.utc) + timedelta(days=200)).strftime("%Y-%m-%dT%H:%M:%SZ")
PAST = "2020-01-01T00:00:00Z"
GOOD_TXT = f"Contact: mailto:security@example.test\nExpires: {FUTURE}\n"


def run(port, bundle, http_port=None, timeout=TIMEOUT):
    return probe_host(f"{HOST}:{port}", timeout=timeout, ca_bundle=bundle, allow_private=True,
                      http_port=http_port or closed_port())


def level(hp, cid):
    return {levels.TRANSPORT: levels.transport_level, levels.HTTPS: levels.https_level,
            levels.DISCLOSURE: levels.security_txt_level}[cid](hp)[0]


def test_modern_server_meets_transport_security(good_cert, ca_bundle):
    with serve({"hsts": ["max-age=63072000; includeSubDomains; preload"], "security_txt": GOOD_TXT},
               server_context(good_cert)) as port:
        with serve({"redirect": f"https://{HOST}:{port}/"}) as http_port:
            hp = run(port, ca_bundle, http_port)
    assert hp.error is None
    versions = {v.version: v.outcome for v in hp.tls.versions}
    assert versions["TLSv1.3"] == "accepted" and versions["TLSv1.2"] == "accepted"
    assert versions["TLSv1"] in ("refused", "untestable") and versions["TLSv1.1"] in ("refused", "untestable")
    assert hp.tls.forward_secrecy is True
    c = hp.certificate
    assert c.chain_valid and c.name_matches and c.key_type == "EC" and c.key_bits == 256
    assert c.signature_hash == "sha256" and len(c.sha256_fingerprint) == 64 and c.days_to_expiry > 30
    assert level(hp, levels.TRANSPORT) is Level.MET
    assert level(hp, levels.HTTPS) is Level.MET
    assert level(hp, levels.DISCLOSURE) is Level.MET
    assert hp.https.hsts.include_subdomains and hp.https.hsts.preload
    assert levels.estimate_grade(hp) == "A+"


def test_tls12_only_is_partial(good_cert, ca_bundle):
    with serve({}, server_context(good_cert, max_version=ssl.TLSVersion.TLSv1_2)) as port:
        hp = run(port, ca_bundle)
    assert {v.version: v.outcome for v in hp.tls.versions}["TLSv1.3"] == "refused"
    lv, findings = levels.transport_level(hp)
    assert lv is Level.PARTIAL and findings == ["TLS 1.3 not offered"]
    assert levels.estimate_grade(hp) == "A-"


@pytest.mark.skipif(not local_can_offer("TLSv1"), reason="the local OpenSSL cannot offer TLS 1.0")
def test_tls10_accepted_is_not_met(good_cert, ca_bundle):
    ctx = server_context(good_cert, min_version=ssl.TLSVersion.TLSv1, ciphers="ALL:@SECLEVEL=0")
    with serve({}, ctx) as port:
        hp = run(port, ca_bundle)
    assert {v.version: v.outcome for v in hp.tls.versions}["TLSv1"] == "accepted"
    lv, findings = levels.transport_level(hp)
    assert lv is Level.NOT_MET and any("TLSv1" in f for f in findings)


def test_expired_certificate_is_not_met(ca, ca_bundle):
    now = datetime.now(timezone.utc)
    cert = ca.issue_cert(HOST, not_before=now - timedelta(days=400), not_after=now - timedelta(days=2))
    with serve({}, server_context(cert)) as port:
        hp = run(port, ca_bundle)
    c = hp.certificate
    assert c.chain_valid is False and "expired" in c.verify_error and c.expired
    assert c.lifetime_days == 398
    assert level(hp, levels.TRANSPORT) is Level.NOT_MET
    assert levels.estimate_grade(hp) == "T"


def test_certificate_expiring_soon_is_partial(ca, ca_bundle):
    now = datetime.now(timezone.utc)
    cert = ca.issue_cert(HOST, not_before=now - timedelta(days=60), not_after=now + timedelta(days=10, hours=1))
    with serve({}, server_context(cert)) as port:
        hp = run(port, ca_bundle)
    lv, findings = levels.transport_level(hp)
    assert lv is Level.PARTIAL and findings == ["certificate expires in 10 days"]


def test_wrong_host_name_is_not_met(ca, ca_bundle):
    with serve({}, server_context(ca.issue_cert("other.example"))) as port:
        hp = run(port, ca_bundle)
    assert hp.certificate.chain_valid is True and hp.certificate.name_matches is False
    assert hp.certificate.names == ("other.example",)
    assert level(hp, levels.TRANSPORT) is Level.NOT_MET
    assert levels.estimate_grade(hp) == "M"


def test_untrusted_ca_is_not_met(ca_bundle):
    stranger = trustme.CA().issue_cert(HOST)
    with serve({}, server_context(stranger)) as port:
        hp = run(port, ca_bundle)
    assert hp.certificate.chain_valid is False and "issuer" in hp.certificate.verify_error
    assert level(hp, levels.TRANSPORT) is Level.NOT_MET


def test_ssl_cert_file_style_bundle_is_what_trusts(good_cert, ca_bundle):
    """Without the private CA the same server fails verification: the bundle is really used."""
    with serve({}, server_context(good_cert)) as port:
        trusted = run(port, ca_bundle)
        system = run(port, None)
    assert trusted.certificate.chain_valid is True
    assert system.certificate.chain_valid is False


@pytest.mark.skipif(not local_can_offer_rsa_kex(), reason="the local OpenSSL cannot offer RSA key exchange")
def test_no_forward_secrecy_on_tls12_is_not_met(ca, ca_bundle):
    rsa_cert = ca.issue_cert(HOST, key_type=trustme.KeyType.RSA)
    try:
        ctx = server_context(rsa_cert, max_version=ssl.TLSVersion.TLSv1_2, ciphers="kRSA:@SECLEVEL=0")
    except ssl.SSLError:
        pytest.skip("the local OpenSSL refuses RSA-key-exchange-only server suites")
    with serve({}, ctx) as port:
        hp = run(port, ca_bundle)
    assert hp.tls.status == "completed", hp.tls.reason
    assert hp.tls.forward_secrecy is False and hp.tls.non_fs_tls12_accepted is True
    assert hp.certificate.key_type == "RSA" and hp.certificate.key_bits == 2048
    lv, findings = levels.transport_level(hp)
    assert lv is Level.NOT_MET and any("no forward secrecy" in f for f in findings)


def test_forward_secret_server_refuses_rsa_key_exchange(good_cert, ca_bundle):
    with serve({}, server_context(good_cert)) as port:
        hp = run(port, ca_bundle)
    assert hp.tls.non_fs_tls12_accepted is False


@pytest.mark.parametrize("hsts,expected", [
    (["max-age=31536000"], Level.MET),
    (["max-age=86400; includeSubDomains"], Level.PARTIAL),
    ([], Level.PARTIAL),
    (["includeSubDomains"], Level.PARTIAL),  # no max-age: invalid, ignored
    (["max-age=31536000", "max-age=0"], Level.MET),  # only the first header counts
])
def test_hsts_variants_with_redirect(good_cert, ca_bundle, hsts, expected):
    with serve({"hsts": hsts}, server_context(good_cert)) as port:
        with serve({"redirect": f"https://{HOST}:{port}/login"}) as http_port:
            hp = run(port, ca_bundle, http_port)
    assert hp.https.redirects_to_https_same_host is True
    assert level(hp, levels.HTTPS) is expected
    assert hp.https.hsts.duplicate is (len(hsts) > 1)


def test_no_redirect_is_not_met_even_with_hsts(good_cert, ca_bundle):
    with serve({"hsts": ["max-age=63072000"]}, server_context(good_cert)) as port:
        with serve({}) as http_port:  # plain HTTP that serves the page itself
            hp = run(port, ca_bundle, http_port)
    assert hp.https.http_status == 200 and hp.https.redirects_to_https_same_host is False
    assert level(hp, levels.HTTPS) is Level.NOT_MET


def test_redirect_to_another_host_is_not_same_host(good_cert, ca_bundle):
    with serve({"hsts": ["max-age=63072000"]}, server_context(good_cert)) as port:
        with serve({"redirect": "https://elsewhere.example/"}) as http_port:
            hp = run(port, ca_bundle, http_port)
    assert hp.https.location == "https://elsewhere.example/"
    assert level(hp, levels.HTTPS) is Level.NOT_MET


@pytest.mark.parametrize("body,expected,problem", [
    (GOOD_TXT, Level.MET, None),
    (f"Contact: mailto:security@example.test\nExpires: {PAST}\n", Level.PARTIAL, "Expires is in the past"),
    (f"Expires: {FUTURE}\n", Level.PARTIAL, "no Contact field"),
    (None, Level.NO_DISCLOSURE, None),
])
def test_security_txt(good_cert, ca_bundle, body, expected, problem):
    with serve({"security_txt": body}, server_context(good_cert)) as port:
        hp = run(port, ca_bundle)
    assert level(hp, levels.DISCLOSURE) is expected
    if problem:
        assert problem in hp.security_txt.problems
    assert hp.security_txt.present is (body is not None)


def test_refused_connection_leaves_criteria_not_evaluated():
    hp = run(closed_port(), None)
    assert hp.error and "refused" in hp.error
    for cid in levels.CRITERIA:
        assert level(hp, cid) is None
    assert hp.certificate.status == "not-run"
    out = levels.outcomes([hp], "2026-11-28T00:00:00Z")
    assert all(out[cid]["level"] is None for cid in levels.CRITERIA)


def test_silent_host_times_out_and_is_not_evaluated():
    with silent_port() as port:
        hp = run(port, None, timeout=0.5)
    assert hp.tls.status == "error" and "timed out" in hp.tls.reason
    assert level(hp, levels.TRANSPORT) is None


def test_private_address_is_refused_without_permission(good_cert):
    with serve({}, server_context(good_cert)) as port:
        hp = probe_host(f"{HOST}:{port}", timeout=TIMEOUT, allow_private=False)
    assert hp.error and "--allow-private-network" in hp.error
    assert hp.tls.status == "not-run"


def test_worst_host_decides_and_unknown_host_leaves_not_evaluated(good_cert, ca, ca_bundle):
    with serve({}, server_context(good_cert)) as good, \
            serve({}, server_context(ca.issue_cert("other.example"))) as bad:
        hp_good, hp_bad = run(good, ca_bundle), run(bad, ca_bundle)
    hp_down = run(closed_port(), None)
    assert levels.outcomes([hp_good, hp_bad, hp_down], "t")[levels.TRANSPORT]["level"] == "not-met"
    out = levels.outcomes([hp_good, hp_down], "t")[levels.TRANSPORT]
    assert out["level"] is None and "could not run" in out["note"]
    ev = out["evidence"][0]
    assert ev["url"] == f"https://{HOST}:{good}/" and ev["observation"]["tls"]["negotiated_version"] == "TLSv1.3"
    assert ev["level"] == "met" and ev["quote"].startswith(f"{HOST}:{good} accepts")


def test_parse_hsts_and_security_txt_units():
    h = parse_hsts(['max-age="600"; includeSubDomains; preload'])
    assert (h.valid, h.max_age, h.include_subdomains, h.preload) == (True, 600, True, True)
    assert parse_hsts(["max-age=1; max-age=2"]).valid is False
    assert parse_hsts([]).present is False
    contacts, expires, future, problems = parse_security_txt(
        "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\n# comment\nContact: https://x.test/report\n"
        "Expires: not a date\n")
    assert contacts == ("https://x.test/report",) and future is None
    assert "Expires is not an RFC 3339 date-time" in problems


@pytest.mark.parametrize("spec,expected", [
    ("Example.com", ("example.com", 443)), ("example.com:8443", ("example.com", 8443)),
    ("[::1]:444", ("::1", 444)), ("::1", ("::1", 443)),
])
def test_parse_host(spec, expected):
    assert parse_host(spec) == expected


@pytest.mark.parametrize("spec", ["", "a b", "https://x/", "x:0", "x:99999", "x:abc"])
def test_parse_host_rejects(spec):
    with pytest.raises(TargetRefused):
        parse_host(spec)


def _test_ca(name: str, key_identifier: bool = False):
    """(key, name, certificate) of a self-signed EC test CA made with `cryptography`."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.now(timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    builder = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
               .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=400))
               .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
               .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True))
    if key_identifier:
        builder = builder.add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
    return ca_key, ca_name, builder.sign(ca_key, hashes.SHA256())


def _leaf_builder(ca_name, leaf_key):
    """A 90-day certificate for 127.0.0.1 (HOST), to be extended and signed by the caller."""
    import ipaddress

    from cryptography import x509
    from cryptography.x509.oid import NameOID

    now = datetime.now(timezone.utc)
    return (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)]))
            .issuer_name(ca_name).public_key(leaf_key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=90))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(HOST))]), critical=False))


def _write_chain(tmp_path, ca_cert, leaf, leaf_key) -> tuple[str, str]:
    """ca.pem and leaf.pem (certificate + PKCS8 key) in tmp_path; their paths."""
    from cryptography.hazmat.primitives import serialization

    pem = serialization.Encoding.PEM
    (tmp_path / "ca.pem").write_bytes(ca_cert.public_bytes(pem))
    (tmp_path / "leaf.pem").write_bytes(leaf.public_bytes(pem) + leaf_key.private_bytes(
        pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return str(tmp_path / "ca.pem"), str(tmp_path / "leaf.pem")


def _odd_chain(tmp_path, leaf_key, leaf_hash):
    """A CA and a leaf for 127.0.0.1 made with `cryptography` (for keys/hashes trustme won't make)."""
    ca_key, ca_name, ca_cert = _test_ca("odd test CA")
    leaf = _leaf_builder(ca_name, leaf_key).sign(ca_key, leaf_hash)
    bundle, leaf_pem = _write_chain(tmp_path, ca_cert, leaf, leaf_key)
    return bundle, leaf_pem, ca_key


def _serve_odd(tmp_path, leaf_key, resign_sha1=False):
    from cryptography.hazmat.primitives import hashes, serialization

    bundle, leaf, ca_key = _odd_chain(tmp_path, leaf_key, hashes.SHA256())
    if resign_sha1:  # cryptography refuses to sign with SHA-1; the openssl tool still can
        if not shutil.which("openssl"):
            pytest.skip("no openssl tool to make a SHA-1 certificate")
        (tmp_path / "ca.key").write_bytes(ca_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
        (tmp_path / "key.pem").write_bytes(leaf_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
        import ipaddress

        from cryptography import x509
        from cryptography.x509.oid import NameOID

        csr = (x509.CertificateSigningRequestBuilder()
               .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)]))
               .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(HOST))]), critical=False)
               .sign(leaf_key, hashes.SHA256()))
        (tmp_path / "leaf.csr").write_bytes(csr.public_bytes(serialization.Encoding.PEM))
        done = subprocess.run(
            ["openssl", "x509", "-req", "-in", str(tmp_path / "leaf.csr"), "-CA", bundle, "-CAkey",
             str(tmp_path / "ca.key"), "-sha1", "-set_serial", "7", "-days", "90", "-copy_extensions", "copy",
             "-out", str(tmp_path / "sha1.pem")], capture_output=True)
        if done.returncode:
            pytest.skip(f"openssl cannot make a SHA-1 certificate: {done.stderr.decode()[:200]}")
        leaf = str(tmp_path / "sha1.pem")
        (tmp_path / "both.pem").write_bytes((tmp_path / "sha1.pem").read_bytes() + (tmp_path / "key.pem").read_bytes())
        leaf = str(tmp_path / "both.pem")
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.set_ciphers("ALL:@SECLEVEL=0")
    try:
        ctx.load_cert_chain(leaf)
    except ssl.SSLError as e:
        pytest.skip(f"the local OpenSSL will not serve this certificate: {e}")
    return bundle, ctx


def test_weak_key_is_not_met(tmp_path):
    from cryptography.hazmat.primitives.asymmetric import rsa

    bundle, ctx = _serve_odd(tmp_path, rsa.generate_private_key(65537, 1024))
    with serve({}, ctx) as port:
        hp = run(port, bundle)
    c = hp.certificate
    assert (c.key_type, c.key_bits, c.signature_hash, c.chain_valid) == ("RSA", 1024, "sha256", True)
    lv, findings = levels.transport_level(hp)
    assert lv is Level.NOT_MET and findings == ["weak certificate key (RSA 1024 bits)"]
    assert levels.estimate_grade(hp) == "B"


def test_sha1_signature_is_not_met(tmp_path):
    from cryptography.hazmat.primitives.asymmetric import ec

    bundle, ctx = _serve_odd(tmp_path, ec.generate_private_key(ec.SECP256R1()), resign_sha1=True)
    with serve({}, ctx) as port:
        hp = run(port, bundle)
    c = hp.certificate
    assert c.signature_hash == "sha1" and c.sha2_signature is False and c.name_matches is True
    lv, findings = levels.transport_level(hp)
    assert lv is Level.NOT_MET and "certificate signed with sha1" in findings
    assert levels.estimate_grade(hp) == "T"


def test_plain_http_on_the_tls_port_is_no_https():
    with serve({}) as port:  # a web server without TLS where HTTPS should be
        hp = run(port, None)
    assert hp.tls.status == "completed" and hp.tls.plain_http
    assert level(hp, levels.TRANSPORT) is Level.NOT_MET
    assert level(hp, levels.HTTPS) is Level.NOT_MET
    assert "plain HTTP" in levels.transport_level(hp)[1][0]


def test_a_service_that_is_not_a_web_server_stays_not_evaluated():
    import socket
    import threading

    sock = socket.socket()
    sock.bind((HOST, 0))
    sock.listen(8)
    stop = threading.Event()

    def banner():
        sock.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = sock.accept()
            except OSError:
                continue
            with conn:
                conn.sendall(b"SSH-2.0-OpenSSH_9.6\r\n")

    t = threading.Thread(target=banner, daemon=True)
    t.start()
    try:
        hp = run(sock.getsockname()[1], None)
    finally:
        stop.set()
        t.join(2)
        sock.close()
    assert hp.tls.status == "error" and not hp.tls.plain_http
    assert level(hp, levels.TRANSPORT) is None and level(hp, levels.HTTPS) is None


# TLS depth: untestable versions, local OpenSSL errors, trust store, CA leaf, RFC 9116 ----------
def test_a_version_the_local_openssl_cannot_offer_is_not_evaluated_never_a_pass(good_cert, ca_bundle, monkeypatch):
    from audit.probe import tls

    real = tls.local_can_offer
    monkeypatch.setattr(tls, "local_can_offer", lambda v: v != "TLSv1" and real(v))
    with serve({}, server_context(good_cert)) as port:
        hp = run(port, ca_bundle)
    assert {v.version: v.outcome for v in hp.tls.versions}["TLSv1"] == "untestable"
    lv, findings = levels.transport_level(hp)
    assert lv is None and "TLSv1 not evaluated" in findings[0]
    assert levels.estimate_grade(hp) is None
    out = levels.outcomes([hp], "t")[levels.TRANSPORT]
    assert out["level"] is None and "TLSv1 not tested" in out["note"]


def test_a_local_ssl_error_is_not_recorded_as_the_server_refusing(good_cert, ca_bundle, monkeypatch):
    """A ClientHello that this OpenSSL cannot even build (no cipher for TLS 1.0) says nothing about the server."""
    from audit.probe import tls

    if not local_can_offer("TLSv1"):
        pytest.skip("the local OpenSSL cannot offer TLS 1.0")
    real = tls._context

    def broken(version=None, ciphers=None):
        if version == "TLSv1":  # a TLS 1.2-only suite pinned to TLS 1.0: fails before a byte is sent
            return real(version, "ECDHE-RSA-AES128-GCM-SHA256:@SECLEVEL=0")
        return real(version, ciphers)

    monkeypatch.setattr(tls, "_context", broken)
    with serve({}, server_context(good_cert)) as port:
        hp = run(port, ca_bundle)
    v1 = hp.tls.version("TLSv1")
    assert v1.outcome == "untestable" and "local OpenSSL error" in v1.reason and "NO_CIPHERS" in v1.reason
    assert hp.tls.version("TLSv1.1").outcome == "refused"  # the server's real answer is still a refusal
    assert level(hp, levels.TRANSPORT) is None


def test_server_refusal_and_local_errors_classified():
    from audit.probe.tls import is_server_refusal

    alert = ssl.SSLError(1, "[SSL: TLSV1_ALERT_PROTOCOL_VERSION] tlsv1 alert protocol version")
    alert.reason = "TLSV1_ALERT_PROTOCOL_VERSION"
    local = ssl.SSLError(1, "[SSL: NO_PROTOCOLS_AVAILABLE] no protocols available")
    local.reason = "NO_PROTOCOLS_AVAILABLE"
    assert is_server_refusal(alert) is True and is_server_refusal(local) is False
    assert is_server_refusal(ConnectionResetError()) is True


def _ca_leaf(tmp_path, leaf_is_ca: bool):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID

    ca_key, ca_name, ca_cert = _test_ca("CA-leaf test CA", key_identifier=True)
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    leaf = (_leaf_builder(ca_name, leaf_key)
            .add_extension(x509.BasicConstraints(ca=leaf_is_ca, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    bundle, leaf_pem = _write_chain(tmp_path, ca_cert, leaf, leaf_key)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(leaf_pem)
    return bundle, ctx


@pytest.mark.parametrize("is_ca", [False, True])
def test_a_ca_true_leaf_does_not_verify(tmp_path, is_ca):
    bundle, ctx = _ca_leaf(tmp_path, is_ca)
    with serve({}, ctx) as port:
        hp = run(port, bundle)
    c = hp.certificate
    assert c.leaf_is_ca is is_ca and c.policy_valid is (not is_ca)  # cryptography's verifier agrees
    if is_ca:
        assert c.chain_valid is False and "CA:TRUE" in c.verify_error and "basicConstraints" in c.policy_error
        lv, findings = levels.transport_level(hp)
        assert lv is Level.NOT_MET and any("CA:TRUE" in f for f in findings)
    else:
        assert c.chain_valid is True and level(hp, levels.TRANSPORT) is Level.MET


def test_probe_record_names_the_trust_store(good_cert, ca_bundle):
    import hashlib

    import certifi

    from audit.probe.certificate import trust_store
    from audit.probe.run import make_record

    with serve({}, server_context(good_cert)) as port:
        hp = run(port, ca_bundle)
    record = make_record([hp], "2026-11-28T00:00:00Z", ca_bundle)
    data = open(ca_bundle, "rb").read()
    assert record["trust_store"] == {"source": "ca-bundle", "sha256": hashlib.sha256(data).hexdigest(), "certificates": 1}
    default = trust_store(None)
    assert default["source"] == "certifi" and default["certifi_version"] == certifi.__version__
    assert "/" not in str(default) .replace("https://", "")  # no local path in a record


@pytest.mark.parametrize("contact,ok", [
    ("mailto:security@example.test", True), ("https://example.test/security", True), ("tel:+1-201-555-0123", True),
    ("security@example.test", False), ("http://example.test/security", False), ("example.test/security", False),
])
def test_security_txt_contact_must_be_a_uri(contact, ok):
    _, _, _, problems = parse_security_txt(f"Contact: {contact}\nExpires: {FUTURE}\n")
    assert (not problems) is ok, problems
    if not ok:
        assert any("is not a mailto:, https: or tel: URI" in p for p in problems)


def test_security_txt_without_uri_contact_is_partial(good_cert, ca_bundle):
    with serve({"security_txt": f"Contact: security@example.test\nExpires: {FUTURE}\n"}, server_context(good_cert)) as port:
        hp = run(port, ca_bundle)
    assert level(hp, levels.DISCLOSURE) is Level.PARTIAL and not hp.security_txt.valid
    _, _, _, problems = parse_security_txt(f"Contact: mailto:a@example.test\n")
    assert "no Expires field" in problems
