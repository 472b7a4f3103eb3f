"""Scoring: signals found in sentences (matcher), levels and scores (engine)."""
