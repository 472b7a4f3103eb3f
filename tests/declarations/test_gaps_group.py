"""Several pages forming ONE document (`group`, from an OTA `combine`): kept by the loader and
scored as one document whose evidence still names the page each quote came from."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.demands.test_demands import write_rubric

from audit.declarations.load import load_declaration, parse_declaration
from audit.declarations.write import declaration_toml

PART1 = "https://legal.acme.test/tos/eu-dsa"
PART2 = "https://help.acme.test/faq"
PART3 = "https://help.acme.test/faq-2"

DECLARATION = f'''name = "Acme Corp"

[[documents]]
type = "law-enforcement-guidelines"
url = "{PART1}"
group = "law-enforcement-guidelines"
title = "Acme law-enforcement guidelines"

[[documents]]
type = "law-enforcement-guidelines"
url = "{PART2}"
group = "law-enforcement-guidelines"
'''

PAGE1 = ("<html><head><title>Terms (EU DSA)</title></head><body><main><h1>Authorities</h1>"
         "<p>This section explains how authorities contact us.</p></main></body></html>")
PAGE2 = ("<html><head><title>FAQ</title></head><body><main><h1>Law enforcement</h1>"
         "<p>We disclose user data only in response to valid legal process.</p></main></body></html>")


def _workspace(tmp_path: Path, text: str = DECLARATION) -> Path:
    ws = tmp_path / "ws"
    (ws / "companies").mkdir(parents=True)
    (ws / "companies" / "acme.toml").write_text(text, encoding="utf-8")
    return ws


def _import(run_cli, ws: Path, tmp_path: Path, url: str, html: str, name: str):
    f = tmp_path / name
    f.write_text(html, encoding="utf-8")
    r = run_cli("import", f, "--company", "acme", "--type", "law-enforcement-guidelines", "--url", url,
                "--fetched-at", "2026-11-01T10:00:00Z", "--workspace", ws)
    assert r.code == 0, r


def test_loader_keeps_group_and_title(tmp_path):
    ws = _workspace(tmp_path)
    decl = load_declaration(ws / "companies" / "acme.toml")
    assert [d.group for d in decl.documents] == ["law-enforcement-guidelines"] * 2
    assert decl.documents[0].title == "Acme law-enforcement guidelines" and decl.documents[1].title is None
    assert decl.combined() == {"law-enforcement-guidelines": decl.documents}
    assert decl.documents[0].document_id == decl.documents[1].document_id == "law-enforcement-guidelines#law-enforcement-guidelines"
    # the archive key of each page is unchanged by the group (archives made before keep working)
    assert decl.documents[0].key.startswith("law-enforcement-guidelines-")
    # written back (e.g. when `audit discover --write` rewrites a declaration), the group survives
    again, problems = parse_declaration(declaration_toml(decl.name, documents=decl.documents), Path("acme.toml"))
    assert problems == [] and again.documents == decl.documents


def test_a_group_is_one_document_of_one_type(tmp_path):
    text = DECLARATION.replace(f'type = "law-enforcement-guidelines"\nurl = "{PART2}"',
                               f'type = "privacy-policy"\nurl = "{PART2}"')
    assert text != DECLARATION
    decl, problems = parse_declaration(text, Path("acme.toml"))
    assert decl is None
    assert len(problems) == 1 and problems[0].key == "documents[1].group" and problems[0].line == 12
    assert "different types" in problems[0].message
    decl, problems = parse_declaration(DECLARATION.replace('group = "law-enforcement-guidelines"\n', 'group = ""\n', 1),
                                       Path("acme.toml"))
    assert decl is None and problems[0].key == "documents[0].group"


def test_imported_ota_combine_loads_as_one_document(ota_dir, tmp_path, run_cli):
    r = run_cli("company", "import-ota", str(ota_dir / "contrib__Telegram.json"), "--workspace", str(tmp_path))
    assert r.code == 0, r
    decl = load_declaration(tmp_path / "companies" / "telegram.toml")
    le = [d for d in decl.documents if d.type == "law-enforcement-guidelines"]
    assert len(le) == 2 and {d.group for d in le} == {"law-enforcement-guidelines"}
    assert decl.combined()["law-enforcement-guidelines"] == tuple(le)


@pytest.fixture
def ota_dir(shared_dir) -> Path:
    path = shared_dir / "ota" / "declarations"
    if not path.is_dir():
        pytest.skip("../shared/ota is absent")
    return path


def test_combined_pages_score_as_one_document_with_page_evidence(run_cli, tmp_path):
    ws = _workspace(tmp_path)
    rubric = write_rubric(tmp_path)
    _import(run_cli, ws, tmp_path, PART1, PAGE1, "part1.html")
    _import(run_cli, ws, tmp_path, PART2, PAGE2, "part2.html")
    r = run_cli("score", "--workspace", ws, "--rubric", rubric, "--format", "json")
    assert r.code == 0, r
    card = json.loads(r.out)["companies"][0]
    crit = {c["id"]: c for c in card["criteria"]}["requires-legal-process"]
    assert crit["level"] == "met"  # the document is credited for what its second page says
    [ev] = crit["evidence"]
    assert ev["url"] == PART2 and ev["document"] == "law-enforcement-guidelines"  # names the page
    assert "only in response to valid legal process" in ev["quote"]
    docs = {d["url"]: d for d in card["documents"]}
    assert ev["sha256"] == docs[PART2]["sha256"] != docs[PART1]["sha256"]
    assert {d["status"] for d in docs.values()} == {"ok"}
    assert "incomplete" not in r.err


def test_a_missing_page_makes_the_combined_document_incomplete(run_cli, tmp_path):
    text = DECLARATION + f'\n[[documents]]\ntype = "law-enforcement-guidelines"\nurl = "{PART3}"\n' \
                         'group = "law-enforcement-guidelines"\n'
    ws = _workspace(tmp_path, text)
    rubric = write_rubric(tmp_path)
    _import(run_cli, ws, tmp_path, PART1, PAGE1, "part1.html")
    _import(run_cli, ws, tmp_path, PART2, PAGE2, "part2.html")
    r = run_cli("score", "--workspace", ws, "--rubric", rubric, "--format", "json")
    assert r.code == 0, r
    assert "combined document 'law-enforcement-guidelines' (law-enforcement-guidelines) is incomplete" in r.err
    assert "1 of 3 pages unusable" in r.err and PART3 in r.err
    card = json.loads(r.out)["companies"][0]
    assert {d["url"]: d["status"] for d in card["documents"]} == {PART1: "ok", PART2: "ok", PART3: "failed"}
