"""`transport-security`, judged from the probes of the declared hosts (METHODOLOGY.md):
met = TLS 1.2+ only, TLS 1.3 offered, forward secrecy, valid certificate with a strong key and a
SHA-2 signature; partial = only minor weaknesses (no TLS 1.3, expiring within 30 days); not-met =
TLS 1.0/1.1 accepted, no forward secrecy, or a certificate that is invalid, expired, mismatched (a
weak key or SHA-1 signature makes it invalid for browsers too). Every declared host must pass. A
host that could not be measured gives None (not evaluated), never not-met. With a deep scan
(`audit probe --deep`) the level can only go down.

Also the SSL-Labs-style grade estimate shown in the outcome's note.
"""

from __future__ import annotations

from audit.criteria import Host, ProbeJudge
from audit.models import PROBE_COMPLETED as COMPLETED, TLS_ACCEPTED as ACCEPTED, TLS_UNTESTABLE as UNTESTABLE, Level

ID = "transport-security"
#: a certificate expiring within this many days is a minor weakness (partial)
EXPIRY_WARNING_DAYS = 30

GRADE_LABEL = "estimate in the style of the SSL Labs rating guide, not an SSL Labs result"
_GRADES = ("F", "C", "B", "A-", "A", "A+")
SIX_MONTHS = 15552000


def _versions(hp: Host, outcome: str) -> list[str]:
    return [v.version for v in hp.tls.versions if v.outcome == outcome]


def transport_level(hp: Host) -> tuple[Level | None, list[str]]:
    """(level, findings) of one host; level None if TLS or the certificate could not be measured.
    With a deep scan (`audit probe --deep`) the level can only go down (`DeepResult.adjust`)."""
    level, findings = _default_transport_level(hp)
    if hp.deep is not None and not hp.tls.plain_http:
        return hp.deep.adjust(level, findings)
    return level, findings


def _default_transport_level(hp: Host) -> tuple[Level | None, list[str]]:
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
    if c.days_to_expiry is not None and c.days_to_expiry <= EXPIRY_WARNING_DAYS:
        minor.append(f"certificate expires in {c.days_to_expiry} days")
    return (Level.PARTIAL, minor) if minor else (Level.MET, [])


def estimate_grade(hp: Host) -> str | None:
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


def _quote(hp: Host, level: Level | None, findings: list[str]) -> str:
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


def _observe(hp: Host) -> dict:
    return ({"tls": hp.tls.to_json(), "certificate": hp.certificate.to_json(),
             "grade_estimate": {"grade": estimate_grade(hp), "label": GRADE_LABEL}}
            | ({"deep": hp.deep.to_json()} if hp.deep is not None else {}))


def _notes(probes: list[Host]) -> list[str]:
    notes = []
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
    return notes


JUDGE = ProbeJudge(level=transport_level, quote=_quote, observe=_observe, notes=_notes)
