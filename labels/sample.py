"""Draw the labelled sample of the shared real corpus, its labelling batches and the sealed test
split, once, with fixed seeds: `python labels/sample.py > labels/sample.toml`.

The draw is by company (owner groups in groups.py); the sealed split is 30% of the labelled
companies (dev-set companies never in it). Re-running gives the same bytes; the committed
sample.toml is the record and is not to be redrawn after labelling starts.
"""

from __future__ import annotations

import os
import random
import sys
from collections import defaultdict

sys.path.insert(0, os.path.dirname(__file__))
from groups import DEV_SET_COMPANIES, owner, service_of  # noqa: E402
from sample2 import deal  # noqa: E402

SHARED = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "corpus")
COMPANIES = 112
SPLIT_SHARE = 0.30
REAL_BATCHES = "abcdef"


def main() -> None:
    real = sorted(f for f in os.listdir(os.path.join(SHARED, "real")) if f.endswith(".md") and "__" in f)
    police = sorted(f for f in os.listdir(os.path.join(SHARED, "police")) if f.endswith(".md") and "__" in f)
    by_group: dict[str, list[str]] = defaultdict(list)
    for f in real:
        by_group[owner(service_of(f))].append(f)
    rng = random.Random(20261202)
    special = sorted(g for g, fs in by_group.items()
                     if any("__law-enforcement-guidelines__" in f or "__data-processing-agreement__" in f for f in fs))
    rest = sorted(set(by_group) - set(special))
    chosen = special + sorted(rng.sample(rest, COMPANIES - len(special)))
    docs: list[tuple[str, str]] = []
    for g in chosen:
        fs = by_group[g]
        pick = [f for f in fs if "__law-enforcement-guidelines__" in f]
        pick += sorted(rng.sample([f for f in fs if "__data-processing-agreement__" in f],
                                  min(2, sum("__data-processing-agreement__" in f for f in fs))))
        for kind in ("privacy-policy", "terms-of-service"):
            cands = [f for f in fs if f"__{kind}__" in f]
            if cands:
                pick.append(rng.choice(cands))
        docs += [(g, f) for f in sorted(set(pick))]
    groups_labelled = sorted({g for g, _ in docs} | {owner(service_of(f)) for f in police})
    eligible = [g for g in groups_labelled if g not in DEV_SET_COMPANIES]
    sealed = sorted(random.Random(13).sample(eligible, round(SPLIT_SHARE * len(groups_labelled))))
    # batches: whole companies, balanced by size, largest first
    size: dict[str, int] = defaultdict(int)
    for g, f in docs:
        size[g] += os.path.getsize(os.path.join(SHARED, "real", f))
    batch_of = deal(size, REAL_BATCHES)
    out = ["# Written by labels/sample.py (fixed seeds). The record of what is labelled and of the sealed split.",
           f"# {len(docs)} real documents from {len({g for g, _ in docs})} companies; {len(police)} police excerpts.",
           "", "# companies whose documents form the sealed test split (30% of labelled companies, seed 13)",
           "sealed = [" + ", ".join(f'"{g}"' for g in sealed) + "]", ""]
    for g, f in docs:
        out += ["[[document]]", f'file = "real/{f}"', f'company = "{g}"', f'batch = "{batch_of[g]}"', ""]
    for f in police:
        out += ["[[document]]", f'file = "police/{f}"', f'company = "{owner(service_of(f))}"', 'batch = "p"', ""]
    print("\n".join(out).rstrip("\n"))


if __name__ == "__main__":
    main()
