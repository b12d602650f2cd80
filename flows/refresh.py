"""The refresh flow: new and changed documents become tagged sentences in the warehouse.

    start (mark runs a killed refresh left, read what is stored, record this run)
    -> gather sources (folders; a manifest's rows, downloading URLs not yet cached)
    -> plan (hash every file, compare with what is stored)
    -> ingest (one Prefect task per document, its CPU work in a process pool, largest files
       first so the pool never waits on one big file at the end; its write under the single
       writer lock, one transaction per document)
    -> re-tag stored sentences whose tags are stale -> record the run.

The flow only composes: extraction and tagging live in corpus/, rules/ and models/ (run
by flows.worker), every read and write of the warehouse in warehouse/.
"""
from __future__ import annotations

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
from findings.corpus.settings import models_dir, settings
from findings.corpus.sources import Source, discover
from findings.models.registry import chosen_folder
from findings.warehouse import db, runs
from findings.warehouse.labels import sync_project_labels

from . import worker
from .locking import refresh_lock


@dataclass
class Planned:
    source: Source
    document_id: str
    change: str  # new | changed | unchanged | duplicate (the same bytes as another file: not loaded again)
    hashed: bool = True  # False when the id came from store.file_stats (same path, size and mtime)
    duplicate_of: str | None = None  # a duplicate: the source whose document holds these bytes


@dataclass
class Summary:
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    failed: int = 0
    duplicates: int = 0       # files with the same bytes as another file (of this run or loaded before)
    sentences: int = 0        # sentences written by this run
    retagged: int = 0
    failures: list[dict] = field(default_factory=list)
    documents: dict[str, list[str]] = field(default_factory=dict)  # new | changed | unchanged | duplicate | failed -> sources
    sources: list[dict] = field(default_factory=list)  # every file or URL seen: rows of the `sources` view
    interrupted: int = 0      # runs left 'running' by a killed refresh, marked 'interrupted' by this one
    elapsed_s: float = 0.0    # time inside the flow (Prefect's start-up not included)

    def lines(self) -> list[str]:
        out = [f"documents: {self.new} new, {self.changed} changed, {self.unchanged} unchanged, {self.failed} failed",
               f"duplicates: {self.duplicates} file(s) with the same bytes as another, not loaded again"
               + (" (listed in the `sources` view)" if self.duplicates else ""),
               f"sentences written: {self.sentences}" + (f"; re-tagged: {self.retagged}" if self.retagged else "")]
        if self.interrupted:
            out.append(f"finished the work of {self.interrupted} interrupted refresh(es)")
        out += [f"  failed ({f['reason']}): {f['error']}" for f in self.failures]
        out.append(f"refresh took {self.elapsed_s:.1f} s")
        return out

    def fail(self, failure: dict) -> None:
        self.failed += 1
        self.failures.append({k: failure[k] for k in ("source", "reason", "error")})
        self.documents["failed"].append(failure["source"])

    def saw(self, source: str, document_id: str, status: str, duplicate_of: str | None = None,
            error_reason: str | None = None) -> None:
        """A row of the `sources` view: status loaded | duplicate | error | skipped."""
        self.sources.append({"source": source, "document_id": document_id, "status": status,
                             "duplicate_of": duplicate_of, "error_reason": error_reason})


@dataclass
class Job:
    """What one refresh works on: resolved paths and the run's detail for store.runs."""
    paths: list[Path]
    warehouse: Path
    cache: Path
    manifest: Path | None
    run_id: str = ""
    model: str | None = None     # the folder of the warehouse's chosen model, handed to every worker

    @classmethod
    def of(cls, corpus: list[str] | None, warehouse: str | None, manifest: str | None, cache: str | None) -> "Job":
        s = settings()
        paths = [Path(p) for p in corpus] if corpus else ([] if manifest else [s.sample_corpus])
        wh = Path(warehouse) if warehouse else s.warehouse
        folder = chosen_folder(models_dir(wh))
        return cls(paths, wh, Path(cache) if cache else s.cache, Path(manifest) if manifest else None,
                   model=str(folder) if folder else None)

    @property
    def detail(self) -> dict:
        return {"corpus": [str(p) for p in self.paths]} | ({"manifest": str(self.manifest)} if self.manifest else {})


