"""Benches 2 and 4: re-score an unchanged workspace vs its cold score, and peak memory.

Builds a workspace of --companies companies x --documents archived HTML documents (seeded,
every document distinct), then scores it twice in fresh subprocesses with
`score_workspace_detailed`: cold (empty findings cache) and warm (nothing changed). Reports
both times, warm/cold (target <= 5%) and each run's peak RSS from getrusage (target < 500 MB).
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import html_page, load_bench_rubric, report, rubric_info

FETCHED_AT = "2026-11-01T00:00:00Z"
TYPES = ("law-enforcement-guidelines", "privacy-policy", "transparency-report", "encryption")


def build_workspace(root: Path, companies: int, documents: int, size: int, seed: int) -> int:
    """Declarations + archived snapshots + fetch logs, as `audit fetch` would leave them. Returns bytes."""
    from audit.archive.store import Archive, LogEntry
    from audit.declarations.load import load_declarations
    from audit.workspace import Workspace

    (root / "companies").mkdir(parents=True)
    for i in range(companies):
        docs = "".join(
            f'\n[[documents]]\ntype = "{TYPES[j % len(TYPES)]}"\nurl = "https://c{i:04d}.example/doc/{j}"\n'
            for j in range(documents))
        (root / "companies" / f"c{i:04d}.toml").write_text(f'name = "Company {i}"\n{docs}', encoding="utf-8")
    ws = Workspace.open(root)
    decls, problems = load_declarations(ws)
    if problems:
        raise SystemExit(f"bench workspace has declaration problems: {problems[0]}")
    archive = Archive(ws.archive_dir)
    rng = random.Random(seed)
    pool = [html_page(rng, size) for _ in range(min(50, companies * documents))]
    total = 0
    for n, (decl, doc) in enumerate((d, doc) for d in decls for doc in d.documents):
        # a pool page plus a unique paragraph: every snapshot is distinct, so the cold run misses
        page = pool[n % len(pool)].replace("</article>", f"<p>Revision {n} of {doc.url}.</p></article>")
        data = page.encode("utf-8")
        sha = archive.put(data)
        archive.record(decl.slug, doc.key, LogEntry(FETCHED_AT, doc.url, doc.url, 200, sha, len(data),
                                                     {"content-type": "text/html; charset=utf-8"}))
        total += len(data)
    return total


def score_once(root: Path, rubric_arg: str | None) -> dict:
    """Score the workspace in this process; the figures of one run."""
    from audit.pipeline.score_workspace import score_workspace_detailed
    from audit.workspace import Workspace

    rubric, _ = load_bench_rubric(rubric_arg)
    ws = Workspace.open(root)
    t = time.perf_counter()
    result = score_workspace_detailed(ws, rubric)
    seconds = time.perf_counter() - t
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux
    return {"seconds": seconds, "peak_rss_mb": round(peak_kb / 1024, 1), "cards": len(result.cards),
            "cache_hits": result.cache_hits, "cache_misses": result.cache_misses,
            "problems": len(result.problems)}


def run_child(root: Path, rubric_arg: str | None) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--score-only", str(root)]
    if rubric_arg:
        cmd += ["--rubric", rubric_arg]
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"scoring subprocess failed: {out.stderr.strip().splitlines()[-1:]}")
    return json.loads(out.stdout)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--companies", type=int, default=1000)
    ap.add_argument("--documents", type=int, default=4, help="documents per company")
    ap.add_argument("--size", type=int, default=20_000, help="approximate bytes per document")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--rubric", default=None, help="rubric id or file (default: the built-in one)")
    ap.add_argument("--keep", metavar="DIR", help="build the workspace in DIR and keep it")
    ap.add_argument("--score-only", metavar="WORKSPACE", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.score_only:
        print(json.dumps(score_once(Path(args.score_only), args.rubric)))
        return 0

    tmp = None
    if args.keep:
        root = Path(args.keep)
        if root.exists() and any(root.iterdir()):
            raise SystemExit(f"{root}: not empty")
    else:
        tmp = tempfile.mkdtemp(prefix="audit-bench-")
        root = Path(tmp) / "ws"
    try:
        t = time.perf_counter()
        total = build_workspace(root, args.companies, args.documents, args.size, args.seed)
        build_s = time.perf_counter() - t
        print(f"built {args.companies} x {args.documents} documents ({total / 1e6:.1f} MB) in {build_s:.1f} s",
              file=sys.stderr)
        cold = run_child(root, args.rubric)
        warm = run_child(root, args.rubric)
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
    rubric, note = load_bench_rubric(args.rubric)
    ratio = warm["seconds"] / cold["seconds"] if cold["seconds"] else float("inf")
    peak = max(cold["peak_rss_mb"], warm["peak_rss_mb"])
    data = {
        "companies": args.companies, "documents_per_company": args.documents, "bytes": total, "seed": args.seed,
        "cold": {k: round(v, 3) if isinstance(v, float) else v for k, v in cold.items()},
        "warm": {k: round(v, 3) if isinstance(v, float) else v for k, v in warm.items()},
        "warm_over_cold": round(ratio, 4), "target_warm_over_cold": 0.05, "rescore_ok": ratio <= 0.05,
        "peak_rss_mb": peak, "target_peak_rss_mb": 500, "memory_ok": peak < 500, **rubric_info(rubric, note),
    }
    report("workspace_score", [
        ("workspace", f"{args.companies} companies x {args.documents} documents, {total / 1e6:.1f} MB"),
        ("cold score", f"{cold['seconds']:.2f} s  ({cold['cache_misses']} extracted, peak RSS {cold['peak_rss_mb']} MB)"),
        ("warm re-score", f"{warm['seconds']:.2f} s  ({warm['cache_hits']} cache hits, peak RSS {warm['peak_rss_mb']} MB)"),
        ("warm / cold", f"{ratio:.1%} (target <= 5%: {'ok' if data['rescore_ok'] else 'MISSED'})"),
        ("peak memory", f"{peak} MB (target < 500 MB: {'ok' if data['memory_ok'] else 'MISSED'})"),
    ], data)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
