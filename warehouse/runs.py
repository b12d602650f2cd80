"""Flow runs in `store.runs` (one row per refresh: started, then completed, failed or
interrupted) and the counts a refresh's summary reports."""
from __future__ import annotations

import json

import duckdb
import pyarrow as pa

from findings.rules.codebook import SENTIMENTS

from .db import transaction


def mark_interrupted(con: duckdb.DuckDBPyConnection) -> int:
    """Refresh runs still 'running' belong to refreshes that died (killed, machine stopped):
    the caller holds the refresh lock, so none of them is alive. Returns how many."""
    n = con.execute("SELECT count(*) FROM store.runs WHERE flow = 'refresh' AND status = 'running'").fetchone()[0]
    if n:
        con.execute("UPDATE store.runs SET status = 'interrupted' WHERE flow = 'refresh' AND status = 'running'")
    return n


def start(con: duckdb.DuckDBPyConnection, run_id: str, flow: str, detail: dict, versions: dict[str, str]) -> None:
    """Record a run as 'running', with the extraction_version, rules_version and
    model_version it works with."""
    con.execute("""INSERT INTO store.runs (run_id, flow, started_at, status, detail, extraction_version, rules_version,
                   model_version) VALUES (?, ?, now(), 'running', ?, ?, ?, ?)""",
                [run_id, flow, json.dumps(detail), versions["extraction_version"], versions["rules_version"],
                 versions["model_version"]])


def complete(con: duckdb.DuckDBPyConnection, run_id: str, new: int, changed: int, unchanged: int, failed: int,
             sentences: int, detail: dict) -> None:
    con.execute("""UPDATE store.runs SET ended_at = now(), status = 'completed', new_docs = ?, changed_docs = ?,
        unchanged_docs = ?, failed_docs = ?, sentences = ?, detail = ? WHERE run_id = ?""",
                [new, changed, unchanged, failed, sentences, json.dumps(detail), run_id])


def end(con: duckdb.DuckDBPyConnection, run_id: str, status: str) -> None:
    """A run that stopped early: 'failed', or 'interrupted' (Ctrl-C, exit)."""
    con.execute("UPDATE store.runs SET ended_at = now(), status = ? WHERE run_id = ?", [status, run_id])


def save_sources(con: duckdb.DuckDBPyConnection, run_id: str, rows: list[dict]) -> None:
    """Replace store.sources (view `sources`) with what this run saw: one row per file path
    or URL with its document_id, status, duplicate_of and error_reason; one transaction."""
    columns = ("source", "document_id", "status", "duplicate_of", "error_reason")
    table = pa.table({c: pa.array([r.get(c) for r in rows], pa.string()) for c in columns}
                     | {"run_id": pa.array([run_id] * len(rows), pa.string())})
    with transaction(con):
        con.execute("DELETE FROM store.sources")
        con.register("seen_sources", table)
        con.execute("INSERT INTO store.sources SELECT * FROM seen_sources")
        con.unregister("seen_sources")


def tag_counts(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple]]:
    """Sentences of loaded documents (boilerplate left out) by theme and sentiment."""
    sentiments = tuple(SENTIMENTS)
    pivot = ", ".join(f"count(*) FILTER (WHERE f.sentiment = '{s}')" for s in sentiments)
    by_theme = con.execute(f"""SELECT t.theme, {pivot}, count(*) FROM finding_themes t JOIN findings f USING (sentence_id)
        WHERE NOT f.boilerplate GROUP BY t.theme ORDER BY count(*) DESC, t.theme""").fetchall()
    no_theme = con.execute(f"""SELECT '(no theme)', {pivot}, count(*) FROM findings f
        WHERE NOT f.boilerplate AND len(f.themes) = 0""").fetchall()
    total = con.execute(f"SELECT 'all sentences', {pivot}, count(*) FROM findings f WHERE NOT f.boilerplate").fetchall()
    docs = con.execute("SELECT status, count(*) FROM documents GROUP BY status ORDER BY status").fetchall()
    return {"sentiments": list(sentiments), "rows": by_theme + no_theme + total, "documents": docs}
