"""Read a rubric TOML file, check it, and build the typed :class:`Rubric`.

Every problem is collected (not only the first), each naming the file, the criterion and the
line, so that `audit rubric validate` can list them all.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from audit.criteria import TEXT_KINDS
from audit.errors import InputError
from audit.models import TEXT_LEVELS, Level, Polarity
from audit.rubric.model import (
    METHODS,
    Cap,
    Criterion,
    Demand,
    Example,
    Grade,
    Lexicon,
    Rubric,
    Signal,
)

BUILTIN_ID = "builtin"
_LEVEL_NAMES = {lv.value for lv in Level}
_SIGNAL_KEYS = {"id", "level", "polarity", "all", "any", "none", "near", "negated", "hedged", "context"}
_CRITERION_KEYS = {"id", "group", "weight", "method", "title", "demand", "levels", "signals", "examples"}
_EXAMPLE_KEYS = {"text", "level", "doctype"}


@dataclass(frozen=True)
class RubricProblem:
    file: str
    line: int | None
    criterion: str | None
    message: str

    def __str__(self) -> str:
        where = self.file + (f":{self.line}" if self.line else "")
        who = f" [{self.criterion}]" if self.criterion else ""
        return f"{where}{who}: {self.message}"


class RubricInvalid(InputError):
    def __init__(self, problems: list[RubricProblem]):
        self.problems = problems
        first = str(problems[0]) if problems else "invalid rubric"
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        super().__init__(f"invalid rubric: {first}{more}")


def builtin_dir() -> Path:
    """The folder of built-in rubrics: inside the installed package, or the repository's `rubrics/`."""
    packaged = resources.files("audit") / "_rubrics"
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[2] / "rubrics"


def builtin_ids() -> list[str]:
    return sorted(p.stem for p in builtin_dir().glob("*.toml"))


def resolve(id_or_path: str | None) -> Path:
    """A rubric id (`builtin`) or a path to a TOML file."""
    if not id_or_path:
        id_or_path = BUILTIN_ID
    p = Path(id_or_path)
    if p.suffix == ".toml" or p.exists() or "/" in id_or_path:
        if not p.is_file():
            raise InputError(f"{id_or_path}: rubric file not found")
        return p
    candidate = builtin_dir() / f"{id_or_path}.toml"
    if not candidate.is_file():
        known = ", ".join(builtin_ids()) or "none"
        raise InputError(f"{id_or_path}: no such rubric (built-in: {known}; or give a path to a .toml file)")
    return candidate


_CACHE: dict[tuple[str, str], Rubric] = {}


def load_rubric(id_or_path: str | None = None) -> Rubric:
    """Load and validate a rubric; raise :class:`RubricInvalid` listing every problem."""
    path = resolve(id_or_path)
    raw = _read(path)
    key = (str(path.resolve()), hashlib.sha256(raw).hexdigest())
    if key in _CACHE:
        return _CACHE[key]
    rubric, problems = parse_rubric(raw, str(path))
    if problems:
        raise RubricInvalid(problems)
    assert rubric is not None
    _CACHE[key] = rubric
    return rubric


def validate_rubric_file(id_or_path: str | None) -> tuple[Rubric | None, list[RubricProblem]]:
    path = resolve(id_or_path)
    return parse_rubric(_read(path), str(path))


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as e:
        raise InputError(f"{path}: cannot read rubric: {e.strerror or e}") from None


class _Lines:
    """Find the line of the n-th `[[table]]` header and of keys inside it (tomllib keeps none)."""

    def __init__(self, text: str):
        self.lines = text.splitlines()
        self.headers: dict[str, list[int]] = {}
        for i, line in enumerate(self.lines, start=1):
            m = re.match(r"\s*\[\[\s*([\w.-]+)\s*\]\]", line)
            if m:
                self.headers.setdefault(m.group(1), []).append(i)

    def header(self, table: str, index: int) -> int | None:
        found = self.headers.get(table, [])
        return found[index] if index < len(found) else None

    def key(self, start: int | None, key: str) -> int | None:
        if start is None:
            return None
        for i in range(start, min(len(self.lines), start + 400)):
            line = self.lines[i]
            if re.match(r"\s*\[", line) and i > start:
                break
            if re.match(rf"\s*\"?{re.escape(key)}\"?\s*=", line):
                return i + 1
        return start


