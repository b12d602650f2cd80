"""The DuckDB warehouse: migrations, loading one document per transaction, re-tagging
stored sentences, and read-only queries for analysts."""
from __future__ import annotations

import time
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Callable, Iterable, Iterator

import duckdb
import pyarrow as pa

from findings.corpus.settings import settings
from findings.rules.codebook import SENTIMENTS, THEMES

from .records import DocumentRecord, TagTables

HERE = Path(__file__).parent
MIGRATIONS = HERE / "migrations"
VIEWS = HERE / "views.sql"
# Each stored sentence's two neighbours on each side in its document, nearest first (NULL
# past either end): the model reads them as context, so re-tagging, label export and imported labels all take them from here.
NEIGHBOURS = """SELECT sentence_id, [lag(text, 1) OVER w, lag(text, 2) OVER w] AS before,
                       [lead(text, 1) OVER w, lead(text, 2) OVER w] AS after
                FROM store.sentences WINDOW w AS (PARTITION BY document_id ORDER BY sentence_index)"""


def default_path() -> Path:
    """$FINDINGS_WAREHOUSE, or warehouse/findings.duckdb in the working directory."""
    return settings().warehouse


class WarehouseBusy(RuntimeError):
    """Another process holds the warehouse file for writing."""


class WarehouseError(ValueError):
    """The warehouse path is not a DuckDB file (a directory, some other file): the message
    names the path and what to pass instead."""


class QueryError(ValueError):
    """SQL that is no query (empty, only comments)."""


DUCKDB_MAGIC = b"DUCK"  # bytes 8-11 of every DuckDB database file


def check_warehouse(path: Path, must_exist: bool = False) -> Path:
    """`path` if it can be a warehouse: an existing DuckDB file, or (unless `must_exist`) a
    path where none is yet. Raises WarehouseError or FileNotFoundError, each one line
    naming the path and the fix."""
    path = Path(path)
    if path.is_dir():
        raise WarehouseError(f"warehouse {path} is a directory, not a DuckDB file: pass a file path, "
                             f"e.g. --warehouse {path / 'findings.duckdb'}")
    if path.exists():
        try:
            with path.open("rb") as fh:
                head = fh.read(12)
        except OSError as exc:
            raise WarehouseError(f"warehouse {path} cannot be read ({exc.strerror}): check its permissions, "
                                 "or pass another --warehouse") from None
        if head[8:12] != DUCKDB_MAGIC:
            raise WarehouseError(f"warehouse {path} is not a DuckDB file: pass a warehouse `findings refresh` wrote, "
                                 "or a path where none exists yet to create one")
    elif must_exist:
        raise FileNotFoundError(f"no warehouse at {path}: run `findings refresh --warehouse {path}` first, "
                                "or pass --warehouse FILE (or set FINDINGS_WAREHOUSE) to use another")
    return path


def connect(path: Path, read_only: bool = False, wait: float = 0.0) -> duckdb.DuckDBPyConnection:
    """Open the warehouse, retrying for up to `wait` seconds while another process holds
    DuckDB's file lock (a writer keeps it only for one document's transaction)."""
    path = Path(path)
    if path.is_dir() or (read_only and not path.exists()):
        check_warehouse(path, must_exist=True)  # raises, saying what to pass instead
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + wait
    delay = 0.05
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as exc:
            if "not a valid duckdb database file" in str(exc).lower():
                check_warehouse(path)  # the one-line WarehouseError
                raise
            if "lock" not in str(exc).lower() or time.monotonic() >= deadline:
                if "lock" in str(exc).lower():
                    raise WarehouseBusy(f"{path} is locked by another process (a refresh writing?): try again in a moment.") from exc
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.5)


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """One transaction: committed when the block ends, rolled back if anything (Ctrl-C
    included) stops it, so a document, a re-tag batch or a label import lands whole or not at all."""
    con.execute("BEGIN")
    try:
        yield con
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def migrate(con: duckdb.DuckDBPyConnection) -> None:
    """Apply migrations not yet applied, in order, then (re)create the views."""
    con.execute("CREATE TABLE IF NOT EXISTS schema_migrations (name VARCHAR PRIMARY KEY, applied_at TIMESTAMP)")
    done = {r[0] for r in con.execute("SELECT name FROM schema_migrations").fetchall()}
    for script in sorted(MIGRATIONS.glob("*.sql")):
        if script.name in done:
            continue
        with transaction(con):
            con.execute(script.read_text(encoding="utf-8"))
            con.execute("INSERT INTO schema_migrations VALUES (?, now())", [script.name])
    con.execute(views_sql())


