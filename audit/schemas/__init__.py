"""JSON Schemas (draft 2020-12) of every JSON the tool writes or reads, shipped in the package.

Each output names its schema in a `$schema` key whose value is the schema's `$id`: the file in
this folder as served from the repository. `audit report` also writes the scorecards schema into
the published site (`schemas/scorecards-1.json`), next to the data it describes.
"""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files

#: Where the shipped schema files are served (the `$id` of each is this plus its file name).
SCHEMA_BASE = "https://raw.githubusercontent.com/encryption-audit/encryption-audit/main/audit/schemas/"

FILES = {
    "scorecards": "scorecards-1.json",  # audit check/score --format json, reports/scorecards.json
    "probe": "probe-1.json",            # audit probe --format json; $defs/record: archive/probes/*.jsonl lines
    "diff": "diff-1.json",              # audit diff --format json
    "history": "history-1.json",        # one line of reports/history.jsonl
    "declaration": "declaration-1.json",  # companies/<slug>.toml, as parsed TOML
    "shields": "shields-endpoint-1.json",  # badges/<slug>.json, the shields.io endpoint format
}

__all__ = ["FILES", "SCHEMA_BASE", "load", "schema_url", "text"]


def schema_url(name: str) -> str:
    """The `$id` of a shipped schema, also the value of `$schema` in the outputs it describes."""
    return SCHEMA_BASE + FILES[name]


def text(name: str) -> str:
    return files(__package__).joinpath(FILES[name]).read_text(encoding="utf-8")


@cache
def load(name: str) -> dict:
    return json.loads(text(name))
