"""Shared fixtures. Prefect's ephemeral server takes ~15 s to start, so one
`prefect_test_harness` serves the whole session; unit tests call task functions directly."""
from __future__ import annotations

import os
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
