"""Evaluation: agreement of automatic levels with hand labels (SPEC.md metrics)."""
