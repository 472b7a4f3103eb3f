"""`audit reader`: train the learned reader and measure it (grouped cross-validation, sealed split)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from audit.commands.options import rubric_option
from audit.errors import InputError
from audit.rubric.loader import load_rubric

_DEFAULT_CORPUS = "../shared/corpus"


def _corpus_options(f):
    f = click.option("--labels", "labels_dir", default="labels", show_default=True, type=click.Path(file_okay=False),
                     help="The project's label folder (sample.toml with the sealed split, real/*.toml).")(f)
    f = click.option("--corpus", "corpus_dir", default=_DEFAULT_CORPUS, show_default=True,
                     type=click.Path(file_okay=False), help="The shared corpus (real/, police/, labels.toml, documents/).")(f)
    f = click.option("--sample", type=int, default=None, metavar="N",
                     help="Use only N labelled real documents (a quick run, e.g. in CI).")(f)
    return rubric_option(f)


def _load(rubric_id, labels_dir, corpus_dir, sample):
    from audit.reader.experiment import load_corpus

    _need_sklearn()
    rubric = load_rubric(rubric_id)
    corpus = load_corpus(rubric, Path(labels_dir), Path(corpus_dir), limit=sample)
    return rubric, corpus


def _need_sklearn():
    try:
        import sklearn  # noqa: F401
    except ImportError:
        raise InputError("training needs scikit-learn: pip install 'encryption-audit[train]'") from None


@click.group("reader")
def reader() -> None:
    """Train the learned reader and measure it on real labelled policies."""


@reader.command("train")
@_corpus_options
@click.option("--out", "out_dir", default=None, type=click.Path(file_okay=False),
              help="Where to write the model (default: the package's audit/reader/model/).")
def train_cmd(rubric_id, labels_dir, corpus_dir, sample, out_dir):
    """Fit the model on every labelled document outside the sealed split (and the dev set)."""
    from audit.reader.experiment import stderr, text_criteria
    from audit.reader.model import MODEL_DIR
    from audit.reader.train import example_sentences, fit, model_json, prepare
    from audit.reader.model import write_model

    rubric, corpus = _load(rubric_id, labels_dir, corpus_dir, sample)
    criteria = text_criteria(rubric)
    stderr(f"training on {len(corpus.development)} documents ({len(corpus.sealed)} sealed, not used)")
    model = fit(rubric, prepare(rubric, corpus.development, criteria), criteria, example_sentences(rubric, criteria))
    out = Path(out_dir) if out_dir else MODEL_DIR
    data, w1 = model_json(model, corpus, rubric)
    write_model(out, data, w1)
    size = sum(f.stat().st_size for f in out.iterdir())
    stderr(f"wrote {out}: {len(model.vocab):,} features, {size / 1e6:.1f} MB")


def _report_out(rubric, pairs, fmt, title):
    from audit.reader.measure import report
    from audit.reader.model import review_threshold

    rep = report(rubric, pairs, review_threshold())
    if fmt == "json":
        click.echo(json.dumps(rep, indent=2, sort_keys=True))
    else:
        _report_text(rep, title)


def _report_text(rep: dict, title: str) -> None:
    o = rep["overall"]
    pct = lambda x: "   -" if x is None else f"{x * 100:5.1f}%"  # noqa: E731
    click.echo(f"{title}: {rep['documents']} documents, {rep['companies']} companies, {o['pairs']} pairs, {o['labelled']} labelled")
    click.echo(f"exact {pct(o['exact_agreement'])}  detection {pct(o['detection'])}  false credit {pct(o['false_credit'])}"
               f"  spearman {rep['spearman']}  mean score gap {rep['mean_score_gap']} (signed {rep['mean_signed_gap']})")
    c = rep["confident"]
    click.echo(f"confident levels (>= {rep['review_below']}): exact {pct(c['exact_agreement'])}, "
               f"false credit {pct(c['false_credit'])}; flagged for review {pct(rep['flagged_share'])}")
    click.echo(f"\n{'criterion':<36} {'labels':>6} {'exact':>7} {'detect':>7} {'false+':>7}")
    for cid, m in rep["per_criterion"].items():
        click.echo(f"{cid:<36} {m['labelled']:>6} {pct(m['exact_agreement']):>7} {pct(m['detection']):>7} {pct(m['false_credit']):>7}")
    click.echo(f"\n{'confidence':<12} {'pairs':>6} {'mean':>6} {'correct':>8}")
    for b in rep["reliability"]:
        click.echo(f"{b['confidence']:<12} {b['pairs']:>6} {b['mean_confidence']:>6} {b['correct']:>8}")


@reader.command("cv")
@_corpus_options
@click.option("--folds", type=int, default=5, show_default=True)
@click.option("--seed", "seeds", type=click.IntRange(min=0), multiple=True, metavar="N",
              help="Draw of companies into folds (default 0, the README's figures); repeat it to measure "
                   "several draws and their spread.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def cv_cmd(rubric_id, labels_dir, corpus_dir, sample, folds, seeds, fmt):
    """Grouped cross-validation by company over the development documents (never the sealed split)."""
    from audit.reader.experiment import cross_validate, stderr
    from audit.reader.measure import draw_spread, report
    from audit.reader.model import review_threshold

    if folds < 2:
        raise InputError("--folds must be at least 2")
    seeds = tuple(dict.fromkeys(seeds)) or (0,)
    rubric, corpus = _load(rubric_id, labels_dir, corpus_dir, sample)
    draws = cross_validate(rubric, corpus.development, folds, progress=stderr, seeds=seeds)
    if len(draws) == 1:
        _report_out(rubric, draws[0], fmt, f"grouped {folds}-fold cross-validation")
        return
    reports = [report(rubric, pairs, review_threshold()) for pairs in draws]
    spread = draw_spread(reports)
    if fmt == "json":
        click.echo(json.dumps({"draws": [{"seed": s, **r} for s, r in zip(seeds, reports)], "spread": spread},
                              indent=2, sort_keys=True))
        return
    for seed, rep in zip(seeds, reports):
        _report_text(rep, f"grouped {folds}-fold cross-validation, draw {seed}")
        click.echo("")
    click.echo(f"over {len(seeds)} draws of companies into folds (seeds {', '.join(map(str, seeds))}): mean (min-max)")
    for name, m in spread.items():
        fmt_v = (lambda x: f"{x * 100:.1f}%") if name in _PERCENT else (lambda x: f"{x:.2f}")
        click.echo(f"  {name:<16} {fmt_v(m['mean'])} ({fmt_v(m['min'])}-{fmt_v(m['max'])})")


_PERCENT = ("exact_agreement", "detection", "false_credit", "flagged_share")


@reader.command("sealed")
@_corpus_options
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--round", "round_", default=None, metavar="N",
              help="Only the sealed split of labelling round N (1: labels/sample.toml, 2: labels/sample2.toml); default all.")
def sealed_cmd(rubric_id, labels_dir, corpus_dir, sample, fmt, round_):
    """Fit on the development documents, read the sealed split: the figure to report, once."""
    from audit.reader.experiment import sealed_figure

    rubric, corpus = _load(rubric_id, labels_dir, corpus_dir, sample)
    _report_out(rubric, sealed_figure(rubric, corpus, round_), fmt,
                f"sealed split of round {round_}" if round_ else "sealed split (all rounds)")


@reader.command("agreement")
@click.option("--labels", "labels_dir", default="labels", show_default=True, type=click.Path(file_okay=False))
@click.option("--corpus", "corpus_dir", default=_DEFAULT_CORPUS, show_default=True, type=click.Path(file_okay=False))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@rubric_option
def agreement_cmd(labels_dir, corpus_dir, fmt, rubric_id):
    """Two careful readers compared: the second labeller's blind labels against the first's."""
    from audit.reader.experiment import labeller_agreement

    rubric = load_rubric(rubric_id)
    pairs = labeller_agreement(rubric, Path(labels_dir), Path(corpus_dir))
    if not pairs:
        raise InputError(f"{labels_dir}/second: no second labels of labelled documents")
    _report_out(rubric, pairs, fmt, "second labeller against the first")
