"""Open Terms Archive (OTA) declarations <-> our company declarations.

OTA volunteers already record where services publish their terms and which part of the page is
the document; importing their JSON saves a user from finding URLs and selectors again, and
exporting ours lets OTA track the documents we audit. Conversion is pure (no I/O): the command
module reads and writes the files.

CSS selectors and range selectors ({startBefore|startAfter, endBefore|endAfter}, ours
{start_before = ..., end_before = ...}) are carried over both ways. What cannot be carried over
is reported, never silently dropped: invalid selectors or ranges, named JavaScript filters,
client-side scripts (`executeClientScripts`), URLs that are not http(s). Several pages forming
one OTA document (`combine`) become one [[documents]] entry per page with the same `type` and
a shared `group`.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from urllib.parse import urlsplit

import tomli_w

from audit.declarations.write import document_toml
from audit.errors import InputError
from audit.extract import css
from audit.models import RANGE_KEYS, RangeSelector

#: OTA terms types (and their OTA aliases) that have an exact counterpart in our document types.
OTA_TO_OURS: dict[str, str] = {
    "law enforcement guidelines": "law-enforcement-guidelines",
    "legal process guidelines": "law-enforcement-guidelines",
    "privacy policy": "privacy-policy",
    "terms of service": "terms-of-service",
    "terms and conditions": "terms-of-service",
    "terms of use": "terms-of-service",
    "developer terms": "developer-terms",
    "developer policy": "developer-terms",
    "developer agreement": "developer-terms",
}

#: Types that are clearly reports on government requests (OTA has no such terms type; some
#: collections define their own). DSA "Reports List"/"Systemic Risks" are NOT: they are risk reports.
_TRANSPARENCY = re.compile(
    r"\b(transparency reports?|government (data |information )?requests?( for user data)?( report)?"
    r"|(law enforcement|information|data) requests? reports?)\b",
    re.IGNORECASE,
)

#: Our document types -> the OTA terms type used on export.
OURS_TO_OTA: dict[str, str] = {
    "law-enforcement-guidelines": "Law Enforcement Guidelines",
    "privacy-policy": "Privacy Policy",
    "terms-of-service": "Terms of Service",
    "developer-terms": "Developer Terms",
}

_SLUG_OK = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_PART_KEYS = ("fetch", "select", "remove", "filter", "executeClientScripts")


@dataclass(frozen=True)
class Conversion:
    """One OTA declaration converted: our declaration table plus what could not be mapped."""

    name: str
    slug: str
    declaration: dict
    unmapped: tuple[str, ...]  # warnings: things dropped or widened
    info: tuple[str, ...] = ()  # neutral facts (type mapped to `other`, history entries, ...)
    ota_types: tuple[str, ...] = ()  # the OTA terms type of each document, in order

    def to_toml(self, source: str | None = None) -> str:
        """The declaration as TOML, headed by comments saying where it came from and what was lost."""
        lines = []
        if source:
            lines.append(f"# Imported from the Open Terms Archive declaration {_one_line(source)}")
            lines.append("# (credit: Open Terms Archive contributors) by `audit company import-ota`.")
        for msg in self.unmapped:
            lines.append(f"# not mapped: {_one_line(msg)}")
        head = "\n".join(lines) + "\n\n" if lines else ""
        top = {k: v for k, v in self.declaration.items() if k != "documents"}
        body = [tomli_w.dumps(top)]
        for doc, ota_type in zip(self.declaration["documents"], self.ota_types):
            comment = f"# OTA terms type: {_one_line(ota_type)}\n" if map_terms_type(ota_type) == "other" else ""
            body.append(comment + "[[documents]]\n" + document_toml(doc))
        return head + "\n".join(body)


def slugify(text: str) -> str:
    """A declaration slug `[a-z0-9][a-z0-9-]*` from a service name ("" when nothing is left)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def valid_slug(slug: str) -> bool:
    return bool(_SLUG_OK.match(slug))


