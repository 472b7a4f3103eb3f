"""Bench 3: fetch N documents on H hosts from local servers with a fixed latency per response.

Every host is its own loopback address (127.0.0.2, 127.0.0.3, ...), one HTTP server each,
all bound to loopback only. The servers count requests in flight per host and report any
moment with two at once. The workspace fetch path (`fetch_declarations` + `PoliteFetcher`,
robots.txt included) runs with --allow-private-network semantics against them.
Ideal = per host (documents + 1 robots.txt) x latency + documents x delay, with every host in
parallel (--workers >= --hosts). Target (issue 9): within 1.5x of the ideal, no concurrency.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from _common import html_page, report


class HostMonitor:
    """Requests in flight per host; the highest number ever seen and the total served."""

    def __init__(self):
        self.lock = threading.Lock()
        self.active: dict[str, int] = {}
        self.max_active = 0
        self.served = 0
        self.overlaps = 0

    def enter(self, host: str) -> None:
        with self.lock:
            n = self.active.get(host, 0) + 1
            self.active[host] = n
            self.max_active = max(self.max_active, n)
            self.overlaps += n > 1

    def leave(self, host: str) -> None:
        with self.lock:
            self.active[host] -= 1
            self.served += 1


def make_handler(monitor: HostMonitor, latency: float, pages: list[bytes]):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # else headers + body writes meet delayed ACKs: +40 ms a response

        def do_GET(self):  # noqa: N802 - http.server's name
            host = self.server.server_address[0]
            monitor.enter(host)
            try:
                time.sleep(latency)
                if self.path == "/robots.txt":
                    body, ctype = b"User-agent: *\nAllow: /\n", "text/plain"
                else:
                    n = int(self.path.rsplit("/", 1)[-1] or 0)
                    body, ctype = pages[n % len(pages)], "text/html; charset=utf-8"
                self.send_response(200)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            finally:
                monitor.leave(host)

        def log_message(self, *args):
            pass

    return Handler


def start_servers(hosts: int, handler) -> list[ThreadingHTTPServer]:
    servers = []
    for i in range(hosts):
        srv = ThreadingHTTPServer((f"127.0.{(i + 2) // 256}.{(i + 2) % 256}", 0), handler)
        srv.daemon_threads = True
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        servers.append(srv)
    return servers


def serve(hosts: int, latency: float, size: int, seed: int) -> int:
    """Child process: start the servers, print their addresses, on "stop" print the monitor's figures."""
    rng = random.Random(seed)
    pages = [html_page(rng, size).encode("utf-8") for _ in range(20)]
    monitor = HostMonitor()
    servers = start_servers(hosts, make_handler(monitor, latency, pages))
    print(json.dumps([list(srv.server_address[:2]) for srv in servers]), flush=True)
    sys.stdin.readline()
    stoppers = [threading.Thread(target=srv.shutdown) for srv in servers]  # each waits one poll
    for t in stoppers:
        t.start()
    for t, srv in zip(stoppers, servers):
        t.join()
        srv.server_close()
    print(json.dumps({"max_active": monitor.max_active, "overlaps": monitor.overlaps, "served": monitor.served}))
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--documents", type=int, default=1000, help="documents in all")
    ap.add_argument("--hosts", type=int, default=200)
    ap.add_argument("--latency", type=float, default=0.05, help="seconds each response is held")
    ap.add_argument("--delay", type=float, default=1.0,
                    help="seconds between two requests to one host (default 1.0, the audit.toml default)")
    ap.add_argument("--workers", type=int, default=0, help="hosts fetched in parallel (default: --hosts)")
    ap.add_argument("--size", type=int, default=20_000, help="approximate bytes per document")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--serve", nargs=4, metavar=("HOSTS", "LATENCY", "SIZE", "SEED"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.serve:
        return serve(int(args.serve[0]), float(args.serve[1]), int(args.serve[2]), int(args.serve[3]))
    if not 1 <= args.hosts <= 60000 or args.documents < 1:
        ap.error("--hosts must be 1..60000 and --documents at least 1")

    from audit.archive.store import Archive
    from audit.declarations.load import load_declarations
    from audit.fetch.polite import FetchPolicy, PoliteFetcher
    from audit.pipeline.fetch_workspace import fetch_declarations
    from audit.workspace import Workspace

    # the servers run in their own process, so their work does not share the fetcher's GIL
    server = subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), "--serve", str(args.hosts), str(args.latency),
         str(args.size), str(args.seed)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    workers = args.workers or args.hosts
    tmp = Path(tempfile.mkdtemp(prefix="audit-bench-fetch-"))
    stats: dict = {}
    try:
        addresses = json.loads(server.stdout.readline() or "null")
        if not addresses:
            raise SystemExit("the bench servers did not start")
        (tmp / "companies").mkdir()
        per_host: dict[int, int] = {}
        for n in range(args.documents):  # one company per host, documents spread round-robin
            h = n % args.hosts
            per_host[h] = per_host.get(h, 0) + 1
        for h, count in per_host.items():
            addr, port = addresses[h]
            docs = "".join(f'\n[[documents]]\ntype = "other"\nurl = "http://{addr}:{port}/doc/{k}"\n'
                           for k in range(count))
            (tmp / "companies" / f"h{h:05d}.toml").write_text(f'name = "Host {h}"\n{docs}', encoding="utf-8")
        ws = Workspace.open(tmp)
        decls, problems = load_declarations(ws)
        if problems:
            raise SystemExit(f"bench declarations have problems: {problems[0]}")
        policy = FetchPolicy(delay=args.delay, workers=workers, allow_private=True, retries=0)
        t = time.perf_counter()
        outcomes = fetch_declarations(PoliteFetcher(policy), Archive(ws.archive_dir), decls)
        seconds = time.perf_counter() - t
    finally:
        try:
            out, _ = server.communicate("stop\n", timeout=60)
            stats = json.loads(out.strip().splitlines()[-1]) if out.strip() else {}
        except (subprocess.TimeoutExpired, ValueError):
            server.kill()
        shutil.rmtree(tmp, ignore_errors=True)
    monitor = HostMonitor()
    monitor.max_active, monitor.overlaps, monitor.served = stats["max_active"], stats["overlaps"], stats["served"]
    failed = [o for o in outcomes if o.outcome == "failed"]
    most = max(per_host.values())
    per_host_ideal = (most + 1) * args.latency + most * args.delay  # robots.txt, then the documents, delay between
    ideal = math.ceil(len(per_host) / workers) * per_host_ideal
    ratio = seconds / ideal
    data = {
        "documents": args.documents, "hosts": args.hosts, "workers": workers, "latency": args.latency,
        "delay": args.delay, "seconds": round(seconds, 3), "ideal_seconds": round(ideal, 3),
        "ratio": round(ratio, 3), "target_ratio": 1.5, "ok": ratio <= 1.5 and monitor.max_active <= 1,
        "requests_served": monitor.served, "max_concurrent_per_host": monitor.max_active,
        "concurrent_violations": monitor.overlaps, "failed_documents": len(failed), "seed": args.seed,
    }
    report("fetch", [
        ("documents / hosts", f"{args.documents} on {args.hosts} hosts, {workers} workers"),
        ("latency / delay", f"{args.latency * 1000:.0f} ms per response, {args.delay * 1000:.0f} ms between requests to a host"),
        ("fetch time", f"{seconds:.2f} s  ({monitor.served} requests, {len(failed)} failed)"),
        ("ideal", f"{ideal:.2f} s  (ratio {ratio:.2f}, target <= 1.5)"),
        ("max in flight per host", f"{monitor.max_active} ({monitor.overlaps} violations)"),
        ("result", "ok" if data["ok"] else "MISSED"),
    ], data)
    return 0 if not failed else 1


if __name__ == "__main__":
    raise SystemExit(main())
