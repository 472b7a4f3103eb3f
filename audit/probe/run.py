"""A probe run of one company: probe its hosts, turn results into outcomes, store the record."""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from datetime import datetime, timezone

from audit import __version__
from audit.probe import certificate, levels
from audit.probe.host import HostProbe, probe_hosts
from audit.probe.store import append_run
from audit.probe.tls import VERSIONS, local_can_offer


@dataclass(frozen=True)
class CompanyRun:
    slug: str
    record: dict
    hosts: tuple[HostProbe, ...]

    @property
    def all_failed(self) -> bool:
        return bool(self.hosts) and all(h.error for h in self.hosts)


def now_utc() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def local_capabilities() -> dict:
    """What this machine's OpenSSL can test, stored with every run (an untestable version is not a pass)."""
    return {"openssl": ssl.OPENSSL_VERSION, "can_offer": {v: local_can_offer(v) for v in VERSIONS}}


def make_record(probes: list[HostProbe], time: str, ca_bundle: str | None = None) -> dict:
    caps = local_capabilities()
    return {
        "time": time,
        "tool_version": __version__,
        "openssl": caps["openssl"],
        "openssl_can_offer": caps["can_offer"],
        "trust_store": certificate.trust_store(ca_bundle),
        "hosts": [hp.to_json() for hp in probes],
        "grade_estimate": {"grade": levels.worst_grade([levels.estimate_grade(hp) for hp in probes]),
                           "label": levels.GRADE_LABEL},
        "outcomes": levels.outcomes(probes, time),
    }


def probe_companies(companies: list[tuple[str, tuple[str, ...]]], archive_dir, *, workers: int = 4,
                    progress=None, **options) -> list[CompanyRun]:
    """Probe every (slug, hosts) pair (all hosts of all companies share one bounded pool), store one
    run per company that declares hosts, and return the runs in the order given."""
    specs = list(dict.fromkeys(h for _, hosts in companies for h in hosts))
    results = dict(zip(specs, probe_hosts(specs, workers=workers, progress=progress, **options)))
    time = now_utc()
    runs = []
    for slug, hosts in companies:
        if not hosts:
            continue
        probes = [results[h] for h in dict.fromkeys(hosts)]
        record = make_record(probes, time, options.get("ca_bundle"))
        append_run(archive_dir, slug, record)
        runs.append(CompanyRun(slug, record, tuple(probes)))
    return runs
