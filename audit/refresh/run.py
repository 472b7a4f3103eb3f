"""The scheduled refresh as one function: score, compare with the last run, publish, gate.

The stages that touch the network and the workspace (fetch, probe, score, site) belong to
other modules; `audit.commands.run` hands them in as `Stages`, so this module holds only the
order of things and what a run reports.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from audit.errors import GateFailed, NoEvidenceError
from audit.models import Scorecard
from audit.archive.files import atomic_write
from audit.report.stage import staged
from audit.refresh.diff import Diff, diff_scorecards, load_scorecards
from audit.refresh.history import entries_from_scorecards
from audit.refresh.gates import Threshold, gate_failures
from audit.refresh.publish import (SCORECARDS_FILE, Signer, commit_history, failures_markdown, fetch_failures,
                                   pending_history, run_causes)
from audit.refresh.render import render_markdown, render_text
from audit.report.formats import dumps, scorecards_document
from audit.rubric.model import Rubric


@dataclass(frozen=True)
class Stages:
    """What a run needs from the rest of the tool."""

    #: None skips the stage (--offline: score only what is archived)
    fetch: Callable[[list[str]], None] | None
    probe: Callable[[list[str]], None] | None
    score: Callable[[list[str]], list[Scorecard]]
    #: write the site and data files: (out_dir, cards, rubric, history, extra)
    report: Callable[[Path, list[Scorecard], Rubric, list, dict], None]


@dataclass(frozen=True)
class RunOptions:
    out_dir: Path
    threshold: Threshold | None = None
    fail_on_drop: bool = False
    fail_on_incomplete: bool = False
    signer: Signer | None = None
    site_url: str = ""
    shard_only: bool = False  # a shard writes only its scorecards.json; the merge publishes
    summary_file: Path | None = None
    failures_file: Path | None = None
    previous_dir: Path | None = None  # where the last published scorecards are (default: out_dir)


@dataclass(frozen=True)
class RunResult:
    document: dict
    diff: Diff | None
    gate_lines: tuple[str, ...]
    failures: tuple = field(default=())


def previous_document(out_dir: Path, slugs: list[str] | None) -> dict | None:
    """The last published scorecards (limited to SLUGS), or None on a first run."""
    path = Path(out_dir) / SCORECARDS_FILE
    if not path.is_file():
        return None
    doc = load_scorecards(path)
    if slugs is not None:
        keep = set(slugs)
        doc = dict(doc, companies=[c for c in doc["companies"] if c["slug"] in keep])
    return doc


def publish(cards: list[Scorecard], rubric: Rubric, opts: RunOptions, previous: dict | None,
            report: Callable | None, echo: Callable[[str], None]) -> RunResult:
    """Write everything a run publishes, print what changed and why, then apply the gates."""
    out = Path(opts.out_dir)
    doc = json.loads(dumps(scorecards_document(cards, rubric)))
    if opts.shard_only:
        atomic_write(out / SCORECARDS_FILE, dumps(doc), root=out)
        diff = diff_scorecards(previous, doc) if previous is not None else None
    else:
        # history is written only once the site is: a failed report leaves no dangling line
        diff = diff_scorecards(previous, doc) if previous is not None else None
        entries = entries_from_scorecards(doc, run_causes(diff, doc))
        extra = opts.signer.site_extra() if opts.signer else {}
        # site, history, scorecards.json and its signature are swapped in together
        with staged(out) as stage:
            report(stage, cards, rubric, pending_history(stage, entries), extra)
            commit_history(stage, entries, site_url=opts.site_url)
            # the site writer's scorecards.json is what gets published (and signed)
            if not (stage / SCORECARDS_FILE).is_file():
                atomic_write(stage / SCORECARDS_FILE, dumps(doc), root=stage)
            sig = opts.signer.sign_reports(stage) if opts.signer else None
        if sig is not None:
            echo(f"audit: signed {out / SCORECARDS_FILE} -> {sig.name} ({opts.signer.fingerprint})")
    failures = fetch_failures(doc)
    echo(_summary(doc, diff))
    for f in failures:
        echo(f"audit: warning: {f.slug}: {f.type} {f.url}: {f.status} ({f.error or 'fetch failed'})")
    if opts.summary_file:
        body = render_markdown(diff) if diff else _first_run_markdown(doc)
        atomic_write(opts.summary_file, _commit_title(doc, diff) + "\n\n" + body)
    if opts.failures_file:
        atomic_write(opts.failures_file, failures_markdown(failures))
    gates = tuple(gate_failures(doc["companies"], diff, opts.threshold, opts.fail_on_drop,
                                opts.fail_on_incomplete))
    result = RunResult(doc, diff, gates, tuple(failures))
    if doc["companies"] and not any(_evaluated(c) for c in doc["companies"]):
        raise NoEvidenceError("nothing could be evaluated: no company has usable evidence")
    if not doc["companies"]:
        raise NoEvidenceError("no company to evaluate")
    if gates:
        for line in gates:
            echo(f"audit: gate: {line}")
        raise GateFailed(f"{len(gates)} gate(s) crossed")
    return result


def _summary(doc: dict, diff: Diff | None) -> str:
    n = len(doc["companies"])
    scored = sum(1 for c in doc["companies"] if c.get("score") is not None)
    head = f"audit: run: {n} companies, {scored} scored"
    if diff is None:
        return head + " (first run: nothing to compare)"
    if not diff.companies and not diff.rubric_changed:
        return head + ", no changes since the last run"
    return head + ", changes since the last run:\n" + render_text(diff).rstrip("\n")


def _commit_title(doc: dict, diff: Diff | None) -> str:
    day = str(doc.get("generated_at", ""))[:10]
    n = len(diff.companies) if diff else len(doc["companies"])
    return f"refresh {day}: {n} compan{'y' if n == 1 else 'ies'} changed"


def _first_run_markdown(doc: dict) -> str:
    lines = ["## Scorecards (first run)", "", "| company | score | grade |", "|---|---|---|"]
    for c in doc["companies"]:
        score = c.get("score")
        lines.append(f"| {c.get('name', c['slug'])} | {'–' if score is None else f'{score:g}'} | {c.get('grade') or '–'} |")
    return "\n".join(lines) + "\n"


def run(slugs: list[str], rubric: Rubric, stages: Stages, opts: RunOptions,
        echo: Callable[[str], None]) -> RunResult:
    """fetch + probe + score + publish for SLUGS (already shard-selected)."""
    previous = previous_document(opts.previous_dir or opts.out_dir, slugs)
    if stages.fetch is None:
        echo("audit: run: offline: not fetching; scoring the archived snapshots")
    else:
        echo(f"audit: run: fetching {len(slugs)} companies")
        stages.fetch(slugs)
    if stages.probe is None:
        echo("audit: run: offline: not probing; using the archived probe results")
    else:
        echo("audit: run: probing")
        stages.probe(slugs)
    echo("audit: run: scoring")
    cards = stages.score(slugs)
    return publish(cards, rubric, opts, previous, stages.report, echo)


def merge(dirs: list[str], rubric: Rubric, report: Callable, opts: RunOptions,
          echo: Callable[[str], None]) -> RunResult:
    """Combine shard results into one published run (site, history, feed, signature)."""
    from audit.errors import InputError
    from audit.refresh.shard import find_shard_files, merge_documents, scorecard_from_json

    merged = merge_documents(find_shard_files(dirs))
    if merged.get("rubric") != rubric.ref():
        raise InputError(f"shard results were scored with rubric {merged.get('rubric')}, "
                         f"not {rubric.ref()}: pass the same --rubric")
    cards = [scorecard_from_json(c) for c in merged["companies"]]
    previous = previous_document(opts.previous_dir or opts.out_dir, None)
    echo(f"audit: merge: {len(dirs)} shard results, {len(cards)} companies")
    return publish(cards, rubric, opts, previous, report, echo)


#: Levels that say something was measured or read (not-evaluated / unreviewed / n/a say nothing).
_EVALUATED_LEVELS = {"met", "partial", "not-met", "no-disclosure"}


def _evaluated(company: dict) -> bool:
    """Whether any criterion of a published company was evaluated (the same rule as `audit score`:
    a company with probe results but no readable document still counts)."""
    return any(c.get("level") in _EVALUATED_LEVELS for c in company.get("criteria", []))

