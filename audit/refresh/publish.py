"""After scoring: compare with the previous run, append history, write the feed, sign.

Kept apart from fetching and scoring so that `audit run`, `audit run --merge` and tests share
exactly one way of publishing a run.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from audit import signing
from audit.refresh.diff import STALE, Diff, diff_scorecards
from audit.refresh.feed import FEED_FILE, write_feed
from audit.refresh.history import HISTORY_FILE, append_history, entries_from_scorecards, read_history
from audit.report.escape import markdown

SCORECARDS_FILE = "scorecards.json"
PUBLIC_KEY_FILE = "signing-key.pub"


@dataclass(frozen=True)
class Signer:
    """A loaded private key, and what the site should say about it."""

    key: object  # Ed25519PrivateKey

    @property
    def fingerprint(self) -> str:
        return signing.fingerprint(self.key.public_key())

    def site_extra(self) -> dict:
        """What `write_report(..., extra=...)` gets, so the site can show how to verify."""
        return {"signing": {"fingerprint": self.fingerprint, "public_key": PUBLIC_KEY_FILE,
                            "signature": SCORECARDS_FILE + signing.SIGNATURE_SUFFIX, "algorithm": "Ed25519"}}

    def sign_reports(self, out_dir: Path) -> Path:
        """Sign OUT_DIR/scorecards.json and publish the public key beside it."""
        from audit.archive.files import atomic_write

        atomic_write(Path(out_dir) / PUBLIC_KEY_FILE, signing.public_pem(self.key.public_key()))
        return signing.sign_file(Path(out_dir) / SCORECARDS_FILE, self.key)


def load_signer(key_path: str | Path | None) -> Signer:
    """KEY_PATH, or $AUDIT_SIGNING_KEY when KEY_PATH is None (exit 2 when unusable)."""
    return Signer(signing.load_private_key(Path(key_path) if key_path else None))


@dataclass(frozen=True)
class Failure:
    slug: str
    type: str
    url: str
    status: str
    error: str | None


def fetch_failures(doc: dict) -> list[Failure]:
    """Every declared document that did not fetch this run (status stale or failed)."""
    return [Failure(c["slug"], d.get("type", ""), str(d.get("url")), d.get("status"), d.get("error"))
            for c in doc["companies"] for d in c.get("documents", []) if d.get("status") in ("stale", "failed")]


def failures_markdown(failures: list[Failure]) -> str:
    if not failures:
        return ""
    lines = ["The last refresh could not fetch these documents; their evidence is stale or missing.", "",
             "| company | document | url | status | error |", "|---|---|---|---|---|"]
    for f in failures:
        cells = (f.slug, f.type, f.url, f.status, f.error or "")
        lines.append("| " + " | ".join(markdown(c) for c in cells) + " |")
    return "\n".join(lines) + "\n"


def run_causes(diff: Diff | None, new: dict) -> dict[str, tuple[str, ...]]:
    """Causes per company for its history line (a failed fetch counts even on a first run)."""
    causes = {c.slug: c.causes for c in diff.companies} if diff else {}
    if diff is not None:
        return causes  # exactly what `audit diff` says, so the feed and the diff agree
    for f in fetch_failures(new):
        if STALE not in causes.get(f.slug, ()):
            causes[f.slug] = tuple(causes.get(f.slug, ())) + (STALE,)
    return causes


def pending_history(reports_dir: Path, new_entries: list) -> list:
    """The history as it will be once this run is recorded (for the site, before writing it)."""
    keep = {(e.time, e.slug): e for e in read_history(Path(reports_dir) / HISTORY_FILE)}
    keep.update({(e.time, e.slug): e for e in new_entries})
    return [keep[k] for k in sorted(keep)]


def commit_history(reports_dir: Path, new_entries: list, *, site_url: str = "") -> None:
    """Append this run to history.jsonl and rewrite feed.xml (after the site was written)."""
    reports_dir = Path(reports_dir)
    entries = append_history(reports_dir / HISTORY_FILE, new_entries)
    write_feed(reports_dir / FEED_FILE, entries, site_url=site_url)


def record_run(reports_dir: Path, previous: dict | None, new: dict, *, site_url: str = "") -> Diff | None:
    """Append history and rewrite the feed; returns the diff against PREVIOUS (None on a first run)."""
    diff = diff_scorecards(previous, new) if previous is not None else None
    commit_history(reports_dir, entries_from_scorecards(new, run_causes(diff, new)), site_url=site_url)
    return diff


def history_for_site(reports_dir: Path) -> list:
    """History entries (oldest first) to hand to the site writer for trend charts."""
    return read_history(Path(reports_dir) / HISTORY_FILE)