@flow(name="refresh", log_prints=False)
def refresh(corpus: list[str] | None = None, warehouse: str | None = None, workers: int | None = None,
            progress: Callable[[int, int], None] | None = None, manifest: str | None = None,
            cache: str | None = None, wait: float = 0.0, artifact: bool = True) -> dict:
    """Load new and changed documents under `corpus` (and those a `manifest` lists, downloading
    its source_url's not yet in `cache`) into `warehouse`; skip unchanged ones. `wait`: seconds
    to queue behind another refresh of the same warehouse before giving up (exit code 75)."""
    started = time.perf_counter()
    job = Job.of(corpus, warehouse, manifest, cache)
    summary = Summary()
    with refresh_lock(job.warehouse, wait=wait):
        stored, stats = start(job, summary)
        try:
            sources, unavailable = gather_sources(job)
            todo = plan_ingest(job, sources, stored, stats, summary)
            record_unavailable(job, unavailable, stored, summary)
            ingest(job, todo, workers, progress, summary)
            summary.retagged = retag_stale(job, workers)
            summary.elapsed_s = round(time.perf_counter() - started, 3)
            counts = record(job, summary, artifact)
        except BaseException as exc:
            record_failure(job, exc)
            raise
    for line in summary.lines():
        get_run_logger().info(line)
    if artifact:
        publish_summary(summary, counts, job.warehouse)
    return asdict(summary)


# --- the flow's steps --------------------------------------------------------------------

def start(job: Job, summary: Summary) -> tuple[dict, dict]:
    """Mark runs a killed refresh left 'running', read what is stored, record this run."""
    job.run_id = str(flow_run.id or f"local-{datetime.now():%Y%m%dT%H%M%S.%f}")
    with db.open_writer(job.warehouse) as con:
        summary.interrupted = runs.mark_interrupted(con)
        stored = db.loaded_state(con)
        stats = db.file_stats(con)
        runs.start(con, job.run_id, "refresh", job.detail, worker.versions(job.model))
    if summary.interrupted:
        get_run_logger().warning("%d earlier refresh run(s) had been interrupted; marked 'interrupted', this run "
                                 "finishes their work", summary.interrupted)
    return stored, stats


def gather_sources(job: Job) -> tuple[list[Source], list[dict]]:
    """Files under the corpus paths and a manifest's rows (downloaded if need be), and the
    rows that could not be had, as failures."""
    sources = discover(job.paths)
    unavailable: list[dict] = []
    if job.manifest:
        local, wanted, missing = remote.resolve(job.manifest, job.cache)
        known = {s.path.resolve() for s in sources}
        sources += [s for s in local if s.path.resolve() not in known]
        if wanted:
            get_run_logger().info("%d documents to download into %s", len(wanted), job.cache)
            for fut in [download_document.submit(w, str(job.cache)) for w in wanted]:
                got = fut.result()
                (sources.append if isinstance(got, Source) else unavailable.append)(got)
        unavailable += [{"source": str(m.path), "url": None, "row": m.row, "reason": "missing_file",
                         "error": f"{m.path} does not exist and the manifest gives no source_url to download it from."}
                        for m in missing]
    return sources, unavailable


def plan_ingest(job: Job, sources: list[Source], stored: dict, stats: dict, summary: Summary) -> list[Planned]:
    """The documents to ingest, largest first; remembers the size and time of files just hashed."""
    planned = plan(sources, stored, stats)
    with db.open_writer(job.warehouse, migrate_schema=False) as con:
        db.save_file_stats(con, [(p.source.source, p.source.size, p.source.mtime_ns, p.document_id)
                                 for p in planned if p.hashed and p.source.mtime_ns])
    todo = sorted((p for p in planned if p.change in ("new", "changed")), key=lambda p: -p.source.size)
    summary.documents = {"new": [], "changed": [], "failed": [],
                         **{c: [p.source.source for p in planned if p.change == c] for c in ("unchanged", "duplicate")}}
    summary.unchanged, summary.duplicates = len(summary.documents["unchanged"]), len(summary.documents["duplicate"])
    for p in planned:
        if p.change == "unchanged":
            summary.saw(p.source.source, p.document_id, "skipped")
        elif p.change == "duplicate":
            summary.saw(p.source.source, p.document_id, "duplicate", duplicate_of=p.duplicate_of)
    get_run_logger().info("%d files: %d to ingest, %d unchanged, %d duplicates", len(planned), len(todo),
                          summary.unchanged, summary.duplicates)
    return todo


