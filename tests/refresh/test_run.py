"""`audit run`: shards, merge, gates, publishing (history, feed, signature), and two successive
runs against a local HTTP server where the diff must name each cause."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from audit.errors import InputError
from audit.extract.markdown import extract_plain
from audit.models import DocumentFindings, DocumentRef
from audit.refresh.diff import diff_scorecards
from audit.refresh.gates import gate_failures, parse_threshold
from audit.refresh.publish import failures_markdown, fetch_failures, load_signer, record_run
from audit.refresh.shard import Shard, merge_documents, parse_shard, scorecard_from_json
from audit.report.formats import dumps, scorecards_document
from audit.rubric.loader import load_rubric
from audit.score.engine import score_company
from audit.reader.rules.matcher import find_all

MINI = str(Path(__file__).parents[1] / "data" / "mini_rubric.toml")
TEXTS = {
    "acme": "We notify users before we disclose their data. A search warrant is required for content.",
    "bolt": "We may notify users where feasible.",
    "core": "We do not notify users of requests.",
    "dune": "A search warrant is required for content.",
    "echo": "Nothing relevant here.",
}


@pytest.fixture(scope="module")
def rubric():
    return load_rubric(MINI)


def _card(rubric, slug):
    ref = DocumentRef("law-enforcement-guidelines", f"https://{slug}.test/le", "ab" * 32, "2026-01-01T00:00:00Z")
    return score_company(rubric, slug, slug.title(), [DocumentFindings(ref, find_all(rubric, extract_plain(TEXTS[slug])))])


@pytest.fixture(scope="module")
def cards(rubric):
    return [_card(rubric, s) for s in TEXTS]


# -- shards -------------------------------------------------------------------------------------

def test_parse_shard():
    assert parse_shard("2/3") == Shard(2, 3)
    for bad in ("0/3", "4/3", "1/0", "x", "1-2", ""):
        with pytest.raises(InputError):
            parse_shard(bad)


def test_shards_partition_the_companies_deterministically():
    slugs = ["e", "a", "d", "c", "b", "f", "g"]
    parts = [Shard(i, 3).select(slugs) for i in (1, 2, 3)]
    assert sorted(s for p in parts for s in p) == sorted(slugs)
    assert all(len(p) in (2, 3) for p in parts)
    assert parts == [Shard(i, 3).select(list(reversed(slugs))) for i in (1, 2, 3)]


def test_shard_merge_equals_single_run(rubric, cards):
    when = "2026-11-28T00:00:00Z"
    single = dumps(scorecards_document(cards, rubric, when))
    slugs = [c.slug for c in cards]
    shard_docs = []
    for i in (1, 2, 3):
        chosen = set(Shard(i, 3).select(slugs))
        shard_docs.append((f"shard{i}", json.loads(dumps(scorecards_document(
            [c for c in cards if c.slug in chosen], rubric, when)))))
    merged = merge_documents(list(reversed(shard_docs)))
    assert dumps(merged) == single


def test_merge_refuses_mixed_rubrics_and_duplicates(rubric, cards):
    a = json.loads(dumps(scorecards_document(cards[:2], rubric, "t")))
    b = json.loads(dumps(scorecards_document(cards[2:], rubric, "t")))
    b["rubric"]["version"] = "9"
    with pytest.raises(InputError, match="rubric"):
        merge_documents([("a", a), ("b", b)])
    with pytest.raises(InputError, match="two shards"):
        merge_documents([("a", a), ("a2", a)])


def test_scorecard_json_round_trip(cards):
    for c in cards:
        j = json.loads(json.dumps(c.to_json()))
        assert scorecard_from_json(j).to_json() == j


# -- gates --------------------------------------------------------------------------------------

def test_thresholds():
    assert parse_threshold("C").below(50, "D") and not parse_threshold("c").below(50, "C")
    assert parse_threshold("60").below(59.9, "A") and not parse_threshold("60").below(60, "F")
    assert not parse_threshold("B").below(None, None)
    for bad in ("G", "101", "-1", "abc", ""):
        with pytest.raises(InputError):
            parse_threshold(bad)


def test_gate_failures_name_companies(rubric, cards):
    doc = json.loads(dumps(scorecards_document(cards, rubric, "t")))
    worst = min(doc["companies"], key=lambda c: c["score"] or 0)
    lines = gate_failures(doc["companies"], None, parse_threshold("100"), False)
    assert any(worst["slug"] in x for x in lines)
    assert gate_failures(doc["companies"], None, parse_threshold("0"), False) == []


def test_fail_on_drop(rubric, cards):
    old = json.loads(dumps(scorecards_document(cards, rubric, "t1")))
    new = json.loads(json.dumps(old))
    new["companies"][0]["grade"] = "F"
    d = diff_scorecards(old, new)
    dropped = d.companies[0].slug
    assert gate_failures(new["companies"], d, None, True) == [f"{dropped}: grade dropped {old['companies'][0]['grade']} -> F"]
    assert gate_failures(new["companies"], d, None, False) == []


# -- publishing ---------------------------------------------------------------------------------

def test_record_run_writes_history_and_feed(tmp_path, rubric, cards):
    import feedparser

    first = json.loads(dumps(scorecards_document(cards, rubric, "2026-11-01T00:00:00Z")))
    assert record_run(tmp_path, None, first) is None
    second = json.loads(json.dumps(first))
    second["generated_at"] = "2026-11-08T00:00:00Z"
    second["companies"][1]["documents"][0].update(status="failed", error="HTTP 500")
    second["companies"][0]["score"], second["companies"][0]["grade"] = 1.0, "F"
    d = record_run(tmp_path, first, second)
    assert d is not None and {c.slug for c in d.companies} == {"acme", "bolt"}
    lines = [json.loads(x) for x in (tmp_path / "history.jsonl").read_text().splitlines()]
    assert len(lines) == 2 * len(cards)
    bolt = [x for x in lines if x["slug"] == "bolt"][-1]
    assert bolt["causes"] == ["fetch-failed"]
    feed = feedparser.parse((tmp_path / "feed.xml").read_bytes())
    assert not feed.bozo and [e.title.split(":")[0] for e in feed.entries] == ["Acme"]
    fails = fetch_failures(second)
    assert [(f.slug, f.error) for f in fails] == [("bolt", "HTTP 500")]
    assert "| bolt |" in failures_markdown(fails)


def test_signer_signs_reports_and_tells_the_site(tmp_path, run_cli):
    key = tmp_path / "k.key"
    assert run_cli("keygen", "--out", key).code == 0
    out = tmp_path / "reports"
    out.mkdir()
    (out / "scorecards.json").write_text("{}\n")
    signer = load_signer(key)
    signer.sign_reports(out)
    extra = signer.site_extra()["signing"]
    assert extra["fingerprint"].startswith("SHA256:")
    r = run_cli("verify", out / "scorecards.json", "--public-key", out / extra["public_key"])
    assert r.code == 0, r
    with pytest.raises(InputError):
        load_signer(tmp_path / "missing.key")


# -- two successive runs against a local HTTP server ------------------------------------------

import http.server  # noqa: E402
import shutil  # noqa: E402
import threading  # noqa: E402


class _Site:
    """A real HTTP server on 127.0.0.1 whose pages the test can change between runs."""

    def __init__(self):
        self.pages: dict[str, tuple[int, str]] = {}
        self.requests: list[tuple[str, str]] = []  # (path, User-Agent)
        site = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server API
                site.requests.append((self.path, self.headers.get("User-Agent", "")))
                status, body = site.pages.get(self.path, (404, "not found"))
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *a):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"

    def page(self, path, text, status=200):
        self.pages[path] = (status, f"<html><head><title>{path}</title></head><body><main><p>{text}</p></main></body></html>")

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def site():
    s = _Site()
    yield s
    s.close()


def _workspace(tmp_path, site) -> Path:
    ws = tmp_path / "ws"
    (ws / "companies").mkdir(parents=True)
    (ws / "audit.toml").write_text("allow_private_network = true\ndelay = 0\nretries = 0\nignore_robots = true\n")
    for slug in ("acme", "bolt", "core"):
        (ws / "companies" / f"{slug}.toml").write_text(
            f'name = "{slug.title()}"\n\n[[documents]]\ntype = "law-enforcement-guidelines"\n'
            f'url = "{site.base}/{slug}/le"\n')
    site.page("/acme/le", "We notify users before we disclose their data. A search warrant is required for content.")
    site.page("/bolt/le", "We notify users before we disclose their data.")
    site.page("/core/le", "A search warrant is required for content.")
    return ws


def _rubric_copy(tmp_path, version: str, notice_weight: int = 2) -> Path:
    text = Path(MINI).read_text()
    assert 'version = "0.1"' in text and "weight = 2\n" in text
    text = text.replace('version = "0.1"', f'version = "{version}"', 1).replace(
        "weight = 2\n", f"weight = {notice_weight}\n", 1)
    p = tmp_path / f"rubric-{version}.toml"
    p.write_text(text)
    return p


def test_two_runs_name_each_cause(tmp_path, site, run_cli):
    ws = _workspace(tmp_path, site)
    r1 = _rubric_copy(tmp_path, "0.1")
    first = run_cli("run", "--workspace", ws, "--rubric", r1, "--allow-private-network",
                    env={"SOURCE_DATE_EPOCH": "1793232000"})
    assert first.code == 0, first
    assert "first run" in first.err
    reports = ws / "reports"
    old = tmp_path / "old.json"
    shutil.copyfile(reports / "scorecards.json", old)

    site.page("/acme/le", "We may notify users where feasible. A search warrant is required for content.")
    site.page("/bolt/le", "gone", status=404)
    r2 = _rubric_copy(tmp_path, "0.2", notice_weight=3)
    second = run_cli("run", "--workspace", ws, "--rubric", r2, "--allow-private-network",
                     "--summary-file", tmp_path / "summary.md", "--failures-file", tmp_path / "fail.md",
                     env={"SOURCE_DATE_EPOCH": "1793836800"})
    assert second.code == 0, second

    d = run_cli("diff", old, reports / "scorecards.json", "--format", "json")
    assert d.code == 0, d
    j = json.loads(d.out)
    assert j["rubric"]["changed"] and j["rubric"]["new"]["version"] == "0.2"
    by = {c["slug"]: c for c in j["companies"]}
    acme = {c["id"]: c for c in by["acme"]["criteria"]}
    text_cause = next(x for x in acme["notice"]["causes"] if x["kind"] == "text-changed")
    assert text_cause["document"] == f"{site.base}/acme/le"
    assert any(q.startswith("+") and "may notify" in q for q in text_cause["quote_diff"])
    assert "fetch-failed" in by["bolt"]["causes"]
    assert by["bolt"]["documents"][0]["kind"] == "fetch-failed"
    assert "text-changed" not in by["bolt"]["causes"]
    core = {c["id"]: c for c in by["core"]["criteria"]}
    assert [x["kind"] for x in core["notice"]["causes"]] == ["rubric-changed"]
    assert "text-changed" not in by["core"]["causes"] and "fetch-failed" not in by["core"]["causes"]

    # the run summary said the same, on stderr
    assert "text-changed" in second.err and "fetch-failed" in second.err and "rubric changed" in second.err, second.err
    assert "| bolt |" in (tmp_path / "fail.md").read_text()
    assert "acme" in (tmp_path / "summary.md").read_text()
    history = [json.loads(x) for x in (reports / "history.jsonl").read_text().splitlines()]
    assert [h["rubric"]["version"] for h in history] == ["0.1"] * 3 + ["0.2"] * 3
    import feedparser

    feed = feedparser.parse((reports / "feed.xml").read_bytes())
    assert not feed.bozo and any(e.title.startswith("Acme") for e in feed.entries)


def test_gates_and_nothing_evaluated(tmp_path, site, run_cli):
    ws = _workspace(tmp_path, site)
    rub = _rubric_copy(tmp_path, "0.1")
    r = run_cli("run", "--workspace", ws, "--rubric", rub, "--fail-under", "100", "--allow-private-network")
    assert r.code == 1 and "below --fail-under" in r.err, r
    site.page("/acme/le", "We do not notify users of requests.")
    r = run_cli("run", "--workspace", ws, "--rubric", rub, "--fail-on-drop", "--allow-private-network")
    assert r.code == 1 and "acme: grade dropped" in r.err, r

    empty = tmp_path / "ws2"
    (empty / "companies").mkdir(parents=True)
    (empty / "audit.toml").write_text("allow_private_network = true\ndelay = 0\nretries = 0\nignore_robots = true\n")
    (empty / "companies" / "nope.toml").write_text(
        f'name = "Nope"\n\n[[documents]]\ntype = "privacy-policy"\nurl = "{site.base}/missing"\n')
    r = run_cli("run", "--workspace", empty, "--rubric", rub, "--allow-private-network")
    assert r.code == 3, r


def test_shard_runs_merge_to_the_single_run(tmp_path, site, run_cli):
    ws = _workspace(tmp_path, site)
    rub = _rubric_copy(tmp_path, "0.1")
    env = {"SOURCE_DATE_EPOCH": "1793232000"}
    single = run_cli("run", "--workspace", ws, "--rubric", rub, "--out", tmp_path / "single",
                     "--allow-private-network", env=env)
    assert single.code == 0, single
    dirs = []
    for i in (1, 2):
        out = tmp_path / f"shard{i}"
        r = run_cli("run", "--workspace", ws, "--rubric", rub, "--shard", f"{i}/2", "--out", out,
                    "--allow-private-network", env=env)
        assert r.code == 0, r
        dirs.append(out)
    parts = [json.loads((d / "scorecards.json").read_text())["companies"] for d in dirs]
    assert [len(p) for p in parts] == [2, 1]
    merged = tmp_path / "merged"
    r = run_cli("run", "--workspace", ws, "--rubric", rub, "--out", merged, "--merge", *dirs, env=env)
    assert r.code == 0, r
    # each run fetched again, so only the fetch times may differ (seconds apart)
    def norm(path):
        return re.sub(r'"fetched_at": "[^"]*"', '"fetched_at": "T"', path.read_text())

    assert norm(merged / "scorecards.json") == norm(tmp_path / "single" / "scorecards.json")
    files = sorted(str(p.relative_to(merged)) for p in merged.rglob("*") if p.is_file())
    assert files == sorted(str(p.relative_to(tmp_path / "single")) for p in (tmp_path / "single").rglob("*")
                           if p.is_file())


def test_run_signs_and_bad_options(tmp_path, site, run_cli):
    ws = _workspace(tmp_path, site)
    rub = _rubric_copy(tmp_path, "0.1")
    key = tmp_path / "k.key"
    assert run_cli("keygen", "--out", key).code == 0
    r = run_cli("run", "--workspace", ws, "--rubric", rub, "--sign", key, "--allow-private-network")
    assert r.code == 0, r
    reports = ws / "reports"
    assert run_cli("verify", reports / "scorecards.json", "--public-key", reports / "signing-key.pub").code == 0
    for bad in (["--shard", "3/2"], ["--merge", tmp_path / "nowhere"], ["--merge", ws, "--shard", "1/2"], ["--fail-under", "Z"], ["nosuch"], ["--sign", tmp_path / "none.key"]):
        r = run_cli("run", "--workspace", ws, "--rubric", rub, *bad)
        assert r.code == 2 and "Traceback" not in r.err, (bad, r)


def test_workflow_is_weekly_and_on_demand():
    yaml = pytest.importorskip("yaml")
    wf = yaml.safe_load((Path(__file__).resolve().parents[2] / ".github" / "workflows" / "refresh.yml").read_text())
    on = wf.get("on", wf.get(True))
    assert "workflow_dispatch" in on and on["schedule"][0]["cron"]
    steps = "\n".join(str(s.get("run", "")) for s in wf["jobs"]["refresh"]["steps"])
    assert "audit run" in steps and "git push" in steps and "gh issue" in steps
    assert "secrets.AUDIT_SIGNING_KEY" in (Path(__file__).resolve().parents[2] / ".github" / "workflows" / "refresh.yml").read_text()


def test_report_sign_shows_fingerprint_on_the_site(tmp_path, site, run_cli):
    ws = _workspace(tmp_path, site)
    rub = _rubric_copy(tmp_path, "0.1")
    assert run_cli("fetch", "--workspace", ws, "--allow-private-network").code == 0
    key = tmp_path / "k.key"
    fp = run_cli("keygen", "--out", key).out.strip()
    out = tmp_path / "site"
    r = run_cli("report", "--workspace", ws, "--rubric", rub, "--out", out, "--sign", key)
    assert r.code == 0, r
    assert fp in (out / "index.html").read_text()
    assert run_cli("verify", out / "scorecards.json", "--public-key", out / "signing-key.pub").code == 0
    (out / "scorecards.json").write_text((out / "scorecards.json").read_text().replace('"grade": "', '"grade": "A', 1))
    assert run_cli("verify", out / "scorecards.json", "--public-key", out / "signing-key.pub").code == 1


def test_broken_declaration_does_not_lose_the_others(tmp_path, site, run_cli):
    ws = _workspace(tmp_path, site)
    (ws / "companies" / "zzz.toml").write_text('name = 3\n[[documents]]\ntype = "nonsense"\n')
    r = run_cli("run", "--workspace", ws, "--rubric", _rubric_copy(tmp_path, "0.1"), "--allow-private-network")
    assert r.code == 2 and "zzz" in r.err and "Traceback" not in r.err, r
    slugs = [c["slug"] for c in json.loads((ws / "reports" / "scorecards.json").read_text())["companies"]]
    assert slugs == ["acme", "bolt", "core"]


def test_unchanged_page_is_not_blamed_when_another_page_changes(tmp_path, site, run_cli):
    """Only the changed page is a cause, though the engine's evidence list (at most 5 quotes per
    criterion) now shows fewer quotes of the company's unchanged page."""
    ws = tmp_path / "ws"
    (ws / "companies").mkdir(parents=True)
    (ws / "audit.toml").write_text("allow_private_network = true\ndelay = 0\nretries = 0\nignore_robots = true\n")
    (ws / "companies" / "acme.toml").write_text(
        'name = "Acme"\n\n'
        f'[[documents]]\ntype = "law-enforcement-guidelines"\nurl = "{site.base}/acme/a"\n\n'
        f'[[documents]]\ntype = "law-enforcement-guidelines"\nurl = "{site.base}/acme/b"\n')
    site.page("/acme/a", "We notify users before we disclose their data.")
    site.page("/acme/b", "</p><p>".join(f"We notify users about request kind {k}." for k in "pqrst"))
    rub = _rubric_copy(tmp_path, "0.1")
    env = {"SOURCE_DATE_EPOCH": "1793232000"}
    assert run_cli("run", "--workspace", ws, "--rubric", rub, env=env).code == 0
    old = tmp_path / "old.json"
    shutil.copyfile(ws / "reports" / "scorecards.json", old)
    before = [e["url"] for e in json.loads(old.read_text())["companies"][0]["criteria"][0]["evidence"]]

    site.page("/acme/a", "We notify users before we disclose their data.</p><p>We notify users of emergency "
                         "requests.</p><p>We notify users of gag orders once they expire.")
    second = run_cli("run", "--workspace", ws, "--rubric", rub, env={"SOURCE_DATE_EPOCH": "1793836800"})
    assert second.code == 0, second
    new = ws / "reports" / "scorecards.json"
    notice = next(c for c in json.loads(new.read_text())["companies"][0]["criteria"] if c["id"] == "notice")
    after = [e["url"] for e in notice["evidence"]]
    # the premise: quotes of the unchanged page /acme/b left the truncated list
    assert after.count(f"{site.base}/acme/b") < before.count(f"{site.base}/acme/b")

    d = run_cli("diff", old, new, "--format", "json")
    assert d.code == 0, d
    co = json.loads(d.out)["companies"][0]
    assert co["causes"] == ["text-changed"]
    assert co["criteria"] == []  # every level stayed the same: no criterion change is listed
    assert [(d["kind"], d["url"]) for d in co["documents"]] == [("text-changed", f"{site.base}/acme/a")]
    assert "extraction-changed" not in second.err and "text-changed" in second.err, second.err


