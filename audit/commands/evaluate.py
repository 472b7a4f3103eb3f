"""`audit eval`: agreement of the automatic levels with hand labels."""

from __future__ import annotations

import json

import click

from audit.commands.options import rubric_option
from audit.eval.labels import evaluate, read_labels
from audit.rubric.loader import load_rubric


def _pct(x):
    return "   -" if x is None else f"{x * 100:5.1f}%"


@click.command("eval")
@click.argument("labels", type=click.Path(dir_okay=False))
@click.option("--documents", "documents_dir", required=True, type=click.Path(file_okay=False), help="Folder of the labelled files.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--fail-under-agreement", type=float, default=None, metavar="PERCENT",
              help="Exit 1 if exact agreement is below this percentage.")
@click.option("--show-misses", is_flag=True, help="List every disagreement with the quote the tool used.")
@rubric_option
def eval_cmd(labels, documents_dir, fmt, fail_under_agreement, show_misses, rubric_id):
    """Exact agreement, detection and false credit against LABELS.toml."""
    rubric = load_rubric(rubric_id)
    report = evaluate(rubric, read_labels(labels), documents_dir)
    overall = report.metrics()
    crit_ids = sorted({r.criterion for r in report.rows}, key=[c.id for c in rubric.criteria].index)
    per = {cid: report.metrics(cid) for cid in crit_ids}
    if fmt == "json":
        click.echo(json.dumps({
            "rubric": rubric.ref(), "overall": overall, "criteria": per, "confusion": report.confusion(),
            "misses": [r.__dict__ | {"label": r.label.value, "got": r.got.value} for r in report.rows if r.got is not r.label],
        }, indent=2))
    else:
        click.echo(f"rubric {rubric.id} {rubric.version}: {overall['pairs']} pairs, {overall['labelled']} labelled")
        click.echo(f"exact agreement {_pct(overall['exact_agreement'])}  detection {_pct(overall['detection'])}  "
                   f"false credit {_pct(overall['false_credit'])} ({overall['false_credit_pairs']} pairs)")
        click.echo("")
        click.echo(f"{'criterion':<36} {'labels':>6} {'exact':>7} {'detect':>7} {'false+':>7}")
        for cid, m in per.items():
            click.echo(f"{cid:<36} {m['labelled']:>6} {_pct(m['exact_agreement']):>7} {_pct(m['detection']):>7} {_pct(m['false_credit']):>7}")
        click.echo("")
        click.echo("confusion (rows: label, columns: tool)")
        conf = report.confusion()
        names = list(conf)
        click.echo(f"{'':<15}" + "".join(f"{n:>15}" for n in names))
        for a in names:
            click.echo(f"{a:<15}" + "".join(f"{conf[a][b]:>15}" for b in names))
        if show_misses:
            click.echo("")
            for r in report.rows:
                if r.got is not r.label:
                    click.echo(f"{r.file} {r.criterion}: label {r.label.value}, tool {r.got.value}: {r.quote[:200]!r}")
    if fail_under_agreement is not None and (overall["exact_agreement"] or 0) * 100 < fail_under_agreement:
        click.echo(f"audit: exact agreement below {fail_under_agreement}%", err=True)
        raise SystemExit(1)
