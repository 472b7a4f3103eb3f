"""HTTPS fetching against a real TLS server on 127.0.0.1 with a test CA (trustme): --ca-bundle."""

from __future__ import annotations

import ssl

import pytest
from httpfixtures import PAGE, LocalServer

from audit.fetch.polite import FetchPolicy, PoliteFetcher

trustme = pytest.importorskip("trustme")


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory):
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1")
    srv = LocalServer()
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(ctx)
    srv.httpd.socket = ctx.wrap_socket(srv.httpd.socket, server_side=True)
    bundle = tmp_path_factory.mktemp("ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    with srv:
        yield f"https://127.0.0.1:{srv.httpd.server_address[1]}", str(bundle)


def test_https_with_ca_bundle(tls_server):
    base, bundle = tls_server
    a = PoliteFetcher(FetchPolicy(delay=0, allow_private=True, retries=0, ca_bundle=bundle)).fetch(base + "/page")
    assert a.error is None and a.result.content == PAGE


def test_https_unknown_ca_is_a_tls_error(tls_server):
    base, _ = tls_server
    a = PoliteFetcher(FetchPolicy(delay=0, allow_private=True, retries=0)).fetch(base + "/page")
    assert a.result is None and "TLS error" in a.error


def test_fetch_command_takes_ca_bundle(tls_server, tmp_path, run_cli):
    base, bundle = tls_server
    (tmp_path / "companies").mkdir()
    (tmp_path / "companies" / "acme.toml").write_text(
        f'name = "Acme"\n\n[[documents]]\ntype = "other"\nurl = "{base}/page"\n')
    r = run_cli("fetch", "--workspace", tmp_path, "--allow-private-network", "--delay", "0", "--ca-bundle", bundle)
    assert r.code == 0 and "acme: 1 fetched" in r.err, r
