"""Speed of tagging and training, printed as numbers (README reports them).

    python -m findings.models.benchmark [--sentences 20000] [--labels 10000] [--warehouse FILE]

Tagging: rules + current model on sentences from corpus/labels (repeated to size, read as
one document), in one process and in a pool over every core. Re-tag: `findings retag --all` on a copy of a
refreshed warehouse (--warehouse), end to end in a fresh process: reading stored sentences,
loading the tagger, starting the workers, tagging and writing every batch. Training: the retrain fit on N labels
(the project's labels, repeated with their text varied to reach N).
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from findings.models import train
from findings.models.labels import Label, project_labels
from findings.models.tagger_cache import tagger
from findings.models.tagging import neighbours


def _tag_chunk(chunk: list[tuple]) -> int:
    """Tag (text, section, before, after) rows."""
    tagger().tag(*([c[k] for c in chunk] for k in range(4)))
    return len(chunk)


def _warehouse_retag(warehouse: str) -> None:
    """`findings retag --all` on a copy, in a fresh process (nothing loaded beforehand), as a
    user runs it: the command reports its own time from start to end of the re-tag (tagger
    loading and worker start-up included); the wall time adds Python's start and imports."""
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "findings.duckdb"
        shutil.copy(warehouse, copy)
        command = [sys.executable, "-m", "findings.flows.cli", "retag", "--warehouse", str(copy)]
        # first the stale sentences only (none in a warehouse refreshed with this tagger), so
        # the copy is migrated before the timed run: a migration is not part of a re-tag
        subprocess.run(command, capture_output=True, text=True, check=True)
        start = time.perf_counter()
        out = subprocess.run(command + ["--all"], capture_output=True, text=True, check=True).stdout
        wall = time.perf_counter() - start
    print(f"warehouse re-tag, `findings retag --all`: {out.strip().splitlines()[-1].removeprefix('re-tagged ')}; "
          f"{wall:.1f} s with Python start-up")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sentences", type=int, default=20000)
    ap.add_argument("--labels", type=int, default=10000)
    ap.add_argument("--warehouse", help="a refreshed warehouse to time `findings retag --all` on (copied, not changed)")
    args = ap.parse_args()
    if args.warehouse:
        _warehouse_retag(args.warehouse)
    labels = project_labels()
    # The labelled sentences read as one long document, each the others' neighbours, as
    # ingest and re-tag give a document's sentences (their neighbours mostly in the batch).
    texts = ([l.text for l in labels] * (args.sentences // len(labels) + 1))[: args.sentences]
    sections = ([l.section for l in labels] * (args.sentences // len(labels) + 1))[: args.sentences]
    rows = list(zip(texts, sections, *neighbours(texts)))

    t = tagger()
    _tag_chunk(rows[:500])  # warm up
    start = time.perf_counter()
    _tag_chunk(rows)
    one = len(rows) / (time.perf_counter() - start)
    print(f"re-tag, 1 process:   {one:,.0f} sentences/s ({len(rows):,} sentences, {t.version})")
    workers = os.cpu_count() or 1
    chunks = [rows[i:i + 2000] for i in range(0, len(rows), 2000)]
    with ProcessPoolExecutor(workers) as pool:
        list(pool.map(_tag_chunk, chunks[:workers]))  # start and warm the workers
        start = time.perf_counter()
        list(pool.map(_tag_chunk, chunks))
        many = len(rows) / (time.perf_counter() - start)
    print(f"re-tag, {workers} processes: {many:,.0f} sentences/s")

    big = [Label(**{**l.__dict__, "id": f"{l.id}-{k}", "text": l.text if k == 0 else f"{l.text} ({k})",
                    "document": f"{l.document}#{k}"})
           for k in range(args.labels // len(labels) + 1) for l in labels][: args.labels]
    tr, _ = train.split(big)
    start = time.perf_counter()
    train.fit(tr, "benchmark")
    print(f"retrain fit on {len(tr):,} labels: {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
