"""`audit demands`: the draft letter from scorecard gaps (scorecards built from documents written here)."""

RUBRIC_TOML = r'''
[rubric]
id = "toolkit-test"
version = "0.1.0"
title = "toolkit test rubric"
description = "Four demands, one or two criteria each."

[points]
met = 100
partial = 50
not-met = 0
no-disclosure = 0

[[grades]]
grade = "A"
min = 85
[[grades]]
grade = "F"
min = 0

[lexicon]
negation = ["not", "never", "no"]
hedge = ["may", "generally"]
negation_window = 5

[[demands]]
id = "legal-process"
weight = 40
title = "Legal process"
statement = "Refuse voluntary help to police without legal process."

[[demands]]
id = "encryption"
weight = 30
title = "Encryption"
statement = "Encrypt so that nothing useful can be handed over."

[[demands]]
id = "police-contracts"
weight = 20
title = "Police contracts"
statement = "Drop police contracts."

[[demands]]
id = "third-parties"
weight = 10
title = "Third parties"
statement = "Stop business with firms that contract with police."

[[criteria]]
id = "requires-legal-process"
group = "legal-process"
weight = 3
method = "text"
title = "Requires legal process"
demand = "Hand user data to police only under valid legal process."
[criteria.levels]
met = "Discloses only under valid legal process."
partial = "Requires legal process in general, with discretion."
not-met = "Discloses on an informal request."
[[criteria.signals]]
id = "only-legal-process"
level = "met"
all = ['\bonly\b.{0,60}\blegal process\b']
hedged = "partial"
[[criteria.signals]]
id = "informal-request"
level = "not-met"
all = ['\binformal requests?\b']

[[criteria.examples]]
text = "We disclose data only in response to valid legal process."
level = "met"
[[criteria.examples]]
text = "We publish a newsletter."
level = "no-disclosure"

[[criteria]]
id = "notify-users"
group = "legal-process"
weight = 2
method = "text"
title = "Notifies users"
demand = "Tell users about requests for their data before disclosing it."
[criteria.levels]
met = "Notifies users before disclosure unless a court forbids it."
partial = "Notifies users sometimes."
not-met = "Does not notify users."
[[criteria.signals]]
id = "we-notify"
level = "met"
all = ['\bnotify (the )?users?\b']
hedged = "partial"

[[criteria.examples]]
text = "We notify users before we disclose their data."
level = "met"
[[criteria.examples]]
text = "We publish a newsletter."
level = "no-disclosure"

[[criteria]]
id = "end-to-end"
group = "encryption"
weight = 3
method = "text"
title = "End-to-end encryption"
demand = "Encrypt messages end to end by default."
[criteria.levels]
met = "Messages are end-to-end encrypted by default."
partial = "End-to-end encryption is optional."
not-met = "Messages are not end-to-end encrypted."
[[criteria.signals]]
id = "e2e"
level = "met"
all = ['\bend-to-end encrypted\b']
hedged = "partial"

[[criteria.examples]]
text = "All messages are end-to-end encrypted."
level = "met"
[[criteria.examples]]
text = "We publish a newsletter."
level = "no-disclosure"

[[criteria]]
id = "no-police-contracts"
group = "police-contracts"
weight = 1
method = "text"
title = "No police contracts"
demand = "End all contracts with police agencies."
[criteria.levels]
met = "Has no contracts with law-enforcement agencies."
not-met = "Sells to law-enforcement agencies."
[[criteria.signals]]
id = "sells-to-police"
level = "not-met"
all = ['\b(sell|provide) (our )?(products|services) to (police|law enforcement)\b']

[[criteria.examples]]
text = "We sell our products to police departments."
level = "not-met"
[[criteria.examples]]
text = "We publish a newsletter."
level = "no-disclosure"

[[criteria]]
id = "vendor-policy"
group = "third-parties"
weight = 1
method = "text"
title = "Vendor policy"
demand = "Refuse business with vendors that build policing tools."
[criteria.levels]
met = "Refuses vendors that build policing tools."
not-met = "No such policy."
[[criteria.signals]]
id = "vendor-refusal"
level = "met"
all = ['\brefuse\b.{0,40}\bvendors\b']
[[criteria.examples]]
text = "We refuse to work with vendors that build policing tools."
level = "met"
[[criteria.examples]]
text = "We publish a newsletter."
level = "no-disclosure"

'''



import re
from pathlib import Path

import pytest

from audit.demands import build_letter, redact_internal, render_letter
from audit.demands.letter import md_escape
from audit.models import Level, Review
from audit.rubric.loader import load_rubric
from audit.reader.model import review_threshold
from audit.score.engine import score_company
from audit.pipeline.documents import findings_for, load_document