# -- --offline, and the fetch options a run hands on ----------------------------------------------

def test_offline_run_scores_the_archive(tmp_path, site, run_cli):
    ws = _workspace(tmp_path, site)
    rub = _rubric_copy(tmp_path, "0.1")
    assert run_cli("run", "--workspace", ws, "--rubric", rub).code == 0
    online = json.loads((ws / "reports" / "scorecards.json").read_text())
    seen = len(site.requests)
    site.page("/acme/le", "We do not notify users of requests.")  # not seen: nothing is fetched

    r = run_cli("--offline", "run", "--workspace", ws, "--rubric", rub)
    assert r.code == 0, r
    assert "offline: not fetching" in r.err and "offline: not probing" in r.err
    assert len(site.requests) == seen
    offline = json.loads((ws / "reports" / "scorecards.json").read_text())
    assert [(c["slug"], c["score"]) for c in offline["companies"]] == [
        (c["slug"], c["score"]) for c in online["companies"]]
    assert all(d["status"] == "ok" for c in offline["companies"] for d in c["documents"])

    # the usual exit codes: a gate is 1, the environment variable works too
    r = run_cli("run", "--workspace", ws, "--rubric", rub, "--fail-under", "100", env={"AUDIT_OFFLINE": "1"})
    assert r.code == 1 and "below --fail-under" in r.err and "offline: not fetching" in r.err, r
    assert len(site.requests) == seen


