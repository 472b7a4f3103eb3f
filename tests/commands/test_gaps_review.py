"""The interactive prompts of `audit review`, driven through a real pseudo-terminal.

`audit review` prompts only when stdin is a terminal (in CI, a missing flag is an error instead),
so the test runs the real command in a child process whose stdin/stdout/stderr are a pty and
answers the prompts like a person at a keyboard would.
"""

from __future__ import annotations

import os
import select
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from test_workspace import MINI, local_company

pty = pytest.importorskip("pty")

HANG_GUARD = 120  # seconds: only stops a broken run from hanging the suite; nothing is timed


class Terminal:
    """`python -m audit ARGS` attached to a pseudo-terminal; expect() / type() like a user."""

    def __init__(self, args: list[str], cwd: Path, home: Path):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AUDIT_", "GIT_"))}
        env.update(HOME=str(home), GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1", TERM="dumb",
                   COLUMNS="200", PYTHONUNBUFFERED="1")
        self.master, slave = pty.openpty()
        self.proc = subprocess.Popen([sys.executable, "-m", "audit", *args], stdin=slave, stdout=slave,
                                     stderr=slave, cwd=cwd, env=env, close_fds=True)
        os.close(slave)
        self.out = b""
        self.pos = 0

    def _read(self) -> bool:
        ready, _, _ = select.select([self.master], [], [], HANG_GUARD)
        if not ready:
            self.proc.kill()
            pytest.fail(f"no output from the command; transcript so far:\n{self.out.decode(errors='replace')}")
        try:
            data = os.read(self.master, 4096)
        except OSError:  # EIO: the child closed the terminal
            return False
        self.out += data
        return bool(data)

    def expect(self, text: str) -> None:
        needle = text.encode()
        while (i := self.out.find(needle, self.pos)) < 0:
            if not self._read():
                pytest.fail(f"{text!r} never appeared; transcript:\n{self.out.decode(errors='replace')}")
        self.pos = i + len(needle)

    def type(self, keys: str) -> None:
        os.write(self.master, keys.encode())

    def finish(self) -> tuple[int, str]:
        while self._read():
            pass
        code = self.proc.wait(timeout=HANG_GUARD)
        os.close(self.master)
        return code, self.out.decode(errors="replace").replace("\r\n", "\n")


@pytest.fixture
def ws(tmp_path) -> Path:
    root = tmp_path / "ws"
    local_company(root)
    return root


def _reviews(ws: Path) -> list[dict]:
    path = ws / "reviews" / "acme.toml"
    return tomllib.loads(path.read_text(encoding="utf-8"))["review"] if path.exists() else []


def test_review_prompts_for_missing_values_on_a_terminal(ws, tmp_path):
    term = Terminal(["review", "acme", "notice", "--workspace", str(ws), "--rubric", MINI, "--date", "2026-11-20"],
                    cwd=tmp_path, home=tmp_path)
    term.expect("Level (")
    term.type("great\r")  # not a level: refused, asked again
    term.expect("is not one of")
    term.expect("Level (")
    term.type("partial\r")
    term.expect("Rationale:")
    term.type("Notice is promised only 'where feasible' (FAQ, section 3).\r")
    term.expect("Reviewer:")  # no git user.name in this environment, so it asks
    term.type("Ana\r")
    code, transcript = term.finish()
    assert code == 0, transcript
    assert "recorded notice = partial for acme" in transcript
    assert _reviews(ws) == [{"criterion": "notice", "level": "partial", "reviewer": "Ana", "date": "2026-11-20",
                             "rationale": "Notice is promised only 'where feasible' (FAQ, section 3)."}]


def test_review_prompts_only_for_what_is_missing(ws, tmp_path):
    term = Terminal(["review", "acme", "warrant", "--workspace", str(ws), "--rubric", MINI, "--level", "met",
                     "--reviewer", "Bo", "--date", "2026-11-21"], cwd=tmp_path, home=tmp_path)
    term.expect("Rationale:")
    term.type("Warrant required for all content (policy page).\r")
    code, transcript = term.finish()
    assert code == 0, transcript
    assert "Level (" not in transcript and "Reviewer:" not in transcript
    assert [(r["criterion"], r["level"], r["reviewer"]) for r in _reviews(ws)] == [("warrant", "met", "Bo")]


def test_end_of_input_at_a_prompt_aborts_without_writing(ws, tmp_path):
    term = Terminal(["review", "acme", "notice", "--workspace", str(ws), "--rubric", MINI, "--reviewer", "Ana"],
                    cwd=tmp_path, home=tmp_path)
    term.expect("Level (")
    term.type("\x04")  # Ctrl-D
    code, transcript = term.finish()
    assert code == 130, transcript
    assert "audit: aborted" in transcript
    assert _reviews(ws) == []
