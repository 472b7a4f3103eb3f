"""Writes stay inside the workspace and never follow a symbolic link; a workspace whose archive,
cache or reports hold a symlink is refused with one line naming it, and `audit validate` says so."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from audit.archive.files import UnsafePathError, append_line, atomic_write

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _workspace(tmp_path: Path) -> Path:
    ws = tmp_path / "ws"
    shutil.copytree(EXAMPLES, ws, ignore=shutil.ignore_patterns("archive", "reports"))
    return ws


# every place a committed link can hide: a log file, a document folder, the snapshot store,
# the findings cache, the probe store, a report page, the reports folder itself
LINKS = [
    "archive/documents/orbit-cloud/privacy-policy-0000.jsonl",
    "archive/documents/orbit-cloud",
    "archive/snapshots",
    "archive/cache",
    "archive/probes/orbit-cloud.jsonl",
    "reports/index.html",
    "reports/badges",
]


def _plant(ws: Path, rel: str, outside: Path) -> Path:
    link = ws / rel
    link.parent.mkdir(parents=True, exist_ok=True)
    target = outside / rel.replace("/", "_")
    if link.suffix:
        target.write_text("precious\n", encoding="utf-8")
    else:
        target.mkdir()
    os.symlink(target, link)
    return target


@pytest.mark.parametrize("rel", LINKS)
@pytest.mark.parametrize("command", [("score",), ("report",), ("fetch",), ("explain", "orbit-cloud", "x")])
def test_a_workspace_with_a_symlink_is_refused_naming_it(tmp_path, run_cli, rel, command):
    ws = _workspace(tmp_path)
    outside = tmp_path / "outside"
    outside.mkdir()
    target = _plant(ws, rel, outside)
    before = {p: p.read_bytes() for p in outside.rglob("*") if p.is_file()}
    r = run_cli(*command, "--workspace", ws)
    assert r.code == 2, r
    lines = [ln for ln in r.err.splitlines() if "symbolic link" in ln]
    assert len(lines) == 1 and rel in lines[0], r
    assert {p: p.read_bytes() for p in outside.rglob("*") if p.is_file()} == before
    if target.is_dir():
        assert not any(target.iterdir())


@pytest.mark.parametrize("rel", LINKS)
def test_validate_lists_the_symlink(tmp_path, run_cli, rel):
    ws = _workspace(tmp_path)
    outside = tmp_path / "outside"
    outside.mkdir()
    _plant(ws, rel, outside)
    r = run_cli("validate", "--workspace", ws)
    assert r.code == 2 and rel in r.err and "symbolic link" in r.err, r


def test_a_clean_workspace_still_validates_and_scores(tmp_path, run_cli):
    ws = _workspace(tmp_path)
    assert run_cli("validate", "--workspace", ws).code == 0
    assert run_cli("score", "--workspace", ws).code == 0


@pytest.mark.parametrize("writer", ["atomic", "append"])
@pytest.mark.parametrize("shape", ["target", "parent", "grandparent", "dotdot"])
def test_the_writers_never_follow_a_link_nor_leave_their_root(tmp_path, writer, shape):
    root = tmp_path / "root"
    root.mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "f").write_text("precious\n")
    if shape == "target":
        os.symlink(outside / "f", root / "f")
        path = root / "f"
    elif shape == "parent":
        os.symlink(outside, root / "d")
        path = root / "d" / "f"
    elif shape == "grandparent":
        os.symlink(outside, root / "d")
        path = root / "d" / "e" / "f"
    else:
        path = root / ".." / "outside" / "f"
    with pytest.raises(UnsafePathError):
        if writer == "atomic":
            atomic_write(path, "x", root=root)
        else:
            append_line(path, "x", root=root)
    assert (outside / "f").read_text() == "precious\n"
    assert sorted(p.name for p in outside.iterdir()) == ["f"]
    # and without a root, the link itself is still refused
    if shape == "target":
        with pytest.raises(UnsafePathError):
            (atomic_write if writer == "atomic" else append_line)(root / "f", "x")
