"""`audit probe --deep`: the sslyze scan against a real local TLS server, and how it lowers levels."""

from __future__ import annotations

import pytest

from audit.models import Level
from audit.probe import deep
from audit.probe.status import COMPLETED, ERROR, Target
from test_probe_cli import workspace
from test_probe_servers import HOST, ca, ca_bundle, closed_port, good_cert, serve, server_context  # noqa: F401


def _result(**kw) -> deep.DeepResult:
    return deep.DeepResult(COMPLETED, sslyze_version="6", profile_version="5.7", **kw)


def test_adjust_only_lowers_the_level():
    clean = _result(compliant=True)
    assert deep.adjust(Level.MET, [], clean) == (Level.MET, [])
    minor = _result(compliant=False, issues=(("tls_curves", "TLS curves {'X448'} are supported"),))
    level, findings = deep.adjust(Level.MET, [], minor)
    assert level is Level.PARTIAL and "X448" in findings[0]
    assert deep.adjust(Level.NOT_MET, ["x"], minor)[0] is Level.NOT_MET
    issues = {"tls_vulnerability_heartbleed": "Server is vulnerable to the OpenSSL Heartbleed attack."}
    bad = _result(compliant=False, issues=tuple(issues.items()), severe=deep.judge(issues, ("TLSv1.2",), ()))
    assert deep.adjust(Level.MET, [], bad)[0] is Level.NOT_MET
    failed = deep.DeepResult(ERROR, "sslyze could not connect")
    assert deep.adjust(Level.MET, [], failed)[0] is None  # asked for and not run: never a pass


def test_judge_old_versions_and_broken_ciphers_are_severe():
    issues = {"tls_versions": "TLS versions {'TLSv1'} are supported", "ciphers": "..."}
    severe = deep.judge(issues, ("TLSv1", "TLSv1.2"), ("TLS_RSA_WITH_3DES_EDE_CBC_SHA", "TLS_RSA_WITH_RC4_128_SHA"))
    assert any("TLSv1" in s for s in severe) and any("3DES" in s and "RC4" in s for s in severe)
    cbc = ("TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",)
    assert deep.judge({"ciphers": "..."}, ("TLSv1.2",), cbc) == ()
    r = _result(compliant=False, issues=(("ciphers", "..."),), outside_ciphers=cbc)
    assert deep.adjust(Level.MET, [], r)[0] is Level.PARTIAL


def test_deep_without_the_extra_says_how_to_install(run_cli, tmp_path, monkeypatch):
    monkeypatch.setattr(deep, "available", lambda: False)
    ws = workspace(tmp_path, [f"{HOST}:443"])
    r = run_cli("probe", "--workspace", ws, "--allow-private-network", "--deep")
    assert r.code == 2 and r.out == ""
    assert r.err.strip().splitlines() == [deep.INSTALL_HINT] and "encryption-audit[tls]" in r.err


def test_deep_scan_of_a_local_server_records_the_profile_result(run_cli, tmp_path, good_cert, ca_bundle):
    pytest.importorskip("sslyze")
    from audit.probe.store import latest_run, load_outcomes

    with serve({"hsts": ["max-age=63072000"]}, server_context(good_cert)) as port:
        ws = workspace(tmp_path, [f"{HOST}:{port}"])
        r = run_cli("probe", "--workspace", ws, "--allow-private-network", "--ca-bundle", ca_bundle,
                    "--http-port", str(closed_port()), "--timeout", "5", "--deep")
    assert r.code == 0, r
    record = latest_run(ws / "archive", "acme")
    d = record["hosts"][0]["deep"]
    assert d["status"] == "completed", d
    assert d["profile"] == "mozilla-intermediate" and d["profile_version"] and d["sslyze_version"]
    assert d["accepted_versions"] == ["TLSv1.2", "TLSv1.3"]
    assert d["heartbleed_vulnerable"] is False and d["compression"] is False and d["secure_renegotiation"] is True
    assert d["severe"] == []
    # minor deviations: trustme marks the SAN critical with a non-empty subject (path validation fails in
    # cryptography's web PKI verifier, even with the supplied CA), its leaf lives ~1000 years, and
    # Python's server offers CBC suites and X448
    assert d["compliant"] is False and "maximum_certificate_lifespan" in d["issues"]
    transport = load_outcomes(ws / "archive", "acme")["transport-security"]
    assert transport.level is Level.PARTIAL
    ev = transport.evidence[0]
    assert ev.observation["deep"]["issues"] == d["issues"]
    assert any(f.startswith("Mozilla intermediate:") for f in ev.observation["findings"])
    assert "Mozilla intermediate profile (sslyze" in ev.quote
    assert "deep scan: sslyze" in record["outcomes"]["transport-security"]["note"]


def test_deep_scan_flags_tls_1_0_as_not_met(good_cert, ca_bundle):
    pytest.importorskip("sslyze")
    import ssl

    ctx = server_context(good_cert, min_version=ssl.TLSVersion.TLSv1, ciphers="ALL:@SECLEVEL=0")
    with serve({}, ctx) as port:
        result = deep.scan(Target(HOST, port, HOST), 5, ca_bundle)
    assert result.status == COMPLETED, result.reason
    if "TLSv1" not in result.accepted_versions:
        pytest.skip("the local OpenSSL server would not speak TLS 1.0")
    assert any("TLSv1" in s for s in result.severe)
    assert deep.adjust(Level.MET, [], result)[0] is Level.NOT_MET
