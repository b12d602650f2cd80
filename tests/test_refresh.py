"""End to end: documents -> Prefect refresh -> DuckDB views, on real files."""
from __future__ import annotations

import shutil
import subprocess
import sys

import duckdb
import pytest

from findings.flows.refresh import refresh
from findings.rules.tagger import CORE_THEMES, SENTIMENTS
from findings.warehouse.db import query

from .conftest import ILACS, SAMPLE, SEEDS


def one(path, sql):
    return query(path, sql)[1][0]


@pytest.mark.shared
def test_seeds_load_with_themes_authorities_and_sentiment(seeds_warehouse):
    assert one(seeds_warehouse, "SELECT count(*) FROM documents WHERE status = 'loaded'") == (5,)
    assert one(seeds_warehouse, "SELECT count(*) FROM findings")[0] >= 500
    authorities = {r[0] for r in query(seeds_warehouse, "SELECT DISTINCT authority FROM documents")[1]}
    assert authorities == {"Surrey", "Worcestershire", "Buckinghamshire"}
    themes = {r[0] for r in query(seeds_warehouse, "SELECT DISTINCT unnest(themes) FROM findings")[1]}
    assert set(CORE_THEMES) <= themes
    sentiments = {r[0] for r in query(seeds_warehouse, "SELECT DISTINCT sentiment FROM findings")[1]}
    assert sentiments <= set(SENTIMENTS) and len(sentiments) == 4


@pytest.mark.shared
def test_second_refresh_changes_nothing(seeds_warehouse):
    before = query(seeds_warehouse, "SELECT count(*), sum(hash(sentence_id || text || sentiment)) FROM findings")[1]
    summary = refresh(corpus=[str(SEEDS)], warehouse=str(seeds_warehouse), workers=1)
    assert (summary["new"], summary["changed"], summary["unchanged"], summary["sentences"]) == (0, 0, 5, 0)
    assert query(seeds_warehouse, "SELECT count(*), sum(hash(sentence_id || text || sentiment)) FROM findings")[1] == before
    assert one(seeds_warehouse, "SELECT count(*) FROM runs WHERE status = 'completed'")[0] == 2


