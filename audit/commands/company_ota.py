"""`audit company import-ota` / `export-ota`: speak Open Terms Archive's declaration format.

Importing lets a user start from the URLs and selectors OTA volunteers already maintain;
exporting lets OTA track the documents a workspace audits. Conversion lives in
`audit.declarations.ota`; this module only reads, writes and reports.
"""

from __future__ import annotations

import json
import os
import tomllib
from pathlib import Path

import click

from audit.archive.files import atomic_write
from audit.commands.company import company
from audit.commands.options import workspace_option
from audit.declarations import ota
from audit.declarations.load import load_declaration, parse_declaration
from audit.errors import InputError
from audit.workspace import Workspace


@company.command("import-ota")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path), metavar="FILE.json...")
@workspace_option
@click.option("--slug", default=None, help="Slug of the new declaration (one input only; default: from the name).")
@click.option("--force", is_flag=True, help="Overwrite an existing companies/<slug>.toml.")
@click.option("--stdout", "to_stdout", is_flag=True, help="Print the TOML instead of writing it.")
def import_ota(files: tuple[Path, ...], workspace: str | None, slug: str | None, force: bool, to_stdout: bool):
    """Convert Open Terms Archive declarations into companies/<slug>.toml.

    A `*.history.json` file is read only for information: the current declaration (the file
    without `.history`) is the one imported. CSS and range selectors are kept; what cannot be
    mapped (invalid selectors, JavaScript filters, client-side scripts) is reported on stderr and
    noted in the file.
    """
    if slug is not None and len(files) != 1:
        raise InputError("--slug needs exactly one input file")
    if slug is not None and not ota.valid_slug(slug):
        raise InputError(f"--slug {slug!r}: a slug is [a-z0-9][a-z0-9-]*")
    ws = None if to_stdout else Workspace.open(workspace)
    current = _current_files(files)
    failures = 0
    made: dict[str, str] = {}
    for path in current:
        try:
            conversion, label = _convert_file(path, slug)
            text = conversion.to_toml(source=label)
            if conversion.slug in made:
                raise InputError(f"{label}: slug {conversion.slug!r} also made from {made[conversion.slug]}")
            made[conversion.slug] = label
            _check_valid(text, conversion.slug, label)
            if ws is None:
                click.echo(text, nl=False)
            else:
                target = ws.declaration_path(conversion.slug)
                if target.exists() and not force:
                    raise InputError(f"{label}: {target} exists (use --force to overwrite)")
                atomic_write(target, text)
                click.echo(str(target))
        except InputError as e:
            failures += 1
            click.echo(f"audit: error: {e}", err=True)
    if failures:
        raise InputError(f"{failures} of {len(current)} OTA declaration(s) could not be imported")


@company.command("export-ota")
@click.argument("slugs", nargs=-1, required=True, metavar="SLUG...")
@workspace_option
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for <Name>.json files (default: one declaration to stdout).")
def export_ota(slugs: tuple[str, ...], workspace: str | None, out: Path | None):
    """Write companies/<slug>.toml as Open Terms Archive declarations.

    Documents of one `group` become a `combine` entry; ranges become OTA range objects
    ({"startBefore": ..., "endBefore": ...}). Documents OTA has no terms type for
    (transparency reports, encryption pages, ...) and local files are skipped and listed.
    """
    if out is None and len(slugs) != 1:
        raise InputError("several slugs need --out DIR")
    ws = Workspace.open(workspace)
    for slug in slugs:
        if not ota.valid_slug(slug):
            raise InputError(f"{slug!r}: a slug is [a-z0-9][a-z0-9-]*")
        path = ws.declaration_path(slug)
        load_declaration(path)  # a declaration `audit validate` would reject is not exported
        # the raw table, because the model does not carry `group`
        declaration = tomllib.loads(path.read_text(encoding="utf-8"))
        result = ota.export(declaration, f"{slug}.toml")
        for msg in result.skipped:
            click.echo(f"audit: {slug}: {msg}", err=True)
        if not result.ota["terms"]:
            click.echo(f"audit: warning: {slug}: no document has an OTA terms type", err=True)
        text = json.dumps(result.ota, indent=2, ensure_ascii=False) + "\n"
        if out is None:
            click.echo(text, nl=False)
        else:
            target = out / f"{_ota_file_stem(result.ota['name'], slug)}.json"
            atomic_write(target, text)
            click.echo(str(target))


def _check_valid(text: str, slug: str, label: str) -> None:
    """The converter must only ever produce declarations the loader accepts."""
    _, problems = parse_declaration(text, Path(f"{slug}.toml"))
    if problems:
        raise InputError(f"{label}: converted declaration is invalid: {problems[0]}")


def _current_files(files: tuple[Path, ...]) -> list[Path]:
    """The current declarations to import: a history file stands for its main file, once."""
    seen: dict[str, Path] = {}
    for path in files:
        main = _main_of_history(path)
        if main is not None:
            if not main.is_file():
                raise InputError(f"{path.name}: a history file; its current declaration {main.name} "
                                 "was not found (history entries are not imported)")
            click.echo(f"audit: {path.name}: history file; importing the current declaration {main.name}", err=True)
            path = main
        seen.setdefault(os.path.normcase(os.path.abspath(path)), path)
    return list(seen.values())


def _main_of_history(path: Path) -> Path | None:
    if path.name.lower().endswith(".history.json"):
        return path.with_name(path.name[: -len(".history.json")] + ".json")
    return None


def _convert_file(path: Path, slug: str | None) -> tuple[ota.Conversion, str]:
    label = path.name
    data = _read_json(path)
    conversion = ota.convert(data, source=label, slug=slug)
    for msg in conversion.unmapped:
        click.echo(f"audit: {label}: not mapped: {msg}", err=True)
    for msg in conversion.info:
        click.echo(f"audit: {label}: {msg}", err=True)
    history = path.with_name(path.name[: -len(".json")] + ".history.json") if path.suffix.lower() == ".json" else None
    if history is not None and history.is_file():
        summary = ota.summarize_history(_read_json(history), history.name)
        click.echo(f"audit: {history.name}: {summary.describe()}", err=True)
    return conversion, label


def _read_json(path: Path) -> object:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory") from None
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"{path}: cannot read: {e}") from None
    except json.JSONDecodeError as e:
        raise InputError(f"{path.name}: invalid JSON at line {e.lineno}: {e.msg}") from None


def _ota_file_stem(name: str, slug: str) -> str:
    """OTA names files after the service; fall back to the slug when the name is not file-safe."""
    safe = name.strip()
    if safe and all(c.isalnum() or c in " .&+-_" for c in safe) and not safe.startswith("."):
        return safe
    return slug


