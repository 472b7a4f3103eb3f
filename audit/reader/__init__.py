"""The reader: a stage of its own between extraction and scoring.

A reader turns one extracted document into, per criterion, the level the document supports,
the sentences that decide it and a calibrated confidence, behind one protocol (`base.Reader`).
Two readers: the learned one (`learned.py`, a model trained on hand labels of real policies by
`train.py`) and the rubric's hand rules (`rules/`), which are also the learned reader's features.
See docs/architecture.md.
"""
