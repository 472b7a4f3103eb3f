"""Shared helpers of the bench scripts: seeded inputs, timing, the table + JSON report.

Not a bench itself (`python bench/<name>.py --help` lists the benches' own options).
"""

from __future__ import annotations

import json
import os
import platform
import random
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CORPUS = Path(os.environ.get("AUDIT_SHARED_DIR") or REPO.parent / "shared") / "corpus"

if str(REPO) not in sys.path:  # run as `python bench/x.py` from anywhere, without installing
    sys.path.insert(0, str(REPO))

_WORDS = (
    "data request law enforcement government agency account user information content records "
    "subscriber valid legal process subpoena court order warrant emergency disclosure notify "
    "customers unless prohibited review each request narrow scope jurisdiction international "
    "mutual legal assistance treaty policy transparency report publish twice year encryption "
    "messages end-to-end keys servers store retain delete backups metadata logs service terms "
    "privacy security protect challenge overbroad demands we may will our the and of to in for"
).split()

_POLICY_SENTENCES = (
    "We require a valid subpoena, court order or search warrant before disclosing any user data.",
    "We notify users of requests for their information unless we are legally prohibited from doing so.",
    "Messages are end-to-end encrypted and we do not hold the keys needed to read them.",
    "We publish a transparency report twice a year with the number of government requests we receive.",
    "We push back on requests that are overbroad or legally deficient.",
    "In an emergency involving danger of death or serious injury we may disclose information without a court order.",
    "We retain IP address logs for 90 days.",
    "Requests from outside the United States must go through a mutual legal assistance treaty.",
)


def machine() -> dict:
    """The machine the figures came from (for the README's Performance section)."""
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "cpu": cpu or platform.processor(), "python": platform.python_version()}


# Ordinary legal prose; policy terms (_WORDS) make up about one word in eight, as in real policies.
_FILLER = (
    "the a an of to in for on with by as at from that this these such any all each other which who "
    "is are be been being has have had shall would could should must can applicable relevant "
    "including without limitation reasonable appropriate necessary provided however where when "
    "under pursuant accordance section agreement provisions parties party rights obligations "
    "applies apply described above below herein thereof hereunder purposes manner time period "
    "additional certain specific general including related products features websites affiliates "
    "contact support team questions please see learn more about how what why also only otherwise"
).split()


def sentence(rng: random.Random, n: int | None = None) -> str:
    words = [rng.choice(_WORDS) if rng.random() < 0.125 else rng.choice(_FILLER)
             for _ in range(n or rng.randint(8, 30))]
    return words[0].capitalize() + " " + " ".join(words[1:]) + "."


def html_page(rng: random.Random, target_bytes: int = 60_000) -> str:
    """A policy page with the usual noise: head scripts, nav, cookie banner, footer, long legal text."""
    head = (
        "<!doctype html><html lang=en><head><meta charset=utf-8><title>Law Enforcement Guidelines</title>"
        + "".join(f"<script>window.__d{i}={{a:{i},b:'{'x' * 200}'}};function f{i}(){{return {i};}}</script>"
                  for i in range(rng.randint(3, 8)))
        + "<style>body{font-family:sans-serif}.nav a{color:#333}" + ".c{margin:0}" * 50 + "</style></head><body>"
    )
    nav = "<nav class=nav><ul>" + "".join(
        f"<li><a href='/p/{i}'>{rng.choice(_WORDS).title()}</a></li>" for i in range(rng.randint(20, 60))) + "</ul></nav>"
    banner = ("<div id=onetrust-banner class='cookie-banner'><p>We use cookies to improve your experience. "
              "<button>Accept all</button><button>Reject</button></p></div>")
    header = "<header role=banner><a href='/'>Home</a><form><input name=q></form></header>"
    body: list[str] = ["<main><article><h1>Law Enforcement Guidelines</h1>"]
    size = sum(map(len, (head, nav, banner, header)))
    section = 0
    while size < target_bytes:
        section += 1
        parts = [f"<h2>Section {section}. {sentence(rng, 4)[:-1]}</h2>"]
        for _ in range(rng.randint(2, 6)):
            sents = [sentence(rng) for _ in range(rng.randint(2, 6))]
            if rng.random() < 0.35:
                sents.insert(rng.randrange(len(sents) + 1), rng.choice(_POLICY_SENTENCES))
            parts.append("<p>" + " ".join(f"<span>{s}</span>" if rng.random() < 0.2 else s for s in sents) + "</p>")
        if rng.random() < 0.4:
            parts.append("<ul>" + "".join(f"<li>{sentence(rng)}</li>" for _ in range(rng.randint(2, 6))) + "</ul>")
        if rng.random() < 0.15:
            parts.append("<table><tr><th>Request</th><th>Count</th></tr>" + "".join(
                f"<tr><td>{rng.choice(_WORDS)}</td><td>{rng.randint(0, 9999)}</td></tr>" for _ in range(8)) + "</table>")
        chunk = "<section class=c>" + "".join(parts) + "</section>"
        body.append(chunk)
        size += len(chunk)
    body.append("</article></main>")
    footer = "<footer role=contentinfo><p>© Example Inc.</p>" + "".join(
        f"<a href='/f/{i}'>Link {i}</a>" for i in range(40)) + "</footer><script>track();</script></body></html>"
    return head + header + nav + banner + "".join(body) + footer


