"""The `audit` command: a thin click group; each command lives in `audit/commands/`.

Errors that users can cause become one line on stderr and the exit code of SPEC.md;
anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import importlib
import sys

import click

from audit import __version__
from audit.errors import AuditError

# module (in audit.commands) -> the click commands it defines
COMMANDS = {
    "demands": ["demands"],
    "discover": ["discover"],
    "report": ["report"],
    "check": ["check"],
    "rubric": ["rubric"],
    "evaluate": ["eval_cmd"],
    "reader": ["reader"],
    "company": ["company"],
    "company_ota": [],
    "sign": ["keygen", "sign", "verify"],
    "diff": ["diff"],
    "init": ["init"],
    "validate": ["validate"],
    "fetch": ["fetch"],
    "probe": ["probe"],
    "import_": ["import_cmd"],
    "score": ["score"],
    "review": ["review"],
    "explain": ["explain"],
    "run": ["run"],
}


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="encryption-audit")
@click.option("--offline", is_flag=True, default=False,
              help="No network at all (also AUDIT_OFFLINE=1): score only what is archived; any request fails.")
@click.option("--workspace", default=None, metavar="DIR", type=click.Path(file_okay=False),
              help="Workspace folder for the command that follows (it may also be given after the command).")
@click.pass_context
def cli(ctx: click.Context, offline: bool, workspace: str | None) -> None:
    """Score companies' law-enforcement and encryption policies, with evidence for every level."""
    from audit.offline import no_network, offline_requested

    if offline_requested(offline):
        ctx.with_resource(no_network())


for _module, _names in COMMANDS.items():
    _mod = importlib.import_module(f"audit.commands.{_module}")
    for _name in _names:
        cli.add_command(getattr(_mod, _name))


def main(argv: list[str] | None = None) -> None:
    try:
        rv = cli.main(args=argv, prog_name="audit", standalone_mode=False)
    except AuditError as e:
        click.echo(f"audit: {getattr(e, 'label', 'error')}: {e}", err=True)
        sys.exit(e.exit_code)
    except click.exceptions.Abort:
        click.echo("audit: aborted", err=True)
        sys.exit(130)
    except click.ClickException as e:
        e.show()
        sys.exit(2 if e.exit_code in (1, 2) else e.exit_code)
    except BrokenPipeError:
        sys.exit(0)
    sys.exit(rv if isinstance(rv, int) else 0)
