"""Bench 1: extract + score throughput of HTML pages vs a bare BeautifulSoup(lxml) get_text().

Both are measured in the same run on the same pages, one core, best of --repeat rounds.
Pages are generated from --seed, plus the HTML pages of ../shared/corpus/html when that
folder exists (--no-corpus to skip). The generated pages have the markup of real policy pages
(scripts, styles, nav, cookie banner, framework class names, long legal text: about 30% of
the bytes are text, as in the densest corpus pages); --dense generates prose-only pages
instead (about 90% text), a stress test for the scoring side, reported separately.
The pipeline is extraction plus the reader stage as the product runs it (the learned reader with the
hand rules as its features; AUDIT_READER=rules for the rules alone).
Targets (issue 13): <= 1.5 on the real pages of ../shared/corpus/html (`--corpus-only`) and <= 3 on
prose-only pages (`--dense --pages 150 --size 40000`). Measured 2026-12-03: 2.7 and 6.5 (5.9 and 8.5
before that day's extraction work, same session); later that day, with the reader reading on
vocabulary ids in one pass, 2.26 (`--corpus-only`, was 2.64) and 4.30 (`--dense --pages 150 --size
40000 --no-corpus`, was 7.02), one run each on a loaded machine: both targets still missed
(README, Performance). That evening, with the literal searches per document and the CSS descendant
narrowing, old -> new back to back: 2.34 -> 2.16 (`--corpus-only`) and 5.71 -> 5.12 (dense): both
targets still missed. Later, with the reader's features built per document (one tokenizing regex,
one id lookup pass, numpy for the per-sentence sets), stage 2's inputs put in place by index
arrays and a linear look-alike word scan, old -> new back to back: 2.24-2.28 -> 2.15-2.17
(`--corpus-only`, three pairs) and 5.87 -> 5.35, 5.49 -> 5.16 (dense, two pairs): both targets
still missed (README, Performance). Then, with token codes, negation scopes found by arrays and
language detection stopping once the answer is settled: 2.19 -> 2.10, 2.15 -> 2.05
(`--corpus-only`) and 5.37 -> 4.61, 5.35 -> 4.35 (`--dense --pages 40 --size 40000 --no-corpus`):
both targets still missed. With lxml's own tree instead of BeautifulSoup's, CSS by cssselect,
and the rules' prefilter for a whole document at once, the session's first commit -> its last,
back to back: 2.08, 2.10, 2.07 -> 1.25, 1.27, 1.25 (`--corpus-only`: target met) and 4.96, 5.05 ->
3.10, 3.27 (`--dense --pages 150 --size 40000 --no-corpus`: still missed). The next session, with
the reader's cues found from the words, word pairs from a square table and both word passes cut by
bytes (reader/tokens.py), back to back: 3.45, 3.82 -> 2.60, 2.55 (dense: met) and 1.30, 1.27, 1.28
-> 1.26, 1.22, 1.21 (`--corpus-only`: met).
"""

from __future__ import annotations

import argparse
import random
import time

from _common import CORPUS, html_page, load_bench_rubric, policy_page, report, rubric_info


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=None, help="generated pages (default 100; 200 with --dense)")
    ap.add_argument("--size", type=int, default=None,
                    help="approximate bytes per generated page (default 120000; 60000 with --dense)")
    ap.add_argument("--dense", action="store_true", help="prose-only pages (the stress variant) instead")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3, help="rounds; the best one counts")
    ap.add_argument("--rubric", default=None, help="rubric id or file (default: the built-in one)")
    ap.add_argument("--no-corpus", action="store_true", help="do not add ../shared/corpus/html pages")
    ap.add_argument("--corpus-only", action="store_true", help="only the ../shared/corpus/html pages (no generated ones)")
    ap.add_argument("--profile", metavar="FILE", help="write a cProfile of one pipeline round to FILE")
    args = ap.parse_args(argv)

    from bs4 import BeautifulSoup

    from audit.extract import extract
    from audit.reader.learned import read_document, reader_version

    rubric, note = load_bench_rubric(args.rubric)
    if args.pages is None:
        args.pages = 200 if args.dense else 100
    if args.size is None:
        args.size = 60_000 if args.dense else 120_000
    generate = html_page if args.dense else policy_page
    rng = random.Random(args.seed)
    pages = [] if args.corpus_only else [generate(rng, args.size).encode("utf-8") for _ in range(args.pages)]
    corpus_pages = 0
    if not args.no_corpus and (CORPUS / "html").is_dir():
        for p in sorted((CORPUS / "html").glob("*.html")):
            pages.append(p.read_bytes())
            corpus_pages += 1
    total = sum(map(len, pages))

    def baseline() -> None:
        for p in pages:
            BeautifulSoup(p, "lxml").get_text()

    findings = 0

    def pipeline() -> None:
        nonlocal findings
        findings = 0
        for p in pages:
            found = read_document(rubric, extract(p, content_type="text/html"), "other").findings()
            findings += sum(map(len, found.values()))

    def best(fn) -> float:
        times = []
        for _ in range(max(1, args.repeat)):
            t = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t)
        return min(times)

    t_base = best(baseline)
    t_pipe = best(pipeline)
    if args.profile:
        import cProfile
        cProfile.runctx("pipeline()", globals(), {"pipeline": pipeline}, args.profile)
    mb = total / 1e6
    ratio = t_pipe / t_base if t_base else float("inf")
    target = 3.0 if args.dense else 1.5
    data = {
        "pages": len(pages), "corpus_pages": corpus_pages, "bytes": total, "seed": args.seed,
        "generator": "dense" if args.dense else "policy",
        "baseline_seconds": round(t_base, 4), "pipeline_seconds": round(t_pipe, 4),
        "baseline_mb_per_s": round(mb / t_base, 3) if t_base else None,
        "pipeline_mb_per_s": round(mb / t_pipe, 3) if t_pipe else None,
        "ratio": round(ratio, 3), "target_ratio": target, "ok": ratio <= target, "findings": findings,
        "reader": reader_version(rubric),
        "rubric_sha256": rubric.sha256, **rubric_info(rubric, note),
    }
    report("extract_score", [
        ("pages", (f"{len(pages)} ({corpus_pages} from the corpus, {len(pages) - corpus_pages} "
                   f"{'dense' if args.dense else 'policy'}), {mb:.1f} MB")),
        ("baseline (bs4 get_text)", f"{t_base:.3f} s  {data['baseline_mb_per_s']} MB/s"),
        ("extract + score", f"{t_pipe:.3f} s  {data['pipeline_mb_per_s']} MB/s"),
        ("reader", data["reader"]),
        ("ratio", f"{ratio:.2f} (target <= {target}: {'ok' if data['ok'] else 'MISSED'})"),
        ("findings", findings),
    ], data)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
