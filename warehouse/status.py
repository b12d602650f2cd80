"""What `findings status` shows, as plain data: the last runs and what the warehouse holds,
read on one read-only connection (it answers from the last committed state while a refresh
is writing)."""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from . import db


def collect(warehouse: Path, runs: int = 10) -> dict:
    con = db.connect(Path(warehouse), read_only=True, wait=30.0)
    try:
        tables = {r[0] for r in con.execute(
            "SELECT table_schema || '.' || table_name FROM information_schema.tables").fetchall()}
        if "store.runs" not in tables:
            raise FileNotFoundError(f"{warehouse} is not a findings warehouse (no runs table): run `findings refresh` first.")
        # a warehouse no refresh has migrated since issue 13 has no versions in its runs (read-only: not migrated here)
        versioned = con.execute("""SELECT count(*) FROM information_schema.columns
                                   WHERE table_name = 'runs' AND column_name = 'model_version'""").fetchone()[0]
        recent = con.execute(
            f"""SELECT run_id, flow, started_at, ended_at, status, new_docs, changed_docs, unchanged_docs, failed_docs,
                       sentences, detail, {'model_version' if versioned else 'NULL'} FROM runs
                ORDER BY started_at DESC LIMIT ?""", [runs]).fetchall()
        out = {
            "runs": [_run(*row) for row in recent],
            "documents": dict(con.execute("SELECT status, count(*) FROM documents GROUP BY 1").fetchall()),
            "errors": con.execute("SELECT error_reason, count(*) FROM documents WHERE status = 'error' "
                                  "GROUP BY 1 ORDER BY 2 DESC, 1").fetchall(),
            "by_authority": con.execute(
                """SELECT coalesce(authority, '(unknown)') AS a, count(*),
                          string_agg(DISTINCT CAST(year(published) AS VARCHAR), ', ' ORDER BY CAST(year(published) AS VARCHAR))
                   FROM documents WHERE status = 'loaded' GROUP BY 1 ORDER BY 1""").fetchall(),
            "by_year": con.execute(
                """SELECT coalesce(CAST(year(published) AS VARCHAR), '(unknown)'), count(*) FROM documents
                   WHERE status = 'loaded' GROUP BY 1 ORDER BY 1""").fetchall(),
            "sentences": con.execute("SELECT count(*), count(*) FILTER (WHERE boilerplate) FROM findings").fetchone(),
            "taggers": con.execute("SELECT coalesce(tagger_version, '(untagged)'), count(*) FROM store.sentences "
                                   "LEFT JOIN store.sentence_tags USING (sentence_id) GROUP BY 1 ORDER BY 2 DESC").fetchall(),
            "extraction": con.execute("SELECT extraction_version, count(*) FROM store.documents GROUP BY 1 ORDER BY 1").fetchall(),
        }
        return out
    finally:
        con.close()


def _run(run_id, flow, started, ended, status, new, changed, unchanged, failed, sentences, detail, model) -> dict:
    try:
        info = json.loads(detail) if detail else {}
    except ValueError:
        info = {}
    reasons = Counter(f.get("reason") for f in info.get("failures", []))
    return {"run_id": run_id, "flow": flow, "started": started, "ended": ended, "status": status,
            "new": new, "changed": changed, "unchanged": unchanged, "failed": failed,
            "sentences": sentences, "failure_reasons": dict(reasons), "elapsed_s": info.get("elapsed_s"),
            "duplicates": info.get("duplicates"), "model": model}
