"""Workspace commands: init, validate, company add, fetch, import, score, review, explain."""

from __future__ import annotations

import json
from pathlib import Path

from httpfixtures import LocalServer

from audit.declarations.load import load_declarations
from audit.declarations.reviews import load_reviews, write_review
from audit.models import Level, Review
from audit.workspace import Workspace

MINI = str(Path(__file__).parents[1] / "data" / "mini_rubric.toml")
GOOD_TEXT = "We notify users before we disclose their data. A search warrant is required for content.\n"


def make_ws(tmp_path: Path, decls: dict[str, str]) -> Path:
    (tmp_path / "companies").mkdir(parents=True, exist_ok=True)
    for slug, text in decls.items():
        (tmp_path / "companies" / f"{slug}.toml").write_text(text)
    return tmp_path


def local_company(ws: Path, slug="acme", text=GOOD_TEXT) -> None:
    (ws / "companies" / "docs").mkdir(parents=True, exist_ok=True)
    (ws / "companies" / "docs" / f"{slug}.txt").write_text(text)
    (ws / "companies" / f"{slug}.toml").write_text(
        f'name = "{slug.title()}"\n\n[[documents]]\ntype = "law-enforcement-guidelines"\npath = "docs/{slug}.txt"\n')


def test_init_creates_workspace_that_validates(tmp_path, run_cli):
    r = run_cli("init", tmp_path / "ws")
    assert r.code == 0, r
    ws = tmp_path / "ws"
    assert (ws / "companies" / "example-corp.toml").is_file()
    assert "archive/cache/" in (ws / ".gitignore").read_text()
    r = run_cli("validate", "--workspace", ws, "--rubric", MINI)
    assert r.code == 0, r
    assert run_cli("init", ws).code == 0  # idempotent: keeps what exists


def test_declaration_errors_name_file_key_and_line(tmp_path, run_cli):
    make_ws(tmp_path, {
        "bad": 'name = "Bad"\nhosts = "not-a-list"\n\n[[documents]]\ntype = "nonsense"\nurl = "ftp://x"\n',
        "Bad_Slug": 'name = "x"\n',
        "broken": 'name = "x\n',
        "fine": 'name = "Fine"\n',
    })
    decls, problems = load_declarations(Workspace.open(tmp_path))
    assert [d.slug for d in decls] == ["fine"]
    text = [str(p) for p in problems]
    assert any("bad.toml:2: [hosts]" in t for t in text), text
    assert any("bad.toml:5: [documents[0].type]" in t for t in text), text
    assert any("bad.toml:6: [documents[0].url]" in t for t in text), text
    assert any("Bad_Slug.toml" in t and "slug" in t for t in text), text
    assert any("broken.toml:1" in t and "TOML" in t for t in text), text
    r = run_cli("validate", "--workspace", tmp_path, "--rubric", MINI)
    assert r.code == 2 and "bad.toml:5" in r.err and "problem(s) found" in r.err


def test_unknown_not_applicable_criterion_is_reported(tmp_path, run_cli):
    make_ws(tmp_path, {"acme": 'name = "A"\nnot_applicable = ["no-such-thing"]\n'})
    r = run_cli("validate", "--workspace", tmp_path, "--rubric", MINI)
    assert r.code == 2 and "acme.toml:2: [not_applicable] unknown criterion 'no-such-thing'" in r.err


def test_company_add_writes_valid_declaration(tmp_path, run_cli):
    r = run_cli("company", "add", "acme", "--name", "Acme Inc", "--doc", "privacy-policy=https://acme.example/privacy",
                "--host", "acme.example", "--workspace", tmp_path)
    assert r.code == 0, r
    [decl], problems = load_declarations(Workspace.open(tmp_path))
    assert not problems and decl.name == "Acme Inc" and decl.hosts == ("acme.example",)
    assert decl.documents[0].url == "https://acme.example/privacy"
    assert run_cli("company", "add", "acme", "--name", "X", "--workspace", tmp_path).code == 2  # exists
    r = run_cli("company", "add", "x", "--name", "X", "--doc", "bogus=https://a.example", "--workspace", tmp_path)
    assert r.code == 2 and "unknown type 'bogus'" in r.err


def test_workspace_from_env_and_missing_folder(tmp_path, run_cli):
    local_company(tmp_path)
    r = run_cli("score", "--rubric", MINI, "--format", "json", env={"AUDIT_WORKSPACE": str(tmp_path)})
    assert r.code == 0, r
    assert json.loads(r.out)["companies"][0]["slug"] == "acme"
    r = run_cli("score", "--workspace", tmp_path / "nope")
    assert r.code == 2 and "does not exist" in r.err