def views_sql(themes: tuple[str, ...] = THEMES) -> str:
    """views.sql with the codebook's theme order filled in (`findings.themes` lists a
    sentence's themes in that order; a theme the codebook does not list comes last)."""
    order = ", ".join(f"('{t}', {rank})" for rank, t in enumerate(themes, start=1))
    return VIEWS.read_text(encoding="utf-8").replace("{{codebook_theme_order}}", order)


@contextmanager
def open_writer(path: Path, wait: float = 30.0, migrate_schema: bool = True) -> Iterator[duckdb.DuckDBPyConnection]:
    """A short-lived writing connection: held only while writing, so analysts' read-only
    queries get in between documents."""
    con = connect(path, wait=wait)
    try:
        if migrate_schema:
            migrate(con)
        yield con
    finally:
        con.close()


def loaded_state(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, str, str]]:
    """source -> (document_id, extraction_version, status) of what is stored."""
    rows = con.execute("SELECT source, document_id, extraction_version, status FROM store.documents").fetchall()
    return {r[0]: (r[1], r[2], r[3]) for r in rows}


def write_document(con: duckdb.DuckDBPyConnection, rec: DocumentRecord) -> None:
    """Replace whatever is stored for this content or this source with `rec`, in one
    transaction: a crash leaves either the old version or the new one, never half."""
    with transaction(con):
        old = [r[0] for r in con.execute(
            "SELECT document_id FROM store.documents WHERE document_id = ? OR source = ?",
            [rec.document_id, rec.source]).fetchall()]
        for doc_id in old:
            _delete_document(con, doc_id)
        con.execute(
            """INSERT INTO store.documents VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [rec.document_id, rec.source, rec.source_url, rec.authority, rec.doc_type, rec.title,
             rec.published, rec.inspection_start, rec.inspection_end, rec.lead_inspector, rec.pages,
             rec.status, rec.error_reason, rec.error, rec.extraction_version, datetime.now()],
        )
        if rec.judgements:
            con.executemany("INSERT INTO store.judgements VALUES (?, ?, ?)",
                            [[rec.document_id, area, grade] for area, grade in dict(rec.judgements).items()])
        if rec.sentences:
            ids = [sentence_id(rec.document_id, s.sentence_index) for s in rec.sentences]
            sentences = pa.table({
                "sentence_id": ids,
                "document_id": [rec.document_id] * len(ids),
                "sentence_index": [s.sentence_index for s in rec.sentences],
                "page": pa.array([s.page for s in rec.sentences], pa.int32()),
                "paragraph": pa.array([s.paragraph for s in rec.sentences], pa.int32()),
                "paragraph_index": [s.paragraph_index for s in rec.sentences],
                "kind": [s.kind for s in rec.sentences],
                "section": pa.array([s.section for s in rec.sentences], pa.string()),
                "text": [s.text for s in rec.sentences],
                "start_char": [s.start_char for s in rec.sentences],
                "end_char": [s.end_char for s in rec.sentences],
            })
            con.register("new_sentences", sentences)
            con.execute("""INSERT INTO store.sentences (sentence_id, document_id, sentence_index, page, paragraph,
                paragraph_index, kind, section, text, start_char, end_char) SELECT * FROM new_sentences""")
            con.unregister("new_sentences")
            _write_tags(con, TagTables.of(ids, [s.tags for s in rec.sentences], rec.tagger_version))


def sentence_id(document_id: str, index: int) -> str:
    return f"{document_id[:16]}-{index:05d}"


def _delete_document(con: duckdb.DuckDBPyConnection, document_id: str) -> None:
    _delete_tags(con, "SELECT sentence_id FROM store.sentences WHERE document_id = $1", [document_id])
    con.execute("DELETE FROM store.sentences WHERE document_id = ?", [document_id])
    con.execute("DELETE FROM store.judgements WHERE document_id = ?", [document_id])
    con.execute("DELETE FROM store.documents WHERE document_id = ?", [document_id])


def _delete_tags(con: duckdb.DuckDBPyConnection, ids_sql: str, params: list | None = None) -> None:
    """Delete the tags, themes and rule hits of the sentences `ids_sql` selects."""
    for name in ("sentence_themes", "rule_hits", "sentence_tags"):
        con.execute(f"DELETE FROM store.{name} WHERE sentence_id IN ({ids_sql})", params or [])


def _write_tags(con: duckdb.DuckDBPyConnection, tables: TagTables) -> None:
    """Write tags of sentences that exist (caller holds a transaction and has cleared
    older tags of these sentences)."""
    for table, name in ((tables.tags, "sentence_tags"), (tables.themes, "sentence_themes"), (tables.hits, "rule_hits")):
        if table.num_rows:
            con.register("new_rows", table)
            con.execute(f"INSERT INTO store.{name} SELECT * FROM new_rows")
            con.unregister("new_rows")


def file_stats(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[int, int, str]]:
    """source -> (size, mtime_ns, document_id) recorded when the file was last hashed."""
    return {r[0]: (r[1], r[2], r[3]) for r in con.execute(
        "SELECT source, size, mtime_ns, document_id FROM store.file_stats").fetchall()}


def save_file_stats(con: duckdb.DuckDBPyConnection, rows: list[tuple[str, int, int, str]]) -> None:
    """Remember (source, size, mtime_ns, document_id) of files just hashed, in one transaction."""
    if not rows:
        return
    with transaction(con):
        sources, sizes, mtimes, ids = map(list, zip(*rows))
        con.register("new_stats", pa.table({"source": sources, "size": pa.array(sizes, pa.int64()),
                                            "mtime_ns": pa.array(mtimes, pa.int64()), "document_id": ids}))
        con.execute("INSERT OR REPLACE INTO store.file_stats SELECT source, size, mtime_ns, document_id, now() FROM new_stats")
        con.unregister("new_stats")


def retag(path: Path, version: str, tag_chunks: Callable[[list[list[tuple]]], Iterable[TagTables]], only_stale: bool = True,
          chunk: int = 1000, batch: int = 10000, progress=None) -> int:
    """Re-tag stored sentences from their text, section and neighbours, without re-reading
    documents. `tag_chunks` maps chunks of `chunk` (sentence_ids, text, section, before,
    after) rows to their TagTables in order (flows.worker.tag_chunks: in this process or a
    pool of processes) under `version`. Finished chunks are written `batch` sentences at a time, each batch in one
    transaction; the warehouse file is held only while a batch is written, not while it is
    tagged, so read-only queries get in between batches."""
    with open_writer(path) as con:
        rows = _tagging_rows(con, version if only_stale else None)
    total = sum(len(r[0]) for r in rows)
    chunks = [rows[start:start + chunk] for start in range(0, len(rows), chunk)]
    done, pending = 0, []
    for i, tables in enumerate(tag_chunks(chunks)):
        pending.append(tables)
        if sum(map(len, pending)) >= batch or i == len(chunks) - 1:
            done += _replace_tags(path, TagTables.concat(pending))
            pending = []
            if progress:
                progress(done, total)
    return total


def _tagging_rows(con: duckdb.DuckDBPyConnection, stale_for: str | None = None) -> list[tuple]:
    """(sentence_ids, text, section, before, after) rows of the stored sentences (those not
    tagged under `stale_for`, if given). Tags depend only on a sentence's text, section and
    neighbours (the sentences before and after it): repeated runs of standard wording are
    tagged once. In document order, so a chunk holds most of its sentences' neighbours (flows.worker)."""
    where = "WHERE t.tagger_version IS DISTINCT FROM $1" if stale_for else ""
    return con.execute(f"""
        SELECT list(s.sentence_id ORDER BY s.sentence_id), s.text, s.section, n.before, n.after
        FROM store.sentences s JOIN ({NEIGHBOURS}) n USING (sentence_id) LEFT JOIN store.sentence_tags t USING (sentence_id)
        {where} GROUP BY s.text, s.section, n.before, n.after ORDER BY min(s.sentence_id)""",
                       [stale_for] if stale_for else []).fetchall()


def tag_changes(path: Path, tag_chunks: Callable[[list[list[tuple]]], Iterable[TagTables]], chunk: int = 1000) -> dict:
    """What re-tagging every stored sentence with the tagger behind `tag_chunks` would change,
    without writing: per theme and per sentiment class, how many sentences hold it now
    (`before`), would hold it (`after`), would gain it and would lose it. A sentence a person
    labelled keeps its label, so it changes nothing."""
    with connect(path, read_only=True, wait=30) as con:
        rows = _tagging_rows(con)
        themes: dict[str, set] = {}
        for sid, theme in con.execute("SELECT sentence_id, theme FROM store.sentence_themes").fetchall():
            themes.setdefault(sid, set()).add(theme)
        sentiment = dict(con.execute("SELECT sentence_id, sentiment FROM store.sentence_tags").fetchall())
        labelled = {r[0] for r in con.execute("SELECT DISTINCT sentence_id FROM store.labels WHERE sentence_id IS NOT NULL").fetchall()}
    out = {"themes": {t: {"before": 0, "after": 0, "gained": 0, "lost": 0} for t in THEMES},
           "sentiment": {s: {"before": 0, "after": 0, "gained": 0, "lost": 0} for s in SENTIMENTS}}

    def count(kind: str, old: set, new: set) -> None:
        for key in old | new:
            c = out[kind].setdefault(key, {"before": 0, "after": 0, "gained": 0, "lost": 0})
            c["before"] += key in old
            c["after"] += key in new
            c["gained"] += key in new and key not in old
            c["lost"] += key in old and key not in new

    new_themes: dict[str, set] = {}
    for tables in tag_chunks([rows[i:i + chunk] for i in range(0, len(rows), chunk)]):
        for sid, theme in zip(tables.themes.column("sentence_id").to_pylist(), tables.themes.column("theme").to_pylist()):
            new_themes.setdefault(sid, set()).add(theme)
        for sid, new_sentiment in zip(tables.tags.column("sentence_id").to_pylist(), tables.tags.column("sentiment").to_pylist()):
            old = themes.get(sid, set())
            if sid in labelled:
                count("themes", old, old)
                count("sentiment", {sentiment.get(sid)} - {None}, {sentiment.get(sid)} - {None})
            else:
                count("themes", old, new_themes.pop(sid, set()))
                count("sentiment", {sentiment.get(sid)} - {None}, {new_sentiment})
            new_themes.pop(sid, None)
    out["sentences"] = sum(len(r[0]) for r in rows)
    return out


def _replace_tags(path: Path, tables: TagTables) -> int:
    with open_writer(path, migrate_schema=False) as con:
        con.execute("SET threads = 1")  # the tagging workers have the other cores
        with transaction(con):
            con.register("retag_ids", tables.tags.select(["sentence_id"]))
            _delete_tags(con, "SELECT sentence_id FROM retag_ids")
            _write_tags(con, tables)
            apply_labels(con, only="retag_ids")  # a sentence a person labelled keeps its label's tags
            con.unregister("retag_ids")
    return len(tables)


def apply_labels(con: duckdb.DuckDBPyConnection, only: str | None = None) -> int:
    """Make people's labels the final tags of their sentences (caller holds a transaction):
    of every labelled sentence, or of those whose ids are in the table named `only` (a
    re-tag batch, which has just replaced their tags)."""
    if only is None:  # new sentences may match labels by document and text
        con.execute("""UPDATE store.labels l SET sentence_id = s.sentence_id FROM store.sentences s
                       WHERE l.sentence_id IS NULL AND s.document_id = l.document_id AND s.text = l.text""")
    where = f"WHERE sentence_id IN (SELECT sentence_id FROM {only})" if only else ""
    con.execute(f"""CREATE OR REPLACE TEMP TABLE labelled AS
                    SELECT l.* FROM store.labels l JOIN store.sentences s USING (sentence_id) {where}
                    QUALIFY row_number() OVER (PARTITION BY sentence_id ORDER BY labelled_at DESC) = 1""")
    con.execute("DELETE FROM store.sentence_themes WHERE sentence_id IN (SELECT sentence_id FROM labelled)")
    con.execute("""INSERT INTO store.sentence_themes
                   SELECT sentence_id, unnest(themes), 1.0, 'label', annotator FROM labelled""")
    con.execute("""UPDATE store.sentence_tags s SET sentiment = l.sentiment, boilerplate = l.boilerplate,
                   sentiment_score = CASE l.sentiment WHEN 'positive' THEN 1 WHEN 'negative' THEN -1 ELSE 0 END,
                   sentiment_source = 'label' FROM labelled l WHERE s.sentence_id = l.sentence_id""")
    return con.execute("SELECT count(*) FROM labelled").fetchone()[0]


def stale_tag_count(con: duckdb.DuckDBPyConnection, version: str) -> int:
    return con.execute("""SELECT count(*) FROM store.sentences LEFT JOIN store.sentence_tags t USING (sentence_id)
                          WHERE t.tagger_version IS DISTINCT FROM ?""", [version]).fetchone()[0]


def check_query(sql: str | None) -> None:
    if not (sql or "").strip():
        raise QueryError("the query is empty: give SQL, e.g. findings query \"SELECT count(*) FROM findings\"")


def query(path: Path, sql: str, wait: float = 30.0) -> tuple[list[str], list[tuple]]:
    """Run analyst SQL on a read-only connection that cannot touch files either."""
    check_query(sql)
    con = connect(path, read_only=True, wait=wait)
    try:
        con.execute("SET enable_external_access = false")
        con.execute("SET lock_configuration = true")
        cur = con.execute(sql)
        if cur is None:
            raise QueryError("the query holds no statement (only comments?): give SQL, "
                             "e.g. findings query \"SELECT count(*) FROM findings\"")
        if cur.description is None:
            return [], []
        return [d[0] for d in cur.description], cur.fetchall()
    finally:
        con.close()
