"""Compatibility only: the hand rules moved to `audit.reader.rules.matcher`.

Kept for `audit/reader/features.py` and `audit/reader/train.py`, which are being edited on another
branch; delete this module once they import from `audit.models` / `audit.reader.rules.matcher`
(tests/test_layering.py allows no other importer).
"""

from audit.models import Finding
from audit.reader.rules.matcher import find_all, find_in_text

__all__ = ["Finding", "find_all", "find_in_text"]
