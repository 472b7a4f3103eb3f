"""Human verdicts: `reviews/<slug>.toml`, `[[review]]` tables that override automatic levels.

The file is a log: a new verdict is appended, and the last one for a criterion wins, so the
history of who decided what stays in version control.
"""

from __future__ import annotations

import re
import tomllib
from datetime import date as Date
from pathlib import Path

import tomli_w

from audit.archive.files import atomic_write
from audit.declarations.load import _line_in_table
from audit.declarations.model import DeclarationProblem
from audit.errors import InputError
from audit.models import Level, Review
from audit.untrusted import UntrustedInputError, loads_toml

REVIEW_KEYS = {"criterion", "level", "rationale", "reviewer", "date", "evidence_url"}
REVIEW_LEVELS = tuple(lv.value for lv in Level if lv is not Level.UNREVIEWED and lv is not Level.NOT_EVALUATED)


class ReviewsInvalid(InputError):
    def __init__(self, problems: list[DeclarationProblem]):
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


def parse_reviews(text: str, path: Path, known_criteria: set[str] | None = None
                  ) -> tuple[dict[str, Review], list[DeclarationProblem]]:
    file = str(path)
    problems: list[DeclarationProblem] = []
    try:
        raw = loads_toml(text)
    except UntrustedInputError as e:
        return {}, [DeclarationProblem(file, None, str(e))]
    except tomllib.TOMLDecodeError as e:
        m = re.search(r"line (\d+)", str(e))
        return {}, [DeclarationProblem(file, None, f"not valid TOML: {e}", int(m.group(1)) if m else None)]
    for key in sorted(set(raw) - {"review"}):
        problems.append(DeclarationProblem(file, key, "unknown key (expected [[review]] tables)"))
    items = raw.get("review", [])
    if not isinstance(items, list):
        return {}, problems + [DeclarationProblem(file, "review", "must be [[review]] tables")]
    out: dict[str, Review] = {}
    for i, r in enumerate(items):
        where = f"review[{i}]"

        def bad(key, message):
            line = _line_in_table(text, "review", i, key.split(".")[-1]) if key else None
            problems.append(DeclarationProblem(file, f"{where}.{key}", message, line))

        if not isinstance(r, dict):
            problems.append(DeclarationProblem(file, where, "must be a table"))
            continue
        for key in sorted(set(r) - REVIEW_KEYS):
            bad(key, "unknown key")
        n = len(problems)
        crit = r.get("criterion")
        if not isinstance(crit, str) or not crit:
            bad("criterion", "required: a criterion id")
        elif known_criteria is not None and crit not in known_criteria:
            bad("criterion", f"unknown criterion {crit!r}")
        if r.get("level") not in REVIEW_LEVELS:
            bad("level", f"must be one of: {', '.join(REVIEW_LEVELS)}")
        for key in ("rationale", "reviewer"):
            if not isinstance(r.get(key), str) or not r.get(key).strip():
                bad(key, "required: a non-empty string")
        d = r.get("date")
        if isinstance(d, Date):
            d = d.isoformat()
        if not isinstance(d, str) or not re.match(r"^\d{4}-\d{2}-\d{2}$", d):
            bad("date", "required: a date like 2026-11-28")
        ev = r.get("evidence_url")
        if ev is not None and (not isinstance(ev, str) or not ev.startswith(("http://", "https://"))):
            bad("evidence_url", "must be an http(s) URL")
        if len(problems) == n:
            out[crit] = Review(crit, Level(r["level"]), r["rationale"].strip(), r["reviewer"].strip(), d, ev)
    return out, problems


def review_problems(ws, slug: str, known_criteria: set[str] | None = None) -> list[DeclarationProblem]:
    path = ws.review_path(slug)
    if not path.is_file():
        return []
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        return [DeclarationProblem(str(path), None, f"cannot read: {e}")]
    return parse_reviews(text, path, known_criteria)[1]


def load_reviews(ws, slug: str, known_criteria: set[str] | None = None) -> dict[str, Review]:
    """The effective verdicts of one company (last one per criterion), or ReviewsInvalid."""
    path = ws.review_path(slug)
    if not path.is_file():
        return {}
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"{path}: cannot read: {e}") from None
    reviews, problems = parse_reviews(text, path, known_criteria)
    if problems:
        raise ReviewsInvalid(problems)
    return reviews


def write_review(ws, slug: str, review: Review) -> Path:
    """Append one [[review]] to reviews/<slug>.toml atomically (the old file is kept intact)."""
    path = ws.review_path(slug)
    old = path.read_text(encoding="utf-8") if path.is_file() else ""
    if old:
        parse_reviews(old, path)  # refuse to append to something we cannot read back
    entry = {"criterion": review.criterion, "level": review.level.value, "rationale": review.rationale,
             "reviewer": review.reviewer, "date": review.date}
    if review.evidence_url:
        entry["evidence_url"] = review.evidence_url
    block = tomli_w.dumps({"review": [entry]})
    text = old + ("\n" if old and not old.endswith("\n\n") else "") + block if old else block
    atomic_write(path, text.encode("utf-8"))
    return path

