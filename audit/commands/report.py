"""`audit report`: score the workspace and publish the static site and data files."""

from __future__ import annotations

from pathlib import Path

import click

from audit.commands.options import rubric_option, workspace_option
from audit.errors import InputError, NoEvidenceError
from audit.report.site import write_report
from audit.workspace import Workspace, open_rubric, require_slugs


@click.command()
@click.argument("slugs", nargs=-1, metavar="[SLUG...]")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None,
              help="Folder to write the site into (default: the workspace's reports/).")
@click.option("--sign", "sign_key", default=None, metavar="KEY",
              help="Sign scorecards.json with this Ed25519 key ('env': $AUDIT_SIGNING_KEY); the site shows its fingerprint.")
@click.option("--publish-internal", is_flag=True, default=False,
              help="Copy quotes from internal documents (path =) into the reports (withheld by default).")
@rubric_option
@workspace_option
def report(slugs, out_dir, rubric_id, workspace, sign_key, publish_internal):
    """Write the scorecard site (HTML, JSON, CSV, Markdown, badges) from the workspace's scores."""
    from audit.commands.score import score_or_fail
    from audit.refresh.publish import history_for_site

    from audit.refresh.publish import load_signer

    ws = Workspace.open(workspace)
    require_slugs(ws, slugs)
    signer = load_signer(None if sign_key == "env" else sign_key) if sign_key else None
    rubric = open_rubric(ws, rubric_id)
    result = score_or_fail(ws, rubric, slugs)
    if not result.cards:  # nothing to publish: the site already there is left as it is
        raise NoEvidenceError("nothing could be evaluated: every document failed to fetch or parse and there are "
                              "no probe results (run `audit fetch` first?)")
    out = Path(out_dir) if out_dir else ws.reports_dir
    from audit.demands.redact import redact_internal

    # companies that could not be evaluated are published too ("could not be evaluated" and why)
    cards = result.all_cards if publish_internal else redact_internal(result.all_cards)
    from audit.report.stage import staged

    # site, scorecards.json and its signature are swapped in together (audit/report/stage.py)
    with staged(out) as stage:
        extra = dict(signer.site_extra() if signer else {}, security_contact=ws.setting("security_contact"))
        written = write_report(stage, cards, rubric, history_for_site(stage), extra)
        if signer:
            signer.sign_reports(stage)
    written = [out / p.relative_to(stage) for p in written]
    if signer:
        click.echo(f"audit: signed {out / 'scorecards.json'} ({signer.fingerprint})", err=True)
    click.echo(f"audit: wrote {len(written)} files for {len(cards)} companies to {out}"
               + (f" ({len(result.unevaluated)} could not be evaluated)" if result.unevaluated else ""), err=True)
    click.echo(str(out / "index.html"))
    if result.problems:
        raise InputError(f"{len(result.problems)} problem(s) in declarations or reviews; the other companies were published")
