"""The stages import one another in one direction only: no import cycle between packages.

A cycle (probe -> score -> probe, ...) means two stages cannot be understood, tested or changed
apart. Types that several stages share live in `audit/models.py`, which imports no stage. Every
import counts, also one inside a function: a lazy import hides a cycle, it does not remove it.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

AUDIT = Path(__file__).resolve().parents[1] / "audit"

#: modules kept only so that files being edited on another branch still import: module -> the
#: only files allowed to import it. Their edges do not count; delete an entry with its module.
COMPAT: dict[str, set[str]] = {}


def _unit(module: str) -> str | None:
    """The stage a module belongs to: `audit.score.engine` -> `score`, `audit.models` -> `models`."""
    parts = module.split(".")
    return parts[1] if parts[0] == "audit" and len(parts) > 1 else None


def _imports(path: Path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


def stage_graph() -> dict[str, dict[str, set[str]]]:
    """stage -> imported stage -> the modules that import it (for the failure message)."""
    graph: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for path in AUDIT.rglob("*.py"):
        module = ".".join(("audit",) + path.relative_to(AUDIT).with_suffix("").parts)
        src = _unit(module)
        if module in COMPAT:
            continue
        for imported in _imports(path):
            if imported in COMPAT:
                continue
            dst = _unit(imported)
            if src and dst and dst != src:
                graph[src][dst].add(module)
    return graph


def _cycle(graph) -> list[str] | None:
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node):
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_no_import_cycle_between_stages():
    graph = stage_graph()
    cycle = _cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle) + "; " + "; ".join(
        f"{a} -> {b} in {', '.join(sorted(graph[a][b]))}" for a, b in zip(cycle, cycle[1:]))


def test_shared_types_import_no_stage():
    assert dict(stage_graph().get("models", {})) == {}


def test_compatibility_modules_gain_no_importer():
    for compat, allowed in COMPAT.items():
        importers = {".".join(("audit",) + p.relative_to(AUDIT).with_suffix("").parts)
                     for p in AUDIT.rglob("*.py") if compat in set(_imports(p))}
        tests = {p.name for p in AUDIT.parent.joinpath("tests").rglob("*.py") if compat in set(_imports(p))}
        assert importers <= allowed and not tests, (compat, importers - allowed, tests)


def test_the_check_finds_a_cycle():
    assert _cycle({"a": {"b": {"x"}}, "b": {"c": {"y"}}, "c": {"a": {"z"}}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b": {"x"}}, "b": {}}) is None
