"""Errors: unknown slugs name the closest known ones, global options go anywhere, --offline wins."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    (tmp_path / "companies" / "docs").mkdir(parents=True)
    (tmp_path / "companies" / "docs" / "p.txt").write_text("We do not sell your personal information.\n")
    for slug in ("signal", "telegram"):
        (tmp_path / "companies" / f"{slug}.toml").write_text(
            f'name = "{slug}"\nhosts = ["10.0.0.1"]\n\n[[documents]]\ntype = "privacy-policy"\npath = "docs/p.txt"\n'
            '\n[[documents]]\ntype = "terms-of-service"\nurl = "http://10.0.0.1/terms"\n')
    return tmp_path


@pytest.mark.parametrize("args", [
    ["report", "signl"], ["fetch", "signl"], ["probe", "signl"], ["explain", "signl", "user-notice"],
    ["score", "signl"], ["run", "signl"], ["demands", "signl"],
    ["review", "signl", "user-notice", "--level", "met", "--rationale", "x"], ["review", "--pending", "signl"],
])
def test_unknown_slug_is_one_line_with_the_closest(run_cli, ws, args):
    r = run_cli(*args, "--workspace", ws)
    assert r.code == 2, r
    assert r.err.strip() == "audit: error: unknown company 'signl' (did you mean signal?)", r.err
    assert r.out == ""


def test_unknown_slug_without_a_close_one_lists_known(run_cli, ws):
    r = run_cli("score", "zzz", "--workspace", ws)
    assert r.code == 2 and r.err.strip() == "audit: error: unknown company 'zzz' (known: signal, telegram)"


@pytest.mark.parametrize("before", [True, False])
def test_offline_before_or_after_the_command_wins(run_cli, ws, before):
    args = ["--offline", "fetch", "--workspace", ws] if before else ["fetch", "--workspace", ws, "--offline"]
    r = run_cli(*args)
    assert r.code == 2, r
    assert "--offline: refused network access to 10.0.0.1:80 (nothing was sent)" in r.err
    assert "non-public" not in r.err


def test_offline_wins_over_private_address_in_check(run_cli):
    r = run_cli("check", "http://10.0.0.1/x", "--offline")
    assert r.code == 2 and "--offline: refused network access" in r.err and "non-public" not in r.err, r


def test_workspace_after_a_command_without_its_own_option(run_cli, ws):
    r = run_cli("score", "--workspace", ws, "--format", "json")
    assert r.code == 0, r
    r = run_cli("--workspace", ws, "score", "--format", "json")
    assert r.code == 0, r
    # `rubric list` has no --workspace of its own: the group takes it wherever it is written
    r = run_cli("rubric", "list", "--workspace", ws)
    assert r.code == 0, r


def test_offline_after_run_is_accepted(run_cli, ws):
    r = run_cli("run", "--offline", "--workspace", ws)
    assert r.code == 0, r
    assert "offline: not fetching" in r.err
