"""The installed package, run from another folder, finds and passes its built-in rubric.

In CI the project is installed non-editable (`pip install '.[test]'`), so this runs the copy in
site-packages: the rubric must have been shipped inside it (`audit/_rubrics`), and be the same
bytes as `rubrics/builtin.toml` in this checkout (a stale install would score with old signals).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

PROBE = (
    "import json, audit, audit.rubric.loader as l; "
    "print(json.dumps({'package': audit.__file__, 'rubrics': str(l.builtin_dir())}))"
)


def _run(args, cwd):
    return subprocess.run([sys.executable, *args], cwd=cwd, capture_output=True, text=True, timeout=300)


def test_installed_package_ships_its_rubric(tmp_path):
    r = _run(["-c", PROBE], tmp_path)
    assert r.returncode == 0, r.stderr
    where = json.loads(r.stdout)
    package = Path(where["package"]).resolve().parent
    rubrics = Path(where["rubrics"])
    shipped = rubrics / "builtin.toml"
    assert shipped.is_file(), f"no built-in rubric at {rubrics}"
    if REPO not in package.parents and package != REPO / "audit":
        # a real (non-editable) install: the rubric lives inside the package, not in a checkout
        assert package in rubrics.resolve().parents, rubrics
        assert shipped.read_bytes() == (REPO / "rubrics" / "builtin.toml").read_bytes(), \
            "the installed rubric differs from rubrics/builtin.toml: reinstall the package"


def test_python_dash_m_audit_runs_from_another_folder(tmp_path):
    r = _run(["-m", "audit", "rubric", "test"], tmp_path)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    assert " 0 failed" in r.stdout
    r = _run(["-m", "audit", "--version"], tmp_path)
    assert r.returncode == 0 and "encryption-audit" in r.stdout