def parse_rubric(raw: bytes, filename: str) -> tuple[Rubric | None, list[RubricProblem]]:
    problems: list[RubricProblem] = []

    def problem(message: str, line: int | None = None, criterion: str | None = None) -> None:
        problems.append(RubricProblem(filename, line, criterion, message))

    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        problem("not UTF-8 text")
        return None, problems
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        m = re.search(r"line (\d+)", str(e))
        problem(f"TOML syntax error: {e}", int(m.group(1)) if m else None)
        return None, problems
    lines = _Lines(text)

    meta = data.get("rubric") or {}
    if not isinstance(meta, dict) or not meta.get("id") or not meta.get("version"):
        problem("[rubric] needs `id` and `version`")
        meta = meta if isinstance(meta, dict) else {}

    languages = meta.get("languages", ["en"])
    if (not isinstance(languages, list) or not languages
            or not all(isinstance(x, str) and re.fullmatch(r"[a-z]{2,3}", x) for x in languages)):
        line = next((i for i, t in enumerate(lines.lines, start=1) if re.match(r"\s*languages\s*=", t)), None)
        problem("[rubric] `languages` must be a non-empty list of language tags such as \"en\"", line)
        languages = ["en"]
    points = _points(data.get("points", {}), problem)
    grades = _grades(data.get("grades", []), problem)
    lexicon = _lexicon(data.get("lexicon", {}), problem)

    demands: list[Demand] = []
    seen_demands: set[str] = set()
    for i, d in enumerate(data.get("demands", [])):
        line = lines.header("demands", i)
        did = d.get("id") if isinstance(d, dict) else None
        if not did:
            problem("demand without `id`", line)
            continue
        if did in seen_demands:
            problem(f"duplicate demand id {did!r}", line)
        seen_demands.add(did)
        weight = d.get("weight")
        if not isinstance(weight, (int, float)) or isinstance(weight, bool) or weight <= 0:
            problem(f"demand {did!r}: `weight` must be a positive number", lines.key(line, "weight"))
            weight = 0
        demands.append(Demand(did, _number(weight), d.get("title", did), d.get("statement", "")))
    if not demands:
        problem("no [[demands]]")

    criteria: list[Criterion] = []
    seen: set[str] = set()
    sig_index = 0
    ex_index = 0
    for i, c in enumerate(data.get("criteria", [])):
        line = lines.header("criteria", i)
        cid = c.get("id")
        if not cid or not isinstance(cid, str):
            problem("criterion without `id`", line)
            sig_index += len(c.get("signals", []))
            ex_index += len(c.get("examples", []))
            continue
        if cid in seen:
            problem("duplicate criterion id", line, cid)
        seen.add(cid)
        for key in sorted(set(c) - _CRITERION_KEYS):
            problem(f"unknown key `{key}`", lines.key(line, key), cid)
        group = c.get("group")
        if group not in seen_demands:
            problem(f"`group` {group!r} is not a demand id", lines.key(line, "group"), cid)
        weight = c.get("weight")
        if not isinstance(weight, (int, float)) or isinstance(weight, bool) or weight <= 0:
            problem("`weight` must be a positive number", lines.key(line, "weight"), cid)
            weight = 0
        method = c.get("method")
        if method not in METHODS:
            problem(f"`method` must be one of {', '.join(METHODS)}", lines.key(line, "method"), cid)
        for key in ("title", "demand"):
            if not isinstance(c.get(key), str) or not c.get(key).strip():
                problem(f"`{key}` (text) is required", lines.key(line, key) or line, cid)
        levels = c.get("levels", {})
        if not isinstance(levels, dict) or "met" not in levels:
            problem("`levels` needs at least a `met` definition", line, cid)
            levels = levels if isinstance(levels, dict) else {}
        for name in levels:
            if name not in _LEVEL_NAMES:
                problem(f"unknown level {name!r} in `levels`", line, cid)

        signals: list[Signal] = []
        for s in c.get("signals", []):
            sline = lines.header("criteria.signals", sig_index)
            sig_index += 1
            sig = _signal(s, cid, sline, lines, problem)
            if sig:
                signals.append(sig)
        ids = [s.id for s in signals]
        for dup in sorted({x for x in ids if ids.count(x) > 1}):
            problem(f"duplicate signal id {dup!r}", line, cid)
        examples: list[Example] = []
        for e in c.get("examples", []):
            eline = lines.header("criteria.examples", ex_index)
            ex_index += 1
            ex = _example(e, cid, eline, problem)
            if ex:
                examples.append(ex)
        if method in TEXT_KINDS and not signals:
            problem("a text criterion needs at least one signal", line, cid)
        if method in TEXT_KINDS and not examples:
            problem("a text criterion needs example sentences", line, cid)
        criteria.append(
            Criterion(
                id=cid,
                group=group or "",
                weight=_number(weight),
                method=method or "text",
                title=c.get("title", cid),
                demand=c.get("demand", ""),
                levels=dict(levels),
                signals=tuple(signals),
                examples=tuple(examples),
                line=line,
            )
        )
    if not criteria:
        problem("no [[criteria]]")

    caps: list[Cap] = []
    letters = {g.grade for g in grades}
    for i, cap in enumerate(data.get("caps", [])):
        line = lines.header("caps", i)
        cid = cap.get("criterion")
        if cid not in seen:
            problem(f"cap names unknown criterion {cid!r}", line)
            continue
        lv = cap.get("level")
        if lv not in _LEVEL_NAMES:
            problem(f"cap level {lv!r} is not a level", line, cid)
            continue
        if cap.get("max_grade") not in letters:
            problem(f"cap max_grade {cap.get('max_grade')!r} is not a grade", line, cid)
            continue
        caps.append(Cap(cid, Level(lv), cap["max_grade"]))

    for d in demands:
        if not any(c.group == d.id for c in criteria):
            problem(f"demand {d.id!r} has no criteria")

    if problems:
        return None, problems
    rubric = Rubric(
        id=str(meta["id"]),
        version=str(meta["version"]),
        title=str(meta.get("title", meta["id"])),
        description=str(meta.get("description", "")),
        sha256=hashlib.sha256(raw).hexdigest(),
        source=filename,
        points=points,
        grades=tuple(grades),
        caps=tuple(caps),
        demands=tuple(demands),
        criteria=tuple(criteria),
        lexicon=lexicon,
        languages=tuple(languages),
    )
    return rubric, problems


