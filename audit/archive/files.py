"""Crash-safe, confined file writes: a reader (or an interrupted run) never sees half a file, and
no write follows a symbolic link.

A workspace is untrusted input (it may come from someone else's repository): a symlink committed
as `archive/documents/<slug>/<key>.jsonl` or as a folder on the way must not make a write land
outside the workspace. Every write here therefore

- refuses a target, or any folder between `root` and the target, that is a symbolic link
  (folders are created one at a time, each checked; appends open with O_NOFOLLOW), and
- refuses a target that does not resolve inside `root` (when a root is given).
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

from audit.errors import InputError


class UnsafePathError(InputError):
    """A write would follow a symbolic link or leave its root."""


def find_symlink(top: Path) -> Path | None:
    """The first symbolic link at or below `top` (not followed), or None. Missing `top`: None."""
    top = Path(top)
    if top.is_symlink():
        return top
    if not top.is_dir():
        return None
    stack = [top]
    while stack:
        folder = stack.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            if entry.is_symlink():
                return Path(entry.path)
            if entry.is_dir(follow_symlinks=False):
                stack.append(Path(entry.path))
    return None


def _confined_parent(path: Path, root: Path | None) -> None:
    """Create the folders of `path` one by one, refusing symlinks and any escape from `root`."""
    if root is None:
        # no root named: at least the target's own folder and the target must not be links
        if path.parent.is_symlink():
            raise UnsafePathError(f"{path.parent}: is a symbolic link; refusing to write through it")
        path.parent.mkdir(parents=True, exist_ok=True)
        return
    root = Path(root)
    if root.is_symlink():
        raise UnsafePathError(f"{root}: is a symbolic link; refusing to write through it")
    try:
        rel = Path(os.path.normpath(path)).relative_to(os.path.normpath(root))
    except ValueError:
        raise UnsafePathError(f"{path}: outside {root}; refused") from None
    if ".." in rel.parts or not rel.parts:
        raise UnsafePathError(f"{path}: outside {root}; refused")
    root.mkdir(parents=True, exist_ok=True)
    current = root
    for part in rel.parts[:-1]:
        current = current / part
        try:
            st = os.lstat(current)
        except FileNotFoundError:
            try:
                os.mkdir(current)
            except FileExistsError:
                pass
            st = os.lstat(current)
        if stat.S_ISLNK(st.st_mode):
            raise UnsafePathError(f"{current}: is a symbolic link; refusing to write through it")
        if not stat.S_ISDIR(st.st_mode):
            raise UnsafePathError(f"{current}: is not a folder")
    real_root = os.path.realpath(root)
    real_parent = os.path.realpath(path.parent)
    if os.path.commonpath([real_root, real_parent]) != real_root:
        raise UnsafePathError(f"{path}: resolves outside {root}; refused")


def _refuse_link(path: Path) -> None:
    if path.is_symlink():
        raise UnsafePathError(f"{path}: is a symbolic link; refusing to write through it")


def atomic_write(path: Path, data: bytes | str, mode: int = 0o644, *, root: Path | None = None) -> None:
    """Write via a temp file in the same folder + fsync + os.replace: old content or new, never half.

    `mode` is set before any byte is written, so a private key is never readable by others,
    not even for a moment. `root`: the folder the write must stay in (see the module doc).
    """
    path = Path(path)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    _confined_parent(path, root)
    _refuse_link(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as f:
            f.write(raw)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def append_line(path: Path, line: str, *, root: Path | None = None) -> None:
    """Append one line with a single write + fsync, never through a symbolic link.

    When the file does not end with a newline (a torn line from an interrupted run), a newline
    is written first, so the new record starts on a fresh line and stays readable; readers skip
    the torn line.
    """
    path = Path(path)
    _confined_parent(path, root)
    flags = os.O_RDWR | os.O_APPEND | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags, 0o644)
    except OSError as e:
        if path.is_symlink():
            raise UnsafePathError(f"{path}: is a symbolic link; refusing to write through it") from None
        raise
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise UnsafePathError(f"{path}: is not a regular file; refusing to append to it")
        prefix = b""
        size = os.fstat(fd).st_size
        if size:
            if os.pread(fd, 1, size - 1) != b"\n":
                prefix = b"\n"
        os.write(fd, prefix + (line.rstrip("\n") + "\n").encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)

