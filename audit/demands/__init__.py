"""Turn a scorecard's gaps into a draft letter of demands, and keep internal evidence private."""

from audit.demands.letter import Letter, build_letter, render_letter
from audit.demands.redact import INTERNAL_NOTE, redact_internal

__all__ = ["Letter", "build_letter", "render_letter", "redact_internal", "INTERNAL_NOTE"]