def test_offline_run_with_an_empty_archive_is_exit_3(tmp_path, site, run_cli):
    ws = _workspace(tmp_path, site)
    r = run_cli("--offline", "run", "--workspace", ws, "--rubric", _rubric_copy(tmp_path, "0.1"))
    assert r.code == 3 and "Traceback" not in r.err, r
    assert site.requests == []


def _strict_workspace(tmp_path, site) -> Path:
    """Settings that refuse loopback and obey robots.txt: only the run's options can get through."""
    ws = tmp_path / "strict"
    (ws / "companies").mkdir(parents=True)
    (ws / "audit.toml").write_text("delay = 0\nretries = 0\n")
    (ws / "companies" / "acme.toml").write_text(
        f'name = "Acme"\n\n[[documents]]\ntype = "law-enforcement-guidelines"\nurl = "{site.base}/acme/le"\n')
    site.page("/acme/le", "We notify users before we disclose their data.")
    site.pages["/robots.txt"] = (200, "User-agent: *\nDisallow: /acme/\n")
    return ws


def test_run_takes_the_fetch_options(tmp_path, site, run_cli):
    ws = _strict_workspace(tmp_path, site)
    rub = _rubric_copy(tmp_path, "0.1")
    r = run_cli("run", "--workspace", ws, "--rubric", rub, "--allow-private-network")
    assert r.code == 3, r  # robots.txt disallows the only page
    assert all(p != "/acme/le" for p, _ in site.requests)
    ua = "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"
    before = len(site.requests)
    r = run_cli("run", "--workspace", ws, "--rubric", rub, "--allow-private-network", "--ignore-robots",
                "--user-agent", ua, "--delay", "0")
    assert r.code == 0, r
    assert "robots.txt is ignored" in r.err
    assert ("/acme/le", ua) in site.requests[before:]
    assert all(agent == ua for _, agent in site.requests[before:])
    doc = json.loads((ws / "reports" / "scorecards.json").read_text())
    assert doc["companies"][0]["documents"][0]["status"] == "ok"
    for bad in (["--delay", "-1"], ["--user-agent", "two\nlines"]):
        r = run_cli("run", "--workspace", ws, "--rubric", rub, *bad)
        assert r.code == 2 and "Traceback" not in r.err, (bad, r)


