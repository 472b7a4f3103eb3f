"""The hand rules: the rubric's signals (regular expressions with negation and hedge cues) as a
reader of their own (`AUDIT_READER=rules`, or a rubric the model was not trained for) and as
features of the learned reader.

`matcher.py` finds which signal fires on which sentence, `prefilter.py` skips the sentences that
cannot match, `reader.py` turns the findings into a level per criterion, `examples.py` checks the
rubric's own example sentences (`audit rubric test`).
"""
