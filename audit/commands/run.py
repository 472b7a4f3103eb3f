"""`audit run`: fetch + probe + score + report, the scheduled CI job, with what changed and why.

Fetch and probe run as the `audit fetch` / `audit probe` commands (their SPEC.md interface), so
a run does exactly what a person typing them would; scoring and the site are called directly.
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

import click

from audit.commands.options import (checked_user_agent, delay_option, ignore_robots_option, network_options,
                                    rubric_option, user_agent_option, workspace_option)
from audit.errors import AuditError, InputError, NoEvidenceError, NothingArchived
from audit.refresh.gates import parse_threshold
from audit.refresh.publish import load_signer
from audit.refresh.run import RunOptions, Stages, merge, run as run_refresh
from audit.refresh.shard import parse_shard


def _echo(line: str) -> None:
    click.echo(line, err=True)


def _command_stage(name: str, base_args: list[str], problems: list[str]):
    """Run `audit NAME SLUG... BASE_ARGS` in-process; its stdout goes to stderr (run's stdout is data).

    Input problems (a broken declaration) are kept in PROBLEMS, not raised: the other companies
    still get refreshed and published, and the run exits 2 at the end.
    """

    def stage(slugs: list[str]) -> None:
        from audit.cli import cli

        cmd = cli.commands.get(name)
        if cmd is None:
            _echo(f"audit: warning: `audit {name}` is not available in this build: skipped")
            return
        try:
            with contextlib.redirect_stdout(sys.stderr):
                cmd.main(args=[*slugs, *base_args], prog_name=f"audit {name}", standalone_mode=False)
        except NoEvidenceError as e:  # every fetch failed: scoring still uses the archive (stale)
            _echo(f"audit: warning: {name}: {e}")
        except AuditError as e:
            if e.exit_code == 1:  # a gate of the stage itself is not a run failure
                _echo(f"audit: warning: {name}: {e}")
            elif isinstance(e, InputError):
                problems.append(f"{name}: {e}")
            else:
                raise

    return stage


@click.command("run")
@click.argument("slugs", nargs=-1, metavar="[SLUG...]")
@click.option("--fail-under", "fail_under", default=None, metavar="GRADE|SCORE",
              help="Exit 1 if any company is graded below GRADE (A-F) or scores below SCORE (0-100).")
@click.option("--fail-on-drop", is_flag=True, help="Exit 1 if any company's grade fell since the last run.")
@click.option("--fail-on-incomplete", is_flag=True,
              help="Exit 1 if any company is incomplete (a declared document could not be read).")
@click.option("--shard", default=None, metavar="I/N",
              help="Only the I-th of N deterministic parts of the companies; writes only scorecards.json to --out.")
@click.option("--merge", "merge_dirs", multiple=True, metavar="DIR",
              help="Combine shard results (folders holding scorecards.json) instead of running: --merge DIR [DIR...].")
@click.option("--out", "out_dir", default=None, type=click.Path(file_okay=False, path_type=Path),
              help="Report folder (default: the workspace's reports/).")
@click.option("--sign", "sign_key", default=None, metavar="KEY",
              help="Sign scorecards.json with this Ed25519 key file ('env': from $AUDIT_SIGNING_KEY).")
@click.option("--site-url", default="", metavar="URL", help="Public URL of the site (absolute links in feed.xml).")
@click.option("--summary-file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the change summary as Markdown here (a commit message or PR body).")
@click.option("--failures-file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write a Markdown list of documents that failed to fetch here (empty when none).")
@workspace_option
@rubric_option
@network_options
@delay_option
@ignore_robots_option
@user_agent_option
def run(slugs, fail_under, fail_on_drop, fail_on_incomplete, shard, merge_dirs, out_dir, sign_key, site_url, summary_file,
        failures_file, workspace, rubric_id, allow_private_network, ca_bundle, delay, ignore_robots, user_agent):
    """Fetch, probe, score and publish; print what changed and why; apply CI gates.

    With `audit --offline run` (or AUDIT_OFFLINE=1) nothing is fetched or probed: the archived
    snapshots and probe results are scored and published.
    """
    from audit.demands.redact import redact_internal
    from audit.offline import is_offline, offline_requested
    from audit.report.site import write_report
    from audit.workspace import Workspace, open_rubric

    if merge_dirs and shard:
        raise InputError("--merge combines shard results: give no --shard with it")
    user_agent = checked_user_agent(user_agent)
    offline = is_offline() or offline_requested()
    ws = Workspace.open(workspace)
    rubric = open_rubric(ws, rubric_id)
    threshold = parse_threshold(fail_under) if fail_under is not None else None
    signer = load_signer(None if sign_key == "env" else sign_key) if sign_key else None
    part = parse_shard(shard) if shard else None
    if part and signer:
        raise InputError("--sign applies to the merged result: use it with --merge, not --shard")
    opts = RunOptions(out_dir=out_dir or ws.reports_dir, threshold=threshold, fail_on_drop=fail_on_drop,
                      fail_on_incomplete=fail_on_incomplete, signer=signer, site_url=site_url, shard_only=part is not None,
                      summary_file=summary_file, failures_file=failures_file, previous_dir=ws.reports_dir)

    def report(out, cards, rubric_, history, extra):
        extra = dict(extra or {}, security_contact=ws.setting("security_contact"))
        write_report(out, cards, rubric_, history=history, extra=extra)

    if merge_dirs:  # `--merge A B C`: the words after the first folder are folders too
        merge([*merge_dirs, *slugs], rubric, report, opts, _echo)
        return 0

    chosen = _select(ws, list(slugs), part)
    if part and not chosen:
        # more shards than companies: an empty result still lets the merge find every shard
        from audit.archive.files import atomic_write
        from audit.refresh.publish import SCORECARDS_FILE
        from audit.report.formats import dumps, scorecards_document

        atomic_write(Path(opts.out_dir) / SCORECARDS_FILE, dumps(scorecards_document([], rubric)))
        _echo(f"audit: run: shard {shard} has no companies")
        return 0
    ws_args = ["--workspace", str(ws.root)]
    net = network_args(allow_private_network, ca_bundle)
    problems: list[str] = []
    stages = Stages(
        fetch=None if offline else _command_stage(
            "fetch", ws_args + net + fetch_args(delay, ignore_robots, user_agent), problems),
        probe=None if offline else _command_stage("probe", ws_args + net + user_agent_args(user_agent), problems),
        score=lambda s: redact_internal(_score(ws, rubric, s, problems)),  # internal quotes never published
        report=report,
    )
    run_refresh(chosen, rubric, stages, opts, _echo)
    if problems:
        raise InputError(f"{problems[0]} ({len(problems)} problem(s)); the other companies were published")
    return 0


def network_args(allow_private_network: bool, ca_bundle: str | None) -> list[str]:
    """The options that both `audit fetch` and `audit probe` get from a run."""
    return (["--allow-private-network"] if allow_private_network else []) + (
        ["--ca-bundle", str(ca_bundle)] if ca_bundle else [])


def user_agent_args(user_agent: str | None) -> list[str]:
    return [f"--user-agent={user_agent}"] if user_agent is not None else []  # may start with "-"


def fetch_args(delay: float | None, ignore_robots: bool, user_agent: str | None) -> list[str]:
    """The politeness options a run hands on to `audit fetch` (unset ones: its own defaults)."""
    return ((["--delay", repr(float(delay))] if delay is not None else [])
            + (["--ignore-robots"] if ignore_robots else [])
            + user_agent_args(user_agent))


def _select(ws, slugs: list[str], part) -> list[str]:
    from audit.declarations.load import declaration_files

    from audit.workspace import require_slugs

    known = [p.stem for p in declaration_files(ws)]
    if slugs:
        require_slugs(ws, slugs)
        chosen = sorted(set(slugs))
    else:
        chosen = known
    if not chosen:
        raise InputError(f"{ws.companies_dir}: no company declarations")
    return part.select(chosen) if part else chosen


def _score(ws, rubric, slugs, problems: list[str]):
    from audit.pipeline.score_workspace import score_workspace_detailed

    result = score_workspace_detailed(ws, rubric, slugs)
    if result.nothing_archived:
        raise NothingArchived(result.hint())
    for p in result.problems:
        _echo(f"audit: error: {p}")
        problems.append(str(p))
    for w in result.warnings:
        _echo(f"audit: warning: {w}")
    if result.problems and not result.cards:
        raise InputError(f"{len(result.problems)} problem(s) in the workspace declarations")
    if not result.cards:
        raise NoEvidenceError("nothing could be evaluated: every document failed to fetch or parse")
    return result.all_cards  # companies that could not be evaluated are published as such, not dropped
