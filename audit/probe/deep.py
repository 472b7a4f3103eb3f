"""Deep TLS scan (`audit probe --deep`) with sslyze, judged against Mozilla's "intermediate" profile.

Optional: needs the `tls` extra (`pip install 'encryption-audit[tls]'`, which brings sslyze). The scan
set is trimmed to what the issue asks for (SSL 2.0/3.0 and TLS 1.0-1.3 cipher suites, certificate
info, Heartbleed, ROBOT, session renegotiation, TLS compression) plus the few scans that sslyze's
Mozilla checker (`sslyze.mozilla_tls_profile`) refuses to run without (CCS injection, TLS_FALLBACK_SCSV,
elliptic curves, extended master secret). The verdict is sslyze's checker's; this module only sorts
its issues into severe ones (the transport level becomes not-met) and minor deviations (at best partial).
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from audit.models import Level
from audit.probe.status import COMPLETED, ERROR, Target, first_line

INSTALL_HINT = "audit: --deep needs sslyze: pip install 'encryption-audit[tls]'"
PROFILE = "intermediate"

#: Issue keys of sslyze's checker that make the transport level not-met.
SEVERE_ISSUES = frozenset({
    "tls_vulnerability_heartbleed", "tls_vulnerability_robot", "tls_vulnerability_ccs_injection",
    "tls_vulnerability_compression", "tls_vulnerability_renegotiation",
})
#: Protocol versions whose acceptance is severe (every version outside the intermediate profile).
OLD_VERSIONS = ("SSLv2", "SSLv3", "TLSv1", "TLSv1.1")
#: Cipher suites that are broken, not merely outside the profile (RC4, 3DES/DES, NULL, export, anonymous, MD5).
BROKEN_CIPHER = re.compile(r"RC4|3DES|_DES_|DES40|NULL|EXPORT|_anon_|_MD5$")

_VERSION_FIELDS = (("ssl_2_0_cipher_suites", "SSLv2"), ("ssl_3_0_cipher_suites", "SSLv3"),
                   ("tls_1_0_cipher_suites", "TLSv1"), ("tls_1_1_cipher_suites", "TLSv1.1"),
                   ("tls_1_2_cipher_suites", "TLSv1.2"), ("tls_1_3_cipher_suites", "TLSv1.3"))


def available() -> bool:
    """Whether the `tls` extra is installed (sslyze and its Mozilla checker import)."""
    try:
        import sslyze  # noqa: F401
        from sslyze.mozilla_tls_profile import tls_config_checker  # noqa: F401
    except ImportError:
        return False
    return True


@dataclass(frozen=True)
class DeepResult:
    status: str  # completed | error
    reason: str | None = None
    sslyze_version: str | None = None
    profile: str = PROFILE
    profile_version: str | None = None
    compliant: bool | None = None
    issues: tuple[tuple[str, str], ...] = ()  # (sslyze issue key, sslyze's text), sorted by key
    severe: tuple[str, ...] = ()  # our reasons for not-met
    accepted_versions: tuple[str, ...] = ()
    accepted_ciphers: tuple[str, ...] = ()
    outside_ciphers: tuple[str, ...] = ()  # accepted and not in the profile
    heartbleed: bool | None = None
    robot: str | None = None
    secure_renegotiation: bool | None = None
    compression: bool | None = None
    scans: tuple[str, ...] = field(default=())

    def to_json(self) -> dict:
        return {"status": self.status, "reason": self.reason, "tool": "sslyze", "sslyze_version": self.sslyze_version,
                "profile": f"mozilla-{self.profile}", "profile_version": self.profile_version,
                "compliant": self.compliant, "issues": dict(self.issues), "severe": list(self.severe),
                "accepted_versions": list(self.accepted_versions), "accepted_ciphers": list(self.accepted_ciphers),
                "outside_profile_ciphers": list(self.outside_ciphers),
                "heartbleed_vulnerable": self.heartbleed, "robot": self.robot,
                "secure_renegotiation": self.secure_renegotiation, "compression": self.compression,
                "scans": list(self.scans)}

    def adjust(self, level: Level | None, findings: list[str]) -> tuple[Level | None, list[str]]:
        """The transport level of the default probe lowered by this scan (see `adjust`): what the
        transport-security judge (audit/criteria/transport_security.py) calls."""
        return adjust(level, findings, self)


def judge(issues: dict[str, str], versions: tuple[str, ...], ciphers: tuple[str, ...]) -> tuple[str, ...]:
    """Severe reasons among the checker's ISSUES (the rest are minor deviations)."""
    severe = [f"{key}: {issues[key]}" for key in sorted(issues) if key in SEVERE_ISSUES]
    old = [v for v in OLD_VERSIONS if v in versions]
    if "tls_versions" in issues and old:
        severe.append(f"accepts {', '.join(old)} (outside the Mozilla intermediate profile)")
    broken = sorted(c for c in ciphers if BROKEN_CIPHER.search(c))
    if broken:
        severe.append(f"accepts broken cipher suites: {', '.join(broken)}")
    return tuple(severe)


