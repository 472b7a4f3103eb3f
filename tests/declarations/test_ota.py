"""Open Terms Archive import/export: real OTA files from ../shared and small hand-written ones."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from audit.declarations import ota
from audit.declarations.load import load_declaration
from audit.errors import InputError
from audit.models import RangeSelector


def write_json(path: Path, data) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def imported(ws: Path, slug: str) -> dict:
    return tomllib.loads((ws / "companies" / f"{slug}.toml").read_text(encoding="utf-8"))


@pytest.fixture
def ota_dir(shared_dir) -> Path:
    path = shared_dir / "ota" / "declarations"
    if not path.is_dir():
        pytest.skip("../shared/ota is absent")
    return path


# --- type mapping ---------------------------------------------------------------------------

@pytest.mark.parametrize("ota_type, ours", [
    ("Law Enforcement Guidelines", "law-enforcement-guidelines"),
    ("Legal Process Guidelines", "law-enforcement-guidelines"),
    ("Privacy Policy", "privacy-policy"),
    ("Terms of Service", "terms-of-service"),
    ("Terms of Use", "terms-of-service"),
    ("Developer Terms", "developer-terms"),
    ("Government Requests Report", "transparency-report"),
    ("Transparency Report", "transparency-report"),
    ("Reports List", "other"),  # DSA systemic-risk reports: not about government requests
    ("Systemic Risks — 2024", "other"),
    ("Community Guidelines", "other"),
    ("Trackers Policy", "other"),
])
def test_terms_types_map_to_our_document_types(ota_type, ours):
    assert ota.map_terms_type(ota_type) == ours


# --- real OTA declarations -------------------------------------------------------------------

def test_every_shared_current_declaration_converts(ota_dir):
    current = sorted(p for p in ota_dir.glob("*.json") if not p.name.endswith(".history.json"))
    assert len(current) >= 60
    converted = 0
    for path in current:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not data.get("terms"):
            with pytest.raises(InputError, match="declares no terms"):
                ota.convert(data, source=path.name)
            continue
        conv = ota.convert(data, source=path.name)
        table = tomllib.loads(conv.to_toml(source=path.name))
        assert table == conv.declaration, path.name
        assert ota.valid_slug(conv.slug)
        assert all(d["url"].startswith(("http://", "https://")) for d in table["documents"])
        assert set(table["hosts"]) == {d["url"].split("/")[2] for d in table["documents"]}
        converted += 1
    assert converted >= 60


def test_telegram_combine_becomes_grouped_documents(ota_dir, tmp_path, run_cli):
    r = run_cli("company", "import-ota", str(ota_dir / "contrib__Telegram.json"), "--workspace", str(tmp_path))
    assert r.code == 0, r
    assert r.out.strip().endswith("telegram.toml")
    decl = imported(tmp_path, "telegram")
    le = [d for d in decl["documents"] if d["type"] == "law-enforcement-guidelines"]
    assert [d["url"] for d in le] == ["https://telegram.org/tos/eu-dsa?setln=en", "https://telegram.org/faq?setln=en"]
    assert {d["group"] for d in le} == {"law-enforcement-guidelines"}
    assert le[1]["remove"] == ["blockquote"]
    # both parts are sections of their pages: OTA's range selectors are kept as ours
    assert le[0]["select"] == [{"start_before": "[name=contact-points-for-competent-authorities-in-eu-countries]",
                                "end_before": "[name=average-monthly-active-recipients-of-service-in-the-eu]"}]
    assert le[1]["select"] == [{"start_before": "[name=q-do-you-process-data-requests]",
                                "end_before": "[name=telegram-basics]"}]
    assert "range selector" not in r.err and "range selector" not in (
        tmp_path / "companies" / "telegram.toml").read_text(encoding="utf-8")
    assert decl["hosts"] == ["core.telegram.org", "telegram.org"]
    loaded = load_declaration(tmp_path / "companies" / "telegram.toml")  # the real loader accepts it
    faq = [d for d in loaded.documents if d.type == "law-enforcement-guidelines"][1]
    assert faq.select == (RangeSelector(start_before="[name=q-do-you-process-data-requests]",
                                        end_before="[name=telegram-basics]"),)


def test_filters_and_client_scripts_are_reported(ota_dir, tmp_path, run_cli):
    r = run_cli("company", "import-ota", str(ota_dir / "contrib__Instagram.json"), "--workspace", str(tmp_path))
    assert r.code == 0, r
    assert "removeQueryParams" in r.err and "replaceInfoImageWithEmoji" in r.err
    assert "executeClientScripts" in r.err
    le = [d for d in imported(tmp_path, "instagram")["documents"] if d["type"] == "law-enforcement-guidelines"]
    assert le == [{
        "type": "law-enforcement-guidelines", "url": "https://help.instagram.com/494561080557017",
        "select": 'div[role="main"]', "remove": ['div[aria-label="Copy Link"]', "[id='Related Articles']", "fieldset"],
    }]


def test_history_file_stands_for_the_current_declaration(ota_dir, tmp_path, run_cli):
    r = run_cli("company", "import-ota", str(ota_dir / "contrib__Twitter.history.json"),
                str(ota_dir / "contrib__Twitter.json"), "--workspace", str(tmp_path))
    assert r.code == 0, r
    assert r.out.count("twitter.toml") == 1  # the pair is imported once
    assert "contrib__Twitter.history.json" in r.err and "not imported" in r.err
    tos = [d for d in imported(tmp_path, "twitter")["documents"] if d["type"] == "terms-of-service"]
    assert [d["url"] for d in tos] == ["https://twitter.com/tos"]
    assert tos[0]["select"] == "#twtr-main"  # the current selector, not the history's .p22-chapters-container


def test_empty_terms_is_a_clear_error(ota_dir, tmp_path, run_cli):
    r = run_cli("company", "import-ota", str(ota_dir / "pga__Twitter.json"), "--workspace", str(tmp_path))
    assert r.code == 2
    assert "declares no terms" in r.err and "Traceback" not in r.err
    assert not (tmp_path / "companies" / "twitter.toml").exists()


# --- hand-written OTA declarations -----------------------------------------------------------

COMBINED = {
    "name": "Exämple Messenger",
    "terms": {
        "Law Enforcement Guidelines": {
            "select": ["main"],
            "remove": ".banner",
            "filter": ["cleanUrls", {"removeQueryParams": ["h"]}],
            "executeClientScripts": True,
            "combine": [
                {"fetch": "https://legal.example.com/le"},
                {"fetch": "https://help.example.com/faq", "select": [{"startBefore": "#q1", "endBefore": "#q2"}]},
                {"fetch": "https://help.example.com/faq2",
                 "select": ["#answers", {"startAfter": "h1", "endAfter": "#x"}, {"startBefore": "#a", "startAfter": "#b"}],
                 "remove": []},
            ],
        },
        "Privacy Policy": {"fetch": "https://example.com/privacy", "select": "article > div", "remove": ["nav", "footer"]},
        "Imprint": {"fetch": "ftp://example.com/imprint.txt"},
        "Trackers Policy": {"fetch": "https://example.com/cookies", "select": "div[[broken"},
    },
}


def test_combine_ranges_filters_and_bad_entries(tmp_path, run_cli):
    src = write_json(tmp_path / "Example.json", COMBINED)
    r = run_cli("company", "import-ota", str(src), "--workspace", str(tmp_path))
    assert r.code == 0, r
    decl = imported(tmp_path, "example-messenger")
    assert decl["name"] == "Exämple Messenger"
    docs = decl["documents"]
    le = [d for d in docs if d["type"] == "law-enforcement-guidelines"]
    assert le == [
        {"type": "law-enforcement-guidelines", "url": "https://legal.example.com/le", "group": "law-enforcement-guidelines",
         "select": "main", "remove": [".banner"]},
        {"type": "law-enforcement-guidelines", "url": "https://help.example.com/faq", "group": "law-enforcement-guidelines",
         "select": [{"start_before": "#q1", "end_before": "#q2"}], "remove": [".banner"]},
        {"type": "law-enforcement-guidelines", "url": "https://help.example.com/faq2", "group": "law-enforcement-guidelines",
         "select": ["#answers", {"start_after": "h1", "end_after": "#x"}]},
    ]
    assert {"type": "privacy-policy", "url": "https://example.com/privacy", "select": "article > div",
            "remove": ["nav", "footer"]} in docs
    # unusable URL skipped, invalid CSS and an invalid range dropped (whole page kept), all reported
    assert not any(d["url"].startswith("ftp:") for d in docs)
    assert {"type": "other", "url": "https://example.com/cookies"} in docs
    for needle in ("ftp://example.com/imprint.txt", "div[[broken", "cleanUrls", "removeQueryParams",
                   "executeClientScripts", "startAfter '#b'", "other selectors are kept"):
        assert needle in r.err, needle
    assert "startBefore '#q1'" not in r.err  # a valid range is mapped, not reported
    assert decl["hosts"] == ["example.com", "help.example.com", "legal.example.com"]
    text = (tmp_path / "companies" / "example-messenger.toml").read_text(encoding="utf-8")
    assert "# OTA terms type: Trackers Policy" in text
    loaded = load_declaration(tmp_path / "companies" / "example-messenger.toml")
    assert loaded.slug == "example-messenger" and len(loaded.documents) == len(docs)


def test_older_documents_key_and_name_from_file(tmp_path, run_cli):
    src = write_json(tmp_path / "contrib__Old Service.json",
                     {"documents": {"Terms of Service": {"fetch": "https://old.example.org/tos", "select": "#c"}}})
    r = run_cli("company", "import-ota", str(src), "--workspace", str(tmp_path))
    assert r.code == 0, r
    decl = imported(tmp_path, "old-service")
    assert decl["name"] == "Old Service"
    assert decl["documents"] == [{"type": "terms-of-service", "url": "https://old.example.org/tos", "select": "#c"}]
    assert decl["website"] == "https://old.example.org"


def test_history_only_file_without_current_declaration_fails(tmp_path, run_cli):
    src = write_json(tmp_path / "Gone.history.json",
                     {"Privacy Policy": [{"fetch": "https://gone.example.org/p", "validUntil": "2020-01-01T00:00:00Z"}]})
    r = run_cli("company", "import-ota", str(src), "--workspace", str(tmp_path))
    assert r.code == 2
    assert "Gone.json" in r.err and "Traceback" not in r.err


def test_history_summary_reports_entries():
    summary = ota.summarize_history({
        "Privacy Policy": [{"fetch": "https://a.example/p", "validUntil": "2021-01-01T00:00:00Z"},
                           {"fetch": "https://a.example/q", "validUntil": "2022-06-01T00:00:00Z"}],
        "Terms of Service": [{"fetch": "https://a.example/t", "validUntil": "2020-01-01T00:00:00Z"}],
    }, "A.history.json")
    assert summary.entries == 3
    assert summary.newest_valid_until == "2022-06-01T00:00:00Z"
    assert "3 past declaration(s)" in summary.describe()


@pytest.mark.parametrize("content, message", [
    ("{not json", "invalid JSON"),
    ("[1, 2]", "not an OTA declaration"),
    ('{"name": "X"}', "no 'terms'"),
    ('{"name": "X", "terms": ["a"]}', "'terms' must be an object"),
    ('{"name": "X", "terms": {"Privacy Policy": {"select": "main"}}}', "no document could be imported"),
    ('{"name": "!!!", "terms": {"Privacy Policy": {"fetch": "https://x.example/p"}}}', "--slug"),
])
def test_bad_input_is_one_line_exit_2(tmp_path, run_cli, content, message):
    src = tmp_path / "bad.json"
    src.write_text(content, encoding="utf-8")
    r = run_cli("company", "import-ota", str(src), "--workspace", str(tmp_path))
    assert r.code == 2, r
    assert message in r.err and "Traceback" not in r.err
    assert not (tmp_path / "companies").exists() or not any((tmp_path / "companies").iterdir())


def test_missing_file_and_slug_rules(tmp_path, run_cli):
    r = run_cli("company", "import-ota", str(tmp_path / "nope.json"), "--workspace", str(tmp_path))
    assert r.code == 2 and "no such file" in r.err
    a = write_json(tmp_path / "A.json", {"name": "A", "terms": {"Privacy Policy": {"fetch": "https://a.example/p"}}})
    b = write_json(tmp_path / "B.json", {"name": "B", "terms": {"Privacy Policy": {"fetch": "https://b.example/p"}}})
    r = run_cli("company", "import-ota", str(a), str(b), "--slug", "x", "--workspace", str(tmp_path))
    assert r.code == 2 and "exactly one" in r.err
    r = run_cli("company", "import-ota", str(a), "--slug", "Bad Slug", "--workspace", str(tmp_path))
    assert r.code == 2 and "slug" in r.err
    r = run_cli("company", "import-ota", str(a), "--slug", "custom-a", "--workspace", str(tmp_path))
    assert r.code == 0 and (tmp_path / "companies" / "custom-a.toml").is_file()


def test_one_bad_file_does_not_lose_the_others(tmp_path, run_cli):
    good = write_json(tmp_path / "Good.json", {"name": "Good", "terms": {"Privacy Policy": {"fetch": "https://g.example/p"}}})
    bad = tmp_path / "Bad.json"
    bad.write_text("{", encoding="utf-8")
    r = run_cli("company", "import-ota", str(bad), str(good), "--workspace", str(tmp_path))
    assert r.code == 2
    assert "1 of 2" in r.err
    assert (tmp_path / "companies" / "good.toml").is_file()


def test_existing_declaration_needs_force_and_output_is_deterministic(tmp_path, run_cli):
    src = write_json(tmp_path / "Example.json", COMBINED)
    assert run_cli("company", "import-ota", str(src), "--workspace", str(tmp_path)).code == 0
    target = tmp_path / "companies" / "example-messenger.toml"
    first = target.read_bytes()
    r = run_cli("company", "import-ota", str(src), "--workspace", str(tmp_path))
    assert r.code == 2 and "--force" in r.err
    assert run_cli("company", "import-ota", str(src), "--workspace", str(tmp_path), "--force").code == 0
    assert target.read_bytes() == first
    r = run_cli("company", "import-ota", str(src), "--stdout", "--workspace", str(tmp_path / "elsewhere"))
    assert r.code == 0 and r.out.encode() == first
    assert not (tmp_path / "elsewhere").exists()
    assert [p.name for p in target.parent.iterdir()] == ["example-messenger.toml"]  # no temp files left


def test_workspace_from_environment(tmp_path, run_cli):
    src = write_json(tmp_path / "E.json", {"name": "Env Co", "terms": {"Privacy Policy": {"fetch": "https://e.example/p"}}})
    r = run_cli("company", "import-ota", str(src), env={"AUDIT_WORKSPACE": str(tmp_path / "ws")})
    assert r.code == 2 and "does not exist" in r.err  # like every command: no workspace made by accident
    (tmp_path / "ws").mkdir()
    r = run_cli("company", "import-ota", str(src), env={"AUDIT_WORKSPACE": str(tmp_path / "ws")})
    assert r.code == 0, r
    assert (tmp_path / "ws" / "companies" / "env-co.toml").is_file()


# --- export and round trip -------------------------------------------------------------------

def test_export_import_round_trip(tmp_path, run_cli):
    src = write_json(tmp_path / "Example.json", COMBINED)
    assert run_cli("company", "import-ota", str(src), "--workspace", str(tmp_path)).code == 0
    first = imported(tmp_path, "example-messenger")

    r = run_cli("company", "export-ota", "example-messenger", "--workspace", str(tmp_path))
    assert r.code == 0, r
    exported = json.loads(r.out)
    assert exported["name"] == "Exämple Messenger"
    assert sorted(exported["terms"]) == ["Law Enforcement Guidelines", "Privacy Policy"]
    assert [p["fetch"] for p in exported["terms"]["Law Enforcement Guidelines"]["combine"]] == [
        "https://legal.example.com/le", "https://help.example.com/faq", "https://help.example.com/faq2"]
    parts = exported["terms"]["Law Enforcement Guidelines"]["combine"]
    assert parts[1]["select"] == [{"startBefore": "#q1", "endBefore": "#q2"}]  # ranges in OTA's form
    assert parts[2]["select"] == ["#answers", {"startAfter": "h1", "endAfter": "#x"}]
    assert "'other'" in r.err  # the Trackers Policy page has no OTA type on our side: reported

    (tmp_path / "back").mkdir()
    back = write_json(tmp_path / "back" / "Back.json", exported)
    ws2 = tmp_path / "ws2"
    ws2.mkdir()
    assert run_cli("company", "import-ota", str(back), "--workspace", str(ws2)).code == 0
    again = imported(ws2, "example-messenger")
    mapped = [d for d in first["documents"] if d["type"] != "other"]
    assert again["documents"] == mapped
    assert again["name"] == first["name"]


def test_export_to_folder_and_errors(tmp_path, run_cli):
    companies = tmp_path / "companies"
    companies.mkdir()
    (companies / "acme.toml").write_text(
        'name = "Acme Corp"\nhosts = ["acme.example"]\n\n'
        '[[documents]]\ntype = "law-enforcement-guidelines"\nurl = "https://acme.example/le"\nselect = ["main", "#x"]\n\n'
        '[[documents]]\ntype = "transparency-report"\nurl = "https://acme.example/tr"\n\n'
        '[[documents]]\ntype = "privacy-policy"\npath = "docs/privacy.pdf"\n\n'
        '[[documents]]\ntype = "law-enforcement-guidelines"\nurl = "https://acme.example/le2"\n',
        encoding="utf-8")
    (companies / "docs").mkdir()
    (companies / "docs" / "privacy.pdf").write_bytes(b"%PDF-1.4 internal")
    (companies / "broken.toml").write_text("name = \n", encoding="utf-8")
    out = tmp_path / "out"
    r = run_cli("company", "export-ota", "acme", "--out", str(out), "--workspace", str(tmp_path))
    assert r.code == 0, r
    data = json.loads((out / "Acme Corp.json").read_text(encoding="utf-8"))
    assert data == {"name": "Acme Corp", "terms": {"Law Enforcement Guidelines": {
        "fetch": "https://acme.example/le", "select": ["main", "#x"]}}}
    assert "transparency-report" in r.err and "local file" in r.err and "second" in r.err
    assert "internal" not in (out / "Acme Corp.json").read_text(encoding="utf-8")

    assert run_cli("company", "export-ota", "acme", "broken", "--workspace", str(tmp_path)).code == 2
    r = run_cli("company", "export-ota", "broken", "--workspace", str(tmp_path))
    assert r.code == 2 and "broken.toml" in r.err and "Traceback" not in r.err
    r = run_cli("company", "export-ota", "missing", "--workspace", str(tmp_path))
    assert r.code == 2 and "no such declaration" in r.err
    r = run_cli("company", "export-ota", "../etc", "--workspace", str(tmp_path))
    assert r.code == 2


def test_shipped_telegram_exports_combined_le(run_cli):
    repo = Path(__file__).resolve().parents[2]
    r = run_cli("company", "export-ota", "telegram", "--workspace", str(repo))
    assert r.code == 0, r
    le = json.loads(r.out)["terms"]["Law Enforcement Guidelines"]
    assert [p["fetch"] for p in le["combine"]] == ["https://telegram.org/tos/eu-dsa?setln=en",
                                                   "https://telegram.org/faq?setln=en"]


def test_export_skips_non_web_urls():
    result = ota.export({"name": "J", "documents": [
        {"type": "privacy-policy", "url": "javascript:alert(1)"},
        {"type": "terms-of-service", "url": "https://j.example/tos", "select": "main"}]}, "j.toml")
    assert result.ota == {"name": "J", "terms": {"Terms of Service": {"fetch": "https://j.example/tos", "select": ["main"]}}}
    assert any("not an http(s) URL" in m for m in result.skipped)


def test_shipped_declarations_carry_the_ota_ranges(ota_dir):
    """companies/*.toml taken from OTA entries with range selectors have exactly OTA's ranges."""
    repo = Path(__file__).resolve().parents[2]
    for slug, source in (("telegram", "contrib__Telegram.json"), ("amazon", "contrib__Amazon.com.json"),
                         ("signal", "contrib__Signal.json")):
        conv = ota.convert(json.loads((ota_dir / source).read_text(encoding="utf-8")), source=source)
        ranged = {d["url"]: d["select"] for d in conv.declaration["documents"]
                  if any(isinstance(s, dict) for s in (d.get("select") if isinstance(d.get("select"), list) else []))}
        shipped = load_declaration(repo / "companies" / f"{slug}.toml")
        checked = 0
        for doc in shipped.documents:
            if doc.url in ranged and any(isinstance(s, RangeSelector) for s in doc.select):
                ours = [s if isinstance(s, str) else s.as_table() for s in doc.select]
                # a page OTA declares twice (terms + privacy on one page) matches one of them
                candidates = [d.get("select") for d in conv.declaration["documents"] if d["url"] == doc.url]
                assert ours in candidates, (slug, doc.url)
                checked += 1
        assert checked, slug
