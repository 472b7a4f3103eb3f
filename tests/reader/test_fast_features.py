"""The reading path (`document_feature_ids` + `sentence_probabilities_of_ids`) against the reference
that training uses (`document_features` + `sentence_probabilities`): the same probabilities bit for
bit, the same topics and the same readings, on every document of the shared corpus.

Skips cleanly when ../shared is absent.
"""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
import pytest

from audit.extract import extract
from audit.reader import learned
from audit.reader.features import (FeatureIds, Mentions, TokenCodes, document_feature_ids, document_features,
                                   document_topics, mark_negation, words)
from audit.reader.learned import model_for, read_document
from audit.reader.rules.matcher import find_all
from audit.rubric.loader import load_rubric

DOC_TYPES = ("developer-terms", "law-enforcement-guidelines", "privacy-policy", "product", "terms-of-service")


@pytest.fixture(scope="module")
def rubric():
    return load_rubric(None)


@pytest.fixture(scope="module")
def documents():
    """(name, extracted, doc type) of every real and HTML corpus document."""
    from conftest import SHARED  # the shared_dir fixture's folder (that fixture is per test)

    corpus = SHARED / "corpus"
    if not corpus.is_dir():
        pytest.skip("../shared is absent")
    files = sorted((corpus / "real").glob("*.md")) + sorted((corpus / "html").glob("*.html"))
    files += sorted((corpus / "html").glob("*.reference.md"))
    if not files:
        pytest.skip("no corpus documents in ../shared")
    out = []
    for f in files:
        doc_type = next((d for d in DOC_TYPES if f"__{d}__" in f.name), "other")
        out.append((f.name, extract(f.read_bytes(), filename=f.name), doc_type))
    return out


def _reference_stage1(model, extracted, doc_type, rules):
    return (model.sentence_probabilities(document_features(extracted, doc_type, rules)),
            document_topics(extracted))


def test_feature_ids_give_the_reference_probabilities_on_the_corpus(rubric, documents):
    model = model_for(rubric)
    assert model is not None and model.exact_terms > 1000
    compared = 0
    for k, (name, ex, doc_type) in enumerate(documents):
        if not ex.sentences:
            continue
        rules = find_all(rubric, ex)
        dt = "other" if k % 3 == 0 else doc_type  # both kinds of document type feature
        ref, ref_topics = _reference_stage1(model, ex, dt, rules)
        ids, constant, topics = document_feature_ids(ex, dt, rules, model.feature_ids)
        fast = model.sentence_probabilities_of_ids(ids, constant)
        assert fast is not None and np.array_equal(ref, fast), (name, dt)
        assert topics == ref_topics, name
        compared += 1
    assert compared >= 400


def test_the_feature_ids_are_the_reference_features_in_the_vocabulary(rubric, documents):
    """Beyond the sums: each sentence's id set is exactly its named features found in the vocabulary."""
    model = model_for(rubric)
    for name, ex, doc_type in documents[::7]:
        rules = find_all(rubric, ex)
        ids, constant, _ = document_feature_ids(ex, doc_type, rules, model.feature_ids)
        for i, feats in enumerate(document_features(ex, doc_type, rules)):
            want = {model.vocab[f] for f in feats if f in model.vocab}
            assert set(ids[i]) | set(constant) == want, (name, i)


def test_readings_are_the_reference_readings_on_the_corpus(rubric, documents, monkeypatch):
    fast = [read_document(rubric, ex, dt) for _, ex, dt in documents]
    monkeypatch.setattr(learned, "_stage1", _reference_stage1)
    for (name, ex, dt), got in zip(documents, fast):
        assert read_document(rubric, ex, dt) == got, name


def test_too_many_terms_fall_back_to_the_reference_path(rubric):
    model = replace(model_for(rubric))  # a copy, to set its bound low
    model.__dict__["exact_terms"] = 3
    assert model.sentence_probabilities_of_ids([[0, 1, 2, 3]], []) is None
    assert model.sentence_probabilities_of_ids([[0, 1]], [2]) is not None


def test_negation_marks_as_before():
    for sentence in ("We do not sell, share or rent your data unless required.", "No keys; never, but always logs.",
                     "We can't and won't read it (ever) without a warrant."):
        toks = words(sentence)
        assert mark_negation(toks) == _reference_marks(toks)


def _reference_marks(toks):
    """The negation loop as `sentence_features` had it before the no-negator shortcut."""
    negators = {"not", "no", "never", "without", "cannot", "neither", "nor", "none", "nothing", "nobody", "unless"}
    breakers = {",", ";", ":", "(", ")", "but", "except", "however", "although", "unless", "and"}
    marked, scope = [], 0
    for t in toks:
        if t in breakers:
            scope = 0
            if t not in ("but", "except", "however", "although", "unless", "and"):
                continue
        if t in negators:
            scope = 4
            marked.append(t)
            continue
        if scope:
            marked.append("~" + t)
            scope -= 1
        else:
            marked.append(t)
    return marked


def test_mentions_agree_with_the_search():
    pat = re.compile(r"\b(?:law enforcement|subpoenas?|court orders?)\b")
    mentions = Mentions(pat)
    assert mentions.literals
    for low in ("a subpoena", "subpoenaed", "law  enforcement", "the court orders", "nothing here", ""):
        assert mentions(low) == (pat.search(low) is not None)