def _points(raw: dict, problem) -> dict[Level, int]:
    defaults = {Level.MET: 100, Level.PARTIAL: 50, Level.NOT_MET: 0, Level.NO_DISCLOSURE: 0}
    out = dict(defaults)
    for name, value in raw.items():
        if name not in _LEVEL_NAMES or Level(name) not in defaults:
            problem(f"[points]: {name!r} is not a scored level")
            continue
        if not isinstance(value, (int, float)) or not 0 <= value <= 100:
            problem(f"[points]: {name} must be a number from 0 to 100")
            continue
        out[Level(name)] = value
    return out


def _grades(raw: list, problem) -> list[Grade]:
    if not raw:
        return [Grade("A", 85), Grade("B", 70), Grade("C", 55), Grade("D", 40), Grade("F", 0)]
    grades = []
    for g in raw:
        if not isinstance(g, dict) or "grade" not in g or not isinstance(g.get("min"), (int, float)):
            problem("[[grades]] needs `grade` and a numeric `min`")
            continue
        grades.append(Grade(str(g["grade"]), float(g["min"])))
    grades.sort(key=lambda g: -g.min)
    return grades


def _lexicon(raw: dict, problem) -> Lexicon:
    negation = raw.get("negation", ["not", "never", "no", "n't", "without", "neither", "nor", "cannot"])
    hedge = raw.get("hedge", ["may", "might", "where feasible", "generally", "in most cases"])
    window = raw.get("negation_window", 5)

    def alternation(words: list[str], name: str) -> re.Pattern:
        parts = []
        for w in words:
            if not isinstance(w, str) or not w.strip():
                problem(f"[lexicon] {name}: entries must be non-empty strings")
                continue
            esc = re.escape(w.strip()).replace(r"\ ", r"\s+")
            # "n't" attaches to the word before it, so no leading word boundary there
            parts.append(esc if w.startswith("n'") or w.startswith("n’") else rf"\b{esc}")
        return re.compile(r"(?:" + "|".join(parts or ["(?!x)x"]) + r")\b", re.IGNORECASE)

    return Lexicon(alternation(negation, "negation"), alternation(hedge, "hedge"), int(window))


