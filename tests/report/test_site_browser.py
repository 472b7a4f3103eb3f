"""The published site in a real browser: headless Chromium over the DevTools protocol.

Every page is loaded over a local http.server on 127.0.0.1 and from file://; the test fails on
any console error, script exception, CSP violation or failed request, checks the league table
(including script sorting) and a company page, and saves screenshots under tmp_path.
"""

from __future__ import annotations

import base64
import functools
import http.server
import json
import shutil
import socketserver
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

import pytest

websocket = pytest.importorskip("websocket", reason="websocket-client is not installed (pip install -e '.[test]')")

from audit.report.site import write_report  # noqa: E402
from audit.rubric.loader import load_rubric  # noqa: E402

RUBRIC = Path(__file__).parents[1] / "data" / "mini_rubric.toml"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--remote-debugging-port=0", "--remote-allow-origins=*", "--window-size=1024,900"]


def chromium_binary() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


class Page:
    """A minimal DevTools client: commands by id, events collected as they arrive."""

    def __init__(self, ws_url: str):
        self.ws = websocket.create_connection(ws_url, timeout=30, suppress_origin=True)
        self.next_id = 0
        self.events: list[dict] = []

    def send(self, method: str, **params) -> dict:
        self.next_id += 1
        my_id = self.next_id
        self.ws.send(json.dumps({"id": my_id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == my_id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            if "method" in msg:
                self.events.append(msg)

    def wait_for(self, method: str, deadline_s: float = 30.0) -> None:
        end = time.monotonic() + deadline_s
        while time.monotonic() < end:
            if any(e["method"] == method for e in self.events):
                return
            try:
                msg = json.loads(self.ws.recv())
            except websocket.WebSocketTimeoutException:
                continue
            if "method" in msg:
                self.events.append(msg)
        raise AssertionError(f"browser never sent {method}")

    def load(self, url: str) -> list[str]:
        """Navigate and return every problem seen while loading (errors, failed requests)."""
        self.events.clear()
        self.send("Page.navigate", url=url)
        self.wait_for("Page.loadEventFired")
        self.send("Runtime.evaluate", expression="1")  # flush events queued before load
        problems = []
        for e in self.events:
            m, p = e["method"], e.get("params", {})
            if m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                problems.append(f"console: {p.get('args')}")
            elif m == "Runtime.exceptionThrown":
                problems.append(f"exception: {p.get('exceptionDetails', {}).get('text')}")
            elif m == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
                problems.append(f"log: {p['entry'].get('text')} {p['entry'].get('url', '')}")
            elif m == "Network.loadingFailed":
                problems.append(f"failed request: {p.get('errorText')} {p.get('blockedReason', '')}")
            elif m == "Network.responseReceived" and p.get("response", {}).get("status", 200) >= 400:
                problems.append(f"HTTP {p['response']['status']}: {p['response'].get('url')}")
        return problems

    def eval(self, expression: str):
        res = self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in res:
            raise AssertionError(f"{expression}: {res['exceptionDetails']}")
        return res["result"].get("value")

    def screenshot(self, path: Path) -> None:
        data = self.send("Page.captureScreenshot", format="png")["data"]
        path.write_bytes(base64.b64decode(data))


@pytest.fixture
def browser(tmp_path):
    binary = chromium_binary()
    if binary is None:
        pytest.skip("no chromium binary found (Debian: apt-get install chromium; .ci/run installs it)")
    profile = tmp_path / "profile"
    profile.mkdir()
    proc = subprocess.Popen([binary, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        port_file = profile / "DevToolsActivePort"
        for _ in range(600):
            if port_file.is_file() and port_file.read_text().strip():
                break
            if proc.poll() is not None:
                pytest.fail(f"chromium exited with {proc.returncode}")
            time.sleep(0.05)
        port = int(port_file.read_text().split()[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list") as r:
            target = next(t for t in json.load(r) if t["type"] == "page")
        page = Page(target["webSocketDebuggerUrl"])
        for domain in ("Page", "Runtime", "Log", "Network"):
            page.send(f"{domain}.enable")
        yield page
        page.ws.close()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture
def served_site(tmp_path, monkeypatch):
    from tests.report.test_report import make_cards

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764288000")
    rb = load_rubric(str(RUBRIC))
    out = tmp_path / "site"
    history = [{"slug": "good", "time": "2026-10-01T00:00:00Z", "score": 10.0, "grade": "F"},
               {"slug": "good", "time": "2026-11-01T00:00:00Z", "score": 25.0, "grade": "F"}]
    write_report(out, make_cards(rb), rb, history)
    handler = functools.partial(_QuietHandler, directory=str(out))
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield out, f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def _pages(out: Path) -> list[str]:
    return sorted(p.relative_to(out).as_posix() for p in out.rglob("*.html"))


def test_every_page_loads_cleanly(browser, served_site, tmp_path):
    out, base = served_site
    pages = _pages(out)
    assert "index.html" in pages and "companies/good.html" in pages
    for base_url in (base, out.as_uri() + "/"):
        for rel in pages:
            problems = browser.load(base_url + rel)
            assert problems == [], (base_url + rel, problems)
            # the stylesheet applied (CSP allows it): the body font is not the browser default
            assert browser.eval("getComputedStyle(document.body).fontFamily").startswith("system-ui"), rel
    browser.load(base + "index.html")
    browser.screenshot(tmp_path / "index.png")
    assert (tmp_path / "index.png").stat().st_size > 1000


def test_league_table_sorts(browser, served_site, tmp_path):
    out, base = served_site
    assert browser.load(base + "index.html") == []
    names = "Array.from(document.querySelectorAll('table.league tbody tr td:nth-child(2)')).map(td => td.textContent.trim())"
    before = browser.eval(names)
    assert len(before) == 3
    assert browser.eval("document.querySelectorAll('table.league th button').length") == 5
    browser.eval("document.querySelector('table.league th:nth-child(2) button').click()")
    assert browser.eval(names) == sorted(before, key=str.lower)
    browser.eval("document.querySelector('table.league th:nth-child(2) button').click()")
    assert browser.eval(names) == sorted(before, key=str.lower, reverse=True)
    assert browser.eval("document.querySelector('table.league th:nth-child(2)').getAttribute('aria-sort')") == "descending"


def test_company_page(browser, served_site, tmp_path):
    out, base = served_site
    assert browser.load(base + "companies/evil.html") == []
    assert browser.eval("document.querySelectorAll('script').length") == 0
    assert browser.eval("document.querySelector('h1').textContent").startswith("Evil <b")
    assert "<script>alert(1)</script>" in browser.eval("document.querySelector('blockquote').textContent")
    assert browser.eval("Array.from(document.links).filter(a => a.protocol === 'javascript:').length") == 0
    assert browser.load(base + "companies/good.html") == []
    assert browser.eval("document.querySelector('svg.history title').textContent").startswith("Score over time")
    assert browser.eval("document.querySelector('a[href=\"https://example.com/policy\"]') !== null")
    # a phone-sized viewport: the page does not scroll sideways
    browser.send("Emulation.setDeviceMetricsOverride", width=375, height=800, deviceScaleFactor=1, mobile=True)
    browser.load(base + "companies/good.html")
    assert browser.eval("document.documentElement.scrollWidth <= window.innerWidth + 1")
    browser.screenshot(tmp_path / "company-phone.png")
    browser.load(base + "index.html")
    assert browser.eval("document.documentElement.scrollWidth <= window.innerWidth + 1")
    browser.screenshot(tmp_path / "index-phone.png")


@pytest.mark.parametrize("width", [1280, 390])
def test_demand_bars_and_history_legible(browser, served_site, tmp_path, width):
    """Demand bars and their labels keep a readable size on a desktop and a phone; screenshots of both."""
    out, base = served_site
    browser.send("Emulation.setDeviceMetricsOverride", width=width, height=900, deviceScaleFactor=1,
                 mobile=width < 500)
    measure = """Array.from(document.querySelectorAll('ul.bars li')).map(li => {
        const box = e => e.getBoundingClientRect();
        const size = e => parseFloat(getComputedStyle(e).fontSize);
        const l = li.querySelector('.bar-label'), v = li.querySelector('.bar-value'), b = li.querySelector('svg.bar');
        return {label: l.textContent, lw: box(l).width, lh: box(l).height, fs: size(l), vw: box(v).width, fv: size(v),
                bw: box(b).width, bh: box(b).height, cut: l.scrollWidth > l.clientWidth + 1};
    })"""
    for page in ("index.html", "companies/good.html"):
        assert browser.load(base + page) == [], page
        bars = browser.eval(measure)
        assert bars, page
        for b in bars:
            assert b["fs"] >= 12 and b["fv"] >= 12, (width, page, b)  # CSS pixels, never scaled down
            assert b["lh"] >= 12 and b["lw"] >= 40 and b["vw"] >= 20, (width, page, b)
            assert b["bw"] >= 48 and b["bh"] >= 8, (width, page, b)
            assert not b["cut"], (width, page, b)
        assert browser.eval("document.documentElement.scrollWidth <= window.innerWidth + 1"), (width, page)
        browser.screenshot(tmp_path / f"{page.replace('/', '-')}-{width}.png")
        assert (tmp_path / f"{page.replace('/', '-')}-{width}.png").stat().st_size > 1000
    # the history chart has axes, tick labels and the values at its points, at a legible size
    browser.load(base + "companies/good.html")
    assert browser.eval("document.querySelectorAll('svg.history .x-axis, svg.history .y-axis').length") == 2
    ticks = browser.eval("Array.from(document.querySelectorAll('svg.history .tick')).map(t => t.textContent)")
    assert {"0", "50", "100", "2026-10-01", "2026-11-01"} <= set(ticks)
    values = browser.eval("Array.from(document.querySelectorAll('svg.history .point-value')).map(t => t.textContent)")
    assert values == ["10.0", "25.0"]
    heights = browser.eval("Array.from(document.querySelectorAll('svg.history .tick, svg.history .point-value'))"
                           ".map(t => t.getBoundingClientRect().height)")
    assert min(heights) >= 10, heights
