"""Shields-style SVG badges: "encryption-audit | B 72.5", coloured by grade.

Colours are dark enough that white text on them keeps a 4.5:1 contrast (tested).
"""

from __future__ import annotations

import json

from jinja2 import Environment

from audit.models import Scorecard
from audit.schemas import schema_url

GRADE_COLOURS = {
    "A": "#1a7f37",
    "B": "#3f6e00",
    "C": "#8a5a00",
    "D": "#a8400f",
    "F": "#b3261e",
}
NEUTRAL = "#555555"
LABEL = "encryption audit"


def _text_width(s: str) -> int:
    """Approximate width of Verdana 11px text, enough for a stable layout."""
    return 7 * len(s) + 10


_TEMPLATE = Environment(autoescape=True, keep_trailing_newline=True).from_string(
    '<svg xmlns="http://www.w3.org/2000/svg" width="{{ total }}" height="20" role="img" aria-label="{{ title }}">'
    "<title>{{ title }}</title>"
    '<rect width="{{ lw }}" height="20" fill="{{ neutral }}"/>'
    '<rect x="{{ lw }}" width="{{ vw }}" height="20" fill="{{ colour }}"/>'
    '<g fill="#ffffff" font-family="Verdana,DejaVu Sans,sans-serif" font-size="11" text-anchor="middle">'
    '<text x="{{ lx }}" y="14">{{ label }}</text>'
    '<text x="{{ vx }}" y="14">{{ value }}</text>'
    "</g></svg>\n"
)


def badge_endpoint_json(card: Scorecard) -> str:
    """The same badge as a shields.io endpoint document (https://shields.io/badges/endpoint-badge):
    https://img.shields.io/endpoint?url=<where badges/<slug>.json is published>."""
    value = "not evaluated" if card.score is None else f"{card.grade} {card.score:.1f}"
    doc = {"$schema": schema_url("shields"), "schemaVersion": 1, "label": LABEL, "message": value,
           "color": GRADE_COLOURS.get(card.grade or "", NEUTRAL).lstrip("#"), "labelColor": NEUTRAL.lstrip("#"),
           "cacheSeconds": 3600}
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def badge_svg(card: Scorecard) -> str:
    """The badge; every value goes through Jinja2's autoescape (the one HTML/SVG escaping), so a
    company name with `"`, `<` or `&` stays text inside its attribute and element."""
    value = "not evaluated" if card.score is None else f"{card.grade} {card.score:.1f}"
    colour = GRADE_COLOURS.get(card.grade or "", NEUTRAL)
    lw, vw = _text_width(LABEL), _text_width(value)
    return _TEMPLATE.render(total=lw + vw, title=f"{card.name}: {LABEL} grade {value}", lw=lw, vw=vw,
                            neutral=NEUTRAL, colour=colour, lx=f"{lw / 2:g}", vx=f"{lw + vw / 2:g}",
                            label=LABEL, value=value)
