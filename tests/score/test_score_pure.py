"""`audit/score/` is pure: no I/O of its own, and nothing it imports reaches the I/O stages.

All reading (declarations, archive, cache, files, URLs, the reader's model) lives in
`audit/pipeline/`; see docs/architecture.md. Two checks: the source of `audit/score/` (no file,
OS or network calls), and what importing it loads (a fresh interpreter's `sys.modules`).
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

SCORE = Path(__file__).resolve().parents[2] / "audit" / "score"

#: stages that do I/O (or load files): scoring must not import them, even indirectly
IO_MODULES = ("audit.archive", "audit.fetch", "audit.declarations", "audit.probe", "audit.pipeline",
              "audit.workspace", "audit.resolver", "audit.offline", "audit.signing", "audit.reader.model",
              "audit.reader.learned", "audit.report", "audit.commands")
#: standard modules that open files, sockets or processes, or read the clock
IO_STDLIB = ("os", "io", "pathlib", "shutil", "subprocess", "socket", "tempfile", "glob", "urllib", "http",
             "time", "datetime", "requests", "httpx", "sqlite3")
#: calls that read or write files
IO_CALLS = {"open", "read_bytes", "read_text", "write_bytes", "write_text", "stat", "mkdir", "unlink", "now"}


def _imports(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


def _calls(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            yield f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", None)


def test_score_sources_import_no_io_and_call_none():
    files = sorted(SCORE.glob("*.py"))
    assert files
    for f in files:
        tree = ast.parse(f.read_text(encoding="utf-8"))
        for mod in _imports(tree):
            assert not any(mod == m or mod.startswith(m + ".") for m in IO_MODULES + IO_STDLIB), (f.name, mod)
        for call in _calls(tree):
            assert call not in IO_CALLS, (f.name, call)


def test_importing_score_loads_no_io_stage():
    code = ("import json, sys, importlib, pkgutil, audit.score as s\n"
            "for m in pkgutil.iter_modules(s.__path__): importlib.import_module('audit.score.' + m.name)\n"
            "print(json.dumps(sorted(m for m in sys.modules if m.startswith('audit'))))")
    loaded = json.loads(subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                                       text=True).stdout)
    reached = [m for m in loaded if any(m == io or m.startswith(io + ".") for io in IO_MODULES)]
    assert reached == []
