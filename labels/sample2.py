"""Draw the second labelling round, once, with fixed seeds: `python labels/sample2.py > labels/sample2.toml`.

Round 1 (sample.py) labelled 112 companies; its sealed split was measured once. Round 2 adds
companies nobody has labelled (one document each, the privacy policy where there is one) and
seals 30% of *them* with a fresh seed, before anyone labels or develops on them: the reader
developed since round 1 gets a test split it has never been near. Re-running gives the same
bytes; the committed sample2.toml is the record and is not redrawn after labelling starts.
"""

from __future__ import annotations

import os
import random
import sys
import tomllib
from collections import defaultdict

sys.path.insert(0, os.path.dirname(__file__))
from groups import DEV_SET_COMPANIES, owner, service_of  # noqa: E402

HERE = os.path.dirname(__file__)
SHARED = os.path.join(HERE, "..", "..", "shared", "corpus")
COMPANIES = 72
SPLIT_SHARE = 0.30
BATCHES = "ghijkl"
MAX_BYTES = 300_000  # a larger file (one here, 720 kB of repeated sections) is more than one labeller can read carefully


def main() -> None:
    with open(os.path.join(HERE, "sample.toml"), "rb") as f:
        round1 = {d["company"] for d in tomllib.load(f)["document"]}
    real = sorted(f for f in os.listdir(os.path.join(SHARED, "real")) if f.endswith(".md") and "__" in f)
    by_group: dict[str, list[str]] = defaultdict(list)
    for f in real:
        if os.path.getsize(os.path.join(SHARED, "real", f)) > MAX_BYTES:
            continue
        by_group[owner(service_of(f))].append(f)
    fresh = sorted(g for g in by_group if g not in round1 and g not in DEV_SET_COMPANIES)
    rng = random.Random(20261203)
    chosen = sorted(rng.sample(fresh, min(COMPANIES, len(fresh))))
    docs: list[tuple[str, str]] = []
    for g in chosen:
        fs = by_group[g]
        pp = [f for f in fs if "__privacy-policy__" in f]
        docs.append((g, rng.choice(pp or fs)))
    sealed = sorted(random.Random(14).sample(chosen, round(SPLIT_SHARE * len(chosen))))
    size = {g: os.path.getsize(os.path.join(SHARED, "real", f)) for g, f in docs}
    load = {b: 0 for b in BATCHES}
    batch_of = {}
    for g in sorted(size, key=lambda g: (-size[g], g)):
        b = min(load, key=lambda b: (load[b], b))
        batch_of[g] = b
        load[b] += size[g]
    out = ["# Written by labels/sample2.py (fixed seeds). The record of round 2 and of its sealed split.",
           f"# {len(docs)} real documents from {len(chosen)} companies never labelled in round 1.",
           "", "# companies whose documents form round 2's sealed test split (30% of round 2's companies, seed 14)",
           "sealed = [" + ", ".join(f'"{g}"' for g in sealed) + "]", ""]
    for g, f in docs:
        out += ["[[document]]", f'file = "real/{f}"', f'company = "{g}"', f'batch = "{batch_of[g]}"', ""]
    print("\n".join(out).rstrip("\n"))


if __name__ == "__main__":
    main()
