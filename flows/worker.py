"""CPU work run in worker processes: one document extracted, split and tagged into a
record the single writer stores; chunks of stored sentences re-tagged. No DuckDB here."""
from __future__ import annotations

import hashlib
import multiprocessing
import os
import threading
import traceback
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Iterator

from findings.corpus.document import EXTRACTION_VERSION, ExtractionError
from findings.corpus.extract import extract
from findings.corpus.sentences import split
from findings.corpus.sources import Source, apply_manifest
from findings.models.tagger_cache import tagger, tagger_version
from findings.rules.tagger import rules_version
from findings.models.tagging import neighbours
from findings.warehouse.records import DocumentRecord, SentenceRow, TagTables

__all__ = ["process", "unavailable", "tag_chunks", "start_method", "tagger", "tagger_version", "versions"]


def versions(model: str | Path | None = None) -> dict[str, str]:
    """What a run's text and tags come from: the extraction, rules and model versions (the
    last two make up `tagger_version(model)`; 'none' for no model: rules alone). `model`: the
    folder of the warehouse's chosen model (models.registry.chosen_folder); None: the shipped current."""
    version = tagger_version(model).rpartition("+model-")[2]
    return {"extraction_version": EXTRACTION_VERSION, "rules_version": rules_version(), "model_version": version}


def _tag_rows(rows: list[tuple], model: str | None = None) -> tuple[str, TagTables]:
    """Tag (sentence_ids, text, section, before, after) rows: every sentence of a row gets
    the row's tags."""
    t = tagger(model)
    ids, tags = [], []
    texts, sections, before, after = ([r[k] for r in rows] for k in range(1, 5))
    for (sentence_ids, *_), tag in zip(rows, t.tag(texts, sections, before, after)):
        ids += sentence_ids
        tags += [tag] * len(sentence_ids)
    return t.version, TagTables.of(ids, tags, t.version)


@contextmanager
def tag_chunks(workers: int | None = None, model: str | Path | None = None) -> Iterator:
    """A function that tags chunks of stored (sentence_ids, text, section, before, after)
    rows into TagTables, in order, for `warehouse.db.retag`: spread over `workers` processes
    (default: one per core) while the caller writes finished chunks, or in this process for
    one worker or one chunk. Every worker loads the current rules and model, so a chunk tagged under another
    version than this process's (a model promoted meanwhile) stops the re-tag instead of mixing.

    Workers are forked from a process that runs no other thread (the CLI) after it has
    loaded the tagger, so they start at once with it; elsewhere (inside Prefect, which runs
    threads) they are spawned and import and load their own, about a second each.

    `model`: the folder of the model to tag with (the warehouse's choice, resolved by the
    caller: models.registry.chosen_folder); None: the shipped current."""
    workers = workers or os.cpu_count() or 1
    model = str(model) if model else None
    version = tagger_version(model)
    pool = None

    def run(chunks: list[list[tuple]]):
        nonlocal pool
        mapper = map
        if workers > 1 and len(chunks) > 1:
            method = start_method()
            if method == "fork":
                tagger(model)  # loaded once here, inherited by every worker
            pool = ProcessPoolExecutor(min(workers, len(chunks)), mp_context=multiprocessing.get_context(method))
            mapper = pool.map
        for worker_version, tables in mapper(partial(_tag_rows, model=model), chunks):
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


def process(source: Source, document_id: str, model: str | None = None) -> DocumentRecord:
    """One document extracted, split and tagged with the rules and the model in folder
    `model` (None: the shipped current)."""
    rec = DocumentRecord(document_id=document_id, source=source.source,
                         source_url=source.manifest.get("source_url"), extraction_version=EXTRACTION_VERSION)
    try:
        doc = extract(source.path, source.manifest)
    except ExtractionError as exc:
        rec.status, rec.error_reason, rec.error = "error", exc.reason, str(exc.args[0])
        apply_manifest(rec, source.manifest)
        return rec
    except Exception as exc:  # a parser bug must not stop the run: record it, with where it happened
        last = traceback.extract_tb(exc.__traceback__)[-1]
        rec.status, rec.error_reason = "error", "failed"
        rec.error = (f"{source.path}: extraction failed with {type(exc).__name__}: {exc} "
                     f"(at {last.filename}:{last.lineno}); please report this with the file.")
        apply_manifest(rec, source.manifest)
        return rec
    for name in ("authority", "doc_type", "title", "published", "inspection_start", "inspection_end", "lead_inspector", "pages"):
        setattr(rec, name, getattr(doc, name))
    rec.judgements = [(j.area, j.grade) for j in doc.judgements]
    sentences = split(doc.paragraphs)
    paras = doc.paragraphs
    t = tagger(model)
    texts = [s.text for s in sentences]
    tags = t.tag(texts, [paras[s.paragraph_index].section for s in sentences], *neighbours(texts))
    rec.tagger_version = t.version
    rec.sentences = [
        SentenceRow(i, paras[s.paragraph_index].page, paras[s.paragraph_index].number, s.paragraph_index,
                    paras[s.paragraph_index].kind, paras[s.paragraph_index].section, s.text, s.start, s.end, tag)
        for i, (s, tag) in enumerate(zip(sentences, tags))
    ]
    return rec


def unavailable(failure: dict) -> DocumentRecord:
    """An error record for a document that could not be fetched (no bytes, so the id hashes
    its source), with what its manifest row says of it."""
    rec = DocumentRecord(
        document_id=hashlib.sha256(f"unavailable:{failure['source']}".encode("utf-8")).hexdigest(),
        source=failure["source"], source_url=failure.get("url"), status="error",
        error_reason=failure["reason"], error=failure["error"], extraction_version=EXTRACTION_VERSION)
    apply_manifest(rec, failure.get("row") or {})
    return rec
