"""The refresh workflow's commit step, run for real in a throw-away git repository with a local
bare remote: it commits the evidence and the reports, never the derived archive/cache/."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

WORKFLOW = Path(__file__).resolve().parents[2] / ".github" / "workflows" / "refresh.yml"


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


def _clone_with_remote(tmp_path: Path, env: dict) -> tuple[Path, Path]:
    """A bare "remote" and a work tree that tracks it, one empty commit pushed."""
    remote, work = tmp_path / "remote.git", tmp_path / "work"
    _git(tmp_path, "init", "-q", "--bare", str(remote), env=env)
    _git(tmp_path, "init", "-q", str(work), env=env)
    _git(work, "remote", "add", "origin", str(remote), env=env)
    _git(work, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "--allow-empty", "-m", "start", env=env)
    _git(work, "push", "-q", "-u", "origin", "HEAD", env=env)
    return remote, work


@pytest.mark.skipif(shutil.which("git") is None or shutil.which("bash") is None, reason="needs git and bash")
def test_commit_step_never_commits_the_cache(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_CEILING_DIRECTORIES=str(tmp_path), GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1",
               HOME=str(tmp_path))
    remote, work = _clone_with_remote(tmp_path, env)
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


def _sh(script: str, cwd: Path, env: dict) -> subprocess.CompletedProcess:
    """A step's script as the runner runs it (bash -e -o pipefail)."""
    return subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script], cwd=cwd, env=env,
                          capture_output=True, text=True)


@pytest.mark.skipif(shutil.which("git") is None or shutil.which("bash") is None, reason="needs git and bash")
def test_exit_2_still_commits_updates_the_issue_and_fails_the_job(tmp_path):
    """`audit run` exits 2 (a broken declaration): what was published is committed, the failures
    issue gets the problem, and the job still fails. The workflow's own step scripts, run locally."""
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "GITHUB_"))}
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    gh_log = tmp_path / "gh.log"
    (bin_dir / "gh").write_text(  # a stand-in for the GitHub CLI: records what it was asked to do
        '#!/bin/bash\necho "gh $*" >> "$GH_LOG"\n'
        'for ((i=1; i<=$#; i++)); do if [ "${!i}" = "--body-file" ]; then j=$((i+1)); cat "${!j}" >> "$GH_LOG"; fi; done\n')
    (bin_dir / "gh").chmod(0o755)
    env.update(GIT_CEILING_DIRECTORIES=str(tmp_path), GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1",
               HOME=str(tmp_path), PATH=f"{bin_dir}{os.pathsep}{Path(sys.executable).parent}{os.pathsep}{env['PATH']}",
               GH_LOG=str(gh_log), GITHUB_OUTPUT=str(tmp_path / "out.txt"),
               GITHUB_STEP_SUMMARY=str(tmp_path / "summary.txt"), GITHUB_RUN_ID="1", COMPANIES="",
               AUDIT_SIGNING_KEY="", AUDIT_OFFLINE="1", SOURCE_DATE_EPOCH="1764288000")
    remote, work = _clone_with_remote(tmp_path, env)
    _write(work, "companies/docs/le.txt", "We notify users before we disclose their data.\n")
    _write(work, "companies/good.toml",
           'name = "Good"\n\n[[documents]]\ntype = "law-enforcement-guidelines"\npath = "docs/le.txt"\n')
    _write(work, "companies/broken.toml", "name = 3\n")

    run = _sh(_step("Refresh"), work, env)
    assert run.returncode == 0, run.stderr  # the step itself goes on to publish
    assert "exit=2" in (tmp_path / "out.txt").read_text()

    commit = _sh(_step("Commit archive and reports"), work, env)
    assert commit.returncode == 0, commit.stderr
    committed = _git(remote, "ls-tree", "-r", "--name-only", "HEAD", env=env).split()
    assert "reports/scorecards.json" in committed and "reports/companies/good.html" in committed

    issue = _sh(_step("Open or update the fetch-failures issue"), work, env)
    assert issue.returncode == 0, issue.stderr
    log = gh_log.read_text()
    assert "gh issue create" in log and "broken.toml" in log and "Problems in the run (exit 2)" in log

    steps = __import__("yaml").safe_load(WORKFLOW.read_text())["jobs"]["refresh"]["steps"]
    last = steps[-1]
    assert last["if"] == "steps.run.outputs.exit != '0'"
    final = _sh(last["run"].replace("${{ steps.run.outputs.exit }}", "2"), work, env)
    assert final.returncode == 2  # the job still fails
