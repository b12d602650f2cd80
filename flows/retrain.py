"""The retrain flow: labels -> train -> evaluate on the sealed split -> register a versioned
model with its card in the warehouse's models folder -> show what it changes (per theme and
sentiment class: both models' sealed-split F1 and how many warehouse sentences would gain or
lose the tag, printed and as a Prefect markdown artifact) -> promote for that warehouse unless
the gate refuses it -> re-tag the warehouse from stored sentences (no document is re-read).

Models a user trains live beside the warehouse (`corpus.settings.models_dir`), never in the
package or the checkout; the shipped model is read-only package data.

The gate (models.train.gate), per theme: a model is refused if it lowers any core theme's F1 by more than the half-width of the current model's
90% interval for it, or moves any theme's count in the warehouse by more than 10%. Then:
- `--force` promotes the model this run trains whatever the gate says (in the same run: it is
  not trained again);
- `--accept` trains nothing: it promotes the last version the gate refused for this warehouse,
  if it was trained on exactly today's labels (its card's data hash), after you have read what
  it changes;
- `findings models use VERSION` switches to any version with weights (and back).
"""
from __future__ import annotations

import json
import time
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NONE

from findings.corpus.settings import models_dir
from findings.models import registry
from findings.models import train as training
from findings.models.labels import Label, data_hash, project_labels
from findings.rules.tagger import CORE_THEMES, SENTIMENTS, THEMES
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
def train_and_register(labels: list[Label], cv: bool = True, models: Path | None = None) -> dict:
    """Fit on the training labels, score the new and the current model on the sealed split,
    register the new version in `models` (the warehouse's models folder)."""
    train, test = training.split(labels)
    version = training.next_version(models)
    started = time.perf_counter()
    model, info = training.fit(train, version)
    seconds = time.perf_counter() - started
    metrics = training.evaluate(model, test)
    folds = training.cross_validate(train) if cv else None
    card = training.card_for(train, test, info, metrics, seconds, folds)
    folder = training.register(model, card, models)
    return {"version": version, "folder": str(folder), "metrics": metrics, "train": len(train), "test": len(test),
            "seconds": round(seconds, 1), "data_hash": card["data_hash"], "current": registry.chosen_version(models),
            "current_metrics": training.current_metrics(models, test)}


@task(cache_policy=NONE)
def warehouse_changes(warehouse: Path, folder: str) -> dict | None:
    """How re-tagging the warehouse's stored sentences with the model in `folder` would change
    each theme's and sentiment class's count (nothing is written)."""
    if not Path(warehouse).exists():
        return None
    with tag_chunks(model=folder) as tag:
        return db.tag_changes(warehouse, tag)


def comparison_markdown(result: dict, changes: dict | None) -> str:
    """Per theme and sentiment class: both models' sealed-split F1 (with the current one's 90%
    interval) and the warehouse sentences that would gain or lose the tag."""
    old, new = result.get("current_metrics"), result["metrics"]
    cur, ver = result.get("current") or "none", result["version"]
    lines = [f"### {ver} against the current {cur}", "",
             f"Sealed split ({result['test']} sentences); warehouse: "
             + (f"{changes['sentences']} stored sentences re-tagged in memory (labelled ones keep their labels)" if changes else "none"),
             "", f"| theme / sentiment | core | F1 {cur} (90% interval) | F1 {ver} | sentences now | gain | lose | after | change |",
             "|---|---|---|---|---|---|---|---|---|"]

    def row(name: str, core: str, o: dict | None, n_f1: float, c: dict | None) -> str:
        old_f1 = f"{o['f1']:.3f} [{o['ci'][0]:.3f}, {o['ci'][1]:.3f}]" if o else "-"
        if c:
            move = c["after"] - c["before"]
            share = f"{move / c['before']:+.1%}" if c["before"] else ("+new" if move else "0")
            counts = f"{c['before']} | +{c['gained']} | -{c['lost']} | {c['after']} | {share}"
        else:
            counts = "- | - | - | - | -"
        return f"| {name} | {core} | {old_f1} | {n_f1:.3f} | {counts} |"

    for theme in THEMES:
        o = {"f1": old["themes"][theme]["f1"], "ci": old["themes"][theme]["f1_ci"]} if old else None
        lines.append(row(theme, "core" if theme in CORE_THEMES else "", o, new["themes"][theme]["f1"],
                         changes["themes"].get(theme) if changes else None))
    for s in SENTIMENTS:
        o = ({"f1": old["sentiment"]["per_class_f1"][s], "ci": old["sentiment"]["per_class_f1_ci"][s]} if old else None)
        lines.append(row(f"sentiment: {s}", "", o, new["sentiment"]["per_class_f1"][s],
                         changes["sentiment"].get(s) if changes else None))
    if old:
        lines += ["", f"Macro-F1: core {old['macro_f1_core']:.3f} -> {new['macro_f1_core']:.3f}, all themes "
                  f"{old['macro_f1_all']:.3f} -> {new['macro_f1_all']:.3f}, sentiment "
                  f"{old['sentiment']['macro_f1']:.3f} -> {new['sentiment']['macro_f1']:.3f}"]
    return "\n".join(lines) + "\n"


