"""Render a Diff as text (terminal, run summary), JSON (scripts) or Markdown (a PR body)."""

from __future__ import annotations

import json

from audit.refresh.diff import CAUSE_LABELS, LANGUAGE, STALE, TEXT, CompanyChange, Diff
from audit.report.escape import markdown


def _score(v) -> str:
    return "–" if v is None else f"{v:g}"


def _headline(c: CompanyChange) -> str:
    if c.status == "added":
        return f"{c.name} ({c.slug}): new, {_score(c.new_score)} {c.new_grade or ''}".rstrip()
    if c.status == "removed":
        return f"{c.name} ({c.slug}): removed (was {_score(c.old_score)} {c.old_grade or ''})".rstrip()
    arrow = f"{_score(c.old_score)} {c.old_grade or '–'} -> {_score(c.new_score)} {c.new_grade or '–'}"
    tail = "  GRADE DROPPED" if c.grade_dropped else ""
    return f"{c.name} ({c.slug}): {arrow}{tail}"


def _doc_line(d) -> str:
    if d.kind == STALE:
        return f"{d.type} {d.url}: fetch failed, evidence is stale ({d.error or d.new_status or '–'})"
    if d.kind == TEXT:
        return f"{d.type} {d.url}: text changed (sha256 {(d.old_sha256 or '–')[:12]} -> {(d.new_sha256 or '–')[:12]})"
    if d.kind == LANGUAGE:
        return f"{d.type} {d.url}: language changed ({d.old_language or '–'} -> {d.new_language or '–'})"
    return f"{d.type} {d.url}: {d.kind}"


def _global_lines(diff: Diff) -> list[str]:
    out = []
    if diff.rubric_changed:
        o, n = diff.old_rubric, diff.new_rubric
        out.append(f"rubric changed: {_rubric(o)} -> {_rubric(n)}")
    if diff.old_tool != diff.new_tool:
        out.append(f"tool changed: {diff.old_tool or '–'} -> {diff.new_tool or '–'}")
    return out


def _rubric(r: dict) -> str:
    """`id version (sha256[:12])`, with a dash for whatever an old scorecards file lacks (never None)."""
    sha = str(r.get("sha256") or "")[:12] or "–"
    return f"{r.get('id') or '–'} {r.get('version') or '–'} ({sha})"


def render_text(diff: Diff) -> str:
    lines = _global_lines(diff)
    if not diff.companies:
        lines.append("no score changes")
    for c in diff.companies:
        lines.append(_headline(c))
        if c.causes:
            lines.append("  because: " + "; ".join(f"{k} ({CAUSE_LABELS[k]})" for k in c.causes))
        for d in c.documents:
            lines.append("  document " + _doc_line(d))
        for cc in c.criteria:
            lines.append(f"  {cc.id}: {cc.old_level or '–'} -> {cc.new_level or '–'}")
            for cause in cc.causes:
                where = f" [{cause.document}]" if cause.document else ""
                detail = f": {cause.detail}" if cause.detail else ""
                lines.append(f"    {cause.kind}{where}{detail}")
                lines.extend(f"      {q}" for q in cause.quote_diff)
    return "\n".join(lines) + "\n"


def render_json(diff: Diff) -> str:
    return json.dumps(diff.to_json(), indent=2, ensure_ascii=False) + "\n"


def _md(s: str) -> str:
    return markdown(s)


def render_markdown(diff: Diff) -> str:
    lines = ["## Scorecard changes", ""]
    lines += [f"- {_md(g)}" for g in _global_lines(diff)]
    if not diff.companies:
        lines.append("No score changes.")
    for c in diff.companies:
        lines += ["", f"### {_md(_headline(c))}", ""]
        if c.causes:
            lines += ["Causes: " + "; ".join(f"`{k}` ({CAUSE_LABELS[k]})" for k in c.causes), ""]
        for d in c.documents:
            lines.append(f"- document {_md(_doc_line(d))}")
        if c.criteria:
            if c.documents:
                lines.append("")
            lines += ["| criterion | before | after | cause |", "|---|---|---|---|"]
            for cc in c.criteria:
                why = "<br>".join(_md(f"{x.kind}" + (f" ({x.document})" if x.document else "") +
                                      (f": {x.detail}" if x.detail else "")) for x in cc.causes)
                lines.append(f"| `{cc.id}` | {cc.old_level or '–'} | {cc.new_level or '–'} | {why} |")
            diffs = [(cc.id, x) for cc in c.criteria for x in cc.causes if x.quote_diff]
            if diffs:
                lines += ["", "<details><summary>evidence quotes</summary>", "", "```diff"]
                for cid, x in diffs:
                    lines.append(f"# {cid} ({x.document})")
                    lines.extend(x.quote_diff)
                lines += ["```", "", "</details>"]
    return "\n".join(lines) + "\n"


RENDERERS = {"text": render_text, "json": render_json, "markdown": render_markdown}
