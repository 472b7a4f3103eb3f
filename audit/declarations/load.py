"""Load and validate `companies/*.toml`: every problem names the file, the key and the line.

An invalid declaration is reported as a problem and skipped; the other companies still load,
so one bad pull request never stops a scheduled run.
"""

from __future__ import annotations

import re
import tomllib
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from audit.fetch.urls import UnsafeURLError, parse_url_strict

from audit.declarations.model import Declaration, DeclarationProblem, DeclaredDocument
from audit.errors import InputError
from audit.extract.doctype import DOCUMENT_TYPES
from audit.models import RANGE_KEYS, RangeSelector, Selector
from audit.untrusted import UntrustedInputError, loads_toml

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
HOST = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(:\d{1,5})?$", re.I)
TOP_KEYS = {"name", "website", "hosts", "not_applicable", "documents"}
DOC_KEYS = {"type", "url", "path", "select", "remove", "group", "title"}


class DeclarationInvalid(InputError):
    def __init__(self, problems: list[DeclarationProblem]):
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


@lru_cache(maxsize=4)
def _index(text: str) -> tuple[list[str], dict[str, list[int]], dict[str, list[int]]]:
    """One pass over a declaration: its lines, the 0-based lines of each `[[table]]` header and
    of each `key =` assignment. Line lookups used to rescan the whole text for every problem and
    every document (quadratic: 5,000 documents took a minute to validate)."""
    lines = text.splitlines()
    tables: dict[str, list[int]] = {}
    keys: dict[str, list[int]] = {}
    for i, line in enumerate(lines):
        m = _TABLE_HEADER.match(line)
        if m:
            tables.setdefault(m.group(1), []).append(i)
            continue
        m = _ASSIGNMENT.match(line)
        if m:
            keys.setdefault(m.group(1), []).append(i)
    return lines, tables, keys


_TABLE_HEADER = re.compile(r"^[ \t]*\[\[[ \t]*([^\]]*?)[ \t]*\]\]")
_ASSIGNMENT = re.compile(r"^[ \t]*([A-Za-z0-9_.\"'-]+?)[ \t]*=")


def key_line(text: str, key: str, nth: int = 0) -> int | None:
    """The line (1-based) of the nth `key =` assignment in the text, if it can be found."""
    found = _index(text)[2].get(key, [])
    return found[nth] + 1 if len(found) > nth else None


def table_line(text: str, name: str, nth: int) -> int | None:
    found = _index(text)[1].get(name, [])
    return found[nth] + 1 if len(found) > nth else None


def _line_in_table(text: str, table: str, nth: int, key: str) -> int | None:
    start = table_line(text, table, nth)
    if start is None:
        return None
    lines = _index(text)[0]
    for i in range(start, len(lines)):
        line = lines[i]
        if line.lstrip().startswith("["):
            break
        m = _ASSIGNMENT.match(line)
        if m and m.group(1) == key:
            return i + 1
    return start


