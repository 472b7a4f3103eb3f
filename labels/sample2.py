"""Draw a later labelling round, once, with fixed seeds: `python labels/sample2.py > labels/sample2.toml`,
`python labels/sample2.py 3 > labels/sample3.toml`.

Round 1 (sample.py) labelled 112 companies; its sealed split was measured once. Round 2 adds
companies nobody has labelled (one document each, the privacy policy where there is one) and
seals 30% of *them* with a fresh seed, before anyone labels or develops on them: the reader
developed since round 1 gets a test split it has never been near. Re-running gives the same
bytes; the committed sample2.toml is the record and is not redrawn after labelling starts.
Round 3 takes every company left (none labelled in rounds 1 and 2), the same way, with seals of its own.
Round 4 (`python labels/sample2.py 4`) takes every document left: all of them belong to companies drawn
before, so none is sealed anew; each stays on its company's side of every split.
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
ROUNDS = {2: ("ghijkl", 20261203, 14), 3: ("mnoqtu", 20261204, 15), 4: ("rvwxyz", 0, 0)}  # batches, draw seed, sealed-split seed
MAX_BYTES = 300_000  # a larger file (one here, 720 kB of repeated sections) is more than one labeller can read carefully


def main(round_: int = 2) -> None:
    batches, draw_seed, seal_seed = ROUNDS[round_]
    earlier: set[str] = set()
    drawn: set[str] = set()
    for r in range(1, round_):
        with open(os.path.join(HERE, "sample.toml" if r == 1 else f"sample{r}.toml"), "rb") as f:
            earlier_docs = tomllib.load(f)["document"]
        earlier |= {d["company"] for d in earlier_docs}
        drawn |= {d["file"] for d in earlier_docs}
    if round_ == 4:
        return rest(batches, drawn)
    real = sorted(f for f in os.listdir(os.path.join(SHARED, "real")) if f.endswith(".md") and "__" in f)
    by_group: dict[str, list[str]] = defaultdict(list)
    for f in real:
        if os.path.getsize(os.path.join(SHARED, "real", f)) > MAX_BYTES:
            continue
        by_group[owner(service_of(f))].append(f)
    fresh = sorted(g for g in by_group if g not in earlier and g not in DEV_SET_COMPANIES)
    rng = random.Random(draw_seed)
    chosen = sorted(rng.sample(fresh, min(COMPANIES, len(fresh))))
    docs: list[tuple[str, str]] = []
    for g in chosen:
        fs = by_group[g]
        pp = [f for f in fs if "__privacy-policy__" in f]
        docs.append((g, rng.choice(pp or fs)))
    sealed = sorted(random.Random(seal_seed).sample(chosen, round(SPLIT_SHARE * len(chosen))))
    batch_of = deal({g: os.path.getsize(os.path.join(SHARED, "real", f)) for g, f in docs}, batches)
    before = "round 1" if round_ == 2 else " or ".join(f"round {r}" for r in range(1, round_))
    out = [f"# Written by labels/sample2.py (fixed seeds). The record of round {round_} and of its sealed split.",
           f"# {len(docs)} real documents from {len(chosen)} companies never labelled in {before}.",
           "", f"# companies whose documents form round {round_}'s sealed test split (30% of round {round_}'s companies, seed {seal_seed})",
           "sealed = [" + ", ".join(f'"{g}"' for g in sealed) + "]", ""]
    for g, f in docs:
        out += ["[[document]]", f'file = "real/{f}"', f'company = "{g}"', f'batch = "{batch_of[g]}"', ""]
    print("\n".join(out).rstrip("\n"))


def deal(size: dict[str, int], batches: str) -> dict[str, str]:
    """Batches balanced by bytes: largest first, each to the lightest batch (ties by name)."""
    load = {b: 0 for b in batches}
    batch_of = {}
    for key in sorted(size, key=lambda k: (-size[k], k)):
        b = min(load, key=lambda b: (load[b], b))
        batch_of[key] = b
        load[b] += size[key]
    return batch_of


def rest(batches: str, drawn: set[str]) -> None:
    """Every document not drawn yet (of companies drawn before), batched by size."""
    docs = []
    for f in sorted(os.listdir(os.path.join(SHARED, "real"))):
        if f.endswith(".md") and "__" in f and f"real/{f}" not in drawn \
                and os.path.getsize(os.path.join(SHARED, "real", f)) <= MAX_BYTES:
            docs.append((owner(service_of(f)), f))
    batch_of = deal({f: os.path.getsize(os.path.join(SHARED, "real", f)) for _, f in docs}, batches)
    out = ["# Written by labels/sample2.py (fixed order). The record of round 4: every document left.",
           f"# {len(docs)} real documents of {len({g for g, _ in docs})} companies drawn in rounds 1-3; no new seal:",
           "# a sealed company's documents are sealed, the others develop.", "", "sealed = []", ""]
    for g, f in docs:
        out += ["[[document]]", f'file = "real/{f}"', f'company = "{g}"', f'batch = "{batch_of[f]}"', ""]
    print("\n".join(out).rstrip("\n"))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2)
