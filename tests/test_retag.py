"""Re-tagging stored sentences: tags live in their own table, a pool of processes gives the
same tags as one process, and a warehouse from before the tags table keeps its tags."""
from __future__ import annotations

import shutil
import subprocess
import sys

import duckdb

from findings.flows.worker import tag_chunks, tagger_version
from findings.warehouse import db


def _tags(path):
    con = duckdb.connect(str(path), read_only=True)
    try:
        return (con.execute("SELECT sentence_id, themes, sentiment, sentiment_score, boilerplate FROM findings ORDER BY 1").fetchall(),
                con.execute("SELECT * FROM finding_themes ORDER BY sentence_id, theme").fetchall(),
                con.execute("SELECT * FROM store.rule_hits ORDER BY ALL").fetchall())
    finally:
        con.close()


def test_retag_in_a_pool_equals_tagging_in_one_process(seeds_warehouse, tmp_path):
    one, pool = tmp_path / "one.duckdb", tmp_path / "pool.duckdb"
    shutil.copy(seeds_warehouse, one)
    shutil.copy(seeds_warehouse, pool)
    done = []
    with tag_chunks(1) as tag:
        n = db.retag(one, tagger_version(), tag, only_stale=False, chunk=100, batch=300)
    with tag_chunks(2) as tag:
        assert db.retag(pool, tagger_version(), tag, only_stale=False, chunk=100, batch=300, progress=lambda d, t: done.append(d)) == n
    assert done[-1] == n and len(done) > 1
    assert _tags(one) == _tags(pool)
    assert len(_tags(one)[0]) == n  # every stored sentence is a finding, none lost in the re-tag
    with db.open_writer(pool) as con:
        assert db.stale_tag_count(con, tagger_version()) == 0


def test_a_retag_gives_the_tags_the_refresh_stored(seeds_warehouse, tmp_path):
    """Ingest tags a document's sentences with their neighbours in reading order; a re-tag
    reads the same neighbours back from the warehouse, so nothing changes."""
    copy = tmp_path / "again.duckdb"
    shutil.copy(seeds_warehouse, copy)
    with tag_chunks(2) as tag:
        db.retag(copy, tagger_version(), tag, only_stale=False, chunk=100, batch=300)
    assert _tags(copy) == _tags(seeds_warehouse)


def test_workers_are_forked_from_a_process_without_threads_and_tag_the_same(seeds_warehouse, tmp_path):
    one, forked = tmp_path / "one.duckdb", tmp_path / "forked.duckdb"
    shutil.copy(seeds_warehouse, one)
    shutil.copy(seeds_warehouse, forked)
    with tag_chunks(1) as tag:
        n = db.retag(one, tagger_version(), tag, only_stale=False)
    # A fresh process runs no other thread, like `findings retag`; pytest's may (Prefect).
    out = subprocess.run([sys.executable, "-c", FORKED_RETAG, str(forked)], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["fork", str(n), "spawn"]
    assert _tags(one) == _tags(forked)


FORKED_RETAG = """
import sys, threading
from findings.flows.worker import start_method, tag_chunks, tagger_version
from findings.warehouse import db
print(start_method())
with tag_chunks(2) as tag:
    print(db.retag(sys.argv[1], tagger_version(), tag, only_stale=False, chunk=100, batch=300))
threading.Thread(target=threading.Event().wait, args=(5,), daemon=True).start()
print(start_method())
"""


def test_migration_moves_tags_out_of_the_sentence_table(tmp_path):
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE schema_migrations (name VARCHAR PRIMARY KEY, applied_at TIMESTAMP)")
    for script in sorted(db.MIGRATIONS.glob("00[123]_*.sql")):
        con.execute(script.read_text(encoding="utf-8"))
        con.execute("INSERT INTO schema_migrations VALUES (?, now())", [script.name])
    con.execute("INSERT INTO store.documents (document_id, source, status, extraction_version, loaded_at) "
                "VALUES ('d1', 'a.txt', 'loaded', '2', now())")
    con.execute("INSERT INTO store.sentences (sentence_id, document_id, sentence_index, paragraph_index, kind, text, "
                "sentiment, sentiment_score, sentiment_source, tagger_version) "
                "VALUES ('s1', 'd1', 0, 0, 'body', 'The MASH is effective.', 'positive', 1.0, 'model', 'old')")
    con.close()
    with db.open_writer(path) as con:
        assert con.execute("SELECT sentiment, sentiment_source, tagger_version FROM store.sentence_tags").fetchall() == [
            ("positive", "model", "old")]
        assert con.execute("SELECT text, sentiment FROM findings").fetchall() == [("The MASH is effective.", "positive")]
        assert "sentiment" not in {r[0] for r in con.execute("DESCRIBE store.sentences").fetchall()}


def test_labelled_sentences_keep_their_labels_through_a_retag(seeds_warehouse, tmp_path):
    path = tmp_path / "labelled.duckdb"
    shutil.copy(seeds_warehouse, path)
    count = ("SELECT count(*) FILTER (WHERE source = 'label'), count(*) FROM finding_themes",
             "SELECT count(*) FROM store.sentence_tags WHERE sentiment_source = 'label'")
    before = [db.query(path, sql)[1][0] for sql in count]
    assert before[0][0] > 0 and before[1][0] > 0  # the seeds are labelled (corpus/labels)
    with tag_chunks(1) as tag:
        db.retag(path, tagger_version(), tag, only_stale=False, chunk=100, batch=300)
    assert [db.query(path, sql)[1][0] for sql in count] == before