# Class names as CSS-in-JS frameworks emit them, and icon paths: most of a real page's bytes.
_CLASSES = ("css-175oi2r r-1awozwy r-18u37iz r-1wbh5a2 r-13qz1uu r-bnwqim r-1h8ys4a r-1ny4l3l r-o7ynqc "
            "r-6416eg r-lrvibr r-3s2u2q r-qvutc0 r-37j5jr r-a023e6 r-rjixqe r-16dba41 r-1udh08x r-1loqt21 "
            "ltr-qnht66 e1g9xorx0 ltr-1hq0vtn eiyh3i81 container-fluid col-md-8 col-lg-6 mt-4 mb-2 px-3 "
            "text-body link-primary d-flex align-items-center legal-content rich-text__block").split()
_ICON = ("M12 2C6.48 2 2 6.48 2 12s4.48 10 10 10 10-4.48 10-10S17.52 2 12 2zm1 15h-2v-6h2v6zm0-8h-2V7h2v2z"
         "M3.9 12c0-1.71 1.39-3.1 3.1-3.1h4V7H7c-2.76 0-5 2.24-5 5s2.24 5 5 5h4v-1.9H7c-1.71 0-3.1-1.39-3.1-3.1z")


def _cls(rng: random.Random) -> str:
    return " ".join(rng.sample(_CLASSES, rng.randint(2, 6)))


def _svg(rng: random.Random) -> str:
    return (f'<svg viewBox="0 0 24 24" aria-hidden="true" class="{_cls(rng)}"><g>'
            f'<path d="{_ICON[: rng.randint(60, len(_ICON))]}"></path></g></svg>')


def _link(rng: random.Random, text: str) -> str:
    slug = "-".join(rng.choice(_WORDS) for _ in range(rng.randint(1, 4)))
    return (f'<a href="https://help.example.com/en/{slug}?ref_src=legal" class="{_cls(rng)}" '
            f'data-testid="link-{rng.randrange(10_000)}" rel="noopener noreferrer">{text}</a>')


