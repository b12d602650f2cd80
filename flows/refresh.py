"""The refresh flow: new and changed documents become tagged sentences in the warehouse.

Plan (hash every file, compare with what is stored) -> one Prefect task per document to
ingest, its CPU work in a process pool (largest files first, so the pool never waits on
one big file at the end), its write under the single writer lock, one transaction per
document -> re-tag stored sentences whose tags are stale -> record the run.
"""
from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import threading
import time
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Callable

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NONE
from prefect.futures import as_completed
from prefect.runtime import flow_run

from findings.corpus import remote
from findings.corpus.document import EXTRACTION_VERSION
from findings.corpus.sources import Source, discover
from findings.warehouse import db
from findings.warehouse.labels import sync_project_labels
from findings.warehouse.records import DocumentRecord

from . import worker
from .locking import refresh_lock

DEFAULT_CORPUS = Path("corpus/sample")


@dataclass
class Planned:
    source: Source
    document_id: str
    change: str  # new | changed | unchanged
    hashed: bool = True  # False when the id came from store.file_stats (same path, size and mtime)


@dataclass
class Summary:
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    failed: int = 0
    sentences: int = 0        # sentences written by this run
    retagged: int = 0
    failures: list[dict] = field(default_factory=list)
    documents: dict[str, list[str]] = field(default_factory=dict)  # new | changed | unchanged | failed -> sources
    interrupted: int = 0      # runs left 'running' by a killed refresh, marked 'interrupted' by this one
    elapsed_s: float = 0.0    # time inside the flow (Prefect's start-up not included)

    def lines(self) -> list[str]:
        out = [f"documents: {self.new} new, {self.changed} changed, {self.unchanged} unchanged, {self.failed} failed",
               f"sentences written: {self.sentences}" + (f"; re-tagged: {self.retagged}" if self.retagged else "")]
        if self.interrupted:
            out.append(f"finished the work of {self.interrupted} interrupted refresh(es)")
        out += [f"  failed ({f['reason']}): {f['error']}" for f in self.failures]
        out.append(f"refresh took {self.elapsed_s:.1f} s")
        return out


def plan(sources: list[Source], stored: dict[str, tuple[str, str, str]],
         stats: dict[str, tuple[int, int, str]] | None = None) -> list[Planned]:
    """Classify each source by its content hash and extraction version against the store.

    A file whose path, size and modification time match `stats` (what the last refresh
    saw) and whose recorded hash is still the stored document's is not read again."""
    stored_ids = {(doc_id, version) for doc_id, version, _ in stored.values()}
    stats = stats or {}
    planned = []
    this_run: set[str] = set()
    for src in sources:
        previous = stored.get(src.source)
        stat = stats.get(src.source)
        if previous and stat and src.mtime_ns and (stat[0], stat[1]) == (src.size, src.mtime_ns) and stat[2] == previous[0]:
            doc_id, hashed = stat[2], False
        else:
            doc_id, hashed = src.content_hash(), True
        if previous and (previous[0], previous[1]) == (doc_id, EXTRACTION_VERSION):
            change = "unchanged"
        elif previous is None and (doc_id, EXTRACTION_VERSION) in stored_ids:
            change = "unchanged"  # same bytes already loaded under another name
        elif doc_id in this_run:
            change = "unchanged"  # same bytes as another file of this run, which loads them
        else:
            change = "changed" if previous else "new"
        this_run.add(doc_id)
        planned.append(Planned(src, doc_id, change, hashed))
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


_download_slots = threading.Semaphore(4)  # at most 4 downloads at a time, whatever the task runner


@task(name="download-document", cache_policy=NONE, task_run_name="download {item.file}")
def download_document(item: remote.Wanted, cache: str) -> Source | dict:
    """The cached copy of one manifest URL (downloaded now if needed), or the failure."""
    with _download_slots:
        try:
            return remote.fetch(item, Path(cache))
        except remote.DownloadError as exc:
            return {"source": item.url, "url": item.url, "row": item.row, "reason": exc.reason, "error": str(exc.args[0])}


def _unavailable_record(failure: dict) -> DocumentRecord:
    """An error row for a document that could not be fetched (no bytes, so the id hashes its source)."""
    row = failure.get("row") or {}
    rec = DocumentRecord(
        document_id=hashlib.sha256(f"unavailable:{failure['source']}".encode("utf-8")).hexdigest(),
        source=failure["source"], source_url=failure.get("url"), status="error",
        error_reason=failure["reason"], error=failure["error"], extraction_version=EXTRACTION_VERSION,
        authority=row.get("authority"), doc_type=row.get("doc_type"), title=row.get("title"))
    if row.get("published"):
        from datetime import date

        rec.published = date.fromisoformat(row["published"])
    return rec