@pytest.mark.shared
def test_changed_file_replaces_its_old_version(prefect_harness, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    doc = corpus / "letter.txt"
    shutil.copy(SEEDS / "surrey-ofsted-monitoring-visit-2017-02-10.txt", doc)
    wh = tmp_path / "w.duckdb"
    refresh(corpus=[str(corpus)], warehouse=str(wh), workers=1)
    old_id = one(wh, "SELECT document_id FROM documents")[0]
    doc.write_text(doc.read_text(encoding="utf-8") + "\nThe MASH has improved its response to contacts.\n", encoding="utf-8")
    summary = refresh(corpus=[str(corpus)], warehouse=str(wh), workers=1)
    assert summary["changed"] == 1
    ids = query(wh, "SELECT document_id FROM documents")[1]
    assert len(ids) == 1 and ids[0][0] != old_id
    assert one(wh, "SELECT count(*) FROM findings WHERE document_id = '%s'" % old_id) == (0,)
    assert one(wh, "SELECT count(*) FROM findings WHERE text LIKE 'The MASH has improved%'") == (1,)


@pytest.mark.shared
def test_broken_file_is_recorded_and_the_rest_loads(prefect_harness, tmp_path):
    corpus = tmp_path / "mixed"
    corpus.mkdir()
    shutil.copy(ILACS / "blackpool" / "2012-07-13.pdf", corpus / "blackpool-2012.pdf")  # an HTML page saved as .pdf
    shutil.copy(ILACS / "rutland" / "2024-07-12.pdf", corpus / "rutland-2024.pdf")
    shutil.copy(SEEDS / "worcestershire-commissioner-report-2017-09-19.txt", corpus)
    (corpus / "empty.txt").write_bytes(b"")
    wh = tmp_path / "w.duckdb"
    summary = refresh(corpus=[str(corpus)], warehouse=str(wh), workers=2)
    assert summary["new"] == 2 and summary["failed"] == 2
    errors = dict(query(wh, "SELECT regexp_extract(source, '[^/]+$'), error_reason FROM documents WHERE status = 'error'")[1])
    assert errors == {"blackpool-2012.pdf": "not_a_pdf", "empty.txt": "empty"}
    html_error = one(wh, "SELECT error FROM documents WHERE source LIKE '%blackpool-2012.pdf'")[0]
    assert "HTML" in html_error and "blackpool-2012.pdf" in html_error
    assert one(wh, "SELECT count(DISTINCT document_id) FROM findings") == (2,)


def test_sample_corpus_refreshes_without_shared(prefect_harness, tmp_path):
    """A fresh clone's default corpus: one PDF, one markdown and one text file."""
    wh = tmp_path / "w.duckdb"
    summary = refresh(corpus=[str(SAMPLE)], warehouse=str(wh), workers=1)
    assert summary["new"] == 3 and summary["failed"] == 0
    rows = dict(query(wh, "SELECT regexp_extract(source, '[.](\\w+)$', 1), count(*) FROM findings GROUP BY 1")[1])
    assert set(rows) == {"pdf", "md", "txt"} and all(n >= 8 for n in rows.values())
    # manifest values win: fictional authorities and declared types
    docs = dict(query(wh, "SELECT authority || ':' || doc_type, published FROM documents")[1])
    assert "Northshire:ofsted_focused_visit_letter" in docs and "Westbridge:council_committee_report" in docs
    # markdown marks are not part of sentence text
    assert one(wh, "SELECT count(*) FROM findings WHERE text LIKE '%**%' OR text LIKE '%](%' OR text LIKE '#%'") == (0,)
    # the PDF carries page provenance and its printed paragraph numbers
    assert one(wh, "SELECT count(*) FROM findings WHERE source LIKE '%.pdf' AND page IS NULL") == (0,)
    assert one(wh, "SELECT min(paragraph), max(paragraph) FROM findings WHERE source LIKE '%.pdf'") == (1, 9)
    sentences = [r[0] for r in query(wh, "SELECT text FROM findings")[1]]
    assert not any("Page 1 of" in s or "(sample)" in s and "Focused visit to Northshire" in s for s in sentences)


def test_query_is_read_only(prefect_harness, tmp_path):
    wh = tmp_path / "w.duckdb"
    refresh(corpus=[str(SAMPLE)], warehouse=str(wh), workers=1)
    with pytest.raises(duckdb.Error):
        query(wh, "DELETE FROM store.documents")
    with pytest.raises(duckdb.Error):
        query(wh, f"COPY (SELECT 1) TO '{tmp_path / 'leak.csv'}'")
    assert one(wh, "SELECT count(*) FROM documents") == (3,)


def test_cli_query_formats(prefect_harness, tmp_path):
    wh = tmp_path / "w.duckdb"
    refresh(corpus=[str(SAMPLE)], warehouse=str(wh), workers=1)
    run = lambda *a: subprocess.run([sys.executable, "-m", "findings.flows.cli", *a], capture_output=True, text=True)
    out = run("query", "SELECT authority, count(*) AS n FROM documents GROUP BY 1 ORDER BY 1", "--warehouse", str(wh), "--format", "csv")
    assert out.returncode == 0 and out.stdout.splitlines() == ["authority,n", "Northshire,2", "Westbridge,1"]
    out = run("query", "SELECT 1 AS x", "--warehouse", str(wh), "--format", "json")
    assert out.stdout.strip().replace(" ", "").replace("\n", "") == '[{"x":1}]'
    out = run("query", "DROP VIEW findings", "--warehouse", str(wh))
    assert out.returncode == 1 and "read-only" in out.stderr.lower()
    out = run("--help")
    for command in ("refresh", "query", "retag"):
        assert command in out.stdout