def parse_declaration(text: str, path: Path, known_criteria: set[str] | None = None
                      ) -> tuple[Declaration | None, list[DeclarationProblem]]:
    """Validate one declaration's text; (Declaration, []) or (None, problems)."""
    file = str(path)
    problems: list[DeclarationProblem] = []

    def problem(key, message, line=None):
        problems.append(DeclarationProblem(file, key, message, line))

    slug = path.stem
    if not SLUG.match(slug):
        problem(None, f"file name {path.name!r}: a slug must match [a-z0-9][a-z0-9-]*")
    try:
        raw = loads_toml(text)
    except UntrustedInputError as e:
        problem(None, str(e))
        return None, problems
    except tomllib.TOMLDecodeError as e:
        m = re.search(r"line (\d+)", str(e))
        problem(None, f"not valid TOML: {e}", int(m.group(1)) if m else None)
        return None, problems
    for key in sorted(set(raw) - TOP_KEYS):
        problem(key, "unknown key", key_line(text, key))
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        problem("name", "required: a non-empty string" if name is None else "must be a non-empty string",
                key_line(text, "name"))
    website = raw.get("website")
    if website is not None and _url_problem(website):
        problem("website", _url_problem(website), key_line(text, "website"))
    hosts = raw.get("hosts", [])
    if not isinstance(hosts, list) or not all(isinstance(h, str) and HOST.match(h) for h in hosts):
        problem("hosts", "must be a list of host names (like \"example.com\")", key_line(text, "hosts"))
        hosts = []
    na = raw.get("not_applicable", [])
    if not isinstance(na, list) or not all(isinstance(c, str) for c in na):
        problem("not_applicable", "must be a list of criterion ids", key_line(text, "not_applicable"))
        na = []
    elif known_criteria is not None:
        for c in na:
            if c not in known_criteria:
                problem("not_applicable", f"unknown criterion {c!r}", key_line(text, "not_applicable"))
    documents = []
    docs = raw.get("documents", [])
    if not isinstance(docs, list):
        problem("documents", "must be [[documents]] tables", key_line(text, "documents"))
        docs = []
    group_types: dict[str, tuple[object, int]] = {}  # group -> (type, first index)
    for i, d in enumerate(docs):
        where = f"documents[{i}]"
        if not isinstance(d, dict):
            problem(where, "must be a table", table_line(text, "documents", i))
            continue
        for key in sorted(set(d) - DOC_KEYS):
            problem(f"{where}.{key}", "unknown key", _line_in_table(text, "documents", i, key))
        dtype = d.get("type")
        if dtype not in DOCUMENT_TYPES:
            problem(f"{where}.type", f"must be one of: {', '.join(DOCUMENT_TYPES)}" if dtype is not None
                    else "required", _line_in_table(text, "documents", i, "type"))
        url, local = d.get("url"), d.get("path")
        if url is None and local is None:
            problem(where, "needs url or path (or both: path is read, url is cited)", table_line(text, "documents", i))
        if url is not None and _url_problem(url):
            problem(f"{where}.url", _url_problem(url), _line_in_table(text, "documents", i, "url"))
        if local is not None:
            if not isinstance(local, str) or not local.strip():
                problem(f"{where}.path", "must be a file path", _line_in_table(text, "documents", i, "path"))
            elif Path(local).is_absolute() or not _inside_workspace(path, local):
                problem(f"{where}.path", "must be a relative path inside the workspace (declarations come from "
                        "pull requests and scores are published)", _line_in_table(text, "documents", i, "path"))
            elif not (path.parent / local).is_file():
                problem(f"{where}.path", f"no such file: {local}", _line_in_table(text, "documents", i, "path"))
        sel = _selectors(d.get("select"), f"{where}.select", problem, _line_in_table(text, "documents", i, "select"),
                         text)
        rem = _selectors(d.get("remove"), f"{where}.remove", problem, _line_in_table(text, "documents", i, "remove"),
                         text)
        group, title = d.get("group"), d.get("title")
        if group is not None and (not isinstance(group, str) or not group.strip() or not group.isprintable()):
            problem(f"{where}.group", "must be a non-empty name (pages with the same group form one document)",
                    _line_in_table(text, "documents", i, "group"))
            group = None
        elif group is not None:
            group = group.strip()
            first = group_types.setdefault(group, (dtype, i))
            if first[0] != dtype:
                problem(f"{where}.group", f"group {group!r} is one document, but its pages have different types "
                        f"({first[0]!r} in documents[{first[1]}], {dtype!r} here)",
                        _line_in_table(text, "documents", i, "group"))
        if title is not None and (not isinstance(title, str) or not title.strip()):
            problem(f"{where}.title", "must be a non-empty string", _line_in_table(text, "documents", i, "title"))
            title = None
        if dtype in DOCUMENT_TYPES and isinstance(url, (str, type(None))) and isinstance(local, (str, type(None))):
            documents.append(DeclaredDocument(dtype, url, local, sel, rem, group or None,
                                              title.strip() if isinstance(title, str) else None))
    if problems:
        return None, problems
    return Declaration(slug, name.strip(), website, tuple(hosts), frozenset(na), tuple(documents), path), []


def _inside_workspace(declaration: Path, local: str) -> bool:
    """Whether a `path =` document resolves (symlinks too) inside the workspace holding companies/."""
    root = declaration.resolve().parent.parent
    return (declaration.parent / local).resolve().is_relative_to(root)


_SELECTOR_FORMS = ("must be a CSS selector, a range { start_before = \"CSS\", end_before = \"CSS\" } "
                   "or a list of them")


def _selectors(value, key, problem, line, text: str = "") -> tuple[Selector, ...]:
    """select/remove: a CSS selector, a range table, or a list mixing both; every bad entry is
    reported (with the line of the entry when it can be found below the key)."""
    if value is None:
        return ()
    if not isinstance(value, (str, dict, list)):
        problem(key, _SELECTOR_FORMS, line)
        return ()
    items = value if isinstance(value, list) else [value]
    out: list[Selector] = []
    bad = False
    for j, item in enumerate(items):
        where = f"{key}[{j}]" if isinstance(value, list) else key
        if isinstance(item, str):
            if _css_problem(item, where, problem, _value_line(text, line, item)):
                bad = True
            else:
                out.append(item)
        elif isinstance(item, dict):
            rng = _range(item, where, problem, line, text)
            if rng is None:
                bad = True
            else:
                out.append(rng)
        else:
            problem(where, _SELECTOR_FORMS, line)
            bad = True
    return () if bad else tuple(out)


