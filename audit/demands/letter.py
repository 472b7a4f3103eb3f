"""A draft letter of demands from a scorecard: the ask, the company's own words, the better policy.

Built only from the scorecard and the rubric, so it holds nothing about the auditor (no
reviewer names, no local paths beyond what the scorecard shows). Quotes are untrusted text from
the company's pages: the Markdown renderer escapes them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote as url_quote

from audit.demands.redact import is_redacted
from audit.report.escape import markdown, markdown_link
from audit.models import Level, Polarity, Scorecard
from audit.rubric.model import Rubric

#: Levels that are a gap worth a demand.
GAP_LEVELS = (Level.NOT_MET, Level.NO_DISCLOSURE, Level.PARTIAL)
MAX_QUOTES = 3

_GAP_WORDS = {
    Level.NOT_MET: "not met",
    Level.PARTIAL: "only partly met",
    Level.NO_DISCLOSURE: "not disclosed",
}


@dataclass(frozen=True)
class Quote:
    text: str
    url: str
    date: str  # YYYY-MM-DD the text was fetched (or the file last changed)
    public: bool
    withheld: bool = False  # internal text not to be shown (see audit.demands.redact)


@dataclass(frozen=True)
class Ask:
    criterion: str
    title: str
    level: Level
    ask: str  # the rubric criterion's `demand`
    better: str  # the rubric's definition of `met`
    quotes: tuple[Quote, ...]


@dataclass(frozen=True)
class DemandSection:
    id: str
    title: str
    statement: str
    score: float | None
    asks: tuple[Ask, ...]


@dataclass(frozen=True)
class Letter:
    company: str
    slug: str
    score: float | None
    grade: str | None
    rubric: str  # "id version"
    sections: tuple[DemandSection, ...]
    documents: tuple[tuple[str, str, str], ...]  # (type, url, date) of the documents read
    unread: tuple[tuple[str, str], ...] = ()  # (type, reason) of declared documents that could not be read

    @property
    def asks(self) -> int:
        return sum(len(s.asks) for s in self.sections)


def build_letter(card: Scorecard, rubric: Rubric) -> Letter:
    """Every criterion below `met`, grouped by the rubric's demands in rubric order."""
    public_urls = {d.url for d in card.documents if d.public}
    scores = {d.id: d.score for d in card.demands}
    sections = []
    for demand in rubric.demands:
        asks = []
        for crit in rubric.criteria_of(demand.id):
            try:
                result = card.criterion(crit.id)
            except KeyError:
                continue
            if result.level not in GAP_LEVELS:
                continue
            quotes = []
            seen: set[str] = set()
            # the words that show the gap first: evidence against the practice, then hedged support
            for e in sorted(result.evidence, key=lambda e: e.polarity is not Polarity.AGAINST):
                text = " ".join(e.quote.split())
                if not text or text in seen:
                    continue
                seen.add(text)
                quotes.append(Quote(text, e.url, e.fetched_at[:10], e.url in public_urls, is_redacted(e)))
            asks.append(Ask(crit.id, crit.title, result.level, crit.demand, crit.levels.get("met", ""),
                            tuple(quotes[:MAX_QUOTES])))
        if asks:
            sections.append(DemandSection(demand.id, demand.title, demand.statement, scores.get(demand.id), tuple(asks)))
    docs = tuple(sorted((d.type, d.url, d.fetched_at[:10]) for d in card.documents if d.status != "failed"))
    return Letter(card.name, card.slug, card.score, card.grade, f"{rubric.id} {rubric.version}", tuple(sections), docs,
                  tuple(card.incomplete))


# ---------------------------------------------------------------------------------- Markdown

# one escaping function per format: audit/report/escape.py
md_escape = markdown
md_link = markdown_link


def _score(letter: Letter) -> str:
    if letter.score is None:
        return "not scored"
    return f"{letter.score:g}/100" + (f", grade {letter.grade}" if letter.grade else "")


_ALL_MET = ("Every criterion we could evaluate is met. We ask the company to keep these commitments "
            "and to say so publicly.")


def _opening(rubric: str, score: str) -> str:
    """The letter's first paragraph, shared by the Markdown and text forms (rubric already escaped)."""
    return (
        "We are writing about how the company answers law-enforcement requests and protects user data. "
        f"Measured against a public rubric ({rubric}), the company's own published policies score "
        f"{score}. Below, for each gap, is what we ask for, the company's own words that show the gap, "
        "and what a better policy looks like."
    )