def test_run_hands_its_options_to_fetch_and_probe():
    from audit.commands.run import fetch_args, network_args

    assert network_args(True, "ca.pem") == ["--allow-private-network", "--ca-bundle", "ca.pem"]
    assert network_args(False, None) == []
    assert fetch_args(0.5, True, "-UA/1") == ["--delay", "0.5", "--ignore-robots", "--user-agent=-UA/1"]
    assert fetch_args(None, False, None) == []


def test_run_publishes_a_company_that_could_not_be_evaluated(tmp_path, site, run_cli):
    ws = _workspace(tmp_path, site)
    (ws / "companies" / "gone.toml").write_text(
        f'name = "Gone"\n\n[[documents]]\ntype = "privacy-policy"\nurl = "{site.base}/gone/missing"\n')
    rub = _rubric_copy(tmp_path, "0.1")
    env = {"SOURCE_DATE_EPOCH": "1793232000"}
    r = run_cli("run", "--workspace", ws, "--rubric", rub, "--allow-private-network", env=env)
    assert r.code == 0, r
    published = json.loads((ws / "reports" / "scorecards.json").read_text())["companies"]
    gone = next(c for c in published if c["slug"] == "gone")
    assert gone["score"] is None and gone["grade"] is None and gone["not_evaluated_reason"]
    assert gone["documents"][0]["status"] == "failed" and gone["documents"][0]["sha256"] is None
    # a shard holding it and the merge keep it as it is
    dirs = []
    for i in (1, 2):
        out = tmp_path / f"shard{i}"
        assert run_cli("run", "--workspace", ws, "--rubric", rub, "--shard", f"{i}/2", "--out", out,
                       "--allow-private-network", env=env).code == 0
        dirs.append(out)
    merged = tmp_path / "merged"
    r = run_cli("run", "--workspace", ws, "--rubric", rub, "--out", merged, "--merge", *dirs, env=env)
    assert r.code == 0, r
    again = next(c for c in json.loads((merged / "scorecards.json").read_text())["companies"] if c["slug"] == "gone")
    assert again["not_evaluated_reason"] == gone["not_evaluated_reason"]
    assert again["documents"] == gone["documents"]
