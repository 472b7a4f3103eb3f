"""Which words in a URL, a link text or a page title say which document type.

Kept apart from the crawl so the ranking can be read, tested and tuned on its own.
"""

from __future__ import annotations

import re

#: Cue patterns per document type, for URL paths (words joined by - / _) and for short texts.
CUES: dict[str, tuple[str, ...]] = {
    "law-enforcement-guidelines": (
        r"law[\s_-]?enforcement", r"\ble[\s_-]?guidelines\b", r"legal[\s_-]?process", r"government[\s_-]?(data[\s_-]?)?requests?",
        r"\bsubpoenas?\b", r"police",
    ),
    "transparency-report": (r"transparency", r"government[\s_-]?requests?", r"requests?[\s_-]?for[\s_-]?(user[\s_-]?)?data"),
    "privacy-policy": (r"privacy", r"data[\s_-]?protection", r"\bgdpr\b"),
    "terms-of-service": (r"\bterms\b", r"\btos\b", r"terms[\s_-]?of[\s_-]?(service|use)", r"user[\s_-]?agreement"),
    "encryption": (r"encrypt", r"\be2ee\b", r"end[\s_-]?to[\s_-]?end"),
    "security": (r"security", r"vulnerabilit", r"bug[\s_-]?bounty", r"responsible[\s_-]?disclosure"),
    "developer-terms": (r"developer[\s_-]?(terms|policy|agreement)", r"api[\s_-]?terms"),
}
_COMPILED = {t: tuple(re.compile(p, re.I) for p in ps) for t, ps in CUES.items()}

#: Paths worth trying on any site even when no page links to them.
COMMON_PATHS = (
    "/legal", "/privacy", "/privacy-policy", "/terms", "/transparency", "/transparency-report",
    "/law-enforcement", "/legal/law-enforcement", "/government-requests", "/security",
)

#: Generic words that make a link worth a look without saying which type it is.
LEGAL_WORDS = re.compile(r"\b(legal|policy|policies|guidelines|trust|compliance)\b", re.I)


def types_in(text: str) -> dict[str, str]:
    """Document types whose cues occur in TEXT -> the first cue text that matched."""
    out: dict[str, str] = {}
    for dtype, patterns in _COMPILED.items():
        for p in patterns:
            m = p.search(text)
            if m:
                out[dtype] = m.group(0)
                break
    return out


def url_words(path: str) -> str:
    """A URL path as words, so `/legal/law_enforcement-guide.html` reads `legal law enforcement guide`."""
    path = re.sub(r"\.(html?|php|aspx?|pdf)$", "", path, flags=re.I)
    return " ".join(w for w in re.split(r"[/_.\-?=&]+", path) if w)
