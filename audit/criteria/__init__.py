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

A text unit also names the document types expected to speak to it (`Unit.doc_types`; a demand's
types in `DEMAND_DOC_TYPES` speak to every criterion of the demand, and a document of type `other`
to every text criterion). When such a document could not be read, scoring
(`audit/score/incomplete.py`) leaves the criterion `not-evaluated` rather than `no-disclosure`
(`speaks_to`; `SPEAKS_TO` is the same map read by document type).

A new criterion is its `[[criteria]]` table in the rubric, one line in `REGISTRY` (with its
document types, for a text criterion) and, for a probe criterion, one module here with its judge.
Scoring (`audit/score/engine.py`) dispatches on the unit's kind, probing (`audit/probe/levels.py`)
on the registered judges. A criterion of another rubric (`--rubric FILE`) that is not registered
here is judged by its rubric `method` (`unit_of`) and spoken to by its demand's document types.
tests/criteria/test_registry.py keeps the map and the built-in rubric in step;
tests/criteria/test_documents.py keeps the document types as they were.

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
    #: the document types expected to speak to this criterion, besides its demand's
    #: (`DEMAND_DOC_TYPES`) and `other` (see `doc_types_of`)
    doc_types: tuple[str, ...] = ()

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

#: document types are those of the declarations schema (audit/schemas/declaration-1.json); a
#: document of this one, or of a type named nowhere below, may speak to every text criterion
OTHER = "other"

#: criterion id -> unit, for the built-in rubric (rubrics/builtin.toml), in its order
REGISTRY: dict[str, Unit] = {u.id: u for u in (
    # legal-process (also every law-enforcement-guidelines document: DEMAND_DOC_TYPES)
    Unit("requires-legal-process", TEXT, doc_types=("privacy-policy", "terms-of-service")),
    Unit("warrant-for-content", TEXT),
    Unit("user-notice", TEXT, doc_types=("privacy-policy",)),
    Unit("narrow-emergency-disclosure", TEXT),
    Unit("pushes-back", TEXT, doc_types=("transparency-report",)),
    Unit("transparency-report", TEXT, doc_types=("transparency-report",)),
    Unit("publishes-le-guidelines", TEXT),
    Unit("gag-order-limits", TEXT),
    Unit("no-direct-access", TEXT),
    # encryption
    Unit("e2ee-by-default", TEXT, doc_types=("encryption", "product")),
    Unit("provider-cannot-decrypt", TEXT, doc_types=("encryption", "product")),
    Unit("encrypted-in-transit-and-at-rest", TEXT, doc_types=("privacy-policy", "encryption", "security")),
    Unit("opposes-backdoors", TEXT, doc_types=("encryption", "security")),
    Unit("data-minimization", TEXT, doc_types=("privacy-policy",)),
    Unit("no-data-sales", TEXT, doc_types=("privacy-policy", "terms-of-service", "developer-terms")),
    Unit("transport-security", PROBE, transport_security.JUDGE),
    Unit("https-enforced", PROBE, https_enforced.JUDGE),
    Unit("vulnerability-disclosure", PROBE_TEXT, vulnerability_disclosure.JUDGE, doc_types=("security",)),
    # police-contracts
    Unit("no-police-contracts", TEXT),
    Unit("no-surveillance-products", TEXT, doc_types=("product",)),
    Unit("no-police-portal", TEXT, doc_types=("law-enforcement-guidelines", "product")),
    # third-parties
    Unit("no-surveillance-by-third-parties", TEXT, doc_types=("privacy-policy", "developer-terms")),
    Unit("no-le-vendor-business", REVIEW),
)}

#: demand id -> the document types expected to speak to every criterion of that demand: the
#: registered ones and those of another rubric (`--rubric FILE`) that the registry does not know
DEMAND_DOC_TYPES: dict[str, tuple[str, ...]] = {
    "legal-process": ("law-enforcement-guidelines",),
}

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


def _named() -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    for name, types in [(u.id, u.doc_types) for u in REGISTRY.values()] + list(DEMAND_DOC_TYPES.items()):
        out[name] = tuple(dict.fromkeys(out.get(name, ()) + types))
    return out


#: criterion or demand id -> the document types named for it above (a name means the same in
#: whichever rubric uses it)
NAMED: dict[str, tuple[str, ...]] = _named()


def _by_type() -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    for name, types in NAMED.items():
        for t in types:
            out[t] = out.get(t, ()) + (name,)
    return out


#: the same map read by document type: type -> the criteria and demands (all their criteria) it
#: speaks to; `other`, and any type not listed, speaks to every text criterion
SPEAKS_TO: dict[str, tuple[str, ...]] = _by_type()


def doc_types_of(criterion) -> tuple[str, ...]:
    """The document types expected to speak to a rubric CRITERION (`audit.rubric.model.Criterion`),
    besides `other`: those named for its id (its unit's, whatever its method) and for its demand."""
    return tuple(dict.fromkeys(NAMED.get(criterion.id, ()) + NAMED.get(criterion.group, ())))


def speaks_to(doc_type: str, criterion) -> bool:
    """Whether a document of DOC_TYPE is expected to answer a rubric CRITERION (text or not: the
    caller asks about text criteria)."""
    return doc_type == OTHER or doc_type not in SPEAKS_TO or doc_type in doc_types_of(criterion)
