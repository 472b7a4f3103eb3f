"""Errors that map to the exit codes of the product contract (SPEC.md).

0 success, 1 a gate failed, 2 invalid input, 3 could not evaluate. Anything else is a bug.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_GATE = 1
EXIT_INPUT = 2
EXIT_NO_EVIDENCE = 3


class AuditError(Exception):
    """An expected failure with a one-line message and an exit code."""

    exit_code = EXIT_INPUT

    def __init__(self, message: str, exit_code: int | None = None):
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code


class InputError(AuditError):
    """Invalid input: usage, declaration, rubric, labels, unreadable file (exit 2)."""

    exit_code = EXIT_INPUT


class NoEvidenceError(AuditError):
    """Nothing could be evaluated: every document failed to fetch or parse (exit 3)."""

    exit_code = EXIT_NO_EVIDENCE


class GateFailed(AuditError):
    """A CI gate was crossed (exit 1)."""

    exit_code = EXIT_GATE


class NothingArchived(NoEvidenceError):
    """Nothing archived yet (a fresh checkout): exit 3 with a hint, not an error (`audit: hint: ...`)."""

    label = "hint"