def test_score_local_documents_are_not_absolute_paths(tmp_path, run_cli):
    local_company(tmp_path)
    r = run_cli("score", "--workspace", tmp_path, "--rubric", MINI, "--format", "json")
    card = json.loads(r.out)["companies"][0]
    assert card["documents"][0]["url"] == "acme.txt"  # the file name, never a path of the machine
    assert {c["id"]: c["level"] for c in card["criteria"]}["notice"] == "met"
    again = run_cli("score", "--workspace", tmp_path, "--rubric", MINI, "--format", "json",
                    env={"SOURCE_DATE_EPOCH": "0"})
    assert run_cli("score", "--workspace", tmp_path, "--rubric", MINI, "--format", "json").out.split(
        '"generated_at"')[1].split("\n", 1)[1] == again.out.split('"generated_at"')[1].split("\n", 1)[1]


def test_score_exit_codes(tmp_path, run_cli):
    r = run_cli("score", "--workspace", tmp_path, "--rubric", MINI)
    assert r.code == 2 and "no company declarations" in r.err
    make_ws(tmp_path, {"acme": 'name = "A"\n\n[[documents]]\ntype = "other"\nurl = "https://a.example/x"\n'})
    r = run_cli("score", "--workspace", tmp_path, "--rubric", MINI)
    assert r.code == 3 and "nothing could be evaluated" in r.err
    local_company(tmp_path, "beta")
    (tmp_path / "companies" / "gamma.toml").write_text('name = 3\n')
    r = run_cli("score", "--workspace", tmp_path, "--rubric", MINI)
    assert r.code == 2 and "Beta" in r.out and "gamma.toml:1: [name]" in r.err


def test_review_round_trip_and_explain(tmp_path, run_cli):
    local_company(tmp_path, text="We may notify users where feasible.\n")
    r = run_cli("review", "acme", "notice", "--level", "met", "--rationale", "Confirmed in the FAQ.",
                "--reviewer", "Ana", "--date", "2026-11-20", "--workspace", tmp_path, "--rubric", MINI)
    assert r.code == 0, r
    reviews = load_reviews(Workspace.open(tmp_path), "acme")
    assert reviews["notice"] == Review("notice", Level.MET, "Confirmed in the FAQ.", "Ana", "2026-11-20")
    write_review(Workspace.open(tmp_path), "acme", Review("notice", Level.NOT_MET, "Changed.", "Bo", "2026-11-21"))
    assert load_reviews(Workspace.open(tmp_path), "acme")["notice"].level is Level.NOT_MET  # last one wins
    r = run_cli("explain", "acme", "notice", "--workspace", tmp_path, "--rubric", MINI)
    assert r.code == 0, r
    assert "not-met" in r.out and "reviewed by Bo" in r.out and "automatic level: partial" in r.out
    assert "We may notify users where feasible." in r.out
    r = run_cli("explain", "acme", "warrant", "--workspace", tmp_path, "--rubric", MINI)
    assert "no-disclosure" in r.out and "demand:" in r.out
    assert run_cli("explain", "acme", "nope", "--workspace", tmp_path, "--rubric", MINI).code == 2


def test_review_needs_flags_without_terminal_and_validates(tmp_path, run_cli):
    local_company(tmp_path)
    r = run_cli("review", "acme", "notice", "--rationale", "x", "--reviewer", "a", "--workspace", tmp_path,
                "--rubric", MINI)
    assert r.code == 2 and "--level is required" in r.err
    r = run_cli("review", "acme", "bogus", "--level", "met", "--rationale", "x", "--reviewer", "a",
                "--workspace", tmp_path, "--rubric", MINI)
    assert r.code == 2 and "unknown criterion" in r.err
    (tmp_path / "reviews").mkdir()
    (tmp_path / "reviews" / "acme.toml").write_text('[[review]]\ncriterion = "notice"\nlevel = "great"\n')
    r = run_cli("validate", "--workspace", tmp_path, "--rubric", MINI)
    assert r.code == 2 and "acme.toml:3: [review[0].level]" in r.err


