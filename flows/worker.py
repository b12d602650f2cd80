"""CPU work for one document, run in a worker process: extract, split, tag. Returns a
record the single writer stores. No DuckDB here."""
from __future__ import annotations

import multiprocessing
import os
import threading
import traceback
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from datetime import date
from functools import lru_cache
from typing import Iterator

from findings.corpus.document import EXTRACTION_VERSION, ExtractionError
from findings.corpus.extract import extract
from findings.corpus.sentences import split
from findings.corpus.sources import Source
from findings.models.tagging import Tagger, neighbours
from findings.warehouse.records import DocumentRecord, SentenceRow, TagTables


def tagger() -> Tagger:
    """One tagger per process, with the current rules and model (reloaded when a retrain
    promotes another model or the rule files change)."""
    return _tagger(tagger_version())


@lru_cache(maxsize=1)
def _tagger(version: str) -> Tagger:
    from findings.models.registry import load_current

    return Tagger(model=load_current())


def tagger_version() -> str:
    """The version `tagger()` reports, without loading the model (seconds): enough to see
    that no stored sentence is stale."""
    from findings.models.registry import current_version
    from findings.models.tagging import tagger_version as version
    from findings.rules.tagger import rules_version

    return version(rules_version(), current_version())


def _tag_rows(rows: list[tuple]) -> tuple[str, TagTables]:
    """Tag (sentence_ids, text, section, before, after) rows: every sentence of a row gets
    the row's tags."""
    t = tagger()
    ids, tags = [], []
    texts, sections, before, after = ([r[k] for r in rows] for k in range(1, 5))
    for (sentence_ids, *_), tag in zip(rows, t.tag(texts, sections, before, after)):
        ids += sentence_ids
        tags += [tag] * len(sentence_ids)
    return t.version, TagTables.of(ids, tags, t.version)


@contextmanager
def tag_chunks(workers: int | None = None) -> Iterator:
    """A function that tags chunks of stored (sentence_ids, text, section, before, after)
    rows into TagTables, in order, for `warehouse.db.retag`: spread over `workers` processes
    (default: one per core) while the caller writes finished chunks, or in this process for
    one worker or one chunk. Every worker loads the current rules and model, so a chunk tagged under another
    version than this process's (a model promoted meanwhile) stops the re-tag instead of mixing.

    Workers are forked from a process that runs no other thread (the CLI) after it has
    loaded the tagger, so they start at once with it; elsewhere (inside Prefect, which runs
    threads) they are spawned and import and load their own, about a second each."""
    workers = workers or os.cpu_count() or 1
    version = tagger_version()
    pool = None

    def run(chunks: list[list[tuple]]):
        nonlocal pool
        mapper = map
        if workers > 1 and len(chunks) > 1:
            method = start_method()
            if method == "fork":
                tagger()  # loaded once here, inherited by every worker
            pool = ProcessPoolExecutor(min(workers, len(chunks)), mp_context=multiprocessing.get_context(method))
            mapper = pool.map
        for worker_version, tables in mapper(_tag_rows, chunks):
            if worker_version != version:
                raise RuntimeError(f"a worker tagged with {worker_version}, not {version}: the rules or model changed "
                                   f"during the re-tag; run `findings retag` again.")
            yield tables

    try:
        yield run
    finally:
        if pool:
            pool.shutdown(cancel_futures=True)


def start_method() -> str:
    """'fork' where this process runs no other thread (the CLI), so workers inherit what it
    loaded; 'spawn' otherwise: forking a process while another thread holds a lock (Prefect
    runs several) can leave the child waiting on it forever."""
    return "fork" if threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods() else "spawn"


def process(source: Source, document_id: str) -> DocumentRecord:
    rec = DocumentRecord(document_id=document_id, source=source.source,
                         source_url=source.manifest.get("source_url"), extraction_version=EXTRACTION_VERSION)
    try:
        doc = extract(source.path, source.manifest)
    except ExtractionError as exc:
        rec.status, rec.error_reason, rec.error = "error", exc.reason, str(exc.args[0])
        _manifest_metadata(rec, source)
        return rec
    except Exception as exc:  # a parser bug must not stop the run: record it, with where it happened
        last = traceback.extract_tb(exc.__traceback__)[-1]
        rec.status, rec.error_reason = "error", "failed"
        rec.error = (f"{source.path}: extraction failed with {type(exc).__name__}: {exc} "
                     f"(at {last.filename}:{last.lineno}); please report this with the file.")
        _manifest_metadata(rec, source)
        return rec
    for name in ("authority", "doc_type", "title", "published", "inspection_start", "inspection_end", "lead_inspector", "pages"):
        setattr(rec, name, getattr(doc, name))
    rec.judgements = [(j.area, j.grade) for j in doc.judgements]
    sentences = split(doc.paragraphs)
    paras = doc.paragraphs
    t = tagger()
    texts = [s.text for s in sentences]
    tags = t.tag(texts, [paras[s.paragraph_index].section for s in sentences], *neighbours(texts))
    rec.tagger_version = t.version
    rec.sentences = [
        SentenceRow(i, paras[s.paragraph_index].page, paras[s.paragraph_index].number, s.paragraph_index,
                    paras[s.paragraph_index].kind, paras[s.paragraph_index].section, s.text, s.start, s.end, tag)
        for i, (s, tag) in enumerate(zip(sentences, tags))
    ]
    return rec


def _manifest_metadata(rec: DocumentRecord, source: Source) -> None:
    rec.authority = source.manifest.get("authority")
    rec.doc_type = source.manifest.get("doc_type")
    rec.title = source.manifest.get("title")
    if source.manifest.get("published"):
        rec.published = date.fromisoformat(source.manifest["published"])