def map_terms_type(ota_type: str) -> str:
    """Our document type for an OTA terms type; `other` unless the match is clear."""
    key = " ".join(ota_type.split()).lower()
    if key in OTA_TO_OURS:
        return OTA_TO_OURS[key]
    if _TRANSPARENCY.search(key):
        return "transparency-report"
    return "other"


def terms_of(data: object, source: str) -> dict:
    """The terms map of an OTA declaration (`terms`, or the older `documents` key)."""
    if not isinstance(data, dict):
        raise InputError(f"{source}: not an OTA declaration (expected a JSON object)")
    terms = data.get("terms", data.get("documents"))
    if terms is None:
        raise InputError(f"{source}: not an OTA declaration (no 'terms' or 'documents' key)")
    if not isinstance(terms, dict):
        raise InputError(f"{source}: 'terms' must be an object mapping terms types to declarations")
    return terms


def convert(data: object, *, source: str, slug: str | None = None) -> Conversion:
    """Convert a current OTA declaration (parsed JSON) into our declaration table.

    `source` names the input in messages (a file name, never a full path).
    """
    terms = terms_of(data, source)
    name = data.get("name") if isinstance(data.get("name"), str) else None  # type: ignore[union-attr]
    if not name or not name.strip():
        name = _name_from_source(source)
    name = " ".join(name.split())
    slug = slug if slug is not None else slugify(name)
    if not valid_slug(slug):
        raise InputError(f"{source}: cannot make a slug from the name {name!r}; give one with --slug")

    unmapped: list[str] = []
    info: list[str] = []
    documents: list[dict] = []
    ota_types: list[str] = []
    for ota_type, entry in terms.items():
        ours = map_terms_type(ota_type)
        if ours == "other":
            info.append(f"{ota_type!r} has no counterpart in our document types: imported as 'other'")
        docs = _convert_terms(ota_type, ours, entry, unmapped)
        documents.extend(docs)
        ota_types.extend([ota_type] * len(docs))
    if not terms:
        raise InputError(f"{source}: declares no terms (empty 'terms' map)")
    if not documents:
        raise InputError(f"{source}: no document could be imported (no usable 'fetch' URL)")

    hosts = sorted({urlsplit(d["url"]).hostname for d in documents})
    top_host, _ = sorted(Counter(urlsplit(d["url"]).hostname for d in documents).items(),
                         key=lambda kv: (-kv[1], kv[0]))[0]
    declaration = {"name": name, "website": f"https://{top_host}", "hosts": hosts, "documents": documents}
    return Conversion(name=name, slug=slug, declaration=declaration,
                      unmapped=tuple(unmapped), info=tuple(info), ota_types=tuple(ota_types))


def _convert_terms(ota_type: str, ours: str, entry: object, unmapped: list[str]) -> list[dict]:
    where = repr(ota_type)
    if not isinstance(entry, dict):
        unmapped.append(f"{where}: declaration is not an object; skipped")
        return []
    if "combine" in entry:
        parts = entry["combine"]
        if not isinstance(parts, list) or not parts:
            unmapped.append(f"{where}: 'combine' is not a non-empty list; skipped")
            return []
        shared = {k: entry[k] for k in _PART_KEYS if k in entry and k != "fetch"}
        group = slugify(ota_type) or ours
        docs = []
        for i, part in enumerate(parts, 1):
            if not isinstance(part, dict):
                unmapped.append(f"{where} part {i}: not an object; skipped")
                continue
            merged = {**shared, **{k: part[k] for k in _PART_KEYS if k in part}}
            doc = _convert_source(f"{where} part {i}", ours, merged, unmapped)
            if doc is not None:
                docs.append({"type": doc.pop("type"), "url": doc.pop("url"), "group": group, **doc})
        return docs
    doc = _convert_source(where, ours, entry, unmapped)
    return [doc] if doc is not None else []