def test_token_codes_name_the_vocabulary_ids():
    ids = FeatureIds({"w:data": 0, "b:data_sale": 1, "dt:other": 2, "w:~sell": 3, "b:not_~sell": 4, "p:data": 5})
    table = ids.tokens
    data, sale, sell, no, comma = table.codes(["data", "sale", "sell", "not", ","]).tolist()
    assert table.w[data] == 0 and table.p[data] == 5 and table.w[sale] == table.p[sale] == -1
    assert table.pair(np.array([data, sale]), np.array([sale, data])).tolist() == [1, -1]
    assert table.w[table.marked[sell]] == 3 and table.pair(np.array([no]), np.array([table.marked[sell]])).tolist() == [4]
    assert table.breaks[comma] and not table.breaks[data] and table.codes(["data"]).tolist() == [data]
    # pairs past the square table are looked up one by one, with the same answers
    table.square = table.square[:2, :2].copy()
    assert table.pair(np.array([data, sale, no]), np.array([sale, data, table.marked[sell]])).tolist() == [1, -1, 4]
    assert ids.constant("other") == [2] and ids.constant("product") == []


def test_token_codes_start_again_past_their_limit(monkeypatch):
    monkeypatch.setattr(TokenCodes, "LIMIT", 3)
    table = FeatureIds({"w:data": 0, "b:data_sale": 1}).tokens
    for _ in range(3):
        data, sale = table.codes(["x", "y", "z", "data", "sale"]).tolist()[3:]
        assert table.w[data] == 0 and table.pair(np.array([data]), np.array([sale])).tolist() == [1]
    assert len(table) <= 2 * TokenCodes.LIMIT + 4


@pytest.mark.parametrize("square", [TokenCodes.SQUARE, 7])
def test_feature_ids_of_made_up_documents_are_the_reference_features(rubric, monkeypatch, square):
    """Without the corpus too: negators, punctuation at sentence ends, contractions, headings
    between sentences and a NUL inside a sentence (which parts words but ends no sentence). With
    a square table of pairs so small that most pairs are looked up the other way too."""
    import random

    from audit.extract.text import build

    model = model_for(rubric)
    monkeypatch.setattr(TokenCodes, "SQUARE", square)
    feature_ids = FeatureIds(model.vocab)
    pieces = ["we", "do", "not", "sell", "data", "unless", "required", ",", ";", "(", ")", ":", "can't", "cannot",
              "won\u2019t", "law", "enforcement", "warrant", "no", "keys", "\0", "never", "may", "subpoena",
              "30 days", "and", "but", "É", "x."]
    rng = random.Random(3)
    for _ in range(150):
        blocks = [(rng.choice(["heading", "paragraph", "item"]),
                   ". ".join(" ".join(rng.choice(pieces) for _ in range(rng.randint(1, 25)))
                             for _ in range(rng.randint(1, 4))) + ".")
                  for _ in range(rng.randint(1, 6))]
        ex = build(blocks)
        if not ex.sentences:
            continue
        rules = find_all(rubric, ex)
        ids, constant, topics = document_feature_ids(ex, "privacy-policy", rules, feature_ids)
        for i, feats in enumerate(document_features(ex, "privacy-policy", rules)):
            assert sorted(set(ids[i])) == ids[i]
            assert set(ids[i]) | set(constant) == {model.vocab[f] for f in feats if f in model.vocab}, (blocks, i)
        assert topics == document_topics(ex), blocks


def test_sentences_found_by_their_tokens_are_those_the_search_finds(rubric):
    """The hedge, plan and period features and the topics are found from the tokens that hold a
    piece of each pattern (features._Mentioning), where the reference searches every sentence.
    Made-up sentences of the patterns' own words, cut and glued at random, with the rewrites the
    tokenizer makes ("n't", "cannot", curly apostrophes), hyphens and NULs between them."""
    import random

    from audit.extract.text import build
    from audit.reader import features

    model = model_for(rubric)
    rng = random.Random(11)
    words = sorted({w for m in features._BY_TOKEN for lit in m.literals for w in lit.split()} | {
        "plan't", "retention't", "can't", "cannot", "won\u2019t", "n't", "end-to-end", "logs", "blog", "in the future",
        "later this year", "will soon", "Police", "AGENCIES", "cjis", "30 days", "a", "the", "-", "'", "\0", "x"})
    for _ in range(400):
        def sentence() -> str:
            out = ""
            for _ in range(rng.randint(1, 12)):
                w = rng.choice(words)
                if rng.random() < 0.3:  # a piece of a word, glued to the one before or not
                    a = rng.randrange(len(w))
                    w = w[a:rng.randint(a + 1, len(w))]
                out += w if rng.random() < 0.25 else " " + w
            return out.strip() + "."
        ex = build([("paragraph", " ".join(sentence() for _ in range(rng.randint(1, 5)))) for _ in range(rng.randint(1, 3))])
        if not ex.sentences:
            continue
        ids, constant, topics = document_feature_ids(ex, "privacy-policy", {}, model.feature_ids)
        assert topics == document_topics(ex), ex.text
        for i, feats in enumerate(document_features(ex, "privacy-policy", {})):
            want = {f for f in ("x:hedge", "x:plan", "x:period") if f in feats}
            got = {f for f in ("x:hedge", "x:plan", "x:period") if model.vocab.get(f, -1) in ids[i]}
            assert got == want, (ex.text, i)