def test_import_saved_copy(tmp_path, run_cli):
    make_ws(tmp_path, {"acme": 'name = "A"\n\n[[documents]]\ntype = "privacy-policy"\nurl = "https://a.example/p"\n'})
    saved = tmp_path / "saved.html"
    saved.write_text("<html><body><p>We notify users before we disclose their data.</p></body></html>")
    r = run_cli("import", saved, "--company", "acme", "--type", "privacy-policy", "--fetched-at", "2026-01-02",
                "--workspace", tmp_path)
    assert r.code == 0, r
    r = run_cli("score", "--workspace", tmp_path, "--rubric", MINI, "--format", "json")
    doc = json.loads(r.out)["companies"][0]["documents"][0]
    assert doc["url"] == "https://a.example/p" and doc["fetched_at"] == "2026-01-02T00:00:00Z" and doc["status"] == "ok"
    bad = run_cli("import", saved, "--company", "acme", "--type", "terms-of-service", "--workspace", tmp_path)
    assert bad.code == 2 and "give --url" in bad.err
    assert run_cli("import", tmp_path / "none.html", "--company", "acme", "--type", "privacy-policy",
                   "--workspace", tmp_path).code == 2


def test_fetch_command_end_to_end(tmp_path, run_cli):
    pages = {"status": 200}

    def route(h):
        if pages["status"] != 200:
            return h.send(500, b"down", {"Content-Type": "text/plain"})
        h.send(200, b"<html><body><p>We notify users before we disclose their data.</p></body></html>",
               {"Content-Type": "text/html", "ETag": '"e1"'} if h.headers.get("If-None-Match") != '"e1"' else {})

    def route_304_aware(h):
        if pages["status"] == 200 and h.headers.get("If-None-Match") == '"e1"':
            return h.send(304, b"", {"ETag": '"e1"'})
        route(h)

    with LocalServer({"/le": route_304_aware}) as srv:
        make_ws(tmp_path, {"acme": f'name = "Acme"\n\n[[documents]]\ntype = "law-enforcement-guidelines"\n'
                                   f'url = "{srv.url("/le")}"\n'})
        r = run_cli("fetch", "--workspace", tmp_path)
        assert r.code == 3 and "non-public address" in r.err  # loopback refused by default
        args = ("fetch", "--workspace", tmp_path, "--allow-private-network", "--delay", "0")
        r = run_cli(*args)
        assert r.code == 0 and "acme: 1 fetched, 0 unchanged, 0 failed" in r.err, r
        r = run_cli(*args)
        assert "acme: 0 fetched, 1 unchanged, 0 failed" in r.err, r
        assert srv.handler.counts["/le"] == 2 + 0  # the refused run never reached the server
        (tmp_path / "audit.toml").write_text("retries = 0\n")
        pages["status"] = 500
        r = run_cli(*args)
        assert r.code == 3 and "stale" in r.err
    r = run_cli("score", "--workspace", tmp_path, "--rubric", MINI, "--format", "json")
    assert r.code == 0, r
    doc = json.loads(r.out)["companies"][0]["documents"][0]
    assert doc["status"] == "stale" and "HTTP 500" in doc["error"]


def test_bad_settings_file(tmp_path, run_cli):
    local_company(tmp_path)
    (tmp_path / "audit.toml").write_text("delay = 'slow'\n")
    r = run_cli("score", "--workspace", tmp_path, "--rubric", MINI)
    assert r.code == 2 and "delay must be a non-negative number" in r.err


def test_local_path_must_stay_inside_workspace(tmp_path, run_cli):
    ws = tmp_path / "ws"
    (tmp_path / "secret.txt").write_text("private")
    make_ws(ws, {"evil": 'name = "E"\n\n[[documents]]\ntype = "other"\npath = "../../secret.txt"\n',
                 "abs": f'name = "A"\n\n[[documents]]\ntype = "other"\npath = "{(tmp_path / "secret.txt").as_posix()}"\n'})
    r = run_cli("validate", "--workspace", ws, "--rubric", MINI)
    assert r.code == 2
    assert "evil.toml:5: [documents[0].path] must be a relative path inside the workspace" in r.err
    assert "abs.toml:5: [documents[0].path]" in r.err


def test_workspace_may_be_given_before_the_command(run_cli, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764288000")  # generated_at must not tick between runs
    examples = Path(__file__).resolve().parents[2] / "examples"
    before = run_cli("--workspace", str(examples), "score", "--format", "json", cwd=tmp_path)
    after = run_cli("score", "--workspace", str(examples), "--format", "json", cwd=tmp_path)
    assert before.code == 0, before
    assert before.out == after.out
    # the flag after the command wins over the one before it, and both over $AUDIT_WORKSPACE
    r = run_cli("--workspace", str(tmp_path / "nope"), "score", "--workspace", str(examples), "--format", "json",
                env={"AUDIT_WORKSPACE": str(tmp_path / "nope2")})
    assert r.code == 0 and r.out == after.out, r
    r = run_cli("--workspace", str(examples), "score", "--format", "json", env={"AUDIT_WORKSPACE": str(tmp_path / "nope")})
    assert r.code == 0 and r.out == after.out, r