def minor_of(result: DeepResult) -> list[str]:
    """Deviations from the profile that are not severe (a cipher outside the profile but not broken, ...)."""
    out = []
    for key, text in result.issues:
        if key in SEVERE_ISSUES or (key == "tls_versions" and any(v in result.accepted_versions for v in OLD_VERSIONS)):
            continue
        if key == "ciphers":
            other = [c for c in result.outside_ciphers if not BROKEN_CIPHER.search(c)]
            if other:
                out.append(f"cipher suites outside the profile: {', '.join(other)}")
            continue
        out.append(f"{key}: {text}")
    return out


def adjust(level: Level | None, findings: list[str], result: DeepResult) -> tuple[Level | None, list[str]]:
    """Lower the transport LEVEL of the default probe by the deep scan; never raise it."""
    if result.status != COMPLETED:
        # asked for and not run: not a pass (unless the host already fails)
        return (Level.NOT_MET if level is Level.NOT_MET else None), findings + [f"deep scan {result.status}: {result.reason}"]
    if result.severe:
        return Level.NOT_MET, findings + [f"Mozilla {result.profile}: {s}" for s in result.severe]
    minor = [f"Mozilla {result.profile}: {m}" for m in minor_of(result)]
    if minor and level is Level.MET:
        return Level.PARTIAL, findings + minor
    return level, findings + minor


def scan_commands():
    from sslyze import ScanCommand
    from sslyze.mozilla_tls_profile.tls_config_checker import SCAN_COMMANDS_NEEDED_BY_MOZILLA_CHECKER

    trimmed = {ScanCommand.SSL_2_0_CIPHER_SUITES, ScanCommand.SSL_3_0_CIPHER_SUITES, ScanCommand.TLS_1_0_CIPHER_SUITES,
               ScanCommand.TLS_1_1_CIPHER_SUITES, ScanCommand.TLS_1_2_CIPHER_SUITES, ScanCommand.TLS_1_3_CIPHER_SUITES,
               ScanCommand.CERTIFICATE_INFO, ScanCommand.HEARTBLEED, ScanCommand.ROBOT,
               ScanCommand.SESSION_RENEGOTIATION, ScanCommand.TLS_COMPRESSION}
    return trimmed | set(SCAN_COMMANDS_NEEDED_BY_MOZILLA_CHECKER)