def _convert_source(where: str, ours: str, src: dict, unmapped: list[str]) -> dict | None:
    url = src.get("fetch")
    if not isinstance(url, str) or not _is_web_url(url):
        unmapped.append(f"{where}: 'fetch' is not an http(s) URL ({_short(url)}); skipped")
        return None
    doc: dict = {"type": ours, "url": url.strip()}
    if "select" in src:
        selects = _selector_list(src["select"], f"{where} select", unmapped,
                                 consequence="the whole page is kept")
        if selects:
            doc["select"] = selects[0] if len(selects) == 1 and isinstance(selects[0], str) else selects
    if "remove" in src:
        removes = _selector_list(src["remove"], f"{where} remove", unmapped,
                                 consequence="that part is not removed")
        if removes:
            doc["remove"] = removes
    filters = src.get("filter")
    if filters:
        names = [_filter_name(f) for f in (filters if isinstance(filters, list) else [filters])]
        unmapped.append(f"{where}: JavaScript filter(s) not run: {', '.join(names)}")
    if src.get("executeClientScripts") is True:
        unmapped.append(f"{where}: page is rendered by client-side scripts (executeClientScripts); "
                        "a plain fetch may miss its text")
    return doc


#: OTA's range keys -> ours.
_OTA_RANGE_KEYS = {"startBefore": "start_before", "startAfter": "start_after",
                   "endBefore": "end_before", "endAfter": "end_after"}


def _selector_list(value: object, where: str, unmapped: list[str], consequence: str) -> list[str | dict]:
    """Our select/remove entries from an OTA value: CSS selectors and range tables
    ({"start_before": css, "end_before": css}); invalid ones are reported."""
    items = value if isinstance(value, list) else [value]
    out: list[str | dict] = []
    lost = []
    for item in items:
        if isinstance(item, str) and _is_css(item):
            out.append(item.strip())
        elif isinstance(item, dict) and any(k.startswith(("start", "end")) for k in item):
            table, why = _range_table(item)
            if table is not None:
                out.append(table)
            else:
                bounds = ", ".join(f"{k} {v!r}" for k, v in sorted(item.items()) if isinstance(v, str))
                lost.append(f"range selector ({bounds}): {why}")
        else:
            lost.append(f"not a CSS selector ({_short(item)})")
    if lost:
        tail = consequence if not out or "remove" in where else "the other selectors are kept"
        unmapped.append(f"{where}: {'; '.join(lost)} not mapped; {tail}")
    return out


def _range_table(item: dict) -> tuple[dict | None, str]:
    """An OTA range object as our range table (snake_case keys), or (None, why not)."""
    unknown = sorted(set(item) - set(_OTA_RANGE_KEYS), key=str)
    if unknown:
        return None, f"unknown key(s) {', '.join(map(str, unknown))}"
    table = {_OTA_RANGE_KEYS[k]: item[k] for k in _OTA_RANGE_KEYS if k in item}
    for k, v in table.items():
        if not isinstance(v, str) or not _is_css(v):
            return None, f"{k}: not a CSS selector ({_short(v)})"
        table[k] = v.strip()
    try:
        RangeSelector(**table)
    except ValueError as e:
        return None, str(e)
    return {k: table[k] for k in RANGE_KEYS if k in table}, ""


def _is_css(selector: str) -> bool:
    if not selector.strip():
        return False
    try:
        css.check(selector)
    except css.SelectorError:
        return False
    return True


def _is_web_url(url: str) -> bool:
    try:
        parts = urlsplit(url.strip())
        return parts.scheme in ("http", "https") and bool(parts.hostname) and not any(c.isspace() for c in url.strip())
    except ValueError:
        return False


def _filter_name(f: object) -> str:
    if isinstance(f, str):
        return f
    if isinstance(f, dict) and f:
        return ", ".join(f"{k}(params)" for k in f)
    return _short(f)


def _name_from_source(source: str) -> str:
    stem = re.sub(r"(\.history)?\.json$", "", source.rsplit("/", 1)[-1], flags=re.IGNORECASE)
    return stem.split("__", 1)[-1]


def _short(value: object, limit: int = 60) -> str:
    text = _one_line(repr(value))
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _one_line(text: str) -> str:
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())


# ---------------------------------------------------------------------------------------------
# History files