def render_markdown(letter: Letter) -> str:
    name = md_escape(letter.company)
    out = [f"# Draft letter to {name}", ""]
    out.append(f"To the leadership of {name},")
    out.append("")
    out += [_opening(md_escape(letter.rubric), _score(letter)), ""]
    if not letter.sections:
        out += [_ALL_MET, ""]
    for section in letter.sections:
        out.append(f"## {md_escape(section.title)}")
        out.append("")
        out.append(f"*{md_escape(section.statement)}*")
        out.append("")
        for ask in section.asks:
            out.append(f"### {md_escape(ask.title)} ({_GAP_WORDS[ask.level]})")
            out.append("")
            out.append(f"**We ask:** {md_escape(ask.ask)}")
            out.append("")
            if ask.quotes:
                out.append("**What the company says today:**")
                out.append("")
                for q in ask.quotes:
                    if q.public:
                        out.append(f"> \u201c{md_escape(q.text)}\u201d \u2014 {md_link(q.url, 'source')}, retrieved {q.date}")
                    elif q.withheld:
                        out.append(f"> A non-public document ({q.date}) shows the gap; its text is withheld.")
                    else:
                        out.append(f"> \u201c{md_escape(q.text)}\u201d \u2014 non-public document, {q.date}")
                    out.append(">")
                out.pop()
                out.append("")
            elif ask.level is Level.NO_DISCLOSURE:
                out += ["**What the company says today:** nothing we could find in the documents listed below.", ""]
            if ask.better:
                out.append(f"**A better policy:** {md_escape(ask.better)}")
                out.append("")
    if letter.documents:
        out.append("## Documents read")
        out.append("")
        for dtype, url, date in letter.documents:
            where = md_link(url) if url.startswith(("http://", "https://")) else "a non-public document"
            out.append(f"- {md_escape(dtype)}: {where} ({date or 'date unknown'})")
        out.append("")
    if letter.unread:
        out.append("## Documents that could not be read")
        out.append("")
        out.append("These declared documents could not be read, so what they say is not reflected above:")
        out.append("")
        for dtype, why in letter.unread:
            out.append(f"- {md_escape(dtype)}: {md_escape(why)}")
        out.append("")
    out += ["Sincerely,", "", f"Workers at {name}", ""]
    return "\n".join(out)


# ---------------------------------------------------------------------------------- plain text

def render_text(letter: Letter) -> str:
    out = [f"Draft letter to {letter.company}", ""]
    out.append(f"To the leadership of {letter.company},")
    out.append("")
    out += [_opening(letter.rubric, _score(letter)), ""]
    if not letter.sections:
        out += [_ALL_MET, ""]
    for section in letter.sections:
        out += [section.title.upper(), section.statement, ""]
        for ask in section.asks:
            out.append(f"* {ask.title} ({_GAP_WORDS[ask.level]})")
            out.append(f"  We ask: {ask.ask}")
            for q in ask.quotes:
                if q.public:
                    out.append(f"  The company says: \"{q.text}\" ({q.url}, retrieved {q.date})")
                elif q.withheld:
                    out.append(f"  A non-public document ({q.date}) shows the gap; its text is withheld.")
                else:
                    out.append(f"  A non-public document says: \"{q.text}\" ({q.date})")
            if not ask.quotes and ask.level is Level.NO_DISCLOSURE:
                out.append("  The company says: nothing we could find in the documents listed below.")
            if ask.better:
                out.append(f"  A better policy: {ask.better}")
            out.append("")
    if letter.documents:
        out.append("Documents read:")
        for dtype, url, date in letter.documents:
            where = url if url.startswith(("http://", "https://")) else "a non-public document"
            out.append(f"  - {dtype}: {where} ({date or 'date unknown'})")
        out.append("")
    if letter.unread:
        out.append("Documents that could not be read (what they say is not reflected above):")
        for dtype, why in letter.unread:
            out.append(f"  - {dtype}: {why}")
        out.append("")
    out += ["Sincerely,", f"Workers at {letter.company}", ""]
    return "\n".join(_one_line(s) for s in out)


def _one_line(s: str) -> str:
    """No control characters from untrusted text in terminal output."""
    return "".join(ch if ch.isprintable() else " " for ch in s)


def render_letter(letter: Letter, fmt: str = "markdown") -> str:
    return render_text(letter) if fmt == "text" else render_markdown(letter)
