"""The reader: a stage of its own between extraction and scoring.

A reader turns one extracted document into, per criterion, the level the document supports,
the sentences that decide it and a calibrated confidence. The learned reader (`learned.py`)
does this with a model trained on hand labels of real policies (`train.py`); the rubric's hand
rules (`audit.score.matcher`) are one of its features. See docs/architecture.md.
"""
