"""`audit rubric validate` lists every problem of a broken rubric with file, line and criterion."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

BROKEN = """\
[rubric]
id = "broken"
version = "0.1"

[[demands]]
id = "legal"
weight = 1
title = "Legal"

[[criteria]]
id = "notice"
group = "nowhere"
weight = 1
method = "text"
title = "Notice"
demand = "Tell users."
colour = "blue"
[criteria.levels]
met = "Commits to notify."
[[criteria.signals]]
id = "broken-regex"
level = "met"
all = ['(unclosed']
[[criteria.examples]]
text = "We notify users."
level = "met"

[[criteria]]
id = "keys"
group = "legal"
weight = 1
method = "text"
title = "Keys"
demand = "Hold no keys."
[criteria.levels]
met = "Holds no keys."
[[criteria.signals]]
id = "no-keys"
level = "sometimes"
all = ['\\bno keys\\b']
[[criteria.examples]]
text = "We hold no keys."
level = "met"
"""

MISMATCH = """\
[rubric]
id = "mismatch"
version = "0.1"

[[demands]]
id = "legal"
weight = 1
title = "Legal"

[[criteria]]
id = "notice"
group = "legal"
weight = 1
method = "text"
title = "Notice"
demand = "Tell users."
[criteria.levels]
met = "Commits to notify."
[[criteria.signals]]
id = "notify"
level = "met"
all = ['\\bnotify\\b']
[[criteria.examples]]
text = "We publish a newsletter."
level = "met"
"""


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    p = tmp_path / "broken.toml"
    p.write_text(BROKEN, encoding="utf-8")
    return p


def _problems(err: str) -> list[str]:
    return [line for line in err.splitlines() if re.match(r".+\.toml:\d+ \[", line)]


def test_exit_2_and_every_problem_listed(run_cli, broken):
    res = run_cli("rubric", "validate", broken)
    assert res.code == 2, res
    assert "Traceback" not in res.err
    problems = _problems(res.err)
    assert len(problems) >= 4, res.err
    for p in problems:
        assert p.startswith(str(broken) + ":"), p


def test_unknown_key_named_with_line_and_criterion(run_cli, broken):
    res = run_cli("rubric", "validate", broken)
    line = _line_of(BROKEN, "colour =")
    assert any(f"broken.toml:{line} [notice]" in p and "colour" in p for p in _problems(res.err)), res.err


def test_unknown_group_named(run_cli, broken):
    res = run_cli("rubric", "validate", broken)
    line = _line_of(BROKEN, 'group = "nowhere"')
    assert any(f":{line} [notice]" in p and "nowhere" in p for p in _problems(res.err)), res.err


def test_bad_regex_named(run_cli, broken):
    res = run_cli("rubric", "validate", broken)
    line = _line_of(BROKEN, "(unclosed")
    hits = [p for p in _problems(res.err) if f":{line} [notice]" in p]
    assert any("regular expression" in p and "(unclosed" in p for p in hits), res.err


def test_problem_in_second_criterion_also_reported(run_cli, broken):
    res = run_cli("rubric", "validate", broken)
    line = _line_of(BROKEN, 'level = "sometimes"')
    assert any(f":{line} [keys]" in p for p in _problems(res.err)), res.err


def test_toml_syntax_error_is_one_line_exit_2(run_cli, tmp_path):
    p = tmp_path / "syntax.toml"
    p.write_text('[rubric]\nid = "x\n', encoding="utf-8")
    res = run_cli("rubric", "validate", p)
    assert res.code == 2, res
    assert "syntax.toml" in res.err
    assert "Traceback" not in res.err


def test_missing_rubric_file_exit_2(run_cli, tmp_path):
    res = run_cli("rubric", "validate", tmp_path / "absent.toml")
    assert res.code == 2, res
    assert "absent.toml" in res.err


def test_check_with_invalid_rubric_exit_2(run_cli, broken, tmp_path):
    doc = tmp_path / "policy.txt"
    doc.write_text("We notify users of requests.\n", encoding="utf-8")
    res = run_cli("check", doc, "--rubric", broken)
    assert res.code == 2, res
    assert "broken.toml" in res.err
    assert "Traceback" not in res.err


def test_rubric_test_fails_on_mismatching_example(run_cli, tmp_path):
    p = tmp_path / "mismatch.toml"
    p.write_text(MISMATCH, encoding="utf-8")
    res = run_cli("rubric", "test", p)
    assert res.code != 0, res
    assert "newsletter" in res.out + res.err


def test_valid_rubric_passes(run_cli):
    res = run_cli("rubric", "validate", "builtin")
    assert res.code == 0, res