def _css_problem(selector: str, where: str, problem, line) -> bool:
    """Report an empty or invalid CSS selector; True when there was one."""
    if not selector.strip():
        problem(where, "must be a non-empty CSS selector", line)
        return True
    from audit.extract import css

    try:
        css.check(selector)
    except css.SelectorError as e:
        problem(where, f"invalid CSS selector {selector!r}: {str(e).splitlines()[0]}", line)
        return True
    return False


def _range(table: dict, where: str, problem, line, text: str) -> RangeSelector | None:
    """A range table { start_before|start_after = CSS, end_before|end_after = CSS }, or None (reported)."""
    ok = True
    for k in sorted(set(table) - set(RANGE_KEYS), key=str):
        problem(f"{where}.{k}", "unknown key in a range (keys: start_before or start_after, "
                "optionally end_before or end_after)", _value_line(text, line, k))
        ok = False
    starts = [k for k in ("start_before", "start_after") if k in table]
    ends = [k for k in ("end_before", "end_after") if k in table]
    if not starts:
        problem(where, "a range needs start_before or start_after", _value_line(text, line, next(iter(table), "{")))
        ok = False
    elif len(starts) == 2:
        problem(where, "a range takes start_before or start_after, not both", _value_line(text, line, "start_after"))
        ok = False
    if len(ends) == 2:
        problem(where, "a range takes end_before or end_after, not both", _value_line(text, line, "end_after"))
        ok = False
    for k in starts + ends:
        v = table[k]
        if not isinstance(v, str):
            problem(f"{where}.{k}", "must be a CSS selector (a string)", _value_line(text, line, k))
            ok = False
        elif _css_problem(v, f"{where}.{k}", problem, _value_line(text, line, k)):
            ok = False
    return RangeSelector(**{k: table[k] for k in starts + ends}) if ok else None


def _value_line(text: str, line: int | None, needle: str) -> int | None:
    """The line of the first occurrence of needle in the value that starts on `line` (a key's
    line): a multi-line array ends at its `]` line or at the next key or table. Else `line`."""
    if not text or line is None:
        return line
    lines = _index(text)[0]  # split once per text, not once per selector
    for i in range(line - 1, len(lines)):
        s = lines[i]
        if i > line - 1 and (re.match(r"^\s*\[", s) or re.match(r"^[ \t]*[A-Za-z0-9_\"'-]+[ \t]*=", s)):
            break
        if needle in s:
            return i + 1
        if i > line - 1 and s.strip().startswith("]"):
            break
    return line


def read_declaration_text(path: Path) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path}: no such declaration") from None
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"{path}: cannot read: {e}") from None


def load_declaration(path: str | Path, known_criteria: set[str] | None = None) -> Declaration:
    """One declaration, or DeclarationInvalid (an InputError) listing every problem."""
    path = Path(path)
    decl, problems = parse_declaration(read_declaration_text(path), path, known_criteria)
    if decl is None:
        raise DeclarationInvalid(problems)
    return decl


def declaration_files(ws) -> list[Path]:
    if not ws.companies_dir.is_dir():
        return []
    return sorted(p for p in ws.companies_dir.glob("*.toml") if p.is_file())


def load_declarations(ws, slugs=None, known_criteria: set[str] | None = None
                      ) -> tuple[list[Declaration], list[DeclarationProblem]]:
    """Every (or the named) declaration of the workspace, sorted by slug, plus the problems found.

    A slug that has no declaration file is a problem too.
    """
    files = declaration_files(ws)
    if slugs:
        wanted = list(dict.fromkeys(slugs))
        by_slug = {p.stem: p for p in files}
        problems = [DeclarationProblem(str(ws.declaration_path(s)), None, f"no declaration for company {s!r}")
                    for s in wanted if s not in by_slug]
        files = [by_slug[s] for s in wanted if s in by_slug]
    else:
        problems = []
    decls = []
    for p in files:
        try:
            text = read_declaration_text(p)
        except InputError as e:
            problems.append(DeclarationProblem(str(p), None, str(e).split(": ", 1)[-1]))
            continue
        decl, found = parse_declaration(text, p, known_criteria)
        problems.extend(found)
        if decl is not None:
            decls.append(decl)
    return sorted(decls, key=lambda d: d.slug), problems


def _url_problem(url) -> str | None:
    """Why a declared URL is refused (see audit.fetch.urls: one parser for every URL), or None."""
    if not isinstance(url, str):
        return "must be an http(s) URL"
    try:
        parse_url_strict(url)
    except UnsafeURLError as e:
        return f"must be an http(s) URL: {e}"
    return None
