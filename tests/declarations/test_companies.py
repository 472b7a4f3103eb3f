"""The repository's default company set: valid, unique, public https URLs, enough LE/TR coverage."""

from __future__ import annotations

import ipaddress
import re
import shutil
import tomllib
from pathlib import Path

import pytest
import soupsieve

from audit.declarations.load import load_declaration
from audit.extract.doctype import DOCUMENT_TYPES
from audit.models import RangeSelector

REPO = Path(__file__).resolve().parents[2]
COMPANIES = sorted((REPO / "companies").glob("*.toml"))
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
NON_PUBLIC_SUFFIXES = (".local", ".internal", ".localhost", ".lan", ".home.arpa", ".corp", ".intranet",
                       ".test", ".example", ".invalid", ".onion")
STATEMENT_COMPANIES = ("microsoft", "amazon", "ring", "google", "nextdoor", "citizen")


def load(path: Path) -> dict:
    return tomllib.loads(path.read_text(encoding="utf-8"))


def is_public_dns_name(host: str) -> bool:
    """A public DNS name by its form alone (no lookups): not an IP literal, not a local/private name."""
    if not host or host != host.lower() or host.endswith("."):
        return False
    try:
        ipaddress.ip_address(host.strip("[]"))
        return False
    except ValueError:
        pass
    if host == "localhost" or host.endswith(NON_PUBLIC_SUFFIXES) or "." not in host:
        return False
    labels = host.split(".")
    return all(LABEL.match(label) for label in labels) and labels[-1].isalpha()


@pytest.mark.parametrize("host, public", [
    ("www.example.com", True), ("telegram.org", True), ("127.0.0.1", False), ("10.0.0.8", False),
    ("[::1]", False), ("localhost", False), ("printer.local", False), ("wiki.corp.internal", False),
    ("intranet", False), ("bad_host.com", False), ("WWW.EXAMPLE.COM", False), ("2130706433", False),
])
def test_public_host_rule(host, public):
    assert is_public_dns_name(host) is public


def test_at_least_25_companies_with_unique_slugs_and_names():
    assert len(COMPANIES) >= 25
    slugs = [p.stem for p in COMPANIES]
    assert all(SLUG.match(s) for s in slugs), slugs
    assert len({s.lower() for s in slugs}) == len(slugs)
    names = [load(p)["name"].casefold() for p in COMPANIES]
    assert len(set(names)) == len(names)


def test_companies_named_in_the_2020_statement_are_present():
    slugs = {p.stem for p in COMPANIES}
    assert set(STATEMENT_COMPANIES) <= slugs


def test_at_least_20_declare_law_enforcement_or_transparency_documents():
    with_le_tr = [p.stem for p in COMPANIES
                  if any(d["type"] in ("law-enforcement-guidelines", "transparency-report")
                         for d in load(p)["documents"])]
    assert len(with_le_tr) >= 20, with_le_tr


@pytest.mark.parametrize("path", COMPANIES, ids=lambda p: p.stem)
def test_declaration_shape_urls_and_hosts(path):
    decl = load(path)
    assert isinstance(decl["name"], str) and decl["name"].strip()
    assert set(decl) <= {"name", "website", "hosts", "not_applicable", "documents"}
    hosts = decl["hosts"]
    assert hosts and hosts == sorted(set(hosts))
    assert all(is_public_dns_name(h) for h in hosts), hosts
    docs_urls = [d["url"] for d in decl["documents"]]
    urls = ([decl["website"]] if "website" in decl else []) + docs_urls
    groups: dict[str, set[str]] = {}
    for doc in decl["documents"]:
        assert set(doc) <= {"type", "url", "select", "remove", "group"}, doc
        assert doc["type"] in DOCUMENT_TYPES
        for selector in ([doc["select"]] if isinstance(doc.get("select"), str) else doc.get("select", [])) + \
                doc.get("remove", []):
            # a CSS selector, or a range table whose bounds are CSS selectors
            for css in ([selector] if isinstance(selector, str) else list(selector.values())):
                soupsieve.compile(css)  # raises on a selector our extractor could not use
        if "group" in doc:
            groups.setdefault(doc["group"], set()).add(doc["type"])
    assert all(len(types) == 1 for types in groups.values()), groups  # a group is one document
    assert len(set(docs_urls)) == len(docs_urls), "duplicate document URL"
    for url in urls:
        m = re.match(r"^https://([^/:?#]+)(/[^\s]*)?$", url)
        assert m, url
        assert is_public_dns_name(m.group(1)), url
        assert m.group(1) in hosts, f"{url}: host not declared for probing"


def test_ota_range_selectors_are_kept_not_dropped():
    """Declarations taken from OTA entries with range selectors carry the ranges (not whole pages)."""
    for path in COMPANIES:
        text = path.read_text(encoding="utf-8")
        assert "cannot be expressed in CSS" not in text and "whole page" not in text, path.name
    telegram = load_declaration(REPO / "companies" / "telegram.toml")
    le = [d for d in telegram.documents if d.type == "law-enforcement-guidelines"]
    assert len(le) == 2 and all(isinstance(d.select[0], RangeSelector) for d in le)
    assert le[1].select[0].start_before == "[name=q-do-you-process-data-requests]"
    assert le[1].remove == ("blockquote",)
    for slug in ("amazon", "signal"):
        decl = load_declaration(REPO / "companies" / f"{slug}.toml")
        assert any(isinstance(s, RangeSelector) for d in decl.documents for s in d.select), slug


@pytest.mark.parametrize("path", COMPANIES, ids=lambda p: p.stem)
def test_every_shipped_declaration_validates_with_the_real_loader(path):
    decl = load_declaration(path)
    assert decl.slug == path.stem and decl.hosts and decl.documents


def test_audit_validate_accepts_the_companies(run_cli, tmp_path):
    """`audit validate` on a workspace holding exactly the shipped declarations (not reviews etc.)."""
    shutil.copytree(REPO / "companies", tmp_path / "companies")
    r = run_cli("validate", "--workspace", str(tmp_path))
    # the rubric is validated too; only the declarations are this test's business
    assert not [line for line in r.err.splitlines() if "companies" in line], r
    if r.code == 0:
        assert f"{len(COMPANIES)} declaration(s)" in r.err


def test_urls_and_hosts_come_from_the_research_notes(shared_dir):
    """Only addresses seen in ../shared (companies-seed.md or an OTA declaration): none made up."""
    seed = (shared_dir / "companies-seed.md").read_text(encoding="utf-8")
    ota_text = "\n".join(p.read_text(encoding="utf-8") for p in (shared_dir / "ota" / "declarations").glob("*.json"))
    for path in COMPANIES:
        decl = load(path)
        for url in [d["url"] for d in decl["documents"]] + [decl.get("website", "https://" + decl["hosts"][0])]:
            bare = url.removeprefix("https://")
            assert url in seed or json_fetch(url) in ota_text or bare in seed, f"{path.name}: {url}"
        for host in decl["hosts"]:
            assert host in seed or host in ota_text, f"{path.name}: {host}"


def json_fetch(url: str) -> str:
    return f'"fetch": "{url}"'
