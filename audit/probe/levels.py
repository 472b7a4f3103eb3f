"""Probe results -> criterion levels, exactly as METHODOLOGY.md states them, with evidence.

- `transport-security`: met = TLS 1.2+ only, TLS 1.3 offered, forward secrecy, valid certificate
  with a strong key and a SHA-2 signature; partial = only minor weaknesses (no TLS 1.3, expiring
  within 30 days); not-met = TLS 1.0/1.1 accepted, no forward secrecy, or a certificate that is
  invalid, expired, mismatched (a weak key or SHA-1 signature makes it invalid for browsers too).
- `https-enforced`: met = http:// redirects to https:// on the same host and HSTS max-age >= 1
  year; partial = HSTS shorter than a year, or the redirect without HSTS; not-met = no redirect.
- `vulnerability-disclosure` (probe half): met = a valid RFC 9116 security.txt; partial = present
  but expired or without Contact/Expires; no-disclosure = none served.
Every declared host must pass (transport, HTTPS), except security.txt, which one host suffices
for. A probe that could not run gives level None (not evaluated), never not-met.
"""

from __future__ import annotations

import hashlib
import json

from audit.models import Evidence, Level, Polarity
from audit.probe.host import HostProbe
from audit.probe.http import ONE_YEAR
from audit.probe.status import COMPLETED
from audit.probe.tls import ACCEPTED, UNTESTABLE
from audit.probe import certificate as certmod
from audit.probe import deep as deepmod

TRANSPORT = "transport-security"
HTTPS = "https-enforced"
DISCLOSURE = "vulnerability-disclosure"
CRITERIA = (TRANSPORT, HTTPS, DISCLOSURE)

GRADE_LABEL = "estimate in the style of the SSL Labs rating guide, not an SSL Labs result"
_GRADES = ("F", "C", "B", "A-", "A", "A+")
SIX_MONTHS = 15552000


def _versions(hp: HostProbe, outcome: str) -> list[str]:
    return [v.version for v in hp.tls.versions if v.outcome == outcome]


def transport_level(hp: HostProbe) -> tuple[Level | None, list[str]]:
    """(level, findings) of one host; level None if TLS or the certificate could not be measured.
    With a deep scan (`audit probe --deep`) the level can only go down (`deep.adjust`)."""
    level, findings = _default_transport_level(hp)
    if hp.deep is not None and not hp.tls.plain_http:
        return deepmod.adjust(level, findings, hp.deep)
    return level, findings


def _default_transport_level(hp: HostProbe) -> tuple[Level | None, list[str]]:
    t, c = hp.tls, hp.certificate
    if t.plain_http:
        return Level.NOT_MET, [t.reason or "no HTTPS"]
    if t.status != COMPLETED:
        return None, [f"TLS probe {t.status}: {t.reason}"]
    if c.status != COMPLETED:
        return None, [f"certificate probe {c.status}: {c.reason}"]
    fails = []
    old = [v for v in ("TLSv1", "TLSv1.1") if v in _versions(hp, ACCEPTED)]
    if old:
        fails.append(f"accepts {' and '.join(old)}")
    if not t.forward_secrecy:
        weak = [f"{v.cipher} on {v.version}" for v in t.versions if v.outcome == ACCEPTED and not v.forward_secrecy]
        fails.append("no forward secrecy (" + ", ".join(weak or [f"{t.negotiated_cipher} on {t.negotiated_version}"]) + ")")
    if not c.chain_valid:
        fails.append(f"certificate does not verify ({c.verify_error})")
    if c.expired:
        fails.append(f"certificate expired on {c.not_after}")
    if not c.name_matches:
        fails.append(f"certificate is not valid for {hp.target.host if hp.target else hp.spec}")
    if not c.strong_key:
        fails.append(f"weak certificate key ({c.key_type} {c.key_bits} bits)")
    if not c.sha2_signature:
        fails.append(f"certificate signed with {c.signature_hash}")
    if fails:
        return Level.NOT_MET, fails
    untested = [f"{v.version} not evaluated ({v.reason})" for v in t.versions if v.outcome == UNTESTABLE]
    if untested:  # it might be accepted (TLS 1.0/1.1) or missing (TLS 1.3): never a pass
        return None, untested
    minor = []
    if "TLSv1.3" not in _versions(hp, ACCEPTED):
        minor.append("TLS 1.3 not offered")
    if c.days_to_expiry is not None and c.days_to_expiry <= certmod.EXPIRY_WARNING_DAYS:
        minor.append(f"certificate expires in {c.days_to_expiry} days")
    return (Level.PARTIAL, minor) if minor else (Level.MET, [])


