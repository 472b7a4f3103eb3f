"""`audit check`: score documents directly, without a workspace (a worker's quick look).

Exit codes (SPEC.md): a local file that cannot be read or parsed is invalid input (2), and so is
a URL the private-network policy refuses (the user can allow it with --allow-private-network).
A URL that cannot be fetched or parsed (HTTP error, connection refused, ...) is a failed
document: it is listed in the scorecard with `status: failed` and its error, and the scorecard is
computed from the other inputs; when every input failed, the scorecard says it could not be
evaluated and the exit code is 3.
"""

from __future__ import annotations

import click

from audit.commands.options import (
    ca_bundle_from_env,
    checked_user_agent,
    format_option,
    network_options,
    rubric_option,
    user_agent_option,
)
from audit.errors import InputError, NoEvidenceError
from audit.extract.doctype import DOCUMENT_TYPES
from audit.models import DocumentRef, Unread
from audit.pipeline.documents import is_url, load_input, score_documents
from audit.report.formats import render
from audit.rubric.loader import load_rubric
from audit.score.incomplete import incomplete_warning, unread_documents, unsupported_language

#: What the fetcher says when the private-network policy refused an address (audit.fetch.http).
_POLICY_REFUSAL = "--allow-private-network"
EVERY_DOCUMENT_FAILED = "every document failed to fetch or parse"


@click.command()
@click.argument("inputs", nargs=-1, required=True, metavar="FILE_OR_URL...")
@click.option("--type", "doc_type", type=click.Choice(DOCUMENT_TYPES), default=None,
              help="Document type of every input (default: guessed from the content, shown in the output).")
@click.option("--name", default="Checked company", show_default=True, help="Company name for the scorecard.")
@click.option("--source-url", "source_urls", multiple=True, metavar="FILE=URL",
              help="Cite local FILE by this public URL (a saved copy of that page); repeatable. "
                   "Without it a local file is cited by its file name only.")
@format_option
@rubric_option
@network_options
@user_agent_option
def check(inputs, doc_type, name, source_urls, fmt, rubric_id, allow_private_network, ca_bundle, user_agent):
    """Score policy documents (files or URLs) as one company, with a quote for every level."""
    user_agent = checked_user_agent(user_agent)
    cited = _source_urls(source_urls, inputs)
    rubric = load_rubric(rubric_id)
    docs, failed = [], []
    network = None
    if any(is_url(item) for item in inputs):
        from audit.fetch.http import NetworkEnv

        network = NetworkEnv.from_env()  # proxy settings read once for all the URLs
    for item in inputs:
        try:
            docs.append(load_input(item, doc_type, allow_private=allow_private_network,
                                   ca_bundle=ca_bundle_from_env(ca_bundle), user_agent=user_agent,
                                   network=network, cite_as=cited.get(item)))
        except InputError as e:
            from audit.offline import OfflineError

            if not is_url(item) or _POLICY_REFUSAL in str(e) or isinstance(e, OfflineError):
                raise  # an unreadable file or a refused address: invalid input (2)
            click.echo(f"audit: warning: {e}", err=True)
            failed.append(DocumentRef(doc_type or "other", item, None, None, "failed", _error(item, e)))
    for d in docs:
        if d.guessed:
            click.echo(f"audit: {d.ref.url}: type guessed as {d.ref.type} (use --type to set it)", err=True)
        for w in d.extracted.warnings:
            click.echo(f"audit: warning: {d.ref.url}: {w}", err=True)
    card, notes, read_any = score_checked(rubric, name, docs, failed)
    for note in notes:
        click.echo(f"audit: warning: {note}", err=True)
    click.echo(render(fmt, [card], rubric), nl=False)
    if not read_any:
        raise NoEvidenceError(f"could not evaluate: {EVERY_DOCUMENT_FAILED}")


def score_checked(rubric, name: str, docs: list, failed: list[DocumentRef]):
    """One company's scorecard from loaded documents and failed URLs, as `audit check` and the
    Python API (`audit.api.check`) both give it: documents in a language the rubric does not read
    join the unread ones, the criteria they answer are not evaluated, and guessed types are listed.
    Returns (scorecard, warnings for the user, whether any document was read)."""
    from dataclasses import replace

    from audit.extract.language import readable

    notes = []
    foreign = [d for d in docs if not readable(d.ref.language, rubric.languages)]
    for d in foreign:
        notes.append(f"{d.ref.url}: {unsupported_language(d.ref.language)} by rubric {rubric.id} "
                     f"(it reads {', '.join(rubric.languages)}); the criteria this document answers are not evaluated")
    docs = [d for d in docs if not any(d is f for f in foreign)]
    failed = failed + [d.ref for d in foreign]
    unread = Unread(tuple(dict.fromkeys(unread_documents(failed, rubric))), None if docs else EVERY_DOCUMENT_FAILED)
    card = score_documents(rubric, _slug(name), name, docs, failed, unread)
    if docs and not card.complete:
        notes.append(incomplete_warning(card))
    guessed = tuple((d.ref.url, d.ref.type) for d in docs if d.guessed)
    if guessed:
        card = replace(card, guessed_types=guessed)
    return card, notes, bool(docs)


def _source_urls(values, inputs) -> dict[str, str]:
    """--source-url FILE=URL pairs, checked: FILE is one of the inputs, URL is http(s)."""
    out: dict[str, str] = {}
    for v in values:
        file, sep, url = v.partition("=")
        if not sep or not file or not url.startswith(("http://", "https://")):
            raise InputError(f"--source-url {v!r}: expected FILE=URL with an http(s) URL")
        if file not in inputs or is_url(file):
            raise InputError(f"--source-url {v!r}: {file!r} is not one of the local files given")
        out[file] = url
    return out


def _error(item: str, e: Exception) -> str:
    """The fetch error without the URL in front (the document entry names it already)."""
    msg = str(e)
    return msg[len(item) + 2:] if msg.startswith(item + ": ") else msg


def _slug(name: str) -> str:
    import re

    s = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return s or "company"
