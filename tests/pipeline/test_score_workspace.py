"""score_workspace: archive + local documents + probes + reviews + not_applicable, and the cache."""

from __future__ import annotations

from pathlib import Path

from audit.archive.store import Archive, LogEntry
from audit.declarations.load import load_declarations
from audit.models import Level
from audit.probe.store import append_run
from audit.rubric.loader import load_rubric
from audit.rubric.model import Rubric
from audit.pipeline.score_workspace import score_workspace, score_workspace_detailed
from audit.workspace import Workspace

MINI = str(Path(__file__).parents[1] / "data" / "mini_rubric.toml")


def setup(tmp_path: Path) -> Workspace:
    (tmp_path / "companies" / "docs").mkdir(parents=True)
    (tmp_path / "companies" / "docs" / "le.md").write_text("# Requests\n\nWe notify users before we disclose their data.\n")
    (tmp_path / "companies" / "acme.toml").write_text(
        'name = "Acme"\nnot_applicable = ["warrant"]\n\n'
        '[[documents]]\ntype = "law-enforcement-guidelines"\npath = "docs/le.md"\n\n'
        '[[documents]]\ntype = "encryption"\nurl = "https://acme.example/security"\n')
    (tmp_path / "companies" / "probed.toml").write_text(
        'name = "Probed"\n\n[[documents]]\ntype = "other"\nurl = "https://probed.example/x"\n')
    return Workspace.open(tmp_path)


def archive_page(ws: Workspace, slug: str, url: str, html: bytes) -> None:
    [decl], _ = load_declarations(ws, [slug])
    doc = next(d for d in decl.documents if d.url == url)
    a = Archive(ws.archive_dir)
    sha = a.put(html)
    a.record(slug, doc.key, LogEntry("2026-11-27T10:00:00Z", url, url, 200, sha, len(html), {"content-type": "text/html"}))


def archived_acme(tmp_path: Path) -> tuple[Workspace, Rubric]:
    """The workspace of `setup` with Acme's encryption page archived, and the mini rubric."""
    ws = setup(tmp_path)
    archive_page(ws, "acme", "https://acme.example/security",
                 b"<html><body><p>Messages are end-to-end encrypted.</p></body></html>")
    return ws, load_rubric(MINI)


def test_scores_from_local_and_archived_documents(tmp_path):
    ws, rubric = archived_acme(tmp_path)
    result = score_workspace_detailed(ws, rubric)
    assert [c.slug for c in result.cards] == ["acme"] and result.skipped == ["probed"]
    card = result.cards[0]
    levels = {c.id: c.level for c in card.criteria}
    assert levels["notice"] is Level.MET and levels["e2ee"] is Level.MET and levels["warrant"] is Level.NOT_APPLICABLE
    docs = {d.type: d for d in card.documents}
    assert docs["encryption"].fetched_at == "2026-11-27T10:00:00Z" and docs["encryption"].public
    assert not docs["law-enforcement-guidelines"].public
    assert result.cache_misses == 2 and result.cache_hits == 0


def test_rescoring_unchanged_archive_uses_the_cache(tmp_path):
    ws, rubric = archived_acme(tmp_path)
    first = score_workspace_detailed(ws, rubric)
    second = score_workspace_detailed(ws, rubric)
    assert second.cache_hits == 2 and second.cache_misses == 0
    assert [c.to_json() for c in first.cards] == [c.to_json() for c in second.cards]


def test_rescoring_with_every_finding_cached_never_loads_the_model_weights(tmp_path):
    """A scheduled re-score of an unchanged archive needs only the model's header (its hash for the
    cache key, its review threshold), not its weights: the cards are the same as when it was loaded."""
    from audit.reader.learned import reader_for, reader_version
    from audit.reader.base import reader_tag
    from audit.reader.model import load_model

    ws, _ = archived_acme(tmp_path)
    (tmp_path / "companies" / "acme.toml").write_text(
        (tmp_path / "companies" / "acme.toml").read_text().replace('not_applicable = ["warrant"]\n', ""))
    rubric = load_rubric("builtin")
    first = score_workspace_detailed(ws, rubric)
    assert first.cache_misses == 2 and not first.problems
    assert load_model.cache_info().currsize == 1  # the documents were read: the weights were needed
    load_model.cache_clear()
    try:
        second = score_workspace_detailed(ws, rubric)
        assert load_model.cache_info().currsize == 0, "a fully cached re-score loaded the weights"
        assert second.cache_hits == 2 and second.cache_misses == 0
        assert [c.to_json() for c in first.cards] == [c.to_json() for c in second.cards]
        assert reader_version(rubric) == reader_tag(reader_for(rubric))  # header and weights agree
    finally:
        load_model.cache_clear()


def test_company_with_only_probes_still_gets_a_scorecard(tmp_path):
    ws = setup(tmp_path)
    append_run(ws.archive_dir, "probed", {"time": "2026-11-27T00:00:00Z",
                                          "outcomes": {"tls": {"level": "met", "note": None, "evidence": []}}})
    cards = score_workspace(ws, load_rubric(MINI), ["probed"])
    assert len(cards) == 1
    card = cards[0]
    assert card.criterion("tls").level is Level.MET
    assert [d.status for d in card.documents] == ["failed"] and "never fetched" in card.documents[0].error
