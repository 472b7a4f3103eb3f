"""The refresh workflow's commit step, run for real in a throw-away git repository with a local
bare remote: it commits the evidence and the reports, never the derived archive/cache/."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

WORKFLOW = Path(__file__).resolve().parents[1] / ".github" / "workflows" / "refresh.yml"


def _step(name: str) -> str:
    yaml = pytest.importorskip("yaml")
    steps = yaml.safe_load(WORKFLOW.read_text())["jobs"]["refresh"]["steps"]
    return next(s["run"] for s in steps if s.get("name") == name)


def _git(cwd: Path, *args: str, env: dict) -> str:
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout


def _write(root: Path, rel: str, text: str = "x\n") -> None:
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text)


@pytest.mark.skipif(shutil.which("git") is None or shutil.which("bash") is None, reason="needs git and bash")
def test_commit_step_never_commits_the_cache(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_CEILING_DIRECTORIES=str(tmp_path), GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1",
               HOME=str(tmp_path))
    remote, work = tmp_path / "remote.git", tmp_path / "work"
    _git(tmp_path, "init", "-q", "--bare", str(remote), env=env)
    _git(tmp_path, "init", "-q", str(work), env=env)
    _git(work, "remote", "add", "origin", str(remote), env=env)
    _git(work, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "--allow-empty", "-m", "start", env=env)
    _git(work, "push", "-q", "-u", "origin", "HEAD", env=env)
    # what a run leaves behind; deliberately no .gitignore: the step must not depend on one
    for rel in ("archive/snapshots/ab/" + "ab" * 32, "archive/documents/acme/k.jsonl", "archive/probes/acme.jsonl",
                "archive/cache/cd/" + "cd" * 32 + ".json", "reports/scorecards.json", "reports/history.jsonl"):
        _write(work, rel)
    _write(work, "refresh-summary.md", "refresh: 1 company changed\n")
    subprocess.run(["bash", "-e", "-c", _step("Commit archive and reports")], cwd=work, env=env, check=True,
                   capture_output=True, text=True)
    committed = _git(remote, "ls-tree", "-r", "--name-only", "HEAD", env=env).split()
    assert "archive/documents/acme/k.jsonl" in committed and "archive/probes/acme.jsonl" in committed
    assert "reports/scorecards.json" in committed and any(p.startswith("archive/snapshots/") for p in committed)
    assert not any(p.startswith("archive/cache/") for p in committed), committed
    assert "refresh-summary.md" not in committed
