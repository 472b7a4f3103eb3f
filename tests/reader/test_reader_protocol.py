"""Both readers behind one protocol: an id, a version for the findings cache key, `read()`."""

from __future__ import annotations

import pytest

from audit.extract.markdown import extract_plain
from audit.reader.base import DocumentReading, reader_tag
from audit.reader.learned import READER_REVISION, LearnedReader, reader_for, reader_version
from audit.reader.model import load_model
from audit.reader.rules.reader import RulesReader
from audit.rubric.loader import load_rubric

TEXT = "We require a warrant before we disclose the content of messages. Messages are end-to-end encrypted."


@pytest.fixture(scope="module")
def rubric():
    return load_rubric(None)


def test_the_builtin_rubric_is_read_by_the_learned_reader_and_its_version_keys_the_cache(rubric):
    reader = reader_for(rubric)
    assert isinstance(reader, LearnedReader) and reader.id == "learned"
    assert reader_version(rubric) == reader_tag(reader) == f"learned:{load_model().version}:{READER_REVISION}"


def test_audit_reader_rules_reads_with_the_hand_rules(rubric, monkeypatch):
    monkeypatch.setenv("AUDIT_READER", "rules")
    reader = reader_for(rubric)
    assert isinstance(reader, RulesReader)
    assert reader_version(rubric) == reader_tag(reader) == "rules"


@pytest.mark.parametrize("make", [lambda r: RulesReader(r), lambda r: LearnedReader(r, load_model())])
def test_every_reader_reads_every_text_criterion(rubric, make):
    reading = make(rubric).read(extract_plain(TEXT), "law-enforcement-guidelines")
    assert isinstance(reading, DocumentReading)
    assert set(reading.readings) == {c.id for c in rubric.text_criteria}
    assert reading.findings()  # the warrant sentence is found either way


@pytest.mark.parametrize("choice", ["learned", "rules"])
def test_every_observation_names_the_reader_that_made_it_and_the_cache_keeps_it(rubric, choice, monkeypatch,
                                                                                 tmp_path):
    from audit.archive.cache import load_cached, store_cached
    from audit.reader.learned import read_document

    monkeypatch.setenv("AUDIT_READER", choice)
    monkeypatch.setenv("AUDIT_CACHE_KEY_FILE", str(tmp_path / "cache.key"))
    findings = read_document(rubric, extract_plain(TEXT), "law-enforcement-guidelines").findings()
    observations = [f for items in findings.values() for f in items]
    assert observations and {f.reader for f in observations} == {reader_version(rubric)}
    assert reader_version(rubric).split(":")[0] == choice
    store_cached(tmp_path, "k" * 64, findings, "", ())
    assert load_cached(tmp_path, "k" * 64)[0] == findings
