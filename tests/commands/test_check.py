"""`audit check`: every output format, guessed types, URLs on a local server, and bad input."""

from __future__ import annotations

import http.server
import json
import threading
from pathlib import Path

import pytest

from pdfmaker import make_pdf

MINI = str(Path(__file__).parents[1] / "data" / "mini_rubric.toml")
POLICY = (
    "# Law enforcement guidelines\n\n"
    "We require a search warrant for content. We do not notify users of requests.\n\n"
    "Messages are end-to-end encrypted.\n"
)


@pytest.fixture
def policy(tmp_path) -> Path:
    p = tmp_path / "policy.md"
    p.write_text(POLICY, encoding="utf-8")
    return p


def test_text_format(run_cli, policy):
    r = run_cli("check", policy, "--rubric", MINI, "--name", "Acme")
    assert r.code == 0, r
    assert r.out.startswith("Acme: grade D")
    assert "NOT MET" in r.out and "notice" in r.out
    assert '"We do not notify users of requests."' in r.out
    assert "demand: Tell users before handing over their data." in r.out
    assert "type guessed as law-enforcement-guidelines" in r.err  # humans on stderr


def test_json_format_matches_contract(run_cli, policy, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764288000")
    r = run_cli("check", policy, "--rubric", MINI, "--format", "json", "--type", "law-enforcement-guidelines")
    assert r.code == 0, r
    doc = json.loads(r.out)
    assert doc["schema"] == "encryption-audit/scorecards/1"
    assert doc["generated_at"] == "2025-11-28T00:00:00Z"
    assert doc["tool"]["name"] == "encryption-audit" and doc["rubric"]["id"] == "mini"
    (company,) = doc["companies"]
    assert set(company) >= {"slug", "name", "score", "grade", "coverage", "demands", "criteria", "documents"}
    crit = {c["id"]: c for c in company["criteria"]}
    ev = crit["warrant"]["evidence"][0]
    assert set(ev) >= {"document", "url", "sha256", "fetched_at", "quote", "start", "end", "polarity", "signal"}
    assert ev["quote"] == "We require a search warrant for content." and ev["document"] == "law-enforcement-guidelines"
    assert crit["tls"]["level"] == "not-evaluated" and crit["vendor"]["level"] == "unreviewed"
    # same inputs, same bytes
    again = run_cli("check", policy, "--rubric", MINI, "--format", "json", "--type", "law-enforcement-guidelines")
    assert again.out == r.out


def test_markdown_format_escapes_quotes(run_cli, tmp_path):
    p = tmp_path / "p.txt"
    p.write_text("We notify users <script>alert(1)</script> before disclosure.", encoding="utf-8")
    r = run_cli("check", p, "--rubric", MINI, "--format", "markdown")
    assert r.code == 0, r
    assert r.out.startswith("## Checked company")
    assert "<script>" not in r.out and "&lt;script&gt;" in r.out  # the one Markdown escaping


def test_several_inputs_are_one_company(run_cli, tmp_path, policy):
    pdf = tmp_path / "privacy.pdf"
    pdf.write_bytes(make_pdf(["We notify users before we disclose their data."]))
    r = run_cli("check", policy, pdf, "--rubric", MINI, "--format", "json")
    doc = json.loads(r.out)
    (company,) = doc["companies"]
    assert len(company["documents"]) == 2
    notice = next(c for c in company["criteria"] if c["id"] == "notice")
    assert notice["level"] == "partial" and notice["conflicting"] is True


def test_builtin_rubric_scores_a_policy(run_cli, policy):
    r = run_cli("check", policy, "--format", "json")
    assert r.code == 0, r
    doc = json.loads(r.out)
    assert doc["rubric"]["id"] == "builtin"
    for c in doc["companies"][0]["criteria"]:
        if c["level"] in ("met", "partial", "not-met"):
            assert c["evidence"], c["id"]  # every level carries a quote


@pytest.mark.parametrize("name,data,msg", [
    ("missing.txt", None, "no such file"),
    ("empty.txt", b"", "empty document"),
    ("blob.bin", b"\x00\x01\x02\x03" * 100, "binary"),
    ("broken.pdf", b"%PDF-1.7\n1 0 obj << /Type /Catalog", "broken PDF"),
    ("latin.txt", bytes(range(128, 256)) * 50, "undecodable"),
])
def test_bad_input_is_one_line_exit_2(run_cli, tmp_path, name, data, msg):
    p = tmp_path / name
    if data is not None:
        p.write_bytes(data)
    r = run_cli("check", p, "--rubric", MINI)
    assert r.code == 2, r
    assert msg in r.err and name in r.err
    assert "Traceback" not in r.err and len(r.err.strip().splitlines()) == 1


def test_oversized_file(run_cli, tmp_path):
    p = tmp_path / "huge.txt"
    with p.open("wb") as f:
        f.truncate(20 * 1024 * 1024 + 10)
    r = run_cli("check", p, "--rubric", MINI)
    assert r.code == 2 and "too large" in r.err and "huge.txt" in r.err


def test_invalid_rubric(run_cli, policy, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[rubric]\nid = "x"\nversion = "1"\n[[demands]]\nid = "d"\nweight = 1\n[[criteria]]\nid = "c"\ngroup = "nope"\nweight = 1\nmethod = "text"\n', encoding="utf-8")
    r = run_cli("check", policy, "--rubric", bad)
    assert r.code == 2 and "invalid rubric" in r.err and "bad.toml" in r.err and "Traceback" not in r.err
    r = run_cli("check", policy, "--rubric", tmp_path / "absent.toml")
    assert r.code == 2 and "not found" in r.err


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        if self.path == "/le":
            body = POLICY.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/markdown; charset=utf-8")
        else:
            body = b"nope"
            self.send_response(404)
            self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *a):
        pass


@pytest.fixture
def server():
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()
    srv.server_close()


def test_check_url_on_local_server(run_cli, server):
    r = run_cli("check", f"{server}/le", "--rubric", MINI, "--allow-private-network", "--format", "json")
    assert r.code == 0, r
    doc = json.loads(r.out)
    assert doc["companies"][0]["documents"][0]["url"] == f"{server}/le"


def test_check_url_private_address_refused_by_default(run_cli, server):
    r = run_cli("check", f"{server}/le", "--rubric", MINI)
    assert r.code == 2 and "non-public address" in r.err


def test_check_url_http_error_is_exit_3(run_cli, server):
    r = run_cli("check", f"{server}/missing", "--rubric", MINI, "--allow-private-network", "--format", "json")
    assert r.code == 3, r
    assert "HTTP 404" in r.err and "could not evaluate: every document failed to fetch or parse" in r.err
    (company,) = json.loads(r.out)["companies"]
    (doc,) = company["documents"]
    assert doc == {"type": "other", "url": f"{server}/missing", "sha256": None, "fetched_at": None,
                   "status": "failed", "error": "HTTP 404", "language": None}
    assert company["score"] is None and company["grade"] is None
    assert {c["level"] for c in company["criteria"] if c["method"] == "text"} == {"not-evaluated"}


@pytest.fixture
def refused_url():
    """A port where nothing listens: bound (so no one else takes it) but not listening -> refused."""
    import socket

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    yield f"http://127.0.0.1:{sock.getsockname()[1]}/le"
    sock.close()


def test_check_connection_refused_is_exit_3(run_cli, refused_url):
    r = run_cli("check", refused_url, "--rubric", MINI, "--allow-private-network")
    assert r.code == 3, r
    assert "connection failed" in r.err and "could not evaluate" in r.err and "Traceback" not in r.err
    assert "could not be evaluated" in r.out


def test_all_urls_failing_is_exit_3(run_cli, server, refused_url):
    r = run_cli("check", f"{server}/missing", refused_url, "--rubric", MINI, "--allow-private-network",
                "--format", "json")
    assert r.code == 3 and "could not evaluate: every document failed to fetch or parse" in r.err
    docs = json.loads(r.out)["companies"][0]["documents"]
    assert [d["status"] for d in docs] == ["failed", "failed"]


def test_private_address_refused_is_invalid_input_even_with_other_inputs(run_cli, server, policy):
    # a policy refusal is the user's to lift (--allow-private-network), not a document failure
    r = run_cli("check", policy, f"{server}/le", "--rubric", MINI)
    assert r.code == 2 and "non-public address" in r.err and "--allow-private-network" in r.err


def test_file_plus_failing_url_lists_the_failure(run_cli, server, policy):
    r = run_cli("check", policy, f"{server}/missing", "--rubric", MINI, "--allow-private-network",
                "--format", "json", "--type", "law-enforcement-guidelines")
    assert r.code == 0, r
    assert "HTTP 404" in r.err
    (company,) = json.loads(r.out)["companies"]
    docs = {d["url"]: d for d in company["documents"]}
    failed = docs[f"{server}/missing"]
    assert failed["status"] == "failed" and failed["error"] == "HTTP 404"
    assert failed["sha256"] is None and failed["fetched_at"] is None
    assert failed["type"] == "law-enforcement-guidelines"
    assert docs[policy.name]["status"] == "ok"
    alone = json.loads(run_cli("check", policy, "--rubric", MINI, "--format", "json",
                               "--type", "law-enforcement-guidelines").out)["companies"][0]
    assert company["score"] == alone["score"] and company["criteria"] == alone["criteria"]  # from the rest


@pytest.mark.parametrize("url", ["ftp://x/y", "file:///etc/hosts", "gopher://example.com/1"])
def test_unsupported_scheme_is_exit_2(run_cli, url):
    r = run_cli("check", url, "--rubric", MINI)
    assert r.code == 2, r
    assert "unsupported URL scheme" in r.err and "no such file" not in r.err


def test_upper_case_http_scheme_is_fetched(run_cli, server):
    url = server.replace("http://", "HTTP://") + "/le"
    r = run_cli("check", url, "--rubric", MINI, "--allow-private-network")
    assert r.code == 0, r


def test_guessed_type_is_in_json_and_markdown(run_cli, policy):
    r = run_cli("check", policy, "--rubric", MINI, "--format", "json")
    assert r.code == 0, r
    (doc,) = json.loads(r.out)["companies"][0]["documents"]
    assert doc["type"] == "law-enforcement-guidelines" and doc["type_guessed"] is True
    given = run_cli("check", policy, "--rubric", MINI, "--format", "json", "--type", "law-enforcement-guidelines")
    assert "type_guessed" not in json.loads(given.out)["companies"][0]["documents"][0]
    md = run_cli("check", policy, "--rubric", MINI, "--format", "markdown")
    assert f"- law-enforcement-guidelines (type guessed): {policy.name}".replace("_", "\\_") in md.out
    md_given = run_cli("check", policy, "--rubric", MINI, "--format", "markdown", "--type", "law-enforcement-guidelines")
    assert "(type guessed)" not in md_given.out


def test_rubric_commands(run_cli):
    r = run_cli("rubric", "validate", MINI)
    assert r.code == 0 and "ok: mini" in r.out
    r = run_cli("rubric", "test", MINI)
    assert r.code == 0 and "passed, 0 failed" in r.out
    r = run_cli("rubric", "docs", MINI)
    assert r.code == 0 and "## Demands" in r.out and "`notice`" in r.out
    r = run_cli("rubric", "show", MINI, "--criterion", "notice")
    assert r.code == 0 and "ask: Tell users" in r.out


def test_rubric_show_lists_grades_caps_and_demand_weights(run_cli):
    r = run_cli("rubric", "show", "--format", "json")
    assert r.code == 0, r
    data = json.loads(r.out)
    assert [g["grade"] for g in data["grades"]] == ["A", "B", "C", "D", "F"]
    assert {c["criterion"] for c in data["caps"]} == {"requires-legal-process", "provider-cannot-decrypt"}
    assert {d["id"]: d["weight"] for d in data["demands"]} == {
        "legal-process": 35, "encryption": 35, "police-contracts": 20, "third-parties": 10}
    assert data["points"]["partial"] == 50
    text = run_cli("rubric", "show").out
    assert "grades: A >= 85" in text and "cap: requires-legal-process at not-met" in text


def test_rubric_test_fails_on_mismatch(run_cli, tmp_path):
    text = Path(MINI).read_text(encoding="utf-8").replace(
        'text = "We do not notify users of requests."\nlevel = "not-met"',
        'text = "We do not notify users of requests."\nlevel = "met"')
    p = tmp_path / "wrong.toml"
    p.write_text(text, encoding="utf-8")
    r = run_cli("rubric", "test", p)
    assert r.code == 1 and "FAIL notice: expected met, got not-met" in r.out
