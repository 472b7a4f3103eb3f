"""A distributable project: license, metadata, security policy, the GitHub Action, pinned
workflows, Dependabot, the documented Python API, and signatures that stock openssl verifies."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
SHA_PIN = re.compile(r"^[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40}$")


def _yaml(path: Path):
    yaml = pytest.importorskip("yaml")
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def test_license_and_project_metadata():
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert meta["license"] == "MIT" and "LICENSE" in meta["license-files"]
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")
    urls = meta["urls"]
    assert {"Homepage", "Source", "Issues", "Security"} <= set(urls)
    assert all(u.startswith("https://") for u in urls.values())
    assert "Typing :: Typed" in meta["classifiers"] and "Topic :: Security" in meta["classifiers"]
    assert (ROOT / "SECURITY.md").read_text().startswith("# Security policy")


def test_every_imported_third_party_package_is_declared():
    """The runtime imports of the package (outside training-only code) are all dependencies."""
    declared = {re.split(r"[<>=\[ ;]", d)[0].lower().replace("_", "-")
                for d in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]}
    modules = {"bs4": "beautifulsoup4", "charset_normalizer": "charset-normalizer", "soupsieve": "soupsieve",
               "protego": "protego", "markdown_it": "markdown-it-py", "tomlkit": "tomlkit", "certifi": "certifi",
               "numpy": "numpy", "tomli_w": "tomli-w", "cryptography": "cryptography", "jinja2": "jinja2",
               "requests": "requests", "click": "click", "lxml": "lxml", "pypdf": "pypdf"}
    found = set()
    for path in (ROOT / "audit").rglob("*.py"):
        if path.name in ("train.py", "experiment.py", "measure.py"):  # training tools: scipy/sklearn extras
            continue
        for m in re.finditer(r"^\s*(?:from|import)\s+([A-Za-z_][\w]*)", path.read_text(encoding="utf-8"), re.M):
            if m.group(1) in modules:
                found.add(modules[m.group(1)])
    assert found and found <= declared, sorted(found - declared)


def test_python_api_is_documented_and_typed(tmp_path):
    import audit.api as api

    assert api.__all__[:3] == ["check", "score", "report"]
    for name in api.__all__:
        assert getattr(api, name).__doc__, name
    assert (ROOT / "audit" / "py.typed").is_file()
    policy = tmp_path / "policy.txt"
    policy.write_text("We notify users before we disclose their data.\n\nA search warrant is required for content.\n")
    doc = api.check(policy, doc_type="law-enforcement-guidelines", name="Acme")
    assert doc["schema"] == "encryption-audit/scorecards/1" and doc["companies"][0]["name"] == "Acme"
    with pytest.raises(api.InputError):
        api.check(tmp_path / "missing.txt")


def test_python_api_scores_and_reports_the_examples(tmp_path):
    import audit.api as api

    ws = tmp_path / "ws"
    shutil.copytree(EXAMPLES, ws)
    doc = api.score(ws)
    assert {c["slug"] for c in doc["companies"]} == {p.stem for p in (ws / "companies").glob("*.toml")}
    written = api.report(ws, tmp_path / "site")
    assert (tmp_path / "site" / "scorecards.json") in written
    published = json.loads((tmp_path / "site" / "scorecards.json").read_text())
    assert [c["score"] for c in published["companies"]] == [c["score"] for c in doc["companies"]]


def test_workflow_actions_pinned_by_sha_with_least_privilege():
    files = sorted((ROOT / ".github" / "workflows").glob("*.yml")) + [ROOT / "action.yml"]
    assert len(files) >= 3
    for path in files:
        doc = _yaml(path)
        steps = [s for job in (doc.get("jobs") or {}).values() for s in job.get("steps", [])]
        steps += (doc.get("runs") or {}).get("steps", [])
        for step in steps:
            if "uses" in step:
                assert SHA_PIN.match(step["uses"]), f"{path.name}: {step['uses']} is not pinned by commit SHA"
        if "jobs" in doc:
            assert doc["permissions"] == {}, f"{path.name}: top-level permissions must be empty"
            for name, job in doc["jobs"].items():
                assert "permissions" in job, f"{path.name}: job {name} must declare its permissions"
                assert "write-all" not in str(job["permissions"])


def test_dependabot_watches_pip_and_actions():
    doc = _yaml(ROOT / ".github" / "dependabot.yml")
    assert doc["version"] == 2
    assert {u["package-ecosystem"] for u in doc["updates"]} == {"pip", "github-actions"}


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_action_runs_audit_run_and_outputs_the_summary(tmp_path):
    action = _yaml(ROOT / "action.yml")
    assert action["runs"]["using"] == "composite"
    assert {"workspace", "slugs", "gates"} <= set(action["inputs"])
    assert "summary" in action["outputs"]
    script = next(s["run"] for s in action["runs"]["steps"] if s.get("id") == "run")
    ws = tmp_path / "ws"
    shutil.copytree(EXAMPLES, ws)
    out, summary = tmp_path / "output", tmp_path / "step-summary"
    bindir = Path(sys.executable).parent  # the `audit` script installed with this interpreter
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUDIT_")}
    env.update(PATH=f"{bindir}{os.pathsep}{env.get('PATH', '')}", AUDIT_WORKSPACE=str(ws), AUDIT_OFFLINE="1",
               SLUGS="lumen-chat orbit-cloud", GATES="--fail-under F", RUNNER_TEMP=str(tmp_path),
               GITHUB_OUTPUT=str(out), GITHUB_STEP_SUMMARY=str(summary))
    done = subprocess.run(["bash", "-e", "-c", script], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    output = out.read_text()
    assert "exit-code=0" in output
    m = re.search(r"summary<<(\S+)\n(.*)\n\1\n", output, re.S)
    assert m and m.group(2).strip() and m.group(2) in summary.read_text()
    assert (ws / "reports" / "scorecards.json").is_file()
    # a crossed gate fails the step, after the outputs are written
    env["GATES"] = "--fail-under 100"
    done = subprocess.run(["bash", "-e", "-c", script], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1 and "exit-code=1" in out.read_text()


def _openssl_rawin() -> bool:
    if shutil.which("openssl") is None:
        return False
    r = subprocess.run(["openssl", "pkeyutl", "-help"], capture_output=True, text=True)
    return "-rawin" in (r.stdout + r.stderr)


@pytest.mark.skipif(not _openssl_rawin(), reason="needs openssl 3 (pkeyutl -rawin)")
def test_signature_verifies_with_stock_openssl(run_cli, tmp_path):
    """README: the detached signature is base64 Ed25519 over the file's bytes; openssl checks it."""
    key = tmp_path / "audit-signing.key"
    r = run_cli("keygen", "--out", str(key))
    assert r.code == 0, r
    data = tmp_path / "scorecards.json"
    data.write_text('{"schema": "encryption-audit/scorecards/1"}\n')
    r = run_cli("sign", str(data), "--key", str(key))
    assert r.code == 0, r
    sig = tmp_path / "scorecards.json.sig"
    raw = tmp_path / "scorecards.json.sig.bin"
    subprocess.run(["openssl", "base64", "-d", "-in", str(sig), "-out", str(raw)], check=True)
    ok = subprocess.run(["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", str(key) + ".pub", "-rawin",
                         "-in", str(data), "-sigfile", str(raw)], capture_output=True, text=True)
    assert ok.returncode == 0 and "Signature Verified Successfully" in ok.stdout, ok.stdout + ok.stderr
    data.write_text('{"schema": "encryption-audit/scorecards/2"}\n')
    bad = subprocess.run(["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", str(key) + ".pub", "-rawin",
                          "-in", str(data), "-sigfile", str(raw)], capture_output=True, text=True)
    assert bad.returncode != 0
