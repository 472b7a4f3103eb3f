"""`audit probe` end to end: a workspace whose declared host is a real local TLS server."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from audit.models import Level
from audit.probe.store import latest_run, load_outcomes
from test_probe_servers import HOST, ca, ca_bundle, closed_port, good_cert, serve, server_context  # noqa: F401

FUTURE = (datetime.now(timezone.utc) + timedelta(days=200)).strftime("%Y-%m-%dT%H:%M:%SZ")


def workspace(tmp_path, hosts):
    (tmp_path / "companies").mkdir()
    listed = ", ".join(f'"{h}"' for h in hosts)
    (tmp_path / "companies" / "acme.toml").write_text(
        f'name = "Acme"\nwebsite = "https://acme.example"\nhosts = [{listed}]\n', encoding="utf-8")
    return tmp_path


def test_probe_stores_a_run_that_scoring_loads(run_cli, tmp_path, good_cert, ca_bundle):
    conf = {"hsts": ["max-age=63072000"], "security_txt": f"Contact: mailto:s@acme.example\nExpires: {FUTURE}\n"}
    with serve(conf, server_context(good_cert)) as port:
        with serve({"redirect": f"https://{HOST}:{port}/"}) as http_port:
            ws = workspace(tmp_path, [f"{HOST}:{port}"])
            r = run_cli("probe", "--workspace", ws, "--allow-private-network", "--ca-bundle", ca_bundle,
                        "--http-port", str(http_port), "--timeout", "5", "--format", "json")
    assert r.code == 0, r
    doc = json.loads(r.out)
    assert doc["schema"] == "encryption-audit/probe/1" and doc["runs"][0]["slug"] == "acme"
    assert f"probed {HOST}:{port}" in r.err
    record = latest_run(ws / "archive", "acme")
    assert record["openssl"] and record["tool_version"] and record["time"].endswith("Z")
    assert record["hosts"][0]["certificate"]["chain_valid"] is True
    outcomes = load_outcomes(ws / "archive", "acme")
    assert outcomes["transport-security"].level is Level.MET
    assert outcomes["https-enforced"].level is Level.MET
    assert outcomes["vulnerability-disclosure"].level is Level.MET
    ev = outcomes["transport-security"].evidence[0]
    assert ev.url == f"https://{HOST}:{port}/" and ev.observation["grade_estimate"]["grade"] == "A+"
    assert "estimate" in ev.observation["grade_estimate"]["label"]
    scored = run_cli("score", "acme", "--workspace", ws, "--format", "json")
    assert scored.code == 0, scored
    criteria = {c["id"]: c for c in json.loads(scored.out)["companies"][0]["criteria"]}
    assert criteria["transport-security"]["level"] == "met"
    assert criteria["transport-security"]["evidence"][0]["observation"]["tls"]["forward_secrecy"] is True


def test_probe_text_table_and_ssl_cert_file(run_cli, tmp_path, good_cert, ca_bundle):
    with serve({}, server_context(good_cert)) as port:
        ws = workspace(tmp_path, [f"{HOST}:{port}"])
        r = run_cli("probe", "--workspace", ws, "--allow-private-network", "--http-port", str(closed_port()),
                    env={"SSL_CERT_FILE": ca_bundle, "REQUESTS_CA_BUNDLE": ""})
    assert r.code == 0, r
    assert f"{HOST}:{port}" in r.out and "1.2,1.3" in r.out and "valid" in r.out
    assert "acme: transport-security met, https-enforced not-met, vulnerability-disclosure no-disclosure" in r.out
    assert "estimate" in r.out


def test_probe_refuses_loopback_without_permission(run_cli, tmp_path, good_cert):
    with serve({}, server_context(good_cert)) as port:
        ws = workspace(tmp_path, [f"{HOST}:{port}"])
        r = run_cli("probe", "--workspace", ws)
    assert r.code == 3 and "--allow-private-network" in r.err
    assert load_outcomes(ws / "archive", "acme")["transport-security"].level is None


def test_probe_bad_ca_bundle_is_input_error(run_cli, tmp_path):
    ws = workspace(tmp_path, ["example.com"])
    r = run_cli("probe", "--workspace", ws, "--ca-bundle", tmp_path / "missing.pem")
    assert r.code == 2 and "CA bundle not found" in r.err and "Traceback" not in r.err
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate")
    r = run_cli("probe", "--workspace", ws, "--ca-bundle", junk)
    assert r.code == 2 and "not a usable CA bundle" in r.err


def test_probe_unknown_slug_is_input_error(run_cli, tmp_path):
    ws = workspace(tmp_path, ["example.com"])
    r = run_cli("probe", "nobody", "--workspace", ws)
    assert r.code == 2 and "nobody" in r.err


def test_output_says_when_local_openssl_cannot_offer_an_old_version(run_cli, tmp_path, good_cert, ca_bundle,
                                                                     monkeypatch):
    """An OpenSSL built without TLS 1.0 (as on some distributions): said, never counted as refused."""
    from audit.probe import run as probe_run, tls

    real = tls.local_can_offer
    fake = lambda version: version != "TLSv1" and real(version)  # noqa: E731
    monkeypatch.setattr(tls, "local_can_offer", fake)
    monkeypatch.setattr(probe_run, "local_can_offer", fake)
    with serve({}, server_context(good_cert)) as port:
        ws = workspace(tmp_path, [f"{HOST}:{port}"])
        r = run_cli("probe", "--workspace", ws, "--allow-private-network", "--ca-bundle", ca_bundle,
                    "--http-port", str(closed_port()))
    assert r.code == 0, r
    assert "note: TLSv1 could not be tested: the local OpenSSL cannot offer it" in r.out
    record = latest_run(ws / "archive", "acme")
    assert record["openssl_can_offer"]["TLSv1"] is False
    versions = {v["version"]: v["outcome"] for v in record["hosts"][0]["tls"]["versions"]}
    assert versions["TLSv1"] == "untestable"
    assert "TLSv1 not tested" in record["outcomes"]["transport-security"]["note"]
    assert record["outcomes"]["transport-security"]["level"] is None  # might accept TLS 1.0: not a pass


def test_probe_sends_the_user_agent_it_is_given(run_cli, tmp_path, good_cert, ca_bundle):
    browser = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
    conf: dict = {"hsts": []}  # not empty: serve() keeps this very dict and records user agents in it
    with serve(conf, server_context(good_cert)) as port:
        ws = workspace(tmp_path, [f"{HOST}:{port}"])
        r = run_cli("probe", "--workspace", ws, "--allow-private-network", "--ca-bundle", ca_bundle,
                    "--http-port", str(closed_port()), "--user-agent", browser)
        assert r.code == 0, r
        assert conf["user_agents"] and set(conf["user_agents"]) == {browser}
        conf["user_agents"].clear()
        assert run_cli("probe", "--workspace", ws, "--allow-private-network", "--ca-bundle", ca_bundle,
                       "--http-port", str(closed_port())).code == 0
    assert all(ua.startswith("encryption-audit/") for ua in conf["user_agents"])


def test_probe_warns_that_it_does_not_use_the_proxy(run_cli, tmp_path):
    ws = workspace(tmp_path, [f"{HOST}:{closed_port()}"])
    r = run_cli("probe", "--workspace", ws, "--allow-private-network", "--timeout", "1",
                env={"ALL_PROXY": "socks5h://127.0.0.1:9", "all_proxy": "socks5h://127.0.0.1:9"})
    assert "not through the proxy" in r.err and "this machine's address" in r.err
    quiet = run_cli("probe", "--workspace", ws, "--allow-private-network", "--timeout", "1",
                    env={"ALL_PROXY": "", "all_proxy": "", "HTTPS_PROXY": "", "https_proxy": "",
                         "HTTP_PROXY": "", "http_proxy": ""})
    assert "not through the proxy" not in quiet.err


def test_probe_json_and_archive_records_validate(run_cli, tmp_path, good_cert, ca_bundle):
    import jsonschema

    from audit import schemas

    with serve({}, server_context(good_cert)) as port:
        ws = workspace(tmp_path, [f"{HOST}:{port}"])
        r = run_cli("probe", "--workspace", ws, "--allow-private-network", "--ca-bundle", ca_bundle,
                    "--http-port", str(closed_port()), "--timeout", "5", "--format", "json")
    assert r.code == 0, r
    doc = json.loads(r.out)
    schema = schemas.load("probe")
    assert doc["$schema"] == schema["$id"]
    validator = jsonschema.Draft202012Validator(schema)
    validator.validate(doc)
    record = latest_run(ws / "archive", "acme")
    record_schema = {"$defs": schema["$defs"]} | schema["$defs"]["record"]  # one archive line
    jsonschema.Draft202012Validator(record_schema).validate(record)
    assert record["trust_store"]["source"] == "ca-bundle"
