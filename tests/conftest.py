"""Shared test helpers: run the CLI in-process, find ../shared (skip cleanly when absent)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from audit.cli import main

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("AUDIT_SHARED_DIR", REPO.parent / "shared"))


@pytest.fixture(autouse=True, scope="session")
def _cache_key_file(tmp_path_factory):
    """The findings cache's signing key lives outside the workspace (archive/cache.py); in tests, in
    a temporary folder rather than the user's ~/.cache."""
    os.environ.setdefault("AUDIT_CACHE_KEY_FILE", str(tmp_path_factory.mktemp("cache-key") / "cache.key"))


@pytest.fixture
def shared_dir() -> Path:
    """The shared corpus folder beside the checkout; tests that need it skip when it is absent."""
    if not (SHARED / "corpus").is_dir():
        pytest.skip("../shared is absent")
    return SHARED


@pytest.fixture
def no_env_proxies(monkeypatch):
    """No proxy, offline or user-agent setting from the environment leaks into a network test."""
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "all_proxy",
                "no_proxy", "AUDIT_OFFLINE", "AUDIT_USER_AGENT"):
        monkeypatch.delenv(var, raising=False)


class CliResult:
    def __init__(self, code: int, out: str, err: str):
        self.code, self.out, self.err = code, out, err

    def __repr__(self) -> str:
        return f"CliResult(code={self.code}, out={self.out[:400]!r}, err={self.err[:400]!r})"


@pytest.fixture
def run_cli(capsys, monkeypatch):
    """Run `audit ARGS...` in-process; returns exit code, stdout and stderr."""

    def run(*args: str, cwd: str | Path | None = None, env: dict | None = None) -> CliResult:
        if cwd is not None:
            monkeypatch.chdir(cwd)
        for k, v in (env or {}).items():
            monkeypatch.setenv(k, v)
        capsys.readouterr()
        try:
            main([str(a) for a in args])
            code = 0
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


@pytest.fixture(autouse=True)
def _fresh_resolver():
    """Each test starts with no remembered name-resolution failures (audit.resolver is per process)."""
    from audit import resolver

    resolver.reset()
    yield
    resolver.reset()
