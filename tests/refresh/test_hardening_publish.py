"""Publish atomically: a run killed at any point between writing the site and signing leaves the
published folder as it was (scorecards.json and its signature still match), and no staging left."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import audit.report.site as site
import audit.signing as signing

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


class Killed(BaseException):
    """Stands in for SIGKILL: not an Exception, nothing may swallow it."""


def _workspace(tmp_path: Path) -> Path:
    ws = tmp_path / "ws"
    shutil.copytree(EXAMPLES, ws, ignore=shutil.ignore_patterns("reports"))
    return ws


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _kill_in(monkeypatch, where: str):
    if where == "signing":
        monkeypatch.setattr(signing, "sign_file", lambda *a, **k: (_ for _ in ()).throw(Killed()))
    elif where == "site":
        real = site._write_atomic
        calls = []

        def flaky(path, data, root=None):
            calls.append(path)
            if len(calls) == 5:
                raise Killed()
            return real(path, data, root)

        monkeypatch.setattr(site, "_write_atomic", flaky)


@pytest.mark.parametrize("command", ["report", "run"])
@pytest.mark.parametrize("where", ["signing", "site"])
def test_a_killed_publication_leaves_the_published_folder_as_it_was(tmp_path, run_cli, monkeypatch, command, where):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764288000")
    ws = _workspace(tmp_path)
    key = tmp_path / "key"
    assert run_cli("keygen", "--out", key).code == 0
    args = {"report": ("report", "--workspace", ws, "--sign", key),
            "run": ("--offline", "run", "--workspace", ws, "--sign", key)}[command]
    first = run_cli(*args)
    assert first.code == 0, first
    reports = ws / "reports"
    assert run_cli("verify", reports / "scorecards.json", "--public-key", f"{key}.pub").code == 0
    before = _snapshot(reports)
    # the next publication has something new to say
    decl = ws / "companies" / "orbit-cloud.toml"
    decl.write_text(decl.read_text(encoding="utf-8").replace('name = "', 'name = "New ', 1), encoding="utf-8")
    _kill_in(monkeypatch, where)
    with pytest.raises(Killed):
        run_cli(*args)
    assert _snapshot(reports) == before
    assert run_cli("verify", reports / "scorecards.json", "--public-key", f"{key}.pub").code == 0
    assert sorted(p.name for p in reports.parent.iterdir() if "staging" in p.name or ".old-" in p.name) == []
    monkeypatch.undo()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764288000")
    again = run_cli(*args)
    assert again.code == 0, again
    assert b"New " in (reports / "scorecards.json").read_bytes()
    assert run_cli("verify", reports / "scorecards.json", "--public-key", f"{key}.pub").code == 0
