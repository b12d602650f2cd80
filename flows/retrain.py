"""The retrain flow: labels -> train -> evaluate on the fixed test split -> register a
versioned model with its card -> promote unless worse -> re-tag the warehouse from stored
sentences (no document is re-read)."""
from __future__ import annotations

import time
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NONE

from findings.models import train as training
from findings.models.labels import Label, project_labels
from findings.warehouse import db
from findings.warehouse.labels import imported_labels, sync_project_labels

from .locking import refresh_lock
from .worker import tag_chunks, tagger_version


@task(cache_policy=NONE)
def gather_labels(warehouse: Path | None) -> list[Label]:
    """The project's labels plus those imported into the warehouse (newer wins per id)."""
    labels = {l.id: l for l in project_labels()}
    if warehouse and Path(warehouse).exists():
        for label in imported_labels(warehouse):
            labels[label.id] = label
    return list(labels.values())


@task(cache_policy=NONE)
def train_and_register(labels: list[Label], force: bool, cv: bool = True) -> dict:
    train, test = training.split(labels)
    version = training.next_version()
    started = time.perf_counter()
    model, info = training.fit(train, version)
    seconds = time.perf_counter() - started
    metrics = training.evaluate(model, test)
    folds = training.cross_validate(train) if cv else None
    folder = training.register(model, training.card_for(train, test, info, metrics, seconds, folds))
    promoted, message = training.promote(version, metrics, test, force=force)
    return {"version": version, "folder": str(folder), "metrics": metrics, "promoted": promoted, "message": message,
            "train": len(train), "test": len(test), "seconds": round(seconds, 1)}


@task(cache_policy=NONE)
def retag_warehouse(warehouse: Path) -> int:
    """Re-tag under the refresh lock (queued behind a running refresh), the file held per
    batch only (each batch keeps its sentences' labels), then load the project's labels if
    their files changed since the last refresh."""
    with refresh_lock(warehouse, wait=900), tag_chunks() as tag:
        n = db.retag(warehouse, tagger_version(), tag)
        with db.open_writer(warehouse, migrate_schema=False) as con:
            sync_project_labels(con)
    return n


@flow(name="retrain")
def retrain(warehouse: str | None = None, force: bool = False, cv: bool = True) -> dict:
    log = get_run_logger()
    wh = Path(warehouse) if warehouse else db.default_path()
    labels = gather_labels(wh)
    result = train_and_register(labels, force, cv)
    log.info(result["message"])
    result["retagged"] = retag_warehouse(wh) if result["promoted"] and wh.exists() else 0
    return result
