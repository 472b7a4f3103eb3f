"""The offline demo workspace in examples/: validates, and scores strong > mixed > weak."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def test_examples_workspace_scores_offline(tmp_path, run_cli):
    ws = tmp_path / "examples"
    shutil.copytree(EXAMPLES, ws, ignore=shutil.ignore_patterns("archive", "reports"))
    assert run_cli("validate", "--workspace", ws).code == 0
    r = run_cli("score", "--workspace", ws, "--format", "json")
    assert r.code == 0, r
    cards = {c["slug"]: c for c in json.loads(r.out)["companies"]}
    assert set(cards) == {"lumen-chat", "orbit-cloud", "beacon-analytics"}
    assert cards["lumen-chat"]["score"] > cards["orbit-cloud"]["score"] > cards["beacon-analytics"]["score"]
    assert all(d["status"] == "ok" for c in cards.values() for d in c["documents"])
    assert {d["url"] for d in cards["lumen-chat"]["documents"]} >= {"lumen-chat-privacy.pdf"}
    reviewed = {c["id"]: c["reviewed"] for c in cards["lumen-chat"]["criteria"]}
    assert reviewed["no-le-vendor-business"] is True
    levels = {c["id"]: c["level"] for c in cards["orbit-cloud"]["criteria"]}
    assert levels["no-police-portal"] == "not-applicable"
