"""The pipeline layer: all the I/O around the pure stages.

`audit.score` (levels, scores, grades) and the readers are functions of their inputs; this package
reads what they need -- declarations, the archive and its findings cache, local files, URLs, the
clock -- and hands it to them, so any old snapshot can be re-scored and scoring can be tested
without a workspace. See docs/architecture.md.

- `fetch_workspace.py`: `audit fetch`: every declared URL into the archive.
- `score_workspace.py`: `audit score` / `run` / `report`: every company from its newest snapshots.
- `documents.py`: `audit check`: files and URLs given on the command line.
"""