def https_level(hp: HostProbe) -> tuple[Level | None, list[str]]:
    h = hp.https
    if hp.tls.plain_http:
        return Level.NOT_MET, [hp.tls.reason or "no HTTPS"]
    if h.status != COMPLETED:
        return None, [f"HTTPS probe {h.status}: {h.reason}"]
    hsts = h.hsts
    if not h.redirects_to_https_same_host:
        if h.http_refused:
            return Level.NOT_MET, ["plain HTTP connection refused: no redirect to HTTPS"]
        where = f" to {h.location}" if h.location else ""
        return Level.NOT_MET, [f"http:// answers HTTP {h.http_status}{where}, not a redirect to https:// on the same host"]
    if hsts is None or not hsts.present or not hsts.valid or not hsts.max_age:
        return Level.PARTIAL, ["redirects to HTTPS but sends no valid HSTS header"]
    if hsts.max_age < ONE_YEAR:
        return Level.PARTIAL, [f"HSTS max-age {hsts.max_age} is shorter than a year"]
    return Level.MET, []


def security_txt_level(hp: HostProbe) -> tuple[Level | None, list[str]]:
    s = hp.security_txt
    if s.status != COMPLETED:
        return None, [f"security.txt probe {s.status}: {s.reason}"]
    if not s.present:
        return Level.NO_DISCLOSURE, [f"no security.txt ({s.reason})"]
    if s.valid:
        return Level.MET, []
    return Level.PARTIAL, list(s.problems)


def estimate_grade(hp: HostProbe) -> str | None:
    """An SSL-Labs-style letter for one host (labelled an estimate wherever it is shown)."""
    t, c = hp.tls, hp.certificate
    if t.status != COMPLETED or c.status != COMPLETED:
        return None
    if not c.name_matches:
        return "M"
    if t.untestable:  # a version that could not be tested might lower the grade
        return None
    if not c.chain_valid or c.expired or not c.sha2_signature:
        return "T"
    accepted = _versions(hp, ACCEPTED)
    cap = "A"
    if "TLSv1.2" not in accepted and "TLSv1.3" not in accepted:
        cap = "C"
    if (set(accepted) & {"TLSv1", "TLSv1.1"}) or not t.forward_secrecy or not c.strong_key:
        cap = min(cap, "B", key=_GRADES.index)
    if "TLSv1.3" not in accepted or t.non_fs_tls12_accepted:
        cap = min(cap, "A-", key=_GRADES.index)
    hsts = hp.https.hsts
    if cap == "A" and hp.https.status == COMPLETED and hsts and hsts.valid and (hsts.max_age or 0) >= SIX_MONTHS:
        return "A+"
    return cap


def worst_grade(grades: list[str | None]) -> str | None:
    known = [g for g in grades if g]
    if len(known) != len(grades) or not known:
        return None
    order = ("M", "T") + _GRADES
    return min(known, key=order.index)


def _quote_transport(hp: HostProbe, level: Level | None, findings: list[str]) -> str:
    t, c = hp.tls, hp.certificate
    if level is None:
        if t.status == COMPLETED and c.status == COMPLETED and t.untestable:
            return (f"{hp.label} accepts {', '.join(_versions(hp, ACCEPTED)) or 'no TLS version'}; "
                    f"not evaluated: {'; '.join(findings)}.")
        return f"{hp.label}: transport security not measured ({'; '.join(findings)})."
    parts = [f"{hp.label} accepts {', '.join(_versions(hp, ACCEPTED)) or 'no TLS version'}"]
    refused = _versions(hp, "refused")
    if refused:
        parts[0] += f" (refuses {', '.join(refused)})"
    parts.append(f"negotiates {t.negotiated_cipher} on {t.negotiated_version}"
                 + (" with forward secrecy" if t.forward_secrecy else " without forward secrecy"))
    if t.non_fs_tls12_accepted:
        parts.append("also accepts RSA key exchange (no forward secrecy) on TLS 1.2")
    parts.append(f"certificate {c.key_type} {c.key_bits}-bit, {c.signature_hash}, "
                 + ("chain valid" if c.chain_valid else f"chain invalid: {c.verify_error}")
                 + (", name matches" if c.name_matches else ", name does not match")
                 + f", expires in {c.days_to_expiry} days")
    for v in t.versions:
        if v.outcome == UNTESTABLE:
            parts.append(f"{v.version} not tested ({v.reason})")
    if hp.deep is not None and hp.deep.status == COMPLETED:
        parts.append(f"Mozilla {hp.deep.profile} profile (sslyze {hp.deep.sslyze_version}): "
                     + ("compliant" if hp.deep.compliant else f"{len(hp.deep.issues)} deviation(s)"))
    text = "; ".join(parts) + "."
    return text + (" Findings: " + "; ".join(findings) + "." if findings else "")


