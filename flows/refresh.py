"""The refresh flow: new and changed documents become tagged sentences in the warehouse.

Plan (hash every file, compare with what is stored) -> one Prefect task per document to
ingest, its CPU work in a process pool (largest files first, so the pool never waits on
one big file at the end), its write under the single writer lock, one transaction per
document -> re-tag stored sentences whose tags are stale -> record the run.
"""
from __future__ import annotations

import json
import multiprocessing
import os
import threading
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Callable

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NONE
from prefect.futures import as_completed
from prefect.runtime import flow_run

from findings.corpus.document import EXTRACTION_VERSION
from findings.corpus.sources import Source, discover
from findings.warehouse import db

from . import worker
from .locking import refresh_lock

DEFAULT_CORPUS = Path("corpus/sample")


@dataclass
class Planned:
    source: Source
    document_id: str
    change: str  # new | changed | unchanged


@dataclass
class Summary:
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    failed: int = 0
    sentences: int = 0        # sentences written by this run
    retagged: int = 0
    failures: list[dict] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"documents: {self.new} new, {self.changed} changed, {self.unchanged} unchanged, {self.failed} failed",
               f"sentences written: {self.sentences}" + (f"; re-tagged: {self.retagged}" if self.retagged else "")]
        out += [f"  failed ({f['reason']}): {f['error']}" for f in self.failures]
        return out


def plan(sources: list[Source], stored: dict[str, tuple[str, str, str]]) -> list[Planned]:
    """Classify each source by its content hash and extraction version against the store."""
    stored_ids = {(doc_id, version) for doc_id, version, _ in stored.values()}
    planned = []
    for src in sources:
        doc_id = src.content_hash()
        previous = stored.get(src.source)
        if previous and (previous[0], previous[1]) == (doc_id, EXTRACTION_VERSION):
            change = "unchanged"
        elif previous is None and (doc_id, EXTRACTION_VERSION) in stored_ids:
            change = "unchanged"  # same bytes already loaded under another name
        else:
            change = "changed" if previous else "new"
        planned.append(Planned(src, doc_id, change))
    return planned


class _Context:
    """What the per-document tasks share within one flow run (not task parameters, so
    Prefect never tries to serialise a process pool)."""

    pool: Executor | None = None
    warehouse: Path
    write_lock = threading.Lock()
    on_done: Callable[[], None] | None = None


_ctx = _Context()


@task(name="ingest-document", cache_policy=NONE, task_run_name="ingest {item.source.path.name}")
def ingest_document(item: Planned) -> dict:
    """Extract, split and tag one document (in the process pool), then write it."""
    if _ctx.pool is None:
        rec = worker.process(item.source, item.document_id)
    else:
        rec = _ctx.pool.submit(worker.process, item.source, item.document_id).result()
    with _ctx.write_lock:
        with db.open_writer(_ctx.warehouse, migrate_schema=False) as con:
            db.write_document(con, rec)
    if _ctx.on_done:
        _ctx.on_done()
    return {"source": rec.source, "change": item.change, "status": rec.status,
            "sentences": len(rec.sentences), "reason": rec.error_reason, "error": rec.error}


def _workers(n_docs: int, requested: int | None) -> int:
    wanted = requested or int(os.environ.get("FINDINGS_WORKERS", 0)) or (os.cpu_count() or 1)
    return max(1, min(wanted, n_docs))


@flow(name="refresh", log_prints=False)
def refresh(corpus: list[str] | None = None, warehouse: str | None = None, workers: int | None = None,
            progress: Callable[[int, int], None] | None = None) -> dict:
    """Load new and changed documents under `corpus` into `warehouse`; skip unchanged ones."""
    log = get_run_logger()
    paths = [Path(p) for p in (corpus or [str(DEFAULT_CORPUS)])]
    wh = Path(warehouse) if warehouse else db.default_path()
    summary = Summary()
    with refresh_lock(wh):
        run_id = str(flow_run.id or f"local-{datetime.now():%Y%m%dT%H%M%S}")
        with db.open_writer(wh) as con:
            stored = db.loaded_state(con)
            con.execute("INSERT INTO store.runs (run_id, flow, started_at, status, detail) VALUES (?, 'refresh', now(), 'running', ?)",
                        [run_id, json.dumps({"corpus": [str(p) for p in paths]})])
        try:
            planned = plan(discover(paths), stored)
            todo = sorted((p for p in planned if p.change != "unchanged"), key=lambda p: -p.source.size)
            summary.unchanged = len(planned) - len(todo)
            log.info("%d documents: %d to ingest, %d unchanged", len(planned), len(todo), summary.unchanged)

            done = [0]

            def tick() -> None:
                done[0] += 1
                if progress:
                    progress(done[0], len(todo))

            _ctx.warehouse, _ctx.on_done = wh, tick
            n = _workers(len(todo), workers)
            pool = ProcessPoolExecutor(n, mp_context=multiprocessing.get_context("spawn")) if n > 1 and todo else None
            _ctx.pool = pool
            try:
                futures = [ingest_document.submit(item) for item in todo]
                for fut in as_completed(futures):
                    result = fut.result()
                    if result["status"] == "error":
                        summary.failed += 1
                        summary.failures.append({k: result[k] for k in ("source", "reason", "error")})
                    else:
                        setattr(summary, result["change"], getattr(summary, result["change"]) + 1)
                        summary.sentences += result["sentences"]
            finally:
                _ctx.pool = None
                if pool:
                    pool.shutdown()

            with db.open_writer(wh, migrate_schema=False) as con:
                tagger = worker.tagger()
                if db.stale_tag_count(con, tagger.version):
                    summary.retagged = db.retag(con, tagger)
                con.execute("""UPDATE store.runs SET ended_at = now(), status = 'completed', new_docs = ?, changed_docs = ?,
                    unchanged_docs = ?, failed_docs = ?, sentences = ?, detail = ? WHERE run_id = ?""",
                            [summary.new, summary.changed, summary.unchanged, summary.failed, summary.sentences,
                             json.dumps({"corpus": [str(p) for p in paths], "failures": summary.failures}), run_id])
        except BaseException:
            with db.open_writer(wh, migrate_schema=False) as con:
                con.execute("UPDATE store.runs SET ended_at = now(), status = 'failed' WHERE run_id = ?", [run_id])
            raise
    for line in summary.lines():
        log.info(line)
    return asdict(summary)
