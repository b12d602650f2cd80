"""Nothing outlives a killed run: `findings refresh` (a real subprocess, with Prefect's
temporary server, a process pool and its resource tracker) killed with SIGKILL mid-run
leaves no process behind, and the next refresh finishes its work and leaves none either."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from findings.warehouse.db import query

from .conftest import SAMPLE

FINDINGS = Path(sys.executable).parent / "findings"


def _corpus(folder: Path, n: int = 20) -> None:
    folder.mkdir()
    text = (SAMPLE / "northshire-commissioner-note-2022-06-01.txt").read_text(encoding="utf-8")
    for i in range(n):
        (folder / f"note-{i:02d}.txt").write_text(f"Improvement note {i}\n\n{text}", encoding="utf-8")


def _living(snapshot: list[tuple[int, float]]) -> list[str]:
    """Processes of the snapshot still running (the same process: pid and start time)."""
    out = []
    for pid, started in snapshot:
        try:
            proc = psutil.Process(pid)
            if proc.create_time() == started and proc.status() != psutil.STATUS_ZOMBIE:
                out.append(f"{pid}: {' '.join(proc.cmdline())[:120]}")
        except psutil.NoSuchProcess:
            pass
    return out


def _in_folder(folder: Path) -> list[str]:
    """Running processes whose working directory is `folder` (every process a run starts
    inherits it)."""
    out = []
    for proc in psutil.process_iter(["pid", "cwd", "cmdline", "status"]):
        if proc.info["cwd"] == str(folder) and proc.info["status"] != psutil.STATUS_ZOMBIE:
            out.append(f"{proc.info['pid']}: {' '.join(proc.info['cmdline'] or [])[:120]}")
    return out


@pytest.mark.slow
def test_sigkill_leaves_no_process_and_the_next_refresh_leaves_none(tmp_path):
    _corpus(tmp_path / "notes")
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    env = {**os.environ, "PREFECT_API_URL": "", "PREFECT_HOME": str(tmp_path / "prefect"), "COLUMNS": "120"}
    command = [str(FINDINGS), "refresh", "--corpus", str(tmp_path / "notes"), "--warehouse", str(tmp_path / "w.duckdb"),
               "--workers", "2"]
    proc = subprocess.Popen(command, cwd=run_dir, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    snapshot: list[tuple[int, float]] = []
    try:
        deadline = time.monotonic() + 180
        while True:   # until Prefect's temporary server and the pool's workers run
            kids = psutil.Process(proc.pid).children(recursive=True)
            commands = [" ".join(k.cmdline()) for k in kids if k.is_running()]
            if any("uvicorn" in c for c in commands) and any("spawn_main" in c for c in commands):
                break
            assert proc.poll() is None, "the refresh ended before it could be killed"
            assert time.monotonic() < deadline, f"no server and workers after 180 s: {commands}"
            time.sleep(0.05)
        snapshot = [(k.pid, k.create_time()) for k in kids]
        os.kill(proc.pid, signal.SIGKILL)          # the command itself, as `kill -9` does
        proc.wait()
        deadline = time.monotonic() + 15
        while _living(snapshot) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _living(snapshot), _living(snapshot)
        assert not _in_folder(run_dir), _in_folder(run_dir)
    finally:  # whatever failed, leave nothing of this test running
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
        for entry in _living(snapshot):
            os.kill(int(entry.split(":")[0]), signal.SIGKILL)
    assert query(tmp_path / "w.duckdb", "SELECT status FROM runs")[1] == [("running",)]

    resumed = subprocess.run(command, cwd=run_dir, env=env, capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert "finished the work of 1 interrupted refresh(es)" in resumed.stdout
    assert query(tmp_path / "w.duckdb", "SELECT count(*) FROM documents WHERE status = 'loaded'")[1] == [(20,)]
    time.sleep(0.5)
    assert not _in_folder(run_dir), _in_folder(run_dir)