def policy_page(rng: random.Random, target_bytes: int = 120_000) -> str:
    """A policy page with the markup of real ones (the corpus HTML pages of ../shared).

    The corpus pages are 100-930 kB, of which the text is 5-35% (median about 20%), the
    attributes 15-60% (framework class names, data-*, long URLs), scripts and styles 1-65%,
    with about one tag per 130 bytes. :func:`html_page` is the opposite extreme (90% prose).
    The prose is the same as :func:`html_page`'s, with the same share of policy words.
    """
    head = ['<!doctype html><html lang="en" dir="ltr"><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width,initial-scale=1">',
            "<title>Guidelines for Law Enforcement</title>"]
    head += [f'<meta property="og:{k}" content="{sentence(rng, 12)}">' for k in ("title", "description", "site_name")]
    head += [f'<link rel="{rng.choice(("preload", "stylesheet", "alternate", "preconnect"))}" '
             f'href="https://static.example.com/assets/{rng.getrandbits(64):016x}.{rng.choice(("css", "js", "woff2"))}" '
             f'hreflang="{rng.choice(("en", "de", "fr", "es", "ja", "pt-br"))}" crossorigin="anonymous">' for _ in range(30)]
    head.append("<style>" + "".join(f".{c.replace(' ', '.')}{{display:flex;margin:{rng.randint(0, 24)}px;"
                                    f"color:#{rng.getrandbits(24):06x}}}" for c in rng.choices(_CLASSES, k=target_bytes // 700))
                + "</style>")
    state = ",".join(f'"{rng.choice(_WORDS)}{i}":{{"id":"{rng.getrandbits(64):x}","label":"{sentence(rng, 6)}"}}'
                     for i in range(target_bytes // 1500))
    head.append(f'<script id="__NEXT_DATA__" type="application/json">{{"props":{{{state}}}}}</script>')
    head.append("<script async src=\"https://www.googletagmanager.com/gtag/js?id=G-X\"></script>"
                "<script>window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments)}</script></head>")
    nav = [(f'<body class="{_cls(rng)}"><div id="react-root" class="{_cls(rng)}">'
            f'<header role="banner" class="{_cls(rng)}"><a href="/" aria-label="Home">{_svg(rng)}</a>'
            f'<nav aria-label="Primary" class="{_cls(rng)}"><ul class="{_cls(rng)}">')]
    nav += [f'<li class="{_cls(rng)}">{_link(rng, rng.choice(_WORDS).title())}</li>' for _ in range(rng.randint(40, 80))]
    nav.append("</ul></nav></header>")
    banner = (f'<div id="onetrust-consent-sdk" class="{_cls(rng)}"><div id="onetrust-banner-sdk" role="dialog">'
              f"<p>{' '.join(sentence(rng) for _ in range(4))}</p><button>Accept all cookies</button>"
              f"<button>Reject all</button>{_link(rng, 'Cookie settings')}</div></div>")
    foot = [f'<footer role="contentinfo" class="{_cls(rng)}">']
    for _ in range(4):
        foot.append(f'<div class="{_cls(rng)}"><h3>{rng.choice(_WORDS).title()}</h3><ul>'
                    + "".join(f"<li>{_link(rng, rng.choice(_WORDS).title())}</li>" for _ in range(15)) + "</ul></div>")
    foot.append('<select aria-label="Language">' + "".join(f'<option value="{i}">Language {i}</option>' for i in range(40))
                + "</select>" + "".join(_svg(rng) for _ in range(6)) + "</footer></div>"
                "<script>window.__INITIAL_STATE__={};track();</script></body></html>")
    size = sum(map(len, head + nav + foot)) + len(banner)
    body = [(f'<main role="main" class="{_cls(rng)}"><article class="{_cls(rng)}"><h1 class="{_cls(rng)}">'
             "Guidelines for Law Enforcement</h1>")]
    section = 0
    while size < target_bytes:
        section += 1
        anchor = f"section-{section}"
        parts = [(f'<div class="{_cls(rng)}"><h2 id="{anchor}" class="{_cls(rng)}">{sentence(rng, 4)[:-1]}'
                  f'<a href="#{anchor}" class="{_cls(rng)}" aria-label="Link to this section">{_svg(rng)}</a></h2>')]
        for _ in range(rng.randint(2, 6)):
            sents = [sentence(rng) for _ in range(rng.randint(2, 6))]
            if rng.random() < 0.35:
                sents.insert(rng.randrange(len(sents) + 1), rng.choice(_POLICY_SENTENCES))
            words = " ".join(sents).split(" ")
            for _ in range(rng.randint(0, 3)):  # a few words of the prose are links, as in real policies
                i = rng.randrange(len(words))
                words[i] = _link(rng, words[i])
            parts.append(f'<div class="{_cls(rng)}"><div class="{_cls(rng)}" dir="auto">'
                         f'<p class="{_cls(rng)}">{" ".join(words)}</p></div></div>')
        if rng.random() < 0.4:
            parts.append(f'<ul class="{_cls(rng)}">' + "".join(
                f'<li class="{_cls(rng)}"><span class="{_cls(rng)}">{sentence(rng)}</span></li>'
                for _ in range(rng.randint(2, 6))) + "</ul>")
        chunk = "".join(parts) + "</div>"
        body.append(chunk)
        size += len(chunk)
    body.append("</article></main>")
    return "".join(head + nav) + banner + "".join(body + foot)


def load_bench_rubric(id_or_path: str | None):
    """(rubric, note): the asked-for rubric, else the built-in one; while the built-in rubric is
    being edited and does not load, the test suite's small rubric, said so in the report."""
    from audit.rubric.loader import RubricInvalid, load_rubric

    if id_or_path:
        return load_rubric(id_or_path), ""
    try:
        return load_rubric(None), ""
    except RubricInvalid as e:
        print(f"warning: built-in rubric does not load ({str(e).splitlines()[0]}); using tests/data/mini_rubric.toml",
              file=sys.stderr)
        return load_rubric(str(REPO / "tests" / "data" / "mini_rubric.toml")), "fallback: tests/data/mini_rubric.toml"


def rubric_info(rubric, note: str) -> dict:
    return {"rubric": rubric.id if hasattr(rubric, "id") else "", "rubric_note": note,
            "criteria": len(rubric.criteria), "signals": sum(len(c.signals) for c in rubric.criteria)}


def report(name: str, rows: list[tuple[str, object]], data: dict, as_json_only: bool = False) -> None:
    """A two-column table for people (stderr) and one JSON object for programs (stdout)."""
    if not as_json_only:
        width = max(len(k) for k, _ in rows)
        print(f"{name}", file=sys.stderr)
        for k, v in rows:
            print(f"  {k:<{width}}  {v}", file=sys.stderr)
    print(json.dumps({"bench": name, **data, "machine": machine()}, sort_keys=True, indent=2))
