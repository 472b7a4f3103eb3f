"""The evidence archive: content-addressed snapshots, a log per document, and a results cache."""
