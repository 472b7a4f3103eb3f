"""`audit probe [SLUG...]`: measure the transport encryption of the declared hosts, store the run."""

from __future__ import annotations

import json
import os

import click

from audit.commands.options import (ca_bundle_from_env, checked_user_agent, network_options, user_agent_option,
                                   workspace_option)
from audit.declarations.load import load_declarations
from audit.errors import InputError, NoEvidenceError
from audit.probe import levels
from audit.probe.run import CompanyRun, probe_companies
from audit.workspace import Workspace, print_problems, require_slugs

SCHEMA = "encryption-audit/probe/1"


def _check_bundle(path: str | None) -> None:
    if path and not os.path.isfile(path):
        raise InputError(f"{path}: CA bundle not found")
    if path:
        import ssl

        try:
            ssl.create_default_context(cafile=path)
        except (ssl.SSLError, OSError, ValueError) as e:
            raise InputError(f"{path}: not a usable CA bundle: {e}") from None


def _warn_if_proxied(decls) -> None:
    """A worker fetching through Tor must know that probes do not go through it."""
    import urllib.request

    proxies = {k: v for k, v in urllib.request.getproxies_environment().items() if k != "no" and v}
    if proxies and any(d.hosts for d in decls):
        names = ", ".join(sorted(f"{k}_proxy" for k in proxies))
        click.echo(f"audit: warning: probes connect to the declared hosts directly, not through the proxy "
                   f"({names}): those hosts see this machine's address. Skip `audit probe` (or use "
                   f"`audit --offline run`) to stay behind the proxy.", err=True)


@click.command("probe")
@click.argument("slugs", nargs=-1, metavar="[SLUG...]")
@workspace_option
@network_options
@click.option("--timeout", type=click.FloatRange(min=0.1), default=None,
              help="Seconds per connection and handshake (default: audit.toml timeout, else 10).")
@click.option("--http-port", type=click.IntRange(1, 65535), default=80, show_default=True,
              help="Port of plain HTTP for the redirect check (for staging servers).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Output format (data on stdout).")
@click.option("--deep", is_flag=True, default=False,
              help="Also scan each host with sslyze (hundreds of handshakes per host; needs the `tls` extra) and "
                   "judge it against Mozilla's intermediate TLS profile.")
@user_agent_option
def probe(slugs, workspace, allow_private_network, ca_bundle, timeout, http_port, fmt, user_agent, deep):
    """Probe TLS, certificate, HTTPS redirect/HSTS and security.txt of each declared host.

    Each run is stored in archive/probes/SLUG.jsonl and used by `audit score`. Loopback and
    private addresses are refused unless --allow-private-network.
    """
    if deep:
        from audit.probe import deep as deepmod

        if not deepmod.available():
            click.echo(deepmod.INSTALL_HINT, err=True)
            raise SystemExit(2)
    ws = Workspace.open(workspace)
    require_slugs(ws, slugs)
    decls, problems = load_declarations(ws, slugs or None)
    print_problems(problems, lambda m: click.echo(m, err=True))
    if not decls and not problems:
        raise InputError(f"no company declarations in {ws.companies_dir}")
    bundle = ca_bundle_from_env(ca_bundle)
    user_agent = checked_user_agent(user_agent)
    _check_bundle(bundle)
    _warn_if_proxied(decls)
    for d in decls:
        if not d.hosts:
            click.echo(f"audit: {d.slug}: no hosts declared: nothing to probe", err=True)

    def progress(hp):
        state = f"error: {hp.error}" if hp.error else "done"
        click.echo(f"audit: probed {hp.label}: {state}", err=True)

    runs = probe_companies(
        [(d.slug, d.hosts) for d in decls], ws.archive_dir,
        workers=max(1, int(ws.setting("workers"))), progress=progress,
        timeout=float(timeout if timeout is not None else ws.setting("timeout")), ca_bundle=bundle,
        allow_private=allow_private_network or bool(ws.setting("allow_private_network")), http_port=http_port,
        user_agent=user_agent, deep=deep,
    )
    if fmt == "json":
        from audit.schemas import schema_url

        click.echo(json.dumps({"$schema": schema_url("probe"), "schema": SCHEMA, "runs": [_run_json(r) for r in runs]},
                              indent=2, sort_keys=True, ensure_ascii=False))
    else:
        click.echo(render_text(runs), nl=False)
    if problems:
        raise InputError(f"{len(problems)} declaration problem(s); the other companies were probed")
    if runs and all(r.all_failed for r in runs):
        raise NoEvidenceError("no declared host could be probed")


def _run_json(run: CompanyRun) -> dict:
    return {"slug": run.slug} | run.record


def _cell(level: str | None) -> str:
    return level or "not-evaluated"


def render_text(runs: list[CompanyRun]) -> str:
    """One line per host: versions, cipher, certificate, levels; then each company's levels."""
    lines = []
    rows = [("company", "host", "tls versions", "cipher", "certificate", "grade*", "transport", "https", "security.txt")]
    untested: set[str] = set()
    for run in runs:
        for hp in run.hosts:
            if hp.error:
                rows.append((run.slug, hp.label, "-", "-", "-", "-", f"error: {hp.error}", "", ""))
                continue
            t, c = hp.tls, hp.certificate
            vers = ",".join(v.version.replace("TLSv", "") for v in t.versions if v.outcome == "accepted") or "-"
            untested.update(t.untestable)
            cert = "valid" if c.chain_valid and c.name_matches else (
                "name mismatch" if c.chain_valid else (c.verify_error or c.reason or "invalid"))
            lv = levels.host_levels(hp)
            rows.append((run.slug, hp.label, vers, t.negotiated_cipher or "-", cert,
                         levels.estimate_grade(hp) or "-", *(_cell(lv[c_].value if lv[c_] else None)
                                                             for c_ in levels.CRITERIA)))
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        lines.append("  ".join(str(v).ljust(w) for v, w in zip(r, widths)).rstrip())
    lines.append("")
    for run in runs:
        o = run.record["outcomes"]
        lines.append(f"{run.slug}: " + ", ".join(f"{cid} {_cell(o[cid]['level'])}" for cid in levels.CRITERIA))
    lines.append(f"* grade: {levels.GRADE_LABEL}")
    for v in sorted(untested):
        lines.append(f"note: {v} could not be tested: the local OpenSSL cannot offer it")
    return "\n".join(lines) + "\n"
