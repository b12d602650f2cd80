"""`findings serve`: the refresh flow as a Prefect deployment (`refresh/findings-refresh`)
on a cron schedule, served from this process until it is stopped (Ctrl-C).

Runs come from the schedule, or on demand from the UI, `prefect deployment run
refresh/findings-refresh` or `prefect.deployments.run_deployment`. Each run shows one task
per document and publishes a `refresh-summary` markdown artifact.
"""
from __future__ import annotations

from pathlib import Path

from findings.corpus.settings import SAMPLE_CORPUS

DEPLOYMENT = "findings-refresh"
DEFAULT_CRON = "0 6 * * 1"


def parameters(corpus: list[str] | None = None, manifest: str | None = None, warehouse: str | None = None,
               cache: str | None = None, workers: int | None = None, wait: float | None = None) -> dict:
    """Flow parameters with absolute paths (runs execute in a process of their own)."""
    params: dict = {}
    if corpus:
        params["corpus"] = [str(Path(p).resolve()) for p in corpus]
    for key, value in (("manifest", manifest), ("warehouse", warehouse), ("cache", cache)):
        if value:
            params[key] = str(Path(value).resolve())
    if workers:
        params["workers"] = workers
    if wait:
        params["wait"] = wait
    if not corpus and not manifest:
        params["corpus"] = [str(SAMPLE_CORPUS)]
    return params


def deployment(cron: str = DEFAULT_CRON, name: str = DEPLOYMENT, **kw):
    from prefect.deployments.runner import EntrypointType

    from .refresh import refresh

    # By module path, not file path: runs (and their spawned worker processes) import
    # findings.flows.refresh as a package module wherever the server runs them from.
    return refresh.to_deployment(
        name=name, cron=cron, parameters=parameters(**kw), tags=["findings"],
        entrypoint_type=EntrypointType.MODULE_PATH,
        description="Scheduled corpus refresh: new and changed documents become tagged sentences in the warehouse.")


def serve(cron: str = DEFAULT_CRON, name: str = DEPLOYMENT, **kw) -> int:
    from prefect import serve as prefect_serve

    dep = deployment(cron=cron, name=name, **kw)
    print(f"serving deployment refresh/{name} on schedule {cron!r} with parameters {dep.parameters}; Ctrl-C to stop",
          flush=True)
    prefect_serve(dep)
    return 0
