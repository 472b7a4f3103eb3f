"""Labelling helper for the real-corpus labels (a developer tool, not part of the package).

Labellers write a scratch file OUTSIDE the repository with the exact quotes they read; `convert`
locates every quote in the shared corpus file and writes the project's label file, which keeps
only character offsets and a short hash of each span (the policy text stays in ../shared):

    python labels/tool.py convert /somewhere/scratch-a.toml labels/real/a.toml
    python labels/tool.py check labels/real/*.toml     # every span still hashes the same

Scratch format (one [[document]] per labelled document; a document with no label table still
counts: all its criteria are no-disclosure):

    [[document]]
    file = "real/acme__privacy-policy__2026-01-01.md"   # relative to ../shared/corpus
    company = "acme"
    labeller = "a"
    [document.labels.requires-legal-process]
    level = "partial"
    reason = "own words, no copied text"
    quotes = ["the deciding sentence, copied exactly", "further support"]
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
import tomllib

CORPUS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "corpus")
LEVELS = {"met", "partial", "not-met", "not-applicable"}
TEXT_CRITERIA = {
    "requires-legal-process", "warrant-for-content", "user-notice", "narrow-emergency-disclosure",
    "pushes-back", "transparency-report", "publishes-le-guidelines", "gag-order-limits", "no-direct-access",
    "e2ee-by-default", "provider-cannot-decrypt", "encrypted-in-transit-and-at-rest", "opposes-backdoors",
    "data-minimization", "no-data-sales", "no-police-contracts", "no-surveillance-products", "no-police-portal",
    "no-surveillance-by-third-parties",
}
_FOLD = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "\u00a0": " "})
_SKIP = set("*_\\`#>")


def span_hash(text: str, start: int, end: int) -> str:
    return hashlib.sha256(text[start:end].encode("utf-8")).hexdigest()[:12]


def _normalise(s: str) -> tuple[str, list[int]]:
    """Lower-cased, whitespace-collapsed text without Markdown marks, with each kept char's offset."""
    out, where = [], []
    prev_space = True
    for i, ch in enumerate(s):
        if ch in _SKIP:
            continue
        ch = ch.translate(_FOLD).lower()
        if ch.isspace():
            if prev_space:
                continue
            ch, prev_space = " ", True
        else:
            prev_space = False
        out.append(ch)
        where.append(i)
    return "".join(out), where


def locate(text: str, quote: str) -> tuple[int, int] | None:
    i = text.find(quote)
    if i >= 0:
        return i, i + len(quote)
    norm, where = _normalise(text)
    q, _ = _normalise(quote)
    q = q.strip()
    # Markdown links: the quote may leave out the "(url)" part
    for cand in (q, re.sub(r"\]\([^)]*\)", "]", q)):
        j = norm.find(cand)
        if j >= 0 and cand:
            return where[j], where[j + len(cand) - 1] + 1
    return None


def convert(scratch: str, out: str) -> int:
    data = tomllib.loads(open(scratch, encoding="utf-8").read())
    lines = [f"# Labels written by labels/tool.py from a labeller's scratch file; spans are character offsets into",
             f"# ../shared/corpus/<file> with the first 12 hex digits of the span's sha256.", ""]
    problems = 0
    for d in data.get("document", []):
        path = os.path.join(CORPUS, d["file"])
        text = open(path, encoding="utf-8").read()
        lines += ["[[document]]", f'file = "{d["file"]}"', f'company = "{d["company"]}"',
                  f'labeller = "{d.get("labeller", "")}"', ""]
        for cid, lab in sorted((d.get("labels") or {}).items()):
            if cid not in TEXT_CRITERIA:
                print(f"{d['file']}: unknown criterion {cid!r}", file=sys.stderr); problems += 1; continue
            if lab.get("level") not in LEVELS:
                print(f"{d['file']}: {cid}: level {lab.get('level')!r} (use met/partial/not-met; leave no-disclosure out)",
                      file=sys.stderr); problems += 1; continue
            spans = []
            for q in lab.get("quotes", []):
                hit = locate(text, q)
                if hit is None:
                    print(f"{d['file']}: {cid}: quote not found: {q[:80]!r}", file=sys.stderr); problems += 1; continue
                spans.append(hit)
            if not spans and lab["level"] != "not-applicable":
                print(f"{d['file']}: {cid}: no located quote", file=sys.stderr); problems += 1; continue
            reason = str(lab.get("reason", "")).replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")
            ev = ", ".join(f'{{start = {s}, end = {e}, sha = "{span_hash(text, s, e)}"}}' for s, e in spans)
            lines += [f"[document.labels.{cid}]", f'level = "{lab["level"]}"', f'reason = "{reason}"',
                      f"evidence = [{ev}]", ""]
    tmp = out + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write("\n".join(lines).rstrip("\n") + "\n")
    os.replace(tmp, out)
    print(f"{out}: {len(data.get('document', []))} documents, {problems} problems", file=sys.stderr)
    return 1 if problems else 0


def check(paths: list[str]) -> int:
    bad = 0
    for p in paths:
        data = tomllib.loads(open(p, encoding="utf-8").read())
        for d in data.get("document", []):
            text = open(os.path.join(CORPUS, d["file"]), encoding="utf-8").read()
            for cid, lab in (d.get("labels") or {}).items():
                for ev in lab.get("evidence", []):
                    if span_hash(text, ev["start"], ev["end"]) != ev["sha"]:
                        print(f"{p}: {d['file']}: {cid}: span {ev['start']}-{ev['end']} changed", file=sys.stderr)
                        bad += 1
    print(f"{bad} changed spans", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "convert":
        sys.exit(convert(sys.argv[2], sys.argv[3]))
    if len(sys.argv) >= 3 and sys.argv[1] == "check":
        sys.exit(check(sys.argv[2:]))
    print(__doc__, file=sys.stderr)
    sys.exit(2)
