"""The documented Python API: score documents, score a workspace, publish its report.

Everything else in the package is internal and may change between releases; these three
functions and what they return follow the product contract (SPEC.md): the dicts are the
scorecards JSON document (`schema` encryption-audit/scorecards/1, `$schema` its shipped JSON
Schema), the same bytes `--format json` prints.

    >>> from audit.api import check
    >>> doc = check("policy.txt", doc_type="law-enforcement-guidelines")
    >>> doc["companies"][0]["grade"]

Errors are exceptions, not exit codes: :class:`InputError` (invalid input: exit 2 on the command
line) and :class:`NoEvidenceError` (nothing could be evaluated: exit 3), both :class:`AuditError`.
"""

from __future__ import annotations

import os
from pathlib import Path

from audit.errors import AuditError, InputError, NoEvidenceError

__all__ = ["check", "score", "report", "AuditError", "InputError", "NoEvidenceError"]

PathLike = str | os.PathLike


def check(*inputs: PathLike, doc_type: str | None = None, name: str = "Checked company",
          rubric: str | None = None, allow_private_network: bool = False, ca_bundle: str | None = None,
          user_agent: str | None = None) -> dict:
    """Score documents (local files or http(s) URLs) as one company, like `audit check`.

    Returns the scorecards document with one company. A URL that cannot be fetched is listed as a
    failed document; a file that cannot be read, or a refused private address, raises
    InputError; NoEvidenceError when no input could be read.
    """
    from audit.commands.check import EVERY_DOCUMENT_FAILED, _POLICY_REFUSAL, _error, score_checked
    from audit.models import DocumentRef
    from audit.report.formats import scorecards_document
    from audit.rubric.loader import load_rubric
    from audit.pipeline.documents import is_url, load_input

    if not inputs:
        raise InputError("check: give at least one file or URL")
    rb = load_rubric(rubric)
    docs, failed = [], []
    for item in map(str, inputs):
        try:
            docs.append(load_input(item, doc_type, allow_private=allow_private_network, ca_bundle=ca_bundle,
                                   user_agent=user_agent))
        except InputError as e:
            if not is_url(item) or _POLICY_REFUSAL in str(e):
                raise
            failed.append(DocumentRef(doc_type or "other", item, None, None, "failed", _error(item, e)))
    card, _, read_any = score_checked(rb, name, docs, failed)
    if not read_any:
        raise NoEvidenceError(f"could not evaluate: {EVERY_DOCUMENT_FAILED}")
    return scorecards_document([card], rb)


def score(workspace: PathLike = ".", slugs: list[str] | tuple[str, ...] | None = None,
          rubric: str | None = None) -> dict:
    """Score a workspace's companies from archive + probes + reviews, like `audit score --format json`.

    Companies that could not be evaluated are included (score null, with the reason). Raises
    InputError when a declaration or review is invalid, NoEvidenceError when nothing scores.
    """
    from audit.report.formats import scorecards_document

    ws, rb, result = _scored(workspace, slugs, rubric)
    return scorecards_document(result.all_cards, rb)


def report(workspace: PathLike = ".", out_dir: PathLike | None = None,
           slugs: list[str] | tuple[str, ...] | None = None, rubric: str | None = None) -> list[Path]:
    """Write the published scorecards (site, JSON, CSV, Markdown, badges) like `audit report`.

    OUT_DIR defaults to the workspace's reports/. Quotes from internal documents are withheld.
    Returns the paths written.
    """
    from audit.demands.redact import redact_internal
    from audit.refresh.publish import history_for_site
    from audit.report.site import write_report

    ws, rb, result = _scored(workspace, slugs, rubric)
    out = Path(out_dir) if out_dir is not None else ws.reports_dir
    return write_report(out, redact_internal(result.all_cards), rb, history_for_site(out))


def _scored(workspace, slugs, rubric):
    from audit.pipeline.score_workspace import score_workspace_detailed
    from audit.workspace import Workspace, open_rubric

    ws = Workspace.open(str(workspace))
    rb = open_rubric(ws, rubric)
    result = score_workspace_detailed(ws, rb, list(slugs) if slugs else None)
    if result.problems:
        raise InputError("; ".join(str(p) for p in result.problems))
    if not result.cards:
        if not result.skipped and not result.unevaluated:
            raise InputError(f"no company declarations in {ws.companies_dir}")
        raise NoEvidenceError("nothing could be evaluated: every document failed to fetch or parse and there are "
                              "no probe results")
    return ws, rb, result
