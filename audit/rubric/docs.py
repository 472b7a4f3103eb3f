"""`audit rubric docs`: the methodology as Markdown, generated from the rubric itself."""

from __future__ import annotations

from audit.rubric.model import Rubric

_LEVEL_ORDER = ("met", "partial", "not-met")


def _cell(s: str) -> str:
    return " ".join(s.split()).replace("|", "\\|")


def render_markdown(rubric: Rubric) -> str:
    out = [f"# {rubric.title}", "", f"Rubric `{rubric.id}` version {rubric.version} (sha256 `{rubric.sha256[:16]}`).", ""]
    if rubric.description:
        out += [rubric.description, ""]
    out += ["## Demands", "", "| demand | what the statement asks | weight |", "|---|---|---|"]
    for d in rubric.demands:
        out.append(f"| `{d.id}` {d.title} | {_cell(d.statement)} | {d.weight:g} |")
    out += ["", "## Levels and grades", "", "| level | points |", "|---|---|"]
    for lv, pts in rubric.points.items():
        out.append(f"| `{lv.value}` | {pts} |")
    out += ["| `not-applicable`, `not-evaluated`, `unreviewed` | left out of the score |", ""]
    out.append("Demand score = weighted mean of its criteria's points; overall score = weighted mean of demand scores (0-100, one decimal).")
    out.append("")
    out.append("Grades: " + ", ".join(f"{g.grade} >= {g.min:g}" for g in rubric.grades) + ".")
    for cap in rubric.caps:
        out.append(f"- `{cap.criterion}` at `{cap.level.value}` caps the grade at {cap.max_grade}.")
    out += ["", "Across documents the best supported level wins; evidence against the practice in any document caps the criterion at `partial` and marks it conflicting.", ""]
    out += ["## Criteria", ""]
    for d in rubric.demands:
        out += [f"### {d.title} (`{d.id}`)", ""]
        out += ["| criterion | weight | method | met | partial | not-met |", "|---|---|---|---|---|---|"]
        for c in rubric.criteria_of(d.id):
            cells = [_cell(c.levels.get(lv, "-")) for lv in _LEVEL_ORDER]
            out.append(f"| `{c.id}` {c.title} | {c.weight:g} | {c.method} | " + " | ".join(cells) + " |")
        out.append("")
        for c in rubric.criteria_of(d.id):
            out.append(f"- **{c.title}**: what to ask for: {c.demand}")
        out.append("")
    return "\n".join(out).rstrip() + "\n"
