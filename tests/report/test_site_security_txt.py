"""The published site's own security.txt (RFC 9116), from the workspace's `security_contact`."""

from __future__ import annotations

import shutil
from datetime import datetime, timezone
from pathlib import Path

from audit.probe.http import parse_security_txt

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _workspace(tmp_path: Path, contact: str | None) -> Path:
    ws = tmp_path / "ws"
    shutil.copytree(EXAMPLES, ws, ignore=shutil.ignore_patterns("reports", "archive"))
    if contact is not None:
        (ws / "audit.toml").write_text(f'security_contact = "{contact}"\n', encoding="utf-8")
    return ws


def test_report_publishes_a_valid_security_txt(run_cli, tmp_path):
    ws = _workspace(tmp_path, "mailto:security@example.org")
    out = tmp_path / "site"
    r = run_cli("report", "--workspace", ws, "--out", out, env={"SOURCE_DATE_EPOCH": "1764288000"})
    assert r.code == 0, r
    text = (out / ".well-known" / "security.txt").read_text(encoding="utf-8")
    generated = datetime.fromtimestamp(1764288000, tz=timezone.utc)
    contacts, expires, live, problems = parse_security_txt(text, now=generated)
    assert contacts == ("mailto:security@example.org",) and live and not problems
    assert expires == "2026-11-28T00:00:00Z"  # a year after the report


def test_no_contact_no_security_txt_and_a_bad_one_is_refused(run_cli, tmp_path):
    out = tmp_path / "site"
    assert run_cli("report", "--workspace", _workspace(tmp_path, None), "--out", out).code == 0
    assert not (out / ".well-known").exists()
    bad = run_cli("report", "--workspace", _workspace(tmp_path / "b", "security@example.org"), "--out", out)
    assert bad.code == 2 and "security_contact" in bad.err
