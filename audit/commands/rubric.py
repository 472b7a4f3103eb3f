"""`audit rubric list|show|validate|test|docs`: inspect, check and document rubrics."""

from __future__ import annotations

import json

import click

from audit.errors import InputError
from audit.rubric.docs import render_markdown
from audit.reader.rules.examples import run_examples
from audit.rubric.loader import builtin_ids, load_rubric, validate_rubric_file


@click.group()
def rubric():
    """Inspect, check and document rubrics."""


@rubric.command("list")
def list_cmd():
    """List the built-in rubrics."""
    for rid in builtin_ids():
        r = load_rubric(rid)
        click.echo(f"{r.id}\t{r.version}\t{len(r.criteria)} criteria\t{r.title}")


@rubric.command()
@click.argument("rubric_id", default="builtin", metavar="[ID_OR_PATH]")
@click.option("--criterion", default=None, help="Show one criterion with its signals.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def show(rubric_id, criterion, fmt):
    """Show a rubric's demands and criteria."""
    r = load_rubric(rubric_id)
    crits = [c for c in r.criteria if criterion in (None, c.id)]
    if criterion and not crits:
        raise InputError(f"{criterion}: no such criterion in rubric {r.id}")
    if fmt == "json":
        out = {"rubric": r.ref(),
               "points": {lv.value: pts for lv, pts in r.points.items()},
               "grades": [{"grade": g.grade, "min": g.min} for g in r.grades],
               "caps": [{"criterion": c.criterion, "level": c.level.value, "max_grade": c.max_grade} for c in r.caps],
               "demands": [{"id": d.id, "weight": d.weight, "title": d.title} for d in r.demands
                           if not criterion or any(c.group == d.id for c in crits)],
               "criteria": [
            {"id": c.id, "demand": c.group, "weight": c.weight, "method": c.method, "title": c.title,
             "ask": c.demand, "levels": c.levels, "signals": [s.id for s in c.signals], "examples": len(c.examples)}
            for c in crits]}
        click.echo(json.dumps(out, indent=2))
        return
    click.echo(f"{r.id} {r.version}  sha256 {r.sha256}")
    if not criterion:
        click.echo("points: " + ", ".join(f"{lv.value} {pts}" for lv, pts in r.points.items()))
        click.echo("grades: " + ", ".join(f"{g.grade} >= {g.min:g}" for g in r.grades))
        for cap in r.caps:
            click.echo(f"cap: {cap.criterion} at {cap.level.value} -> grade at most {cap.max_grade}")
    for d in r.demands:
        if criterion and not any(c.group == d.id for c in crits):
            continue
        click.echo(f"\n{d.id} (weight {d.weight:g}): {d.title}")
        for c in crits:
            if c.group != d.id:
                continue
            click.echo(f"  {c.id:<36} weight {c.weight:g}  {c.method:<10} {len(c.signals)} signals, {len(c.examples)} examples")
            if criterion:
                for lv, text in c.levels.items():
                    click.echo(f"    {lv}: {text}")
                click.echo(f"    ask: {c.demand}")
                for s in c.signals:
                    click.echo(f"    signal {s.id}: {s.level.value} ({s.polarity.value}); all={[p.pattern for p in s.all]}")


@rubric.command()
@click.argument("rubric_id", default="builtin", metavar="[ID_OR_PATH]")
def validate(rubric_id):
    """Check a rubric file; list every problem with file, line and criterion (exit 2 if any)."""
    r, problems = validate_rubric_file(rubric_id)
    for p in problems:
        click.echo(str(p), err=True)
    if problems:
        click.echo(f"{len(problems)} problem(s)", err=True)
        raise SystemExit(2)
    click.echo(f"ok: {r.id} {r.version}, {len(r.demands)} demands, {len(r.criteria)} criteria, "
               f"{sum(len(c.examples) for c in r.criteria)} examples")


@rubric.command()
@click.argument("rubric_id", default="builtin", metavar="[ID_OR_PATH]")
@click.option("--criterion", default=None, help="Only this criterion's examples.")
@click.option("-v", "--verbose", is_flag=True, help="List passing examples too.")
def test(rubric_id, criterion, verbose):
    """Run every criterion's example sentences; fail on any mismatch."""
    r = load_rubric(rubric_id)
    results = run_examples(r, criterion)
    failed = [x for x in results if not x.ok]
    for x in results:
        if x.ok and not verbose:
            continue
        status = "ok  " if x.ok else "FAIL"
        where = f"{r.source}:{x.line}" if x.line else r.source
        click.echo(f"{status} {x.criterion}: expected {x.expected.value}, got {x.got.value} "
                   f"[{', '.join(x.signals) or 'no signal'}] {where}\n     {x.text}")
    click.echo(f"{len(results) - len(failed)} passed, {len(failed)} failed")
    if failed:
        raise SystemExit(1)


@rubric.command()
@click.argument("rubric_id", default="builtin", metavar="[ID_OR_PATH]")
def docs(rubric_id):
    """Render the methodology as Markdown from the rubric."""
    click.echo(render_markdown(load_rubric(rubric_id)), nl=False)
