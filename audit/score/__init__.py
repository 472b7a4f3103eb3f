"""Scoring, pure: the readers' findings, probe outcomes and reviews -> levels, scores, grades
(`engine`), and what documents that could not be read leave unevaluated (`incomplete`).

No I/O here (tests/score/test_score_pure.py): `audit.pipeline` reads what scoring needs.
"""
