"""Refreshes that survive SIGKILL and concurrent use: real `findings` subprocesses against a
real `prefect server start`, real PDFs, real DuckDB."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from findings.flows.locking import EXIT_BUSY
from findings.warehouse.db import WarehouseBusy, query

from .conftest import ILACS

PDFS = ["staffordshire/2019-03-11.pdf", "stockton-on-tees/2019-07-01.pdf", "barking-and-dagenham/2019-04-01.pdf",
        "trafford/2019-05-08.pdf", "hampshire/2019-06-11.pdf", "kirklees/2019-08-05.pdf"]
FINDINGS = Path(sys.executable).parent / "findings"


def _env(server: dict) -> dict:
    return {**os.environ, **server, "FINDINGS_CACHE": "", "COLUMNS": "120"}


def _refresh(wh: Path, server: dict, *extra: str, workers: int = 2, pdfs: list[str] = PDFS, **kw) -> subprocess.Popen:
    return subprocess.Popen([str(FINDINGS), "refresh", "--corpus", *[str(ILACS / p) for p in pdfs],
                             "--warehouse", str(wh), "--workers", str(workers), *extra],
                            env=_env(server), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, **kw)


def _finish(proc: subprocess.Popen, timeout: float = 120) -> tuple[int, str, str]:
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        pytest.fail(f"refresh did not finish in {timeout} s: {err[-3000:]}")
    return proc.returncode, out, err


def _count(wh: Path, sql: str = "SELECT count(*) FROM store.documents") -> int | None:
    """A read-only look while a refresh may be writing (None if the file is not there yet)."""
    if not wh.exists():
        return None
    try:
        return query(wh, sql, wait=0.5)[1][0][0]
    except (WarehouseBusy, duckdb.Error):
        return None


def _snapshot(wh: Path) -> dict:
    con = duckdb.connect(str(wh), read_only=True)
    try:
        return {
            "documents": set(con.execute("SELECT document_id, source, status FROM documents").fetchall()),
            "sentences": set(con.execute("SELECT sentence_id, text FROM findings").fetchall()),
            "themes": set(con.execute("SELECT sentence_id, theme FROM finding_themes").fetchall()),
            "per_document": dict(con.execute("SELECT document_id, count(*) FROM store.sentences GROUP BY 1").fetchall()),
        }
    finally:
        con.close()


@pytest.mark.shared
@pytest.mark.slow
def test_sigkill_mid_refresh_then_resume_equals_a_clean_run(prefect_server, tmp_path):
    pdfs = PDFS[:6]
    wh = tmp_path / "killed.duckdb"
    proc = _refresh(wh, prefect_server, pdfs=pdfs)
    deadline = time.monotonic() + 90
    while (_count(wh) or 0) < 2:
        assert proc.poll() is None, f"refresh ended before it could be killed: {proc.communicate()}"
        assert time.monotonic() < deadline, "no document committed in 90 s"
        time.sleep(0.1)
    os.kill(proc.pid, signal.SIGKILL)           # the refresh process itself, mid-run
    proc.wait()
    time.sleep(0.5)
    try:                                        # then anything it left behind (pool workers)
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.communicate()

    killed = _snapshot(wh)                      # what the killed run committed: whole documents only
    assert 2 <= len(killed["documents"]) < len(pdfs)
    assert query(wh, "SELECT status FROM runs")[1] == [("running",)]

    rc, out, err = _finish(_refresh(wh, prefect_server, pdfs=pdfs))
    assert rc == 0, err[-3000:]
    assert f"{len(pdfs) - len(killed['documents'])} new, 0 changed, {len(killed['documents'])} unchanged, 0 failed" in out
    assert "interrupted" in out
    assert sorted(r[0] for r in query(wh, "SELECT status FROM runs")[1]) == ["completed", "interrupted"]

    clean = tmp_path / "clean.duckdb"
    rc, out, err = _finish(_refresh(clean, prefect_server, pdfs=pdfs))
    assert rc == 0, err[-3000:]
    resumed, fresh = _snapshot(wh), _snapshot(clean)
    assert resumed["documents"] == fresh["documents"] and len(fresh["documents"]) == len(pdfs)
    assert resumed["sentences"] == fresh["sentences"]
    assert resumed["themes"] == fresh["themes"]
    for doc_id, n in killed["per_document"].items():   # documents committed before the kill were complete
        assert fresh["per_document"][doc_id] == n


@pytest.mark.shared
@pytest.mark.slow
def test_second_refresh_exits_75_waiter_queues_and_queries_answer_during_a_refresh(prefect_server, tmp_path):
    wh = tmp_path / "busy.duckdb"
    lock = Path(str(wh) + ".lock")
    pdfs = PDFS[:5]
    first = _refresh(wh, prefect_server, workers=1, pdfs=pdfs)
    deadline = time.monotonic() + 90
    while not (lock.exists() and lock.read_text().startswith("pid")):
        assert first.poll() is None, first.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.05)

    second = _refresh(wh, prefect_server, pdfs=pdfs)                       # gives up at once
    waiter = _refresh(wh, prefect_server, "--wait", "180", pdfs=pdfs)      # queues behind the first
    counts, latencies = [], []
    while first.poll() is None:                                  # analysts' queries meanwhile
        if wh.exists():
            t = time.monotonic()
            counts.append(query(wh, "SELECT count(*) FROM documents")[1][0][0])
            latencies.append(time.monotonic() - t)
        time.sleep(0.2)
    cli = subprocess.run([str(FINDINGS), "query", "SELECT count(*) AS n FROM documents", "--warehouse", str(wh),
                          "--format", "csv"], env=_env(prefect_server), capture_output=True, text=True, timeout=60)

    rc1, out1, err1 = _finish(first)
    rc2, out2, err2 = _finish(second)
    rc3, out3, err3 = _finish(waiter)
    assert rc1 == 0, err1[-3000:]
    assert f"{len(pdfs)} new" in out1
    assert rc2 == EXIT_BUSY and "another refresh" in err2 and "--wait" in err2 and "documents:" not in out2
    assert rc3 == 0 and f"0 new, 0 changed, {len(pdfs)} unchanged" in out3, err3[-3000:]
    assert cli.returncode == 0 and cli.stdout.splitlines()[1] == str(len(pdfs))

    assert len(counts) >= 5 and counts == sorted(counts) and counts[-1] <= len(pdfs)
    assert max(latencies) < 10, latencies
    # nothing duplicated or half-written: one row per document, every sentence unique
    assert query(wh, "SELECT count(*), count(DISTINCT document_id) FROM documents")[1] == [(len(pdfs), len(pdfs))]
    assert query(wh, "SELECT count(*) = count(DISTINCT sentence_id) FROM findings")[1] == [(True,)]
    assert [r[0] for r in query(wh, "SELECT status FROM runs ORDER BY started_at")[1]] == ["completed", "completed"]