def plan(sources: list[Source], stored: dict[str, tuple[str, str, str]],
         stats: dict[str, tuple[int, int, str]] | None = None) -> list[Planned]:
    """Classify each source by its content hash and extraction version against the store.

    A file whose path, size and modification time match `stats` (what the last refresh
    saw) and whose recorded hash is still the stored document's is not read again. A file
    with the same bytes as a document stored under another name, or as an earlier file of
    this run, is a duplicate of it: one document, never loaded twice."""
    stored_ids = {(doc_id, version): src for src, (doc_id, version, _) in sorted(stored.items())}
    stats = stats or {}
    planned = []
    this_run: dict[str, str] = {}  # document_id -> the first source with those bytes
    for src in sources:
        previous = stored.get(src.source)
        stat = stats.get(src.source)
        if previous and stat and src.mtime_ns and (stat[0], stat[1]) == (src.size, src.mtime_ns) and stat[2] == previous[0]:
            doc_id, hashed = stat[2], False
        else:
            doc_id, hashed = src.content_hash(), True
        duplicate_of = None
        if previous and (previous[0], previous[1]) == (doc_id, EXTRACTION_VERSION):
            change = "unchanged"
        elif previous is None and (doc_id, EXTRACTION_VERSION) in stored_ids:
            change, duplicate_of = "duplicate", stored_ids[doc_id, EXTRACTION_VERSION]  # loaded under another name
        elif doc_id in this_run:
            change, duplicate_of = "duplicate", this_run[doc_id]  # as an earlier file of this run, which loads them
        else:
            change = "changed" if previous else "new"
        this_run.setdefault(doc_id, src.source)
        planned.append(Planned(src, doc_id, change, hashed, duplicate_of))
    return planned


def record_unavailable(job: Job, unavailable: list[dict], stored: dict, summary: Summary) -> None:
    """An error row for each document that could not be had, unless an earlier copy is loaded."""
    for failure in unavailable:
        summary.fail(failure)
        previous = stored.get(failure["source"])
        rec = worker.unavailable(failure)
        if previous and previous[2] == "loaded":  # keep the copy loaded earlier (its cached file was removed
            summary.saw(failure["source"], previous[0], "error", error_reason=failure["reason"])  # and cannot be fetched now)
            continue
        summary.saw(failure["source"], rec.document_id, "error", error_reason=failure["reason"])
        with _ctx.write_lock, db.open_writer(job.warehouse, migrate_schema=False) as con:
            db.write_document(con, rec)


def ingest(job: Job, todo: list[Planned], workers: int | None, progress: Callable[[int, int], None] | None,
           summary: Summary) -> None:
    """One `ingest-document` task per document, their CPU work in a process pool."""
    done = [0]

    def tick() -> None:
        done[0] += 1
        if progress:
            progress(done[0], len(todo))

    _ctx.warehouse, _ctx.on_done, _ctx.model = job.warehouse, tick, job.model
    n = _workers(len(todo), workers)
    pool = ProcessPoolExecutor(n, mp_context=multiprocessing.get_context("spawn")) if n > 1 and todo else None
    _ctx.pool = pool
    try:
        futures = [ingest_document.submit(item) for item in todo]
        for fut in as_completed(futures):
            result = fut.result()
            summary.saw(result["source"], result["document_id"], result["status"], error_reason=result["reason"])
            if result["status"] == "error":
                summary.fail(result)
            else:
                setattr(summary, result["change"], getattr(summary, result["change"]) + 1)
                summary.documents[result["change"]].append(result["source"])
                summary.sentences += result["sentences"]
    finally:
        _ctx.pool = None
        if pool:  # after an error or Ctrl-C, documents not yet started are not started
            pool.shutdown(cancel_futures=True)


