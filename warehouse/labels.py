"""Labels in the warehouse: imported by analysts, applied as final tags (source 'label')."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from findings.models.labels import Label

from . import db


def import_labels(path: Path, labels: list[Label], origin: str = "import") -> int:
    """Store labels in one transaction (all or nothing), matched to stored sentences by
    sentence_id or by document and text, then apply them."""
    with db.open_writer(path) as con, db.transaction(con):
        con.executemany("DELETE FROM store.labels WHERE label_id = ?", [[l.id] for l in labels])
        con.register("new_labels", _labels_table(labels, origin))
        con.execute("INSERT INTO store.labels SELECT * FROM new_labels")
        con.unregister("new_labels")
        apply_labels(con)
    return len(labels)


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


def imported_labels(path: Path) -> list[Label]:
    con = db.connect(path, read_only=True, wait=30)
    try:
        if not con.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'store' AND table_name = 'labels'").fetchone()[0]:
            return []
        rows = con.execute(f"""
            SELECT l.label_id, l.text, l.themes, l.sentiment, l.boilerplate, l.document, l.document_id, l.sentence_id,
                   l.section, n.before, n.after, l.annotator, strftime(l.labelled_at, '%Y-%m-%dT%H:%M:%S')
            FROM store.labels l LEFT JOIN ({db.NEIGHBOURS}) n USING (sentence_id) WHERE l.origin = 'import'""").fetchall()
    finally:
        con.close()
    return [Label(id=r[0], text=r[1], themes=list(r[2]), sentiment=r[3], boilerplate=r[4], document=r[5], document_id=r[6],
                  sentence_id=r[7], section=r[8], before=r[9], after=r[10], annotator=r[11], labelled_at=r[12]) for r in rows]


def sync_project_labels(con: duckdb.DuckDBPyConnection) -> None:
    """Load the project's own labels (corpus/labels/labels.jsonl with adjudicated.jsonl) when
    those files changed, then apply all labels; one transaction."""
    from findings.models.labels import label_files_digest, project_labels

    digest = label_files_digest()
    stored = con.execute("SELECT value FROM store.meta WHERE key = 'project_labels'").fetchone()
    with db.transaction(con):
        if not stored or stored[0] != digest:
            labels = project_labels()
            con.execute("DELETE FROM store.labels WHERE origin = 'project'")
            if labels:
                con.register("project_labels", _labels_table(labels, "project"))
                con.execute("INSERT INTO store.labels SELECT * FROM project_labels WHERE label_id NOT IN (SELECT label_id FROM store.labels)")
                con.unregister("project_labels")
            con.execute("INSERT OR REPLACE INTO store.meta VALUES ('project_labels', ?)", [digest])
        apply_labels(con)


def _labels_table(labels: list[Label], origin: str) -> pa.Table:
    """Labels as rows of store.labels."""
    return pa.table({
        "label_id": [l.id for l in labels],
        "sentence_id": pa.array([l.sentence_id for l in labels], pa.string()),
        "document": pa.array([l.document for l in labels], pa.string()),
        "document_id": pa.array([l.document_id for l in labels], pa.string()),
        "section": pa.array([l.section for l in labels], pa.string()),
        "text": [l.text for l in labels],
        "themes": pa.array([l.themes for l in labels], pa.list_(pa.string())),
        "sentiment": [l.sentiment for l in labels],
        "boilerplate": [l.boilerplate for l in labels],
        "annotator": [l.annotator for l in labels],
        "labelled_at": [datetime.fromisoformat(l.labelled_at) for l in labels],
        "origin": [origin] * len(labels),
    })