POLICY_URL = "https://example.com/law-enforcement"
POLICY = (
    "<html><head><title>Law enforcement guidelines</title></head><body><main>"
    "<h1>Law enforcement guidelines</h1>"
    "<p>We may answer an informal request from police when we think it helps.</p>"
    "<p>We sell our products to police departments across the country.</p>"
    "<p>We refuse to work with vendors that build policing tools.</p>"
    "</main></body></html>"
)


def write_rubric(folder: Path) -> str:
    path = Path(folder) / "toolkit-rubric.toml"
    path.write_text(RUBRIC_TOML, encoding="utf-8")
    return str(path)


@pytest.fixture
def rubric(tmp_path):
    return load_rubric(write_rubric(tmp_path))


def card_from(rubric, html: str, url: str = POLICY_URL, public: bool = True, reviews=None):
    doc = load_document(html.encode(), url=url, fetched_at="2026-11-01T10:00:00Z", doc_type="law-enforcement-guidelines",
                        content_type="text/html", public=public)
    return score_company(rubric, "acme", "Acme Corp", [findings_for(rubric, doc)], reviews=reviews, review_below=review_threshold())


def test_letter_groups_gaps_by_demand_with_quotes_and_better_policy(rubric):
    card = card_from(rubric, POLICY)
    assert card.criterion("requires-legal-process").level is Level.NOT_MET
    letter = build_letter(card, rubric)
    assert [s.id for s in letter.sections] == ["legal-process", "encryption", "police-contracts"]
    legal = letter.sections[0]
    assert [a.criterion for a in legal.asks] == ["requires-legal-process", "notify-users"]
    ask = legal.asks[0]
    assert ask.ask == "Hand user data to police only under valid legal process."
    assert ask.better == "Discloses only under valid legal process."
    assert any("informal request" in q.text for q in ask.quotes)
    assert all(q.url == POLICY_URL and q.date == "2026-11-01" and q.public for q in ask.quotes)
    # met criteria are not demanded
    assert "vendor-policy" not in {a.criterion for s in letter.sections for a in s.asks}

    md = render_letter(letter, "markdown")
    assert "## Legal process" in md and "## Police contracts" in md and "## Third parties" not in md
    assert "**We ask:** Hand user data to police only under valid legal process." in md
    assert "[source](https://example.com/law-enforcement), retrieved 2026-11-01" in md
    assert "**A better policy:** Discloses only under valid legal process." in md
    # no disclosure: said plainly, no invented quote
    assert "nothing we could find" in md
    text = render_letter(letter, "text")
    assert "We ask: Hand user data to police only under valid legal process." in text
    assert "informal request from police" in text and "(https://example.com/law-enforcement, retrieved 2026-11-01)" in text


def test_quotes_are_markdown_escaped(rubric):
    hostile = POLICY.replace(
        "We may answer an informal request",
        "We may answer an informal request [click](javascript:alert(1)) <script>x</script> **bold**")
    letter = build_letter(card_from(rubric, hostile), rubric)
    md = render_letter(letter, "markdown")
    assert "[click](javascript" not in md
    assert "<script>" not in md
    assert "**bold**" not in md
    assert md_escape("[a](b) <i> *x*") == "\\[a\\](b) &lt;i&gt; \\*x\\*"
    # a hostile URL cannot break out of the link
    letter2 = build_letter(card_from(rubric, POLICY, url="https://example.com/a) [x](javascript:y"), rubric)
    md2 = render_letter(letter2, "markdown")
    assert re.search(r"(?<!\\)\](\(|\s*\()javascript", md2) is None and "%28javascript:y)" in md2


def test_no_personal_data_of_the_auditor(rubric):
    review = Review("notify-users", Level.PARTIAL, "asked HR, Jane said sometimes", "Jane Doe <jane@acme.example>",
                    "2026-11-20")
    card = card_from(rubric, POLICY, reviews={"notify-users": review})
    for fmt in ("markdown", "text"):
        out = render_letter(build_letter(card, rubric), fmt)
        assert "Jane" not in out and "jane@" not in out
        assert "Notifies users" in out  # the reviewed gap is still demanded


def test_internal_quotes_withheld_unless_published(rubric):
    card = card_from(rubric, POLICY, url="companies/acme-wiki.html", public=False)
    withheld = render_letter(build_letter(redact_internal([card])[0], rubric), "markdown")
    assert "informal request" not in withheld and "acme-wiki" not in withheld
    assert "non-public document" in withheld and "withheld" in withheld
    shown = render_letter(build_letter(card, rubric), "markdown")
    assert "informal request" in shown and "non-public document, 2026-11-01" in shown


