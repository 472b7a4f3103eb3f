"""The workspace: a folder of declarations, reviews, the evidence archive and reports (SPEC.md).

Every command that touches companies opens one `Workspace`, so where things live is decided
in one place: `--workspace DIR`, else `AUDIT_WORKSPACE`, else the current directory.
"""

from __future__ import annotations

import re

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from audit.archive.files import find_symlink
from audit.errors import InputError
from audit.untrusted import UntrustedInputError, loads_toml

SETTINGS_FILE = "audit.toml"

#: Settings an `audit.toml` may hold, with their defaults.
DEFAULT_SETTINGS: dict = {
    "allow_private_network": False,
    "delay": 1.0,            # seconds between two requests to the same host
    "timeout": 10.0,         # connect timeout; read timeout is 3x
    "deadline": 0.0,         # wall-clock bound of one request (0: 12x timeout, at least 60 s)
    "retries": 2,
    "max_retry_after": 30.0,  # Retry-After is honoured up to this many seconds
    "workers": 4,            # hosts fetched in parallel
    "ignore_robots": False,
    "rubric": None,
    "security_contact": None,  # mailto:/https:/tel: URI: the published site gets a .well-known/security.txt
}


@dataclass(frozen=True)
class Workspace:
    root: Path
    settings: dict = field(default_factory=dict)

    @property
    def companies_dir(self) -> Path:
        return self.root / "companies"

    @property
    def reviews_dir(self) -> Path:
        return self.root / "reviews"

    @property
    def archive_dir(self) -> Path:
        return self.root / "archive"

    @property
    def reports_dir(self) -> Path:
        return self.root / "reports"

    def setting(self, name: str):
        return self.settings.get(name, DEFAULT_SETTINGS.get(name))

    def declaration_path(self, slug: str) -> Path:
        return self.companies_dir / f"{slug}.toml"

    def review_path(self, slug: str) -> Path:
        return self.reviews_dir / f"{slug}.toml"

    def symlink_problems(self) -> list[str]:
        """One line per folder (archive, its cache, reports) that holds a symbolic link.

        A workspace may come from someone else's repository; a committed symlink there would
        make a write (a log line, a cache entry, a report page) land anywhere on this machine.
        """
        out = []
        for name, folder in (("archive", self.archive_dir), ("reports", self.reports_dir)):
            link = find_symlink(folder)
            if link is not None:
                out.append(f"{link}: symbolic link in the workspace's {name} folder; refused "
                           "(replace it with a real file or folder)")
        return out

    @classmethod
    def open(cls, path: str | os.PathLike | None = None, *, check_links: bool = True) -> "Workspace":
        """The workspace at PATH, else $AUDIT_WORKSPACE, else the current directory.

        Refused (InputError, one line naming the path) when its archive or reports hold a symbolic
        link, unless `check_links` is False (`audit validate` lists them with the other problems).
        """
        chosen = path if path not in (None, "") else os.environ.get("AUDIT_WORKSPACE") or "."
        root = Path(chosen)
        if not root.exists():
            raise InputError(f"{root}: workspace folder does not exist (create one with `audit init {root}`)")
        if not root.is_dir():
            raise InputError(f"{root}: workspace is not a folder")
        ws = cls(root, load_settings(root))
        if check_links:
            problems = ws.symlink_problems()
            if problems:
                raise InputError(problems[0])
        return ws


def load_settings(root: Path) -> dict:
    """`audit.toml` values over the defaults; unknown keys and wrong types are input errors."""
    path = root / SETTINGS_FILE
    settings = dict(DEFAULT_SETTINGS)
    if not path.is_file():
        return settings
    try:
        raw = loads_toml(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UntrustedInputError, UnicodeDecodeError, OSError) as e:
        raise InputError(f"{path}: invalid settings file: {e}") from None
    section = raw.get("fetch", {}) | {k: v for k, v in raw.items() if k != "fetch"}
    for key, value in section.items():
        if key not in DEFAULT_SETTINGS:
            raise InputError(f"{path}: unknown setting {key!r} (known: {', '.join(sorted(DEFAULT_SETTINGS))})")
        default = DEFAULT_SETTINGS[key]
        if isinstance(default, bool) and not isinstance(value, bool):
            raise InputError(f"{path}: {key} must be true or false")
        if isinstance(default, (int, float)) and not isinstance(default, bool) and (
                isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0):
            raise InputError(f"{path}: {key} must be a non-negative number")
        if key == "security_contact" and not (isinstance(value, str) and re.match(r"(mailto:|https://|tel:)\S+$", value)):
            raise InputError(f"{path}: security_contact must be a mailto:, https: or tel: URI (RFC 9116)")
        settings[key] = value
    return settings


def open_rubric(ws: Workspace, rubric_id: str | None):
    """--rubric, else the workspace's `rubric` setting, else the built-in rubric."""
    from audit.rubric.loader import load_rubric

    chosen = rubric_id or ws.setting("rubric")
    if chosen and not rubric_id and (ws.root / chosen).is_file():
        chosen = str(ws.root / chosen)
    return load_rubric(chosen)


def print_problems(problems, echo) -> None:
    for p in problems:
        echo(f"audit: {p}")


def require_slugs(ws: Workspace, slugs) -> None:
    """InputError (exit 2, one line) for the first slug with no declaration, naming the closest
    known slugs: `unknown company 'signl' (did you mean signal?)`."""
    import difflib

    if not slugs:
        return
    known = sorted(p.stem for p in ws.companies_dir.glob("*.toml")) if ws.companies_dir.is_dir() else []
    missing = [s for s in dict.fromkeys(slugs) if s not in known]
    if not missing:
        return
    slug = missing[0]
    close = difflib.get_close_matches(slug, known, n=3, cutoff=0.6)
    if close:
        hint = "did you mean " + " or ".join(close) + "?"
    elif known:
        hint = "known: " + ", ".join(known[:8]) + (", …" if len(known) > 8 else "")
    else:
        hint = f"no declarations in {ws.companies_dir}"
    more = f"; {len(missing) - 1} more unknown" if len(missing) > 1 else ""
    raise InputError(f"unknown company {slug!r} ({hint}{more})")
