"""`audit verify` without --public-key uses the published signing-key.pub and says what that proves;
--fingerprint pins the key."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

WORKFLOW = Path(__file__).resolve().parents[2] / ".github" / "workflows" / "refresh.yml"


@pytest.fixture
def signed(run_cli, tmp_path):
    key = tmp_path / "k.key"
    r = run_cli("keygen", "--out", key)
    assert r.code == 0, r
    fp = r.out.strip()
    reports = tmp_path / "reports"
    reports.mkdir()
    doc = reports / "scorecards.json"
    doc.write_text('{"companies": []}\n')
    assert run_cli("sign", doc, "--key", key).code == 0
    shutil.copyfile(f"{key}.pub", reports / "signing-key.pub")
    return doc, fp, tmp_path


def test_default_key_is_the_published_one_and_only_consistency(run_cli, signed, tmp_path, monkeypatch):
    doc, fp, _ = signed
    monkeypatch.chdir(tmp_path / "reports")  # no audit-signing.key.pub here
    r = run_cli("verify", doc)
    assert r.code == 0, r
    assert "signing-key.pub" in r.err and "proves only" in r.err and fp in r.err


def test_pinned_fingerprint(run_cli, signed, tmp_path):
    doc, fp, _ = signed
    r = run_cli("verify", doc, "--fingerprint", fp)
    assert r.code == 0 and "pinned key" in r.err and "proves only" not in r.err, r
    # someone replaced file, signature and published key together: only the pin notices
    other = tmp_path / "other.key"
    run_cli("keygen", "--out", other)
    doc.write_text('{"companies": [{"slug": "fake"}]}\n')
    run_cli("sign", doc, "--key", other)
    shutil.copyfile(f"{other}.pub", doc.parent / "signing-key.pub")
    assert run_cli("verify", doc).code == 0  # consistent...
    r = run_cli("verify", doc, "--fingerprint", fp)
    assert r.code == 1 and "not the pinned key" in r.err, r  # ...but not by the pinned key
    r = run_cli("verify", doc, env={"AUDIT_SIGNING_FINGERPRINT": fp})
    assert r.code == 1
    assert run_cli("verify", doc, "--fingerprint", "abc").code == 2


def test_workflow_verifies_against_the_pinned_fingerprint():
    yaml = pytest.importorskip("yaml")
    steps = yaml.safe_load(WORKFLOW.read_text())["jobs"]["refresh"]["steps"]
    step = next(s for s in steps if s.get("name") == "Verify the signature against the pinned key")
    assert step["env"]["AUDIT_SIGNING_FINGERPRINT"] == "${{ vars.AUDIT_SIGNING_FINGERPRINT }}"
    assert '--fingerprint "$AUDIT_SIGNING_FINGERPRINT"' in step["run"]
    names = [s.get("name") for s in steps]
    assert names.index("Verify the signature against the pinned key") < names.index("Commit archive and reports")