def _quote_https(hp: HostProbe, level: Level | None, findings: list[str]) -> str:
    h = hp.https
    if level is None:
        return f"{hp.label}: HTTPS enforcement not measured ({'; '.join(findings)})."
    if h.redirects_to_https_same_host:
        host = hp.target.host if hp.target else hp.spec
        first = f"http://{f'[{host}]' if ':' in host else host}/ redirects to {h.location}"
    else:
        first = findings[0]
    hsts = h.hsts
    if hsts and hsts.present:
        second = f"HSTS: {hsts.raw}" + (" (header sent more than once)" if hsts.duplicate else "") + \
            ("" if hsts.valid else " (invalid)")
    else:
        second = "no HSTS header"
    return f"{hp.label}: {first}; {second}."


def _quote_security_txt(hp: HostProbe, level: Level | None, findings: list[str]) -> str:
    s = hp.security_txt
    if level is None:
        return f"{hp.label}: security.txt not checked ({'; '.join(findings)})."
    if not s.present:
        return f"{hp.label}: no /.well-known/security.txt ({s.reason})."
    text = f"{hp.label}: security.txt with {len(s.contacts)} Contact field(s), Expires {s.expires or 'missing'}"
    return text + (f" ({'; '.join(s.problems)})." if s.problems else ".")


_PARTS = {
    TRANSPORT: (transport_level, _quote_transport, lambda hp: {"tls": hp.tls.to_json(), "certificate": hp.certificate.to_json(),
                                                               "grade_estimate": {"grade": estimate_grade(hp), "label": GRADE_LABEL}}
                | ({"deep": hp.deep.to_json()} if hp.deep is not None else {})),
    HTTPS: (https_level, _quote_https, lambda hp: {"https": hp.https.to_json()}),
    DISCLOSURE: (security_txt_level, _quote_security_txt, lambda hp: {"security_txt": hp.security_txt.to_json()}),
}


def host_levels(hp: HostProbe) -> dict[str, Level | None]:
    """The level each probe criterion would get from this one host alone."""
    return {cid: _PARTS[cid][0](hp)[0] for cid in CRITERIA}


def _evidence(cid: str, hp: HostProbe, fetched_at: str) -> tuple[Level | None, Evidence]:
    level_of, quote_of, observe = _PARTS[cid]
    level, findings = level_of(hp)
    observation = {"host": hp.label, "address": hp.target.address if hp.target else None,
                   "level": level.value if level else None, "findings": findings} | observe(hp)
    canonical = json.dumps(observation, sort_keys=True, ensure_ascii=False).encode("utf-8")
    ev = Evidence(
        document="probe", url=hp.url, sha256=hashlib.sha256(canonical).hexdigest(), fetched_at=fetched_at,
        quote=quote_of(hp, level, findings), start=0, end=0,
        polarity=Polarity.FOR if level in (Level.MET, Level.PARTIAL) else Polarity.AGAINST,
        signal=f"probe:{cid}", level=level or Level.NOT_EVALUATED, observation=observation,
    )
    return level, ev


def combine(cid: str, levels: list[Level | None]) -> Level | None:
    """Every host must pass (worst wins; unknown hosts leave it unknown unless one already fails);
    for security.txt one host suffices (best completed level wins)."""
    known = [lv for lv in levels if lv is not None]
    if cid == DISCLOSURE:
        return max(known, key=lambda lv: lv.rank) if known else None
    if Level.NOT_MET in known:
        return Level.NOT_MET
    if len(known) != len(levels) or not known:
        return None
    return min(known, key=lambda lv: lv.rank)


def outcomes(probes: list[HostProbe], fetched_at: str) -> dict[str, dict]:
    """criterion id -> {"level", "note", "evidence"}: the record format of `probe.store`."""
    out: dict[str, dict] = {}
    for cid in CRITERIA:
        pairs = [_evidence(cid, hp, fetched_at) for hp in probes]
        level = combine(cid, [lv for lv, _ in pairs]) if pairs else None
        notes = []
        if not pairs:
            notes.append("no hosts declared")
        elif level is None:
            notes.append("probe could not run on: " + ", ".join(
                hp.label for hp, (lv, _) in zip(probes, pairs) if lv is None))
        if cid == TRANSPORT:
            untested = sorted({v for hp in probes for v in hp.tls.untestable})
            if untested:
                notes.append(f"{', '.join(untested)} not tested (the local OpenSSL cannot offer it, or failed)")
            deep = [hp.deep for hp in probes if hp.deep is not None and hp.deep.status == COMPLETED]
            if deep:
                notes.append(f"deep scan: sslyze {deep[0].sslyze_version} against the Mozilla {deep[0].profile} "
                             f"profile {deep[0].profile_version}")
            grade = worst_grade([estimate_grade(hp) for hp in probes])
            if grade:
                notes.append(f"grade {grade} ({GRADE_LABEL})")
        out[cid] = {
            "level": level.value if level else None,
            "note": "; ".join(notes) or None,
            "evidence": [ev.to_json() | {"level": ev.level.value} for _, ev in pairs],
        }
    return out
