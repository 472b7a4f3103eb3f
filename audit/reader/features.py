"""Sentence features for the learned reader: words with negation scope, the section heading,
the document type and the hand rules that fire on the sentence.

Kept free of any model so training and reading build exactly the same features.
"""

from __future__ import annotations

import re

from audit.extract.text import ExtractedText
from audit.models import Finding

_TOKEN = re.compile(r"[a-z0-9]+|[,;:()]")
_NEGATORS = frozenset({"not", "no", "never", "without", "cannot", "neither", "nor", "none", "nothing", "nobody", "unless"})
_BREAKERS = frozenset({",", ";", ":", "(", ")", "but", "except", "however", "although", "unless", "and"})
NEG_WINDOW = 4
CONTEXT_WORDS = 12  # words of the sentence before that a sentence sees
# hedges and plans change a level; they get a feature of their own besides their words
_HEDGE = re.compile(r"\b(?:may|might|could|where (?:feasible|possible|appropriate|practicable)|if (?:feasible|possible)|"
                    r"try|tries|attempt|endeavou?r|generally|typically|usually|reasonabl[ey]|at (?:our|its) (?:sole )?discretion)\b")
_PLAN = re.compile(r"\b(?:working on|plan(?:s|ning)? to|will soon|later this year|in the (?:near )?future|roadmap|coming months)\b")
_NUMBER_PERIOD = re.compile(r"\b\d+\s*(?:hours?|days?|weeks?|months?|years?)\b")


def words(sentence: str) -> list[str]:
    s = sentence.lower().replace("’", "'").replace("n't", " not").replace("cannot", "can not")
    return _TOKEN.findall(s)


def sentence_features(sentence: str, heading: str, doc_type: str, rule_hits: list[str], before: str = "") -> list[str]:
    """The feature names of one sentence (duplicates removed, order kept)."""
    feats: list[str] = []
    toks = words(sentence)
    marked: list[str] = []
    scope = 0
    for t in toks:
        if t in _BREAKERS:
            scope = 0
            if t not in ("but", "except", "however", "although", "unless", "and"):
                continue
        if t in _NEGATORS:
            scope = NEG_WINDOW
            marked.append(t)
            continue
        if scope:
            marked.append("~" + t)
            scope -= 1
        else:
            marked.append(t)
    feats.extend("w:" + t for t in marked)
    feats.extend("b:" + a + "_" + b for a, b in zip(marked, marked[1:]))
    feats.extend("h:" + t for t in words(heading)[:12] if t.isalnum())
    # the sentence before (a list item's lead-in: "we may disclose your information: ...")
    if CONTEXT_WORDS:
        feats.extend("p:" + t for t in words(before)[-CONTEXT_WORDS:] if t.isalnum())
    feats.append("dt:" + doc_type)
    low = sentence.lower()
    if _HEDGE.search(low):
        feats.append("x:hedge")
    if _PLAN.search(low):
        feats.append("x:plan")
    if _NUMBER_PERIOD.search(low):
        feats.append("x:period")
    feats.extend("r:" + h for h in rule_hits)
    seen: set[str] = set()
    return [f for f in feats if not (f in seen or seen.add(f))]


def rule_hits_by_sentence(extracted: ExtractedText, findings: dict[str, list[Finding]]) -> list[list[str]]:
    """For each sentence, the hand rules (criterion:level) whose quote lies in it."""
    starts = [s.start for s in extracted.sentences]
    hits: list[list[str]] = [[] for _ in starts]
    import bisect

    for cid, items in findings.items():
        for f in items:
            i = bisect.bisect_right(starts, f.start) - 1
            if 0 <= i < len(hits):
                tag = f"{cid}:{f.level.value}"
                if tag not in hits[i]:
                    hits[i].append(tag)
    return hits


def document_features(extracted: ExtractedText, doc_type: str, findings: dict[str, list[Finding]]) -> list[list[str]]:
    hits = rule_hits_by_sentence(extracted, findings)
    out = []
    sents = extracted.sentences
    for i, s in enumerate(sents):
        block = extracted.blocks[s.block]
        heading = block.heading if block.kind != "heading" else ""
        before = ""
        if i and extracted.blocks[sents[i - 1].block].kind != "heading":
            before = extracted.text[sents[i - 1].start:sents[i - 1].end]
        out.append(sentence_features(extracted.text[s.start:s.end], heading, doc_type, hits[i], before))
    return out


# What a whole document is about, as context for each criterion's decision: a service that stores
# users' messages and files and answers subpoenas can read what it hands over (Reading notes 1, 3);
# a page about agencies and officers is about police customers (note 11).
_TOPICS = {
    "content": re.compile(r"\b(?:messages?|chats?|files?|uploads?|photos?|videos?|posts?|recordings?|communications?|"
                          r"emails?|attachments?|user content|your content|customer data|stored content)\b"),
    "legal": re.compile(r"\b(?:law enforcement|subpoenas?|court orders?|warrants?|legal process|government requests?)\b"),
    "police": re.compile(r"\b(?:police|officers?|public safety|agenc(?:y|ies)|law enforcement|investigators?|cjis)\b"),
    "encryption": re.compile(r"\b(?:encrypt\w*|end-to-end|decrypt\w*|keys?)\b"),
    "retention": re.compile(r"\b(?:retain|retention|delete[ds]?|logs?)\b"),
    "sale": re.compile(r"\b(?:sell|sells|sold|sale|data brokers?)\b"),
}


def document_topics(extracted: ExtractedText) -> dict[str, float]:
    """log(1 + sentences mentioning each topic)."""
    import math

    counts = dict.fromkeys(_TOPICS, 0)
    for s in extracted.sentences:
        low = extracted.text[s.start:s.end].lower()
        for name, pat in _TOPICS.items():
            if pat.search(low):
                counts[name] += 1
    return {k: round(math.log1p(v), 6) for k, v in counts.items()}
