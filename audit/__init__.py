"""encryption-audit: score published law-enforcement and encryption policies against a rubric."""

__version__ = "0.1.0"
TOOL_NAME = "encryption-audit"