def _compile(patterns, where: str, cid: str, line, problem) -> tuple[re.Pattern, ...]:
    if isinstance(patterns, str):
        patterns = [patterns]
    if not isinstance(patterns, list):
        problem(f"{where}: expected a list of regular expressions", line, cid)
        return ()
    out = []
    for p in patterns:
        if not isinstance(p, str) or not p:
            problem(f"{where}: patterns must be non-empty strings", line, cid)
            continue
        try:
            out.append(re.compile(p, re.IGNORECASE))
        except re.error as e:
            problem(f"{where}: bad regular expression {p!r}: {e}", line, cid)
    return tuple(out)


def _signal(s: dict, cid: str, line, lines: _Lines, problem) -> Signal | None:
    if not isinstance(s, dict):
        problem("signals must be tables", line, cid)
        return None
    sid = s.get("id") or f"signal-{line}"
    for key in sorted(set(s) - _SIGNAL_KEYS):
        problem(f"signal {sid!r}: unknown key `{key}`", lines.key(line, key), cid)
    level = s.get("level")
    if level not in {lv.value for lv in TEXT_LEVELS}:
        problem(f"signal {sid!r}: `level` must be met, partial or not-met", lines.key(line, "level"), cid)
        return None
    lv = Level(level)
    polarity_raw = s.get("polarity", "against" if lv is Level.NOT_MET else "for")
    if polarity_raw not in ("for", "against"):
        problem(f"signal {sid!r}: `polarity` must be for or against", lines.key(line, "polarity"), cid)
        return None
    all_ = _compile(s.get("all", []), f"signal {sid!r} `all`", cid, lines.key(line, "all"), problem)
    if not all_:
        problem(f"signal {sid!r}: `all` needs at least one pattern", line, cid)
        return None
    any_ = _compile(s.get("any", []), f"signal {sid!r} `any`", cid, lines.key(line, "any"), problem)
    none_ = _compile(s.get("none", []), f"signal {sid!r} `none`", cid, lines.key(line, "none"), problem)
    context = _compile(s.get("context", []), f"signal {sid!r} `context`", cid, lines.key(line, "context"), problem)
    near = s.get("near")
    if near is not None and (not isinstance(near, int) or near <= 0):
        problem(f"signal {sid!r}: `near` must be a positive number of characters", lines.key(line, "near"), cid)
        near = None
    negated = s.get("negated", "skip")
    if negated not in ("skip", "ignore") and negated not in {lv.value for lv in TEXT_LEVELS}:
        problem(f"signal {sid!r}: `negated` must be skip, ignore or a level", lines.key(line, "negated"), cid)
        negated = "skip"
    hedged = s.get("hedged")
    if hedged is not None and hedged not in {lv.value for lv in TEXT_LEVELS}:
        problem(f"signal {sid!r}: `hedged` must be a level", lines.key(line, "hedged"), cid)
        hedged = None
    return Signal(
        id=sid,
        level=lv,
        polarity=Polarity(polarity_raw),
        all=all_,
        any=any_,
        none=none_,
        near=near,
        negated=negated,
        hedged=Level(hedged) if hedged else None,
        context=context,
        line=line,
    )


def _example(e: dict, cid: str, line, problem) -> Example | None:
    if not isinstance(e, dict) or not isinstance(e.get("text"), str) or not e["text"].strip():
        problem("example needs `text`", line, cid)
        return None
    for key in sorted(set(e) - _EXAMPLE_KEYS):
        problem(f"example: unknown key `{key}`", line, cid)
    level = e.get("level")
    if level not in _LEVEL_NAMES:
        problem(f"example: `level` {level!r} is not a level", line, cid)
        return None
    return Example(e["text"], Level(level), e.get("doctype"), line)


def _number(value: int | float) -> int | float:
    """Keep whole weights whole, so JSON says `"weight": 3` as the contract shows, not 3.0."""
    return int(value) if float(value).is_integer() else float(value)
