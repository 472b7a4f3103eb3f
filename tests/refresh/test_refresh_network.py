"""`audit run` hands --allow-private-network and --ca-bundle to both stages that use the network:
a real local TLS server (test CA) serves the declared page and is the declared host to probe."""

from __future__ import annotations

import json

from audit.probe.store import latest_run
from tests.probe.test_probe_servers import HOST, ca, ca_bundle, good_cert, serve, server_context  # noqa: F401


def _workspace(tmp_path, port):
    ws = tmp_path / "ws"
    (ws / "companies").mkdir(parents=True)
    # no allow_private_network here: only the run's option may let loopback through
    (ws / "audit.toml").write_text("delay = 0\nretries = 0\nignore_robots = true\ntimeout = 5\n")
    (ws / "companies" / "acme.toml").write_text(
        f'name = "Acme"\nhosts = ["{HOST}:{port}"]\n\n'
        f'[[documents]]\ntype = "law-enforcement-guidelines"\nurl = "https://{HOST}:{port}/le"\n')
    return ws


NO_ENV_BUNDLE = {"REQUESTS_CA_BUNDLE": "", "SSL_CERT_FILE": ""}


def _document(ws):
    return json.loads((ws / "reports" / "scorecards.json").read_text())["companies"][0]["documents"][0]


def test_run_passes_network_options_to_fetch_and_probe(tmp_path, run_cli, good_cert, ca_bundle):
    with serve({}, server_context(good_cert)) as port:
        ws = _workspace(tmp_path, port)
        r = run_cli("run", "--workspace", ws, "--allow-private-network", "--ca-bundle", ca_bundle,
                    env=NO_ENV_BUNDLE)
        assert r.code == 0, r
        assert _document(ws)["status"] == "ok"
        record = latest_run(ws / "archive", "acme")
        assert record["hosts"][0]["certificate"]["chain_valid"] is True

        # without the bundle, the test CA is unknown to both stages
        r = run_cli("run", "--workspace", ws, "--allow-private-network", env=NO_ENV_BUNDLE)
        assert "TLS error" in r.err, r
        assert _document(ws)["status"] == "stale"
        assert latest_run(ws / "archive", "acme")["hosts"][0]["certificate"]["chain_valid"] is False


def test_run_without_permission_refuses_loopback_in_both_stages(tmp_path, run_cli, good_cert, ca_bundle):
    with serve({}, server_context(good_cert)) as port:
        ws = _workspace(tmp_path, port)
        r = run_cli("run", "--workspace", ws, "--ca-bundle", ca_bundle, env=NO_ENV_BUNDLE)
    assert r.code == 3, r
    assert "use --allow-private-network to allow it" in r.err, r.err  # the fetch refused
    assert "use --allow-private-network to probe it" in r.err, r.err  # and so did the probe
    assert latest_run(ws / "archive", "acme")["hosts"][0].get("error")
