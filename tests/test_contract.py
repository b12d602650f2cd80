"""The analysts' contract (warehouse/contract.yml): every view has exactly the documented
columns, the column tests (unique, not_null, accepted_values) and view tests (unique_combination)
hold on real data."""
from __future__ import annotations

from pathlib import Path

import pytest

from findings.rules.tagger import SENTIMENTS, THEMES
from findings.warehouse.contract import load_contract
from findings.warehouse.db import query

CONTRACT = load_contract()


def cases():
    for view, spec in CONTRACT["views"].items():
        for column, col in spec["columns"].items():
            for test in col.get("tests", []):
                yield pytest.param(view, column, test, id=f"{view}.{column}.{test if isinstance(test, str) else 'accepted_values'}")


@pytest.mark.shared
@pytest.mark.parametrize("view", list(CONTRACT["views"]))
def test_view_columns_are_documented(seeds_warehouse, view):
    columns, _ = query(seeds_warehouse, f"SELECT * FROM {view} LIMIT 0")
    assert columns == list(CONTRACT["views"][view]["columns"])


@pytest.mark.shared
@pytest.mark.parametrize("view,column,test", list(cases()))
def test_column_tests_hold(seeds_warehouse, view, column, test):
    if test == "unique":
        sql = f"SELECT count(*) FROM (SELECT {column} FROM {view} GROUP BY 1 HAVING count(*) > 1)"
    elif test == "not_null":
        sql = f"SELECT count(*) FROM {view} WHERE {column} IS NULL"
    else:
        allowed = ", ".join("'" + v.replace("'", "''") + "'" for v in test["accepted_values"])
        sql = f"SELECT count(*) FROM {view} WHERE {column} IS NOT NULL AND {column} NOT IN ({allowed})"
    assert query(seeds_warehouse, sql)[1][0][0] == 0


@pytest.mark.shared
@pytest.mark.parametrize("view,columns", [(view, test["unique_combination"]) for view, spec in CONTRACT["views"].items()
                                          for test in spec.get("tests", [])])
def test_view_tests_hold(seeds_warehouse, view, columns):
    sql = f"SELECT count(*) FROM (SELECT {', '.join(columns)} FROM {view} GROUP BY ALL HAVING count(*) > 1)"
    assert query(seeds_warehouse, sql)[1][0][0] == 0


def test_contract_values_match_the_codebook():
    finding_themes = CONTRACT["views"]["finding_themes"]["columns"]
    assert finding_themes["theme"]["tests"][1]["accepted_values"] == list(THEMES)
    assert CONTRACT["views"]["findings"]["columns"]["sentiment"]["tests"][1]["accepted_values"] == list(SENTIMENTS)
    codebook = Path(__file__).resolve().parents[2] / "shared" / "codebook.md"
    if codebook.exists():
        text = codebook.read_text()
        assert all(f"`{t}`" in text for t in THEMES) and all(f"`{s}`" in text for s in SENTIMENTS)


@pytest.mark.shared
def test_published_is_a_date_and_themes_a_list(seeds_warehouse):
    types = dict(query(seeds_warehouse, "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'findings'")[1])
    assert types["published"] == "DATE" and types["themes"] == "VARCHAR[]"
    assert types["sentiment_score"] == "DOUBLE" and types["boilerplate"] == "BOOLEAN"
