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


def hoist_global_options(argv: list[str]) -> list[str]:
    """Global options may come before or after the command: `audit fetch --offline` is
    `audit --offline fetch`, and `--workspace DIR` after a command that has no such option of its
    own is the group's. Only the words before a `--` are looked at."""
    front: list[str] = []
    rest: list[str] = []
    leaf = _leaf_command(argv)
    has_workspace = leaf is not None and any(p.name == "workspace" for p in leaf.params)
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--":
            rest.extend(argv[i:])
            break
        if a == "--offline":
            front.append(a)
        elif not has_workspace and leaf is not None and a == "--workspace" and i + 1 < len(argv) and rest:
            front.extend(argv[i:i + 2])
            i += 1
        elif not has_workspace and leaf is not None and a.startswith("--workspace=") and rest:
            front.append(a)
        else:
            rest.append(a)
        i += 1
    return front + rest


def _leaf_command(argv: list[str]):
    """The (sub)command ARGV names, skipping the group's own options; None when there is none."""
    group: click.Group = cli
    found = None
    skip = False
    for a in argv:
        if skip:
            skip = False
            continue
        if a == "--":
            break
        if a == "--workspace":
            skip = True
            continue
        if a.startswith("-"):
            continue
        cmd = group.commands.get(a) if isinstance(group, click.Group) else None
        if cmd is None:
            break
        found = cmd
        if not isinstance(cmd, click.Group):
            break
        group = cmd
    return found


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    argv = hoist_global_options(argv)
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
