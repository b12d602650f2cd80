"""spaCy rule tagging: themes with rule ids, sentiment with negation and contrast, boilerplate."""
from __future__ import annotations

import json

import pytest

from findings.rules import tagger as rules
from findings.rules.tagger import RuleTagger, RulesError, default_tagger


@pytest.fixture(scope="module")
def tag():
    t = default_tagger()
    return lambda text, section=None: t.tag([text], [section])[0]


@pytest.mark.parametrize("text,theme", [
    ("Contacts into the MASH are screened within 24 hours.", "front_door"),
    ("The early help offer is well understood by partners.", "early_help"),
    ("Management oversight is evident on most case records.", "supervision"),
    ("Personal advisers keep in touch with care leavers.", "care_leavers"),
    ("Placement stability for children in care has improved.", "children_in_care"),
    ("Strategy meetings are timely and well attended.", "child_protection"),
    ("Return home interviews are offered to every child who goes missing.", "exploitation_missing"),
    ("Caseloads are manageable and agency staff have reduced.", "workforce"),
    ("Case audits are used to improve practice.", "quality_assurance"),
    ("Children's wishes and feelings are recorded.", "voice_participation"),
])
def test_theme_rules_fire_with_their_ids(tag, text, theme):
    result = tag(text)
    assert theme in result.themes
    assert all(rid.startswith(theme + "/") for rid in result.hits[theme])


@pytest.mark.parametrize("text,sentiment", [
    ("The front door is not fit for purpose.", "negative"),
    ("This is not effective.", "negative"),
    ("Supervision is not always reflective.", "negative"),
    ("Staff report that they feel well supported.", "positive"),
    ("Pathway plans have improved but remain inconsistent.", "mixed"),
    ("The MASH is based in a police station.", "neutral"),
    ("There has been insufficient progress to ensure care leavers have access to their health histories.", "negative"),
])
def test_sentiment_handles_negation_and_contrast(tag, text, sentiment):
    assert tag(text).sentiment == sentiment


def test_negation_flips_a_positive_cue(tag):
    assert tag("Plans are effective.").sentiment_score > 0 > tag("Plans are not effective.").sentiment_score


def test_recommendation_sections_lean_negative(tag):
    assert tag("The timeliness of return home interviews.", "What needs to improve").sentiment == "negative"
    assert tag("The timeliness of return home interviews.", "Introduction").sentiment == "neutral"


@pytest.mark.parametrize("text,rule", [
    ("© Crown copyright 2019", "copyright"),
    ("This page is intentionally left blank", "blank-page"),
    ("Introduction .......................... 4", "contents-line"),
    ("Ofsted, Piccadilly Gate, Store Street, Manchester M1 2WD", "ofsted-address"),
])
def test_boilerplate_gets_no_themes_and_neutral(tag, text, rule):
    result = tag(text)
    assert result.boilerplate == rule and result.themes == [] and result.sentiment == "neutral"


def test_rule_ids_are_unique_and_themes_from_the_codebook():
    loaded = rules.load_theme_rules()
    assert len({r["id"] for r in loaded}) == len(loaded)
    assert {r["theme"] for r in loaded} == set(rules.THEMES)


def test_a_bad_rule_names_the_file_and_line(tmp_path):
    bad = tmp_path / "themes.jsonl"
    bad.write_text(json.dumps({"id": "x/1", "theme": "front_door", "phrase": "MASH"}) + "\n"
                   + json.dumps({"id": "x/2", "theme": "frontdoor", "phrase": "duty"}) + "\n")
    with pytest.raises(RulesError, match=r"themes.jsonl:2: theme 'frontdoor' is not a codebook theme"):
        rules.load_theme_rules(bad)


def test_rules_version_changes_with_the_files(tmp_path, monkeypatch):
    before = rules.rules_version()
    copy = tmp_path / "themes.jsonl"
    copy.write_text(rules.THEMES_FILE.read_text() + json.dumps({"id": "early_help/x", "theme": "early_help", "phrase": "help hub"}) + "\n")
    monkeypatch.setattr(rules, "THEMES_FILE", copy)
    assert rules.rules_version() != before
    assert "early_help/x" in RuleTagger().tag(["The help hub is busy."])[0].hits["early_help"]


def test_word_list_patterns_run_as_phrases_and_match_like_the_matcher():
    from spacy.matcher import Matcher

    pattern = [{"LOWER": {"IN": ["contacts", "contact"]}}, {"LOWER": {"IN": ["are", "were", "received"]}}]
    assert sorted(rules._as_phrases(pattern)) == sorted(
        f"{a} {b}" for a in ("contacts", "contact") for b in ("are", "were", "received"))
    pattern = next(r["pattern"] for r in rules.load_theme_rules() if r["id"] == "front_door/contact-received")
    assert rules._as_phrases([{"LEMMA": "contact"}]) is None  # anything else stays a Matcher pattern
    assert rules._as_phrases([{"LOWER": "a"}, {"OP": "?"}]) is None
    t = default_tagger()
    assert len(t.patterns) == 0  # every shipped pattern runs in the PhraseMatcher
    for rule_id, texts in (("front_door/contact-received", ["Contacts were screened.", "The contact received was logged.",
                                                            "Contacts into the hub."]),
                           ("front_door/office-hours", ["Outside office hours, the EDT responds.",  # "OP": "?" tokens
                                                        "Calls outside normal office hours.", "outside of office hours"]),
                           ("early_help/prevent-escalating", ["Help to prevent concerns from escalating.",
                                                              "It prevents their needs escalating.", "prevent needs"])):
        pattern = next(r["pattern"] for r in rules.load_theme_rules() if r["id"] == rule_id)
        matcher = Matcher(t.nlp.vocab)
        matcher.add("p", [pattern])
        for text in texts:
            doc = t.nlp.make_doc(text)
            phrases = sorted((s, e) for _, s, e in t.phrases(doc) if t.nlp.vocab.strings[_] == rule_id)
            assert phrases == sorted((s, e) for _, s, e in matcher(doc)), text


def test_sentiment_evidence_is_kept_for_the_classifier(tag):
    mixed = tag("Pathway plans are timely, but their quality is too variable.")
    assert mixed.contrast and mixed.positive_clauses == 1 and mixed.negative_clauses == 1
    assert mixed.positive_weight > 0 and mixed.negative_weight > 0
    assert tag("Return home interviews are too variable.").sentiment == "negative"  # "too" does not flip a negative cue
    assert tag("There was no delay in allocating a social worker.").sentiment_score > 0
    plain = tag("The visit was the sixth monitoring visit.")
    assert not plain.contrast and plain.positive_weight == plain.negative_weight == 0
