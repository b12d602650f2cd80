"""`findings status`: the last refresh runs and what the warehouse holds, read-only (it
answers from the last committed state while a refresh is writing)."""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from findings.warehouse import db


def collect(warehouse: Path, runs: int = 10) -> dict:
    """Everything the report shows, as plain data (one read-only connection)."""
    con = db.connect(Path(warehouse), read_only=True, wait=30.0)
    try:
        tables = {r[0] for r in con.execute(
            "SELECT table_schema || '.' || table_name FROM information_schema.tables").fetchall()}
        if "store.runs" not in tables:
            raise FileNotFoundError(f"{warehouse} is not a findings warehouse (no runs table): run `findings refresh` first.")
        recent = con.execute(
            """SELECT run_id, flow, started_at, ended_at, status, new_docs, changed_docs, unchanged_docs, failed_docs,
                      sentences, detail FROM runs ORDER BY started_at DESC LIMIT ?""", [runs]).fetchall()
        out = {
            "runs": [],
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
        for run_id, flow, started, ended, status, new, changed, unchanged, failed, sentences, detail in recent:
            try:
                info = json.loads(detail) if detail else {}
            except ValueError:
                info = {}
            reasons = Counter(f.get("reason") for f in info.get("failures", []))
            out["runs"].append({"run_id": run_id, "flow": flow, "started": started, "ended": ended, "status": status,
                                "new": new, "changed": changed, "unchanged": unchanged, "failed": failed,
                                "sentences": sentences, "failure_reasons": dict(reasons),
                                "elapsed_s": info.get("elapsed_s")})
        return out
    finally:
        con.close()


def writer_pid(warehouse: Path) -> int | None:
    """The pid of the refresh writing `warehouse` now, if any (from its lock file, without
    taking the lock: a refresh starting meanwhile must not find it held)."""
    import os

    lock = Path(str(warehouse) + ".lock")
    try:
        text = lock.read_text().strip()
    except OSError:
        return None
    if not text.startswith("pid "):
        return None
    try:
        pid = int(text.split()[1])
        os.kill(pid, 0)
    except (ValueError, IndexError, ProcessLookupError):
        return None  # killed without releasing: its 'running' run is interrupted
    except PermissionError:
        pass
    return pid


def report(warehouse: Path, runs: int = 10) -> str:
    from .cli import format_rows

    data = collect(warehouse, runs)
    out = [f"Warehouse {warehouse}", "", f"Last {len(data['runs'])} run(s), newest first:"]
    fmt = lambda v: "" if v is None else str(v)
    rows = [(r["started"].strftime("%Y-%m-%d %H:%M:%S") if r["started"] else "",
             r["ended"].strftime("%Y-%m-%d %H:%M:%S") if r["ended"] else "",
             r["flow"], r["status"], fmt(r["new"]), fmt(r["changed"]), fmt(r["unchanged"]), fmt(r["failed"]),
             fmt(r["sentences"]),
             ", ".join(f"{k} x{v}" for k, v in sorted(r["failure_reasons"].items(), key=lambda kv: str(kv[0]))))
            for r in data["runs"]]
    out.append(format_rows(["started", "ended", "flow", "status", "new", "changed", "unchanged", "failed",
                            "sentences", "failures"], rows, "table").rstrip("\n"))
    if any(r["status"] == "interrupted" for r in data["runs"]):
        out.append("(interrupted: the refresh was killed; the next refresh finished its work)")
    if any(r["status"] == "running" for r in data["runs"]):
        pid = writer_pid(Path(warehouse))
        out.append(f"(running: a refresh, pid {pid}, is writing now; queries answer from the last committed document)"
                   if pid else "(running, but no refresh holds the lock: it was killed; the next refresh marks it "
                   "interrupted and finishes its work)")
    docs = data["documents"]
    out += ["", "Documents: " + (", ".join(f"{n} {s}" for s, n in sorted(docs.items())) or "none")]
    if data["errors"]:
        out.append("Errors by reason: " + ", ".join(f"{r or '(none)'} {n}" for r, n in data["errors"]))
    total, boiler = data["sentences"]
    out.append(f"Sentences: {total} ({boiler} boilerplate)")
    out.append("Tagger versions: " + (", ".join(f"{v} ({n} sentences)" for v, n in data["taggers"]) or "none"))
    out.append("Extraction versions: " + (", ".join(f"{v} ({n} documents)" for v, n in data["extraction"]) or "none"))
    if data["by_year"]:
        out += ["", "Loaded documents by year: " + ", ".join(f"{y}: {n}" for y, n in data["by_year"])]
    if data["by_authority"]:
        out += ["", "Loaded documents by authority:",
                format_rows(["authority", "documents", "years"], data["by_authority"], "table").rstrip("\n")]
    return "\n".join(out) + "\n"
