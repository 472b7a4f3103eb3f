"""The built-in set out of the box: nothing archived gives one hint, and names that do not resolve
fail at once (so a run without a network finishes in seconds)."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _workspace(tmp_path: Path, n: int = 3) -> Path:
    (tmp_path / "companies").mkdir()
    for i in range(n):
        (tmp_path / "companies" / f"co{i}.toml").write_text(
            f'name = "Co {i}"\nhosts = ["co{i}.example"]\n\n[[documents]]\ntype = "privacy-policy"\n'
            f'url = "https://co{i}.example/privacy"\n')
    return tmp_path


@pytest.mark.parametrize("command", ["score", "report"])
def test_nothing_archived_prints_one_hint(run_cli, tmp_path, command):
    ws = _workspace(tmp_path)
    r = run_cli(command, "--workspace", ws)
    assert r.code == 3, r
    assert r.out == ""
    lines = r.err.strip().splitlines()
    assert len(lines) == 1, r.err
    assert lines[0].startswith("audit: hint: nothing could be evaluated: nothing archived yet for the 3 companies")
    assert "audit fetch" in lines[0] and "Open Terms Archive" in lines[0] and "audit import" in lines[0]
    assert not (ws / "reports" / "index.html").exists()


def test_builtin_set_out_of_the_box(run_cli, tmp_path):
    import shutil

    shutil.copytree(REPO / "companies", tmp_path / "companies")
    r = run_cli("score", "--workspace", tmp_path)
    assert r.code == 3 and r.out == "" and len(r.err.strip().splitlines()) == 1, r


@pytest.fixture
def slow_dns(monkeypatch):
    """A resolver that knows no name and takes 0.3 s to say so; counts the lookups."""
    calls: list[str] = []

    def fake(host, *args, **kwargs):
        calls.append(host)
        time.sleep(0.3)
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    return calls


def test_unresolvable_host_fails_at_once(run_cli, tmp_path, slow_dns):
    (tmp_path / "companies").mkdir()
    (tmp_path / "companies" / "acme.toml").write_text(
        'name = "Acme"\n\n[[documents]]\ntype = "privacy-policy"\nurl = "https://acme.example/privacy"\n'
        '\n[[documents]]\ntype = "terms-of-service"\nurl = "https://acme.example/terms"\n')
    start = time.monotonic()
    r = run_cli("fetch", "--workspace", tmp_path, "--delay", "5")
    assert time.monotonic() - start < 3, "a name that does not resolve must not wait for delays or retries"
    assert r.code == 3, r
    assert "cannot resolve acme.example" in r.err
    assert slow_dns.count("acme.example") == 1  # robots.txt and both pages: one lookup


def test_run_without_network_finishes_in_seconds(run_cli, tmp_path, slow_dns):
    ws = _workspace(tmp_path, 20)
    start = time.monotonic()
    r = run_cli("run", "--workspace", ws)
    elapsed = time.monotonic() - start
    assert r.code == 3, r
    assert elapsed < 10, elapsed
    # once 8 names failed and none resolved, resolution counts as down: no more slow lookups
    assert len(slow_dns) <= 8 + 4  # + the lookups already in flight in the 4 workers
    assert "audit: hint: nothing could be evaluated: nothing archived yet" in r.err.strip().splitlines()[-1]
