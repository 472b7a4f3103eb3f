"""Fetching documents over HTTP(S): polite, bounded and refusing private addresses."""
