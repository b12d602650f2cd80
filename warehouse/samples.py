"""Stored sentences sampled for people to label next (`findings labels export`)."""
from __future__ import annotations

from pathlib import Path

from . import db


def unlabelled_sample(warehouse: Path, size: int = 20000, seed: int = 7) -> tuple[list[tuple], dict[str, tuple[str, str]]]:
    """A repeatable random sample of non-boilerplate sentences nobody has labelled, as
    (sentence_id, text, section, before, after) rows, and each stored sentence's
    (document_id, document source)."""
    con = db.connect(warehouse, read_only=True, wait=30)
    try:
        rows = con.execute(f"""SELECT s.sentence_id, s.text, s.section, n.before, n.after FROM store.sentences s
            JOIN store.sentence_tags t USING (sentence_id) JOIN ({db.NEIGHBOURS}) n USING (sentence_id)
            WHERE NOT t.boilerplate AND s.sentence_id NOT IN (SELECT sentence_id FROM store.labels WHERE sentence_id IS NOT NULL)
            USING SAMPLE reservoir({int(size)} ROWS) REPEATABLE ({int(seed)})""").fetchall()
        meta = {r[0]: r[1:] for r in con.execute(
            "SELECT s.sentence_id, s.document_id, d.source FROM store.sentences s JOIN store.documents d USING (document_id)").fetchall()}
    finally:
        con.close()
    return rows, meta


def stored_sentences(warehouse: Path) -> list[tuple]:
    """Every stored sentence in document order, for a labelling round: (sentence_id, source,
    section, text, document_id, boilerplate, before, after), the last two the sentences each
    side, nearest first, as the model reads them."""
    con = db.connect(warehouse, read_only=True, wait=30)
    try:
        return con.execute(f"""
            SELECT f.sentence_id, f.source, f.section, f.text, f.document_id, f.boilerplate, n.before, n.after
            FROM findings f JOIN ({db.NEIGHBOURS}) n USING (sentence_id) ORDER BY f.sentence_id""").fetchall()
    finally:
        con.close()
