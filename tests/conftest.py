"""Shared fixtures. Prefect's ephemeral server takes ~15 s to start, so one
`prefect_test_harness` serves the whole session; unit tests call task functions directly."""
from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import pytest

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SEEDS = SHARED / "corpus" / "seeds"
ILACS = SHARED / "corpus" / "ilacs"
SAMPLE = ROOT / "corpus" / "sample"


def pytest_collection_modifyitems(config, items):
    if SHARED.exists():
        return
    skip = pytest.mark.skip(reason=f"needs the shared corpus at {SHARED}")
    for item in items:
        if "shared" in item.keywords:
            item.add_marker(skip)


def stop_process_group(proc: subprocess.Popen, sig: int, wait: float) -> None:
    """Send `sig` to a child started with start_new_session=True and its whole group
    (pool workers, Prefect's server); SIGKILL the group if it outlives `wait` seconds."""
    os.killpg(proc.pid, sig)
    try:
        proc.wait(wait)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


@pytest.fixture(scope="session")
def prefect_harness():
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture(scope="session")
def seeds_warehouse(prefect_harness, tmp_path_factory) -> Path:
    """The five seed documents refreshed once into a warehouse, shared by read-only tests."""
    if not SEEDS.exists():
        pytest.skip(f"needs {SEEDS}")
    from findings.flows.refresh import refresh

    path = tmp_path_factory.mktemp("seeds") / "findings.duckdb"
    refresh(corpus=[str(SEEDS)], warehouse=str(path), workers=1)
    return path


@pytest.fixture(scope="session")
def prefect_server(tmp_path_factory):
    """A real `prefect server start` on a free loopback port (time-boxed), for tests that run
    `findings` in subprocesses: each subprocess then talks to it (a few seconds) instead of
    starting its own ephemeral server (~15 s). Yields the environment for those subprocesses."""
    import socket
    import sys
    import time
    import urllib.request

    home = tmp_path_factory.mktemp("prefect-home")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/api"
    env = {**os.environ, "PREFECT_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           "PREFECT_SERVER_UI_ENABLED": "false", "PREFECT_API_URL": url, "PREFECT_LOGGING_LEVEL": "WARNING"}
    env.pop("PREFECT_PROFILE", None)
    log = (home / "server.log").open("wb")
    prefect = Path(sys.executable).parent / "prefect"
    proc = subprocess.Popen([str(prefect), "server", "start", "--host", "127.0.0.1", "--port", str(port), "--no-ui"],
                            env={**env, "PREFECT_API_URL": ""}, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    deadline = time.monotonic() + 90
    try:
        while True:
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"prefect server did not start in 90 s: {(home / 'server.log').read_text(errors='replace')[-2000:]}")
            time.sleep(0.5)
        yield {"PREFECT_API_URL": url, "PREFECT_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
               "PREFECT_LOGGING_LEVEL": "WARNING"}
    finally:
        if proc.poll() is None:
            stop_process_group(proc, signal.SIGTERM, 15)
        log.close()
