"""`https-enforced`, judged from the probes of the declared hosts (METHODOLOGY.md): met = http://
redirects to https:// on the same host and HSTS max-age >= 1 year; partial = HSTS shorter than a
year, or the redirect without HSTS; not-met = no redirect. Every declared host must pass; a host
that could not be measured gives None (not evaluated), never not-met.
"""

from __future__ import annotations

from audit.criteria import Host, ProbeJudge
from audit.models import PROBE_COMPLETED as COMPLETED, Level

ID = "https-enforced"
#: the HSTS max-age (seconds) that met asks for
ONE_YEAR = 31536000


def https_level(hp: Host) -> tuple[Level | None, list[str]]:
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


def _quote(hp: Host, level: Level | None, findings: list[str]) -> str:
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


JUDGE = ProbeJudge(level=https_level, quote=_quote, observe=lambda hp: {"https": hp.https.to_json()})
