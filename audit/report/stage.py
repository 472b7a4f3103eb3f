"""Publish atomically: the site, scorecards.json and its signature appear together or not at all.

Everything a publication writes goes to a staging folder beside the report folder, which starts
as a copy of the current one (so files the tool does not own, history and the manifest carry
over). Only when every file is written and signed is the staging folder swapped in: with
renameat2(RENAME_EXCHANGE) on Linux, one atomic step; elsewhere two renames in a row (a crash
between them leaves the new folder under its staging name and the old one under `.old`, never a
mix). A run killed at any earlier point leaves the published folder exactly as it was.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

from audit.archive.files import find_symlink
from audit.errors import InputError

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux renameat2); False when the system cannot."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    rc = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    return rc == 0


def check_report_folder(out: Path) -> None:
    """A report folder must be a folder (or not exist yet) with no symbolic link in it."""
    if out.exists() and not out.is_dir():
        raise InputError(f"{out}: report folder is a file")
    link = find_symlink(out)
    if link is not None:
        raise InputError(f"{link}: symbolic link in the report folder; refusing to write there (remove it)")


@contextmanager
def staged(out: Path):
    """Yield a staging copy of OUT; on a clean exit swap it in for OUT, else throw it away."""
    out = Path(out)
    check_report_folder(out)
    parent = out.resolve().parent
    parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=parent, prefix=f".{out.name}.staging-"))
    try:
        os.chmod(staging, 0o755)
        if out.is_dir():
            shutil.copytree(out, staging, symlinks=True, dirs_exist_ok=True)
            os.chmod(staging, os.stat(out).st_mode & 0o7777)
        yield staging
        if out.is_dir():
            if not _exchange(staging, out.resolve()):
                old = Path(tempfile.mkdtemp(dir=parent, prefix=f".{out.name}.old-"))
                os.rmdir(old)
                os.rename(out, old)
                os.rename(staging, out)
                staging = old  # removed below
        else:
            os.rename(staging, out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
