"""Probe results -> criterion levels, with evidence: each probe criterion's judge (its unit in
`audit/criteria/`, registered in `audit.criteria.REGISTRY`) reads every host; this module runs the
registered judges and combines the hosts. The rules, as METHODOLOGY.md states them, are in
`audit/criteria/transport_security.py`, `https_enforced.py` and `vulnerability_disclosure.py`.

Every declared host must pass (transport, HTTPS), except where one host suffices (security.txt).
A probe that could not run gives level None (not evaluated), never not-met.
"""

from __future__ import annotations

import hashlib
import json

from audit.criteria import PROBE_UNITS, REGISTRY, Unit
from audit.criteria.https_enforced import https_level
from audit.criteria.transport_security import GRADE_LABEL, estimate_grade, transport_level, worst_grade
from audit.criteria.vulnerability_disclosure import security_txt_level
from audit.models import Evidence, Level, Polarity
from audit.probe.host import HostProbe

TRANSPORT = "transport-security"
HTTPS = "https-enforced"
DISCLOSURE = "vulnerability-disclosure"
#: the probe criteria, in the registry's order (the columns of `audit probe`)
CRITERIA = tuple(u.id for u in PROBE_UNITS)

__all__ = ["CRITERIA", "DISCLOSURE", "GRADE_LABEL", "HTTPS", "TRANSPORT", "combine", "estimate_grade", "host_levels",
           "https_level", "outcomes", "security_txt_level", "transport_level", "worst_grade"]


def host_levels(hp: HostProbe) -> dict[str, Level | None]:
    """The level each probe criterion would get from this one host alone."""
    return {u.id: u.judge.level(hp)[0] for u in PROBE_UNITS}


def _evidence(unit: Unit, hp: HostProbe, fetched_at: str) -> tuple[Level | None, Evidence]:
    judge = unit.judge
    level, findings = judge.level(hp)
    observation = {"host": hp.label, "address": hp.target.address if hp.target else None,
                   "level": level.value if level else None, "findings": findings} | judge.observe(hp)
    canonical = json.dumps(observation, sort_keys=True, ensure_ascii=False).encode("utf-8")
    ev = Evidence(
        document="probe", url=hp.url, sha256=hashlib.sha256(canonical).hexdigest(), fetched_at=fetched_at,
        quote=judge.quote(hp, level, findings), start=0, end=0,
        polarity=Polarity.FOR if level in (Level.MET, Level.PARTIAL) else Polarity.AGAINST,
        signal=f"probe:{unit.id}", level=level or Level.NOT_EVALUATED, observation=observation,
    )
    return level, ev


def combine(cid: str, levels: list[Level | None]) -> Level | None:
    """Every host must pass (worst wins; unknown hosts leave it unknown unless one already fails);
    where the criterion's judge says one host suffices (security.txt), the best completed level wins."""
    known = [lv for lv in levels if lv is not None]
    if REGISTRY[cid].judge.one_host_suffices:
        return max(known, key=lambda lv: lv.rank) if known else None
    if Level.NOT_MET in known:
        return Level.NOT_MET
    if len(known) != len(levels) or not known:
        return None
    return min(known, key=lambda lv: lv.rank)


def outcomes(probes: list[HostProbe], fetched_at: str) -> dict[str, dict]:
    """criterion id -> {"level", "note", "evidence"}: the record format of `probe.store`."""
    out: dict[str, dict] = {}
    for unit in PROBE_UNITS:
        cid = unit.id
        pairs = [_evidence(unit, hp, fetched_at) for hp in probes]
        level = combine(cid, [lv for lv, _ in pairs]) if pairs else None
        notes = []
        if not pairs:
            notes.append("no hosts declared")
        elif level is None:
            notes.append("probe could not run on: " + ", ".join(
                hp.label for hp, (lv, _) in zip(probes, pairs) if lv is None))
        if unit.judge.notes is not None:
            notes.extend(unit.judge.notes(probes))
        out[cid] = {
            "level": level.value if level else None,
            "note": "; ".join(notes) or None,
            "evidence": [ev.to_json() | {"level": ev.level.value} for _, ev in pairs],
        }
    return out