@task(cache_policy=NONE)
def decide(result: dict, changes: dict | None, force: bool, models: Path) -> tuple[bool, str]:
    """Promote the new version for this warehouse unless the gate refuses it (and not --force);
    a refused version is kept, with why, for `--accept` or `findings models use`."""
    version = result["version"]
    reasons = training.gate(result.get("current_metrics"), result["metrics"], changes)
    if reasons and not force:
        (Path(result["folder"]) / registry.REFUSED).write_text(
            json.dumps({"reasons": reasons, "data_hash": result["data_hash"], "current": result.get("current")}, indent=1) + "\n",
            encoding="utf-8")
        return False, (f"kept {result.get('current')}: {version} " + "; ".join(reasons)
                       + f" (`findings retrain --accept` or `findings models use {version}` promotes it)")
    registry.choose(models, version)
    was = f" (was {result['current']})" if result.get("current") else ""
    return True, f"promoted {version}{was}" + (" despite the gate (--force): " + "; ".join(reasons) if reasons else "")


def last_refused(models: Path, labels: list[Label]) -> tuple[str | None, str]:
    """The last version the gate refused for this warehouse if it was trained on exactly these
    labels, else None, and why not."""
    refused = [v for v in registry.versions(models) if v["where"] == "trained" and v["refused"]]
    if not refused:
        return None, f"no refused model in {models} to accept: run `findings retrain` first"
    last = refused[-1]
    if last["version"] == registry.chosen_version(models):
        return None, f"{last['version']} tags this warehouse already"
    if last["card"].get("data_hash") != data_hash(labels):
        return None, (f"{last['version']} was trained on other labels than today's (data hash {last['card'].get('data_hash')} "
                      f"!= {data_hash(labels)}): run `findings retrain` to train on them")
    return last["version"], ""


def retag_with(warehouse: Path, model: str | Path | None) -> int:
    """Re-tag the warehouse's stale sentences with the model in folder `model` under the refresh
    lock (queued behind a running refresh), the file held per batch only (each batch keeps its
    sentences' labels), then load the project's labels if their files changed since the last
    refresh. `findings models use` re-tags through here too."""
    with refresh_lock(warehouse, wait=900), tag_chunks(model=model) as tag:
        n = db.retag(warehouse, tagger_version(model), tag)
        with db.open_writer(warehouse, migrate_schema=False) as con:
            sync_project_labels(con)
    return n


@task(cache_policy=NONE)
def retag_warehouse(warehouse: Path, model: str | Path | None = None) -> int:
    return retag_with(warehouse, model)


@flow(name="retrain")
def retrain(warehouse: str | None = None, force: bool = False, cv: bool = True, accept: bool = False,
            echo: bool = False) -> dict:
    """`echo`: print the comparison before promoting (the CLI)."""
    log = get_run_logger()
    wh = Path(warehouse) if warehouse else db.default_path()
    models = models_dir(wh)
    labels = gather_labels(wh)
    if accept:
        version, why = last_refused(models, labels)
        if version is None:
            return {"version": None, "promoted": False, "message": why, "retagged": 0, "accepted": False}
        current = registry.chosen_version(models)
        folder = registry.choose(models, version)
        message = f"promoted {version} (accepted; was {current})"
        log.info(message)
        retagged = retag_warehouse(wh, folder) if wh.exists() else 0
        return {"version": version, "promoted": True, "message": message, "retagged": retagged, "accepted": True}
    result = train_and_register(labels, cv, models)
    changes = warehouse_changes(wh, result["folder"])
    report = comparison_markdown(result, changes)
    if echo:
        print(report, flush=True)
    create_markdown_artifact(markdown=report, key="retrain-comparison",
                             description=f"{result['version']} against {result.get('current')}")
    result["changes"] = changes
    result["promoted"], result["message"] = decide(result, changes, force, models)
    log.info(result["message"])
    result["retagged"] = retag_warehouse(wh, result["folder"]) if result["promoted"] and wh.exists() else 0
    result["accepted"] = False
    return result
