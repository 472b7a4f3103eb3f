"""`audit validate`: every declaration, review and the rubric of a workspace; all problems listed."""

from __future__ import annotations

import click

from audit.commands.options import rubric_option, workspace_option
from audit.declarations.load import load_declarations
from audit.declarations.reviews import review_problems
from audit.errors import InputError
from audit.workspace import Workspace


@click.command()
@workspace_option
@rubric_option
def validate(workspace, rubric_id):
    """Check declarations, reviews and the rubric; list every problem (exit 2 if any)."""
    from audit.rubric.loader import validate_rubric_file

    ws = Workspace.open(workspace, check_links=False)
    lines: list[str] = list(ws.symlink_problems())
    chosen = rubric_id or ws.setting("rubric")
    if chosen and not rubric_id and (ws.root / chosen).is_file():
        chosen = str(ws.root / chosen)
    rubric, rproblems = validate_rubric_file(chosen)
    lines.extend(str(p) for p in rproblems)
    known = {c.id for c in rubric.criteria} if rubric else None
    decls, problems = load_declarations(ws, None, known)
    lines.extend(str(p) for p in problems)
    slugs = {p.stem for p in ws.companies_dir.glob("*.toml")} if ws.companies_dir.is_dir() else set()
    review_files = sorted(ws.reviews_dir.glob("*.toml")) if ws.reviews_dir.is_dir() else []
    for path in review_files:
        if path.stem not in slugs:
            lines.append(f"{path}: reviews for {path.stem!r}, which has no declaration")
        lines.extend(str(p) for p in review_problems(ws, path.stem, known))
    for line in lines:
        click.echo(f"audit: {line}", err=True)
    if lines:
        raise InputError(f"{len(lines)} problem(s) found")
    click.echo(f"audit: ok: {len(decls)} declaration(s), {len(review_files)} review file(s), "
               f"rubric {rubric.id} {rubric.version}", err=True)