def _mark_interrupted(con) -> int:
    """Refresh runs still 'running' belong to refreshes that died (killed, machine stopped):
    the caller holds the refresh lock, so none of them is alive."""
    n = con.execute("SELECT count(*) FROM store.runs WHERE flow = 'refresh' AND status = 'running'").fetchone()[0]
    if n:
        con.execute("UPDATE store.runs SET status = 'interrupted' WHERE flow = 'refresh' AND status = 'running'")
    return n


def _workers(n_docs: int, requested: int | None) -> int:
    wanted = requested or int(os.environ.get("FINDINGS_WORKERS", 0)) or (os.cpu_count() or 1)
    return max(1, min(wanted, n_docs))


@flow(name="refresh", log_prints=False)
def refresh(corpus: list[str] | None = None, warehouse: str | None = None, workers: int | None = None,
            progress: Callable[[int, int], None] | None = None, manifest: str | None = None,
            cache: str | None = None, wait: float = 0.0, artifact: bool = True) -> dict:
    """Load new and changed documents under `corpus` (and those a `manifest` lists, downloading
    its source_url's not yet in `cache`) into `warehouse`; skip unchanged ones. `wait`: seconds
    to queue behind another refresh of the same warehouse before giving up (exit code 75)."""
    started = time.perf_counter()
    log = get_run_logger()
    paths = [Path(p) for p in corpus] if corpus else ([] if manifest else [DEFAULT_CORPUS])
    wh = Path(warehouse) if warehouse else db.default_path()
    cache_dir = Path(cache) if cache else remote.default_cache()
    summary = Summary()
    detail = {"corpus": [str(p) for p in paths]} | ({"manifest": str(manifest)} if manifest else {})
    with refresh_lock(wh, wait=wait):
        run_id = str(flow_run.id or f"local-{datetime.now():%Y%m%dT%H%M%S.%f}")
        with db.open_writer(wh) as con:
            summary.interrupted = _mark_interrupted(con)
            stored = db.loaded_state(con)
            stats = db.file_stats(con)
            con.execute("INSERT INTO store.runs (run_id, flow, started_at, status, detail) VALUES (?, 'refresh', now(), 'running', ?)",
                        [run_id, json.dumps(detail)])
        if summary.interrupted:
            log.warning("%d earlier refresh run(s) had been interrupted; marked 'interrupted', this run finishes their work",
                        summary.interrupted)
        try:
            sources = discover(paths)
            unavailable: list[dict] = []
            if manifest:
                local, wanted, missing = remote.resolve(Path(manifest), cache_dir)
                known = {s.path.resolve() for s in sources}
                sources += [s for s in local if s.path.resolve() not in known]
                if wanted:
                    log.info("%d documents to download into %s", len(wanted), cache_dir)
                    for fut in [download_document.submit(w, str(cache_dir)) for w in wanted]:
                        got = fut.result()
                        (sources.append if isinstance(got, Source) else unavailable.append)(got)
                unavailable += [{"source": str(m.path), "url": None, "row": m.row, "reason": "missing_file",
                                 "error": f"{m.path} does not exist and the manifest gives no source_url to download it from."}
                                for m in missing]

            planned = plan(sources, stored, stats)
            with db.open_writer(wh, migrate_schema=False) as con:
                db.save_file_stats(con, [(p.source.source, p.source.size, p.source.mtime_ns, p.document_id)
                                         for p in planned if p.hashed and p.source.mtime_ns])
            todo = sorted((p for p in planned if p.change != "unchanged"), key=lambda p: -p.source.size)
            summary.unchanged = len(planned) - len(todo)
            summary.documents = {"new": [], "changed": [], "unchanged": [p.source.source for p in planned if p.change == "unchanged"],
                                 "failed": []}
            log.info("%d documents: %d to ingest, %d unchanged", len(planned), len(todo), summary.unchanged)

            for failure in unavailable:
                summary.failed += 1
                summary.failures.append({k: failure[k] for k in ("source", "reason", "error")})
                summary.documents["failed"].append(failure["source"])
                previous = stored.get(failure["source"])
                if previous and previous[2] == "loaded":
                    continue  # keep the copy loaded earlier (its cached file was removed and cannot be fetched now)
                with _ctx.write_lock, db.open_writer(wh, migrate_schema=False) as con:
                    db.write_document(con, _unavailable_record(failure))

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
                        summary.documents["failed"].append(result["source"])
                    else:
                        setattr(summary, result["change"], getattr(summary, result["change"]) + 1)
                        summary.documents[result["change"]].append(result["source"])
                        summary.sentences += result["sentences"]
            finally:
                _ctx.pool = None
                if pool:
                    pool.shutdown()

            with db.open_writer(wh, migrate_schema=False) as con:
                stale = db.stale_tag_count(con, worker.tagger_version())  # no model loaded to find out
            if stale:  # tagged in batches, the file held only while each batch is written
                with worker.tag_chunks(workers) as tag:
                    summary.retagged = db.retag(wh, worker.tagger_version(), tag)
            summary.elapsed_s = round(time.perf_counter() - started, 3)
            with db.open_writer(wh, migrate_schema=False) as con:
                sync_project_labels(con)  # people's labels are the final tags of their sentences
                con.execute("""UPDATE store.runs SET ended_at = now(), status = 'completed', new_docs = ?, changed_docs = ?,
                    unchanged_docs = ?, failed_docs = ?, sentences = ?, detail = ? WHERE run_id = ?""",
                            [summary.new, summary.changed, summary.unchanged, summary.failed, summary.sentences,
                             json.dumps(detail | {"failures": summary.failures, "retagged": summary.retagged,
                                                  "elapsed_s": summary.elapsed_s}), run_id])
                counts = tag_counts(con) if artifact else None
        except BaseException as exc:
            status = "interrupted" if isinstance(exc, (KeyboardInterrupt, SystemExit)) else "failed"
            with db.open_writer(wh, migrate_schema=False) as con:
                con.execute("UPDATE store.runs SET ended_at = now(), status = ? WHERE run_id = ?", [status, run_id])
            raise
    for line in summary.lines():
        log.info(line)
    if artifact:
        publish_summary(summary, counts, wh)
    return asdict(summary)