def scan(target: Target, timeout: float, ca_bundle: str | None = None, connections: int = 2) -> DeepResult:
    """Run the trimmed sslyze scan on TARGET (the address already resolved) and check it against the profile."""
    import json

    import sslyze
    from sslyze import (CertificateInfoExtraArgument, Scanner, ScanCommandAttemptStatusEnum,
                        ScanCommandsExtraArguments, ServerNetworkConfiguration, ServerNetworkLocation,
                        ServerScanRequest, ServerScanStatusEnum)
    from sslyze.__version__ import __version__ as sslyze_version
    from sslyze.mozilla_tls_profile import tls_config_checker as checker

    del sslyze
    commands = scan_commands()
    names = tuple(sorted(c.value for c in commands))
    config = checker.MozillaTlsConfiguration.get(checker.TlsConfigurationEnum.MOZILLA_INTERMEDIATE)
    profile_version = str(json.loads(checker.MozillaTlsConfiguration._JSON_PROFILE_PATH.read_text()).get("version"))
    base = dict(sslyze_version=sslyze_version, profile_version=profile_version, scans=names)
    try:
        location = ServerNetworkLocation(target.host, target.port, ip_address=target.address)
        network = ServerNetworkConfiguration(tls_server_name_indication=target.host,
                                             network_timeout=max(1, int(timeout)), network_max_retries=1)
        extra = ScanCommandsExtraArguments(
            certificate_info=CertificateInfoExtraArgument(custom_ca_file=Path(ca_bundle)) if ca_bundle else None)
        request = ServerScanRequest(server_location=location, network_configuration=network,
                                    scan_commands=commands, scan_commands_extra_arguments=extra)
        with warnings.catch_warnings():  # sslyze's bundled trust stores hold old roots cryptography warns about
            warnings.simplefilter("ignore")
            scanner = Scanner(per_server_concurrent_connections_limit=connections, concurrent_server_scans_limit=1)
            scanner.queue_scans([request])
            results = list(scanner.get_results())
    except Exception as e:  # sslyze raises many kinds; a deep scan that breaks is "error", never a verdict
        return DeepResult(ERROR, f"sslyze failed: {first_line(e)}", **base)
    r = results[0]
    if r.scan_status != ServerScanStatusEnum.COMPLETED or r.scan_result is None:
        why = r.connectivity_error_trace and first_line(r.connectivity_error_trace) or r.connectivity_status.value
        return DeepResult(ERROR, f"sslyze could not connect to {target.label}: {why}", **base)
    sr = r.scan_result
    failed = [c.value for c in commands if getattr(sr, c.value).status != ScanCommandAttemptStatusEnum.COMPLETED]
    if failed:
        first = getattr(sr, sorted(failed)[0])
        return DeepResult(ERROR, f"sslyze scans did not complete: {', '.join(sorted(failed))} "
                                 f"({first.error_reason.value if first.error_reason else 'unknown'})", **base)
    versions, ciphers = [], set()
    for name, version in _VERSION_FIELDS:
        res = getattr(sr, name).result
        if res.is_tls_version_supported:
            versions.append(version)
            ciphers.update(a.cipher_suite.name for a in res.accepted_cipher_suites)
    try:
        checker.check_server_against_tls_configuration(r, config)
        issues: dict[str, str] = {}
    except checker.ServerNotCompliantWithTlsConfiguration as e:
        issues = dict(e.issues)
    except checker.ServerScanResultIncomplete as e:
        return DeepResult(ERROR, f"Mozilla checker: {first_line(e)}", **base)
    outside = tuple(sorted(c for c in ciphers if c not in config.ciphers.iana and c not in config.ciphersuites))
    return DeepResult(
        COMPLETED, None, compliant=not issues, issues=tuple(sorted(issues.items())),
        severe=judge(issues, tuple(versions), outside), accepted_versions=tuple(versions),
        accepted_ciphers=tuple(sorted(ciphers)), outside_ciphers=outside,
        heartbleed=sr.heartbleed.result.is_vulnerable_to_heartbleed, robot=sr.robot.result.robot_result.value,
        secure_renegotiation=sr.session_renegotiation.result.supports_secure_renegotiation,
        compression=sr.tls_compression.result.supports_compression, **base)


def not_run(reason: str) -> DeepResult:
    return DeepResult(ERROR, reason)
