"""Labels in the warehouse: imported by analysts, applied as final tags (source 'label')."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from findings.models import labels as project_files
from findings.models.labels import Label, LabelError, label_files_digest, project_labels

from . import db
from .db import apply_labels  # noqa: F401  (people's labels as final tags; re-tagging applies them too)


def import_labels(path: Path, labels: list[Label], origin: str = "import") -> list[Label]:
    """Store labels in one transaction (all or nothing), matched to stored sentences by
    sentence_id or by document and text, then apply them; the labels as stored.

    A label's sentence_id must be a stored sentence whose text is the label's: anything else
    (a made-up or shifted id) raises LabelError naming it, and nothing is imported. A label
    with a known sentence_id takes its document (id and source, which say whether it belongs
    to the sealed split) and, when retraining reads it, its neighbours from the warehouse."""
    with db.open_writer(path) as con:
        ids = [l.sentence_id for l in labels if l.sentence_id]
        con.register("wanted_ids", pa.table({"sentence_id": pa.array(ids, pa.string())}))
        known = {r[0]: r[1:] for r in con.execute(
            """SELECT s.sentence_id, s.text, s.document_id, d.source FROM store.sentences s
               JOIN store.documents d USING (document_id) WHERE s.sentence_id IN (SELECT sentence_id FROM wanted_ids)""").fetchall()}
        con.unregister("wanted_ids")
        errors = []
        for label in labels:
            if not label.sentence_id:
                continue
            if label.sentence_id not in known:
                errors.append(f"sentence_id {label.sentence_id!r} is no sentence of {path}")
                continue
            text, document_id, source = known[label.sentence_id]
            if " ".join(text.split()) != " ".join(label.text.split()):
                errors.append(f"sentence_id {label.sentence_id!r} is {text[:60]!r} in {path}, not {label.text[:60]!r}")
                continue
            label.document_id, label.document = document_id, label.document or source
        if errors:
            shown = "\n  ".join(errors[:20]) + (f"\n  ... and {len(errors) - 20} more" if len(errors) > 20 else "")
            raise LabelError(f"{len(errors)} label(s) name a sentence this warehouse does not hold; nothing imported "
                             f"(export the sentences to label from this warehouse, or pass the --warehouse they came from):"
                             f"\n  {shown}")
        with db.transaction(con):
            con.executemany("DELETE FROM store.labels WHERE label_id = ?", [[l.id] for l in labels])
            con.register("new_labels", _labels_table(labels, origin))
            con.execute("INSERT INTO store.labels SELECT * FROM new_labels")
            con.unregister("new_labels")
            apply_labels(con)
    return labels


def imported_labels(path: Path) -> list[Label]:
    con = db.connect(path, read_only=True, wait=30)
    try:
        if not con.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'store' AND table_name = 'labels'").fetchone()[0]:
            return []
        rows = con.execute(f"""
            SELECT l.label_id, l.text, l.themes, l.sentiment, l.boilerplate, l.document, l.document_id, l.sentence_id,
                   l.section, coalesce(n.before, []::VARCHAR[]), coalesce(n.after, []::VARCHAR[]), l.annotator,
                   strftime(l.labelled_at, '%Y-%m-%dT%H:%M:%S')
            FROM store.labels l LEFT JOIN ({db.NEIGHBOURS}) n USING (sentence_id) WHERE l.origin = 'import'""").fetchall()
    finally:
        con.close()
    # a label matched to no stored sentence has no neighbours: empty sides, never None
    return [Label(id=r[0], text=r[1], themes=list(r[2]), sentiment=r[3], boilerplate=r[4], document=r[5], document_id=r[6],
                  sentence_id=r[7], section=r[8], before=r[9], after=r[10], annotator=r[11], labelled_at=r[12]) for r in rows]


def sync_project_labels(con: duckdb.DuckDBPyConnection) -> None:
    """Load the project's own labels (corpus/labels/labels.jsonl with adjudicated.jsonl) when
    those files changed, then apply all labels; one transaction. Without the labels file
    (an install that lacks it), the labels stored before are kept, not deleted."""
    digest = label_files_digest()
    stored = con.execute("SELECT value FROM store.meta WHERE key = 'project_labels'").fetchone()
    with db.transaction(con):
        if project_files.LABELS_FILE.exists() and (not stored or stored[0] != digest):
            labels = project_labels()
            con.execute("DELETE FROM store.labels WHERE origin = 'project'")
            if labels:
                con.register("project_labels", _labels_table(labels, "project"))
                con.execute("INSERT INTO store.labels SELECT * FROM project_labels WHERE label_id NOT IN (SELECT label_id FROM store.labels)")
                con.unregister("project_labels")
            con.execute("INSERT OR REPLACE INTO store.meta VALUES ('project_labels', ?)", [digest])
        apply_labels(con)


def coverage(warehouse: Path) -> dict:
    """How many labelled sentences a refresh of their documents finds again, word for word
    (the issue's check: a gold sentence must be a sentence in `findings`). Only labels whose
    document is in the warehouse count."""
    _, rows = db.query(warehouse, "SELECT document_id, text FROM store.sentences")
    sentences = set(rows)
    stored = {document_id for document_id, _ in sentences}
    labels = [l for l in project_labels() if l.document_id in stored]
    missed = [l for l in labels if (l.document_id, l.text) not in sentences]
    return {"labels": len(labels), "found": len(labels) - len(missed), "missed": missed}


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