def tag_counts(con) -> dict[str, list[tuple]]:
    """Sentences of loaded documents (boilerplate left out) by theme and sentiment."""
    sentiments = ("positive", "negative", "mixed", "neutral")
    pivot = ", ".join(f"count(*) FILTER (WHERE f.sentiment = '{s}')" for s in sentiments)
    by_theme = con.execute(f"""SELECT t.theme, {pivot}, count(*) FROM finding_themes t JOIN findings f USING (sentence_id)
        WHERE NOT f.boilerplate GROUP BY t.theme ORDER BY count(*) DESC, t.theme""").fetchall()
    no_theme = con.execute(f"""SELECT '(no theme)', {pivot}, count(*) FROM findings f
        WHERE NOT f.boilerplate AND len(f.themes) = 0""").fetchall()
    total = con.execute(f"SELECT 'all sentences', {pivot}, count(*) FROM findings f WHERE NOT f.boilerplate").fetchall()
    docs = con.execute("SELECT status, count(*) FROM documents GROUP BY status ORDER BY status").fetchall()
    return {"sentiments": list(sentiments), "rows": by_theme + no_theme + total, "documents": docs}


def summary_markdown(summary: Summary, counts: dict | None, warehouse: Path | str, limit: int = 50) -> str:
    """The run's summary as markdown: documents by change, failures with reasons, sentence
    counts by theme and sentiment in the warehouse after the run."""
    s = summary
    out = [f"# Corpus refresh of `{warehouse}`", "",
           f"**{s.new}** new, **{s.changed}** changed, **{s.unchanged}** unchanged, **{s.failed}** failed documents; "
           f"{s.sentences} sentences written" + (f", {s.retagged} re-tagged" if s.retagged else "")
           + f"; {s.elapsed_s:.1f} s." + (f" Finished the work of {s.interrupted} interrupted run(s)." if s.interrupted else ""), ""]
    if s.failures:
        out += ["## Failed documents", "", "| document | reason | what to do |", "|---|---|---|"]
        out += [f"| {_cell(f['source'])} | `{f['reason']}` | {_cell(f['error'])} |" for f in s.failures]
        out.append("")
    for change in ("new", "changed", "unchanged"):
        names = s.documents.get(change) or []
        if names:
            out += [f"## {change.capitalize()} documents ({len(names)})", ""]
            out += [f"- {_cell(n)}" for n in names[:limit]]
            if len(names) > limit:
                out.append(f"- ... and {len(names) - limit} more")
            out.append("")
    if counts:
        out += ["## Sentences in the warehouse by theme and sentiment", "",
                "Boilerplate left out; a sentence counts once under each of its themes.", "",
                "| theme | " + " | ".join(counts["sentiments"]) + " | total |",
                "|---|" + "---:|" * (len(counts["sentiments"]) + 1)]
        out += ["| " + " | ".join(str(v) for v in row) + " |" for row in counts["rows"]]
        out += ["", "Documents in the warehouse: " + ", ".join(f"{n} {st}" for st, n in counts["documents"]) + "."]
    return "\n".join(out) + "\n"


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def publish_summary(summary: Summary, counts: dict | None, warehouse: Path) -> str | None:
    """Attach the summary to the flow run as a markdown artifact (key `refresh-summary`)."""
    from prefect.artifacts import create_markdown_artifact

    try:
        return str(create_markdown_artifact(key="refresh-summary", markdown=summary_markdown(summary, counts, warehouse),
                                            description=f"Refresh of {warehouse}"))
    except Exception as exc:  # the warehouse is loaded whatever happens to the report
        get_run_logger().warning("could not publish the refresh summary artifact: %s", exc)
        return None
