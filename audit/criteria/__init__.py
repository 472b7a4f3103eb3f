"""Each criterion a unit, registered in one explicit map: `REGISTRY`.

What a criterion *says* -- its demand, weight, `method`, title, the meaning of each level, the ask,
its detection signals and example sentences -- is written once, in the rubric
(`rubrics/builtin.toml`); the published methodology (`audit rubric docs`, the site's
methodology page) and `audit rubric test` read it from there. A unit says how the criterion is
*judged*:

- `TEXT`: a reader reads it from the documents (audit/reader/), scoring merges the documents;
- `PROBE`: measured on the declared hosts, and judged by the unit's `judge` (a `ProbeJudge`:
  one host's level, the quote that cites it, the observation kept as evidence, and whether every
  host must pass or one suffices);
- `PROBE_TEXT`: both, the better supported level wins;
- `REVIEW`: only a person can tell (`audit review`).

A new criterion is its `[[criteria]]` table in the rubric, one line in `REGISTRY` and, for a probe
criterion, one module here with its judge. Scoring (`audit/score/engine.py`) dispatches on the
unit's kind, probing (`audit/probe/levels.py`) on the registered judges. A criterion of another
rubric (`--rubric FILE`) that is not registered here is judged by its rubric `method`
(`unit_of`). tests/criteria/test_registry.py keeps the map and the built-in rubric in step.

Pure: imports only `audit.models` (scoring, which does no I/O, imports this package).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from audit.models import Level

TEXT = "text"
PROBE = "probe"
PROBE_TEXT = "probe+text"
REVIEW = "review"
#: every kind, in the order of the rubric's `method` values (audit/rubric/model.py: METHODS)
KINDS = (TEXT, PROBE, REVIEW, PROBE_TEXT)
#: kinds read from documents
TEXT_KINDS = (TEXT, PROBE_TEXT)
#: kinds measured on hosts
PROBE_KINDS = (PROBE, PROBE_TEXT)

#: a measured host (audit.probe.host.HostProbe; not imported: the probe stage imports this package)
Host = Any


@dataclass(frozen=True)
class ProbeJudge:
    """How a probe criterion turns measurements into a level, and cites them."""

    #: one host -> (its level, or None when it could not be measured; the findings behind it)
    level: Callable[[Host], tuple[Level | None, list[str]]]
    #: (host, its level, findings) -> the sentence quoted as evidence
    quote: Callable[[Host, Level | None, list[str]], str]
    #: host -> the raw observations kept with the evidence
    observe: Callable[[Host], dict]
    #: True: one host that passes is enough (best level wins); False: every host must pass
    one_host_suffices: bool = False
    #: every probed host -> notes for the company's outcome (None: no notes of its own)
    notes: Callable[[list[Host]], list[str]] | None = None


@dataclass(frozen=True)
class Unit:
    id: str
    kind: str
    judge: ProbeJudge | None = None

    @property
    def has_text(self) -> bool:
        return self.kind in TEXT_KINDS

    @property
    def has_probe(self) -> bool:
        return self.kind in PROBE_KINDS

    def methodology(self, rubric):
        """The rubric's definition of this criterion (title, levels, the ask, signals, examples)."""
        return rubric.criterion(self.id)

    def examples(self, rubric) -> tuple:
        """The criterion's example sentences, from the rubric (what `audit rubric test` runs)."""
        return self.methodology(rubric).examples


from audit.criteria import https_enforced, transport_security, vulnerability_disclosure  # noqa: E402

#: criterion id -> unit, for the built-in rubric (rubrics/builtin.toml), in its order
REGISTRY: dict[str, Unit] = {u.id: u for u in (
    # legal-process
    Unit("requires-legal-process", TEXT),
    Unit("warrant-for-content", TEXT),
    Unit("user-notice", TEXT),
    Unit("narrow-emergency-disclosure", TEXT),
    Unit("pushes-back", TEXT),
    Unit("transparency-report", TEXT),
    Unit("publishes-le-guidelines", TEXT),
    Unit("gag-order-limits", TEXT),
    Unit("no-direct-access", TEXT),
    # encryption
    Unit("e2ee-by-default", TEXT),
    Unit("provider-cannot-decrypt", TEXT),
    Unit("encrypted-in-transit-and-at-rest", TEXT),
    Unit("opposes-backdoors", TEXT),
    Unit("data-minimization", TEXT),
    Unit("no-data-sales", TEXT),
    Unit("transport-security", PROBE, transport_security.JUDGE),
    Unit("https-enforced", PROBE, https_enforced.JUDGE),
    Unit("vulnerability-disclosure", PROBE_TEXT, vulnerability_disclosure.JUDGE),
    # police-contracts
    Unit("no-police-contracts", TEXT),
    Unit("no-surveillance-products", TEXT),
    Unit("no-police-portal", TEXT),
    # third-parties
    Unit("no-surveillance-by-third-parties", TEXT),
    Unit("no-le-vendor-business", REVIEW),
)}

#: the units with a probe judge, in registry order (what `audit probe` measures and records)
PROBE_UNITS: tuple[Unit, ...] = tuple(u for u in REGISTRY.values() if u.judge is not None)


def unit_of(criterion) -> Unit:
    """The unit that judges a rubric CRITERION (`audit.rubric.model.Criterion`): the registered
    one; for a criterion the registry does not know, or knows under another method (another
    rubric's), a unit of its rubric `method` without a judge."""
    u = REGISTRY.get(criterion.id)
    if u is not None and u.kind == criterion.method:
        return u
    return Unit(criterion.id, criterion.method)