@dataclass(frozen=True)
class HistorySummary:
    """What an OTA `*.history.json` holds; reported as information only (we import the current file)."""

    entries: int
    types: tuple[str, ...]
    newest_valid_until: str | None

    def describe(self) -> str:
        if not self.entries:
            return "no past declarations"
        until = f", newest validUntil {self.newest_valid_until}" if self.newest_valid_until else ""
        return f"{self.entries} past declaration(s) of {', '.join(self.types)}{until}; not imported"


def summarize_history(data: object, source: str) -> HistorySummary:
    if not isinstance(data, dict):
        raise InputError(f"{source}: not an OTA history file (expected a JSON object)")
    entries, types, until = 0, [], []
    for ota_type, past in data.items():
        if not isinstance(past, list):
            continue
        valid = [p for p in past if isinstance(p, dict)]
        if valid:
            types.append(ota_type)
            entries += len(valid)
            until += [p["validUntil"] for p in valid if isinstance(p.get("validUntil"), str)]
    return HistorySummary(entries, tuple(types), max(until) if until else None)


# ---------------------------------------------------------------------------------------------
# Export


@dataclass(frozen=True)
class Export:
    """An OTA declaration made from ours, plus the documents OTA has no place for."""

    ota: dict
    skipped: tuple[str, ...]


def export(declaration: dict, source: str) -> Export:
    """Our declaration table -> an OTA declaration (`name` + `terms`).

    Documents in one `group` become one `combine` entry. Types without an OTA terms type
    (transparency reports, encryption, ...) and local `path` documents are skipped and listed.
    """
    name = declaration.get("name")
    if not isinstance(name, str) or not name.strip():
        raise InputError(f"{source}: key 'name' is missing")
    documents = declaration.get("documents", [])
    if not isinstance(documents, list):
        raise InputError(f"{source}: key 'documents' must be an array of tables")
    terms: dict[str, dict] = {}
    skipped: list[str] = []
    groups: dict[str, list[dict]] = {}
    for i, doc in enumerate(documents, 1):
        if not isinstance(doc, dict):
            raise InputError(f"{source}: documents[{i}] is not a table")
        dtype, url = doc.get("type"), doc.get("url")
        label = f"documents[{i}] ({dtype})"
        if not isinstance(url, str):
            skipped.append(f"{label}: local file ('path'), not public; not exported")
            continue
        if not _is_web_url(url):
            skipped.append(f"{label}: not an http(s) URL ({_short(url)}); not exported")
            continue
        ota_type = OURS_TO_OTA.get(dtype)  # type: ignore[arg-type]
        if ota_type is None:
            skipped.append(f"{label}: OTA has no terms type for {dtype!r}; not exported")
            continue
        part = _ota_source(doc)
        group = doc.get("group")
        if isinstance(group, str) and group:
            key = f"{ota_type}\0{group}"
            if key not in groups and ota_type not in terms:
                groups[key] = []
                terms[ota_type] = {"combine": groups[key]}
            if key in groups:
                groups[key].append(part)
                continue
        if ota_type in terms:
            skipped.append(f"{label}: a second {ota_type!r} document; OTA allows one; not exported")
            continue
        terms[ota_type] = part
    return Export({"name": name, "terms": terms}, tuple(skipped))


def _ota_source(doc: dict) -> dict:
    out: dict = {"fetch": doc["url"]}
    for key in ("select", "remove"):
        if doc.get(key):
            items = doc[key] if isinstance(doc[key], list) else [doc[key]]
            out[key] = [_ota_selector(item) for item in items]
    return out


def _ota_selector(item: str | dict) -> str | dict:
    """A CSS selector as it is; a range table (already validated) in OTA's camelCase form.

    OTA's ranges always have an end: ours without one runs to the end of the page, which is
    `endAfter: "body"` in DOM-range terms (and in ours: the end may be a container of the start).
    """
    if isinstance(item, str):
        return item
    rng = RangeSelector(**{k: item[k] for k in RANGE_KEYS if k in item})
    if rng.end is None:
        rng = RangeSelector(rng.start_before, rng.start_after, None, "body")
    return rng.as_ota()
