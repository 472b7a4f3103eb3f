"""Scheduled refresh: history, diff with causes, Atom feed, run orchestration, shards."""