def test_all_met_letter_says_so(rubric):
    good = ("<html><body><p>We disclose data only in response to valid legal process.</p>"
            "<p>We notify users before we disclose their data.</p><p>All messages are end-to-end encrypted.</p>"
            "<p>We refuse to work with vendors that build policing tools.</p></body></html>")
    letter = build_letter(card_from(rubric, good), rubric)
    assert [a.criterion for s in letter.sections for a in s.asks] == ["no-police-contracts"]


def _workspace(tmp_path: Path, rubric_path: str) -> Path:
    ws = tmp_path / "ws"
    (ws / "companies").mkdir(parents=True)
    (ws / "companies" / "policy.html").write_text(POLICY, encoding="utf-8")
    (ws / "companies" / "acme.toml").write_text(
        'name = "Acme Corp"\n\n[[documents]]\ntype = "law-enforcement-guidelines"\npath = "policy.html"\n',
        encoding="utf-8")
    return ws


def test_demands_command_on_a_workspace(run_cli, tmp_path):
    rubric_path = write_rubric(tmp_path)
    ws = _workspace(tmp_path, rubric_path)
    r = run_cli("demands", "acme", "--workspace", ws, "--rubric", rubric_path)
    assert r.code == 0, r
    assert r.out.startswith("# Draft letter to Acme Corp")
    assert "informal request" not in r.out  # the document is internal (path =)
    assert "withheld" in r.out and "demand(s) drafted" in r.err
    r2 = run_cli("demands", "acme", "--workspace", ws, "--rubric", rubric_path, "--publish-internal", "--format", "text")
    assert r2.code == 0, r2
    assert "informal request from police" in r2.out
    again = run_cli("demands", "acme", "--workspace", ws, "--rubric", rubric_path, "--publish-internal", "--format", "text")
    assert again.out == r2.out


def test_demands_command_bad_input(run_cli, tmp_path):
    rubric_path = write_rubric(tmp_path)
    ws = _workspace(tmp_path, rubric_path)
    r = run_cli("demands", "nobody", "--workspace", ws, "--rubric", rubric_path)
    assert r.code == 2 and "unknown company 'nobody'" in r.err and "Traceback" not in r.err
    r = run_cli("demands", "acme", "--workspace", tmp_path / "missing")
    assert r.code == 2


def test_demands_from_scorecards_json(run_cli, tmp_path):
    rubric_path = write_rubric(tmp_path)
    page = tmp_path / "le.html"
    page.write_text(POLICY, encoding="utf-8")
    r = run_cli("check", page, "--name", "Acme Corp", "--rubric", rubric_path, "--format", "json",
                "--type", "law-enforcement-guidelines")
    assert r.code == 0, r
    cards = tmp_path / "scorecards.json"
    cards.write_text(r.out, encoding="utf-8")
    r = run_cli("demands", "acme-corp", "--from-json", cards, "--rubric", rubric_path, "--format", "text")
    assert r.code == 0, r
    assert "We ask: Hand user data to police only under valid legal process." in r.out
    assert "informal request" not in r.out and "withheld" in r.out  # a local file is not public
    r = run_cli("demands", "acme-corp", "--from-json", cards, "--rubric", rubric_path, "--publish-internal")
    assert r.code == 0 and "informal request from police" in r.out
    bad = run_cli("demands", "other", "--from-json", cards, "--rubric", rubric_path)
    assert bad.code == 2 and "acme-corp" in bad.err
    wrong = run_cli("demands", "acme-corp", "--from-json", cards)  # the built-in rubric is another one
    assert wrong.code == 2 and "--rubric" in wrong.err
    (tmp_path / "junk.json").write_text("{not json", encoding="utf-8")
    assert run_cli("demands", "acme-corp", "--from-json", tmp_path / "junk.json", "--rubric", rubric_path).code == 2


def test_the_words_that_show_the_gap_come_first(rubric, monkeypatch):
    # support first in the page, the gap (an informal request answered) after it; the hand rules
    # read both sentences (what is tested is the letter's order, not the reading)
    monkeypatch.setenv("AUDIT_READER", "rules")
    html = POLICY.replace(
        "<p>We may answer an informal request",
        "<p>We disclose data only in response to valid legal process.</p><p>We may answer an informal request")
    card = card_from(rubric, html)
    result = card.criterion("requires-legal-process")
    assert {e.polarity.value for e in result.evidence} == {"for", "against"}
    assert result.evidence[0].polarity.value == "for"  # the engine lists support first
    ask = build_letter(card, rubric).sections[0].asks[0]
    assert "informal request" in ask.quotes[0].text