def retag_stale(job: Job, workers: int | None) -> int:
    """Re-tag stored sentences tagged under other rules or another model, in batches (the
    file held only while each batch is written)."""
    with db.open_writer(job.warehouse, migrate_schema=False) as con:
        stale = db.stale_tag_count(con, worker.tagger_version(job.model))  # no model loaded to find out
    if not stale:
        return 0
    with worker.tag_chunks(workers, job.model) as tag:
        return db.retag(job.warehouse, worker.tagger_version(job.model), tag)


def record(job: Job, summary: Summary, artifact: bool) -> dict | None:
    """Apply people's labels, record the run as completed; the counts its summary shows."""
    with db.open_writer(job.warehouse, migrate_schema=False) as con:
        sync_project_labels(con)  # people's labels are the final tags of their sentences
        runs.save_sources(con, job.run_id, summary.sources)
        runs.complete(con, job.run_id, summary.new, summary.changed, summary.unchanged, summary.failed,
                      summary.sentences, job.detail | {"failures": summary.failures, "retagged": summary.retagged,
                                                       "duplicates": summary.duplicates, "elapsed_s": summary.elapsed_s})
        return runs.tag_counts(con) if artifact else None


def record_failure(job: Job, exc: BaseException) -> None:
    """A run stopped by an error is 'failed'; by Ctrl-C or exit, 'interrupted'."""
    status = "interrupted" if isinstance(exc, (KeyboardInterrupt, SystemExit)) else "failed"
    with db.open_writer(job.warehouse, migrate_schema=False) as con:
        runs.end(con, job.run_id, status)


# --- tasks ---------------------------------------------------------------------------------

class _Context:
    """What the per-document tasks share within one flow run (not task parameters, so
    Prefect never tries to serialise a process pool)."""

    pool: Executor | None = None
    warehouse: Path
    write_lock = threading.Lock()
    on_done: Callable[[], None] | None = None
    model: str | None = None


_ctx = _Context()


@task(name="ingest-document", cache_policy=NONE, task_run_name="ingest {item.source.path.name}")
def ingest_document(item: Planned) -> dict:
    """Extract, split and tag one document (in the process pool), then write it."""
    if _ctx.pool is None:
        rec = worker.process(item.source, item.document_id, _ctx.model)
    else:
        rec = _ctx.pool.submit(worker.process, item.source, item.document_id, _ctx.model).result()
    with _ctx.write_lock:
        with db.open_writer(_ctx.warehouse, migrate_schema=False) as con:
            db.write_document(con, rec)
    if _ctx.on_done:
        _ctx.on_done()
    return {"source": rec.source, "document_id": rec.document_id, "change": item.change, "status": rec.status,
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


def _workers(n_docs: int, requested: int | None) -> int:
    wanted = requested or settings().workers or (os.cpu_count() or 1)
    return max(1, min(wanted, n_docs))


# --- the run's report ------------------------------------------------------------------------

def summary_markdown(summary: Summary, counts: dict | None, warehouse: Path | str, limit: int = 50) -> str:
    """The run's summary as markdown: documents by change, failures with reasons, sentence
    counts by theme and sentiment in the warehouse after the run."""
    s = summary
    out = [f"# Corpus refresh of `{warehouse}`", "",
           f"**{s.new}** new, **{s.changed}** changed, **{s.unchanged}** unchanged, **{s.failed}** failed documents, "
           f"**{s.duplicates}** duplicate files; "
           f"{s.sentences} sentences written" + (f", {s.retagged} re-tagged" if s.retagged else "")
           + f"; {s.elapsed_s:.1f} s." + (f" Finished the work of {s.interrupted} interrupted run(s)." if s.interrupted else ""), ""]
    if s.failures:
        out += ["## Failed documents", "", "| document | reason | what to do |", "|---|---|---|"]
        out += [f"| {_cell(f['source'])} | `{f['reason']}` | {_cell(f['error'])} |" for f in s.failures]
        out.append("")
    duplicate_of = {r["source"]: r["duplicate_of"] for r in s.sources if r["status"] == "duplicate"}
    for change in ("new", "changed", "unchanged", "duplicate"):
        names = [n + (f" (same bytes as {duplicate_of[n]})" if n in duplicate_of else "") for n in s.documents.get(change) or []]
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
