"""One codebook (rules/codebook.yaml): the tagger, the classifier, label validation, the
warehouse views and the contract's accepted values all take their themes and sentiments
from it, so they agree, and a theme added to it reaches the views without editing SQL."""
from __future__ import annotations

import re
from pathlib import Path

import duckdb
import yaml

from findings.models import features, labels, selection
from findings.rules import codebook, tagger
from findings.warehouse import db
from findings.warehouse.contract import load_contract

ROOT = Path(__file__).resolve().parents[1]
BOOK = yaml.safe_load((ROOT / "rules" / "codebook.yaml").read_text(encoding="utf-8"))


def test_every_module_lists_the_codebook():
    themes = tuple(t["id"] for t in BOOK["themes"])
    sentiments = tuple(s["id"] for s in BOOK["sentiments"])
    assert codebook.THEMES == tagger.THEMES == features.THEMES == labels.THEMES == selection.THEMES == themes
    assert codebook.SENTIMENTS == tagger.SENTIMENTS == features.SENTIMENTS == labels.SENTIMENTS == sentiments
    assert tagger.CORE_THEMES == tuple(t["id"] for t in BOOK["themes"] if t["core"]) == themes[:4]
    assert all(t["about"] and t["name"] for t in BOOK["themes"]) and all(s["when"] for s in BOOK["sentiments"])


def test_contract_accepted_values_are_the_codebook():
    views = load_contract()["views"]
    accepted = lambda view, column: next(t["accepted_values"] for t in views[view]["columns"][column]["tests"]
                                         if isinstance(t, dict))
    assert accepted("finding_themes", "theme") == list(codebook.THEMES)
    assert accepted("findings", "sentiment") == list(codebook.SENTIMENTS)
    raw = (ROOT / "warehouse" / "contract.yml").read_text(encoding="utf-8")
    assert "front_door" not in raw and "voice_participation" not in raw  # listed once, in the codebook


def test_views_order_themes_by_the_codebook_and_hard_code_none():
    sql = (ROOT / "warehouse" / "views.sql").read_text(encoding="utf-8")
    assert not any(t in sql for t in codebook.THEMES)
    assert re.findall(r"'(\w+)', \d+", db.views_sql()) == list(codebook.THEMES)


def _warehouse_with(themes_of_one_sentence: list[str], codebook_themes: tuple[str, ...]) -> list[str]:
    con = duckdb.connect()
    db.migrate(con)
    con.execute(db.views_sql(codebook_themes))
    con.execute("INSERT INTO store.documents (document_id, source, status, extraction_version, loaded_at) "
                "VALUES ('d', 'x.txt', 'loaded', '2', now())")
    con.execute("INSERT INTO store.sentences (sentence_id, document_id, sentence_index, paragraph_index, kind, text, "
                "start_char, end_char) VALUES ('s', 'd', 0, 0, 'body', 'Text.', 0, 5)")
    con.execute("INSERT INTO store.sentence_tags (sentence_id, boilerplate, sentiment, sentiment_score, sentiment_source, "
                "tagger_version) VALUES ('s', false, 'neutral', 0, 'rule', 'v')")
    for theme in themes_of_one_sentence:
        con.execute("INSERT INTO store.sentence_themes VALUES ('s', ?, 1.0, 'rule', 'r')", [theme])
    return con.execute("SELECT themes FROM findings").fetchone()[0]


def test_a_new_codebook_theme_reaches_the_views_without_editing_sql():
    assert _warehouse_with(["workforce", "front_door"], codebook.THEMES) == ["front_door", "workforce"]
    # a theme added to the codebook (first, say) is neither dropped nor misplaced
    assert _warehouse_with(["workforce", "new_theme", "front_door"], ("new_theme",) + codebook.THEMES) == \
        ["new_theme", "front_door", "workforce"]
    # and one the codebook does not know yet is kept, last
    assert _warehouse_with(["unknown_theme", "front_door"], codebook.THEMES) == ["front_door", "unknown_theme"]
