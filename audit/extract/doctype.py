"""Guess a document's type from its text when the user did not say (`audit check` without --type)."""

from __future__ import annotations

import re

from audit.extract.text import ExtractedText

DOCUMENT_TYPES = (
    "law-enforcement-guidelines",
    "transparency-report",
    "privacy-policy",
    "terms-of-service",
    "encryption",
    "security",
    "developer-terms",
    "product",
    "other",
)

_CUES: dict[str, list[str]] = {
    "law-enforcement-guidelines": [r"law enforcement (guidelines|requests?|response|support|officials?|agencies)", r"\bsubpoena", r"\bsearch warrant", r"emergency (disclosure )?requests?", r"legal process", r"preservation requests?"],
    "transparency-report": [r"transparency report", r"government requests? for (user )?data", r"requests? received", r"percentage of requests"],
    "privacy-policy": [r"privacy (policy|notice|statement)", r"personal (data|information) (we collect|that we collect)", r"your (privacy )?rights", r"\bcookies\b", r"data controller"],
    "terms-of-service": [r"terms of (service|use)", r"you agree to", r"governing law", r"limitation of liability", r"arbitration"],
    "encryption": [r"end-to-end encrypt", r"encryption keys?", r"\bcipher", r"\bAES\b", r"zero[- ]access"],
    "security": [r"vulnerability disclosure", r"bug bounty", r"security\.txt", r"report a (security )?vulnerabilit"],
    "developer-terms": [r"developer (terms|policy|agreement)", r"\bAPI\b", r"platform policy"],
}
_COMPILED = {t: [re.compile(p, re.I) for p in ps] for t, ps in _CUES.items()}


def guess_type(extracted: ExtractedText) -> str:
    """The type whose cues are most frequent, titles counting more; `other` if none fire."""
    head = extracted.title + "\n" + extracted.text[:600]
    body = extracted.text[:60_000]
    best, best_score = "other", 0.0
    for t in DOCUMENT_TYPES:
        pats = _COMPILED.get(t, [])
        score = sum(5 * len(p.findall(head)) + min(len(p.findall(body)), 20) for p in pats)
        if score > best_score:
            best, best_score = t, score
    return best
