"""Probe one declared host end to end, and many hosts in parallel with a bound."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from audit.probe import certificate, deep as deepmod, http, tls
from audit.probe.status import ERROR, Target, TargetRefused, resolve


@dataclass(frozen=True)
class HostProbe:
    """Everything measured on one host; `error` is set when the host could not be probed at all."""

    spec: str
    target: Target | None
    tls: tls.TlsResult
    certificate: certificate.CertificateResult
    https: http.HttpsResult
    security_txt: http.SecurityTxtResult
    error: str | None = None
    deep: deepmod.DeepResult | None = None  # only with `audit probe --deep`


    @property
    def label(self) -> str:
        return self.target.label if self.target else self.spec

    @property
    def url(self) -> str:
        return self.target.url if self.target else f"https://{self.spec}/"

    def to_json(self) -> dict:
        return {"host": self.label, "address": self.target.address if self.target else None, "error": self.error,
                "tls": self.tls.to_json(), "certificate": self.certificate.to_json(),
                "https": self.https.to_json(), "security_txt": self.security_txt.to_json()} | (
                    {"deep": self.deep.to_json()} if self.deep is not None else {})


def _unprobed(spec: str, target: Target | None, reason: str) -> HostProbe:
    return HostProbe(spec, target, tls.not_run(reason), certificate.not_run(reason),
                     http.https_not_run(reason), http.security_txt_not_run(reason), reason)


def probe_host(spec: str, *, timeout: float = 10.0, ca_bundle: str | None = None,
               allow_private: bool = False, http_port: int = 80, user_agent: str | None = None,
               deep: bool = False) -> HostProbe:
    """All probes of one host. A host that is refused or unreachable gets every probe "not run".
    DEEP adds the sslyze scan (`deep.py`) when the host speaks TLS."""
    try:
        target = resolve(spec, allow_private)
    except TargetRefused as e:
        return _unprobed(spec, None, str(e))
    tls_result = tls.probe_tls(target, timeout)
    if tls_result.status == ERROR and tls_result.leaf_der is None:
        reason = tls_result.reason or "TLS failed"
        return HostProbe(spec, target, tls_result, certificate.not_run(reason),
                         http.https_not_run(reason), http.security_txt_not_run(reason), reason)
    cert = certificate.probe_certificate(target, tls_result.leaf_der, ca_bundle, timeout)
    https = http.probe_https(target, timeout, http_port, user_agent)
    sectxt = http.probe_security_txt(target, timeout, user_agent)
    extra = None
    if deep:
        extra = (deepmod.not_run(f"not scanned: {tls_result.reason}") if tls_result.plain_http
                 else deepmod.scan(target, timeout, ca_bundle))
    return HostProbe(spec, target, tls_result, cert, https, sectxt, deep=extra)


def probe_hosts(specs: list[str], *, workers: int = 4, progress=None, **options) -> list[HostProbe]:
    """Probe SPECS in parallel (at most WORKERS at once); results in the order of SPECS."""
    if not specs:
        return []

    def one(spec: str) -> HostProbe:
        result = probe_host(spec, **options)
        if progress:
            progress(result)
        return result

    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(specs)))) as pool:
        return list(pool.map(one, specs))
