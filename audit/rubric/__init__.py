"""Rubrics: the scoring methodology as data (TOML), its loader, tests and documentation."""

from audit.rubric.loader import load_rubric  # noqa: F401
