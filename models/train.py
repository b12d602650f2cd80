"""Train, evaluate, register and promote the classifier. Used by the retrain flow and by
`findings evaluate`."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np
import yaml
from findings.rules.tagger import CORE_THEMES, default_tagger

from . import registry, scoring
from .classifier import ThemeModel
from .features import Context
from .labels import SPLIT_FILE, Label, authority_of, data_hash, is_test
from .tagging import Tagger


def split(labels: list[Label]) -> tuple[list[Label], list[Label]]:
    """(training labels, sealed test labels): the sealed split holds whole authorities no
    label had come from before it was drawn (split.yml)."""
    spec = yaml.safe_load(SPLIT_FILE.read_text(encoding="utf-8"))
    train = [l for l in labels if not is_test(l, spec)]
    test = [l for l in labels if is_test(l, spec)]
    return train, test


def fit(train: list[Label], version: str, params: dict | None = None) -> tuple[ThemeModel, dict]:
    texts = [l.text for l in train]
    sections = [l.section for l in train]
    rules = default_tagger()
    rule_tags = rules.tag(texts, sections)
    context = Context.of(rules, texts, rule_tags, [l.before for l in train], [l.after for l in train])
    groups = [authority_of(l) for l in train]
    return ThemeModel.train(version, texts, sections, rule_tags, [l.themes for l in train],
                            [l.sentiment for l in train], groups, params, context)


def tags_for(model: ThemeModel | None, labels: list[Label]) -> list:
    """Final tags (rules combined with the model, as the warehouse stores them) of labelled sentences."""
    return Tagger(model=model).tag([l.text for l in labels], [l.section for l in labels],
                                   [l.before for l in labels], [l.after for l in labels])


def evaluate(model: ThemeModel | None, test: list[Label]) -> dict:
    """Per-theme precision/recall/F1 of the final tags and sentiment metrics, with 90%
    bootstrap intervals, on labelled test sentences."""
    return score_tags(test, tags_for(model, test))


def score_tags(labels: list[Label], tags: list) -> dict:
    return scoring.score([l.themes for l in labels], [[t.theme for t in tag.themes] for tag in tags],
                         [l.sentiment for l in labels], [t.sentiment for t in tags],
                         [l.boilerplate for l in labels], [t.boilerplate for t in tags])


def cross_validate(labels: list[Label], folds: int = 4, params: dict | None = None, progress=None) -> dict:
    """Grouped cross-validation: folds hold out whole authorities, each scored by a model fitted
    on the others, so the figure is what an authority no label came from gets. Returns the
    out-of-fold scores of the model and of the rules alone on the same sentences."""
    from sklearn.model_selection import GroupKFold

    groups = [authority_of(l) for l in labels]
    tags: list = [None] * len(labels)
    for k, (train_idx, test_idx) in enumerate(GroupKFold(n_splits=folds).split(labels, groups=groups)):
        model, _ = fit([labels[i] for i in train_idx], f"cv{k}", params)
        for i, tag in zip(test_idx, tags_for(model, [labels[i] for i in test_idx])):
            tags[i] = tag
        if progress:
            progress(k + 1, folds)
    return {"folds": folds, "authorities": len(set(groups)), "model": score_tags(labels, tags),
            "rules": score_tags(labels, tags_for(None, labels))}


def score(metrics: dict) -> float:
    """One number to compare models for promotion: theme and sentiment macro-F1 together."""
    return (metrics["macro_f1_all"] + metrics["sentiment"]["macro_f1"]) / 2


def next_version(models_dir: Path | None = None) -> str:
    """The next version number after every one on record, shipped or in `models_dir`."""
    roots = [r for r in (registry.REGISTRY, Path(models_dir) if models_dir else None) if r is not None and r.exists()]
    existing = sorted(p.name for r in roots for p in r.glob("m*") if p.is_dir())
    n = int(existing[-1][1:4]) + 1 if existing else 1
    return f"m{n:03d}-{datetime.now():%Y%m%d}"


def register(model: ThemeModel, card: dict, models_dir: Path | None = None) -> Path:
    """Save a new version with its card and weight digests in `models_dir` (a warehouse's
    models folder; None: the shipped registry, for the project's own releases); a registered
    version is never rewritten."""
    folder = (Path(models_dir) if models_dir else registry.REGISTRY) / model.version
    if folder.exists() or (registry.REGISTRY / model.version).exists():
        raise FileExistsError(f"{folder} is registered already; a registered model is never rewritten.")
    model.save(folder, card)
    registry.write_digests(folder)
    return folder


COUNT_CHANGE = 0.10  # the most a theme's warehouse count may move, as a share of its count now


def gate(old: dict | None, new: dict, changes: dict | None) -> list[str]:
    """Why a new model must not replace the current one (empty: it may), per theme:
    - a core theme's F1 falls by more than the half-width of the current model's 90% interval for it;
    - a theme's count in the warehouse moves by more than 10% (of its count now; at least one sentence).
    `old`, `new`: sealed-split metrics (`evaluate`); `changes`: `warehouse.db.tag_changes`."""
    reasons = []
    if old is not None:
        for theme in CORE_THEMES:
            o, n = old["themes"][theme], new["themes"][theme]
            lo, hi = o.get("f1_ci", [o["f1"], o["f1"]])
            margin = (hi - lo) / 2
            if n["f1"] + 1e-9 < o["f1"] - margin:
                reasons.append(f"{theme} F1 {n['f1']:.3f} < {o['f1']:.3f} - {margin:.3f} (its interval)")
    for theme, c in ((changes or {}).get("themes") or {}).items():
        if abs(c["after"] - c["before"]) > max(COUNT_CHANGE * c["before"], 1):
            reasons.append(f"{theme} moves from {c['before']} to {c['after']} sentences in the warehouse (more than 10%)")
    return reasons


def current_metrics(models_dir: Path | None, test: list[Label]) -> dict | None:
    """The current model of a warehouse re-scored on today's test split (labels may have been
    added since its card was written); a model this code can no longer load is judged by its card."""
    folder = registry.chosen_folder(models_dir)
    if folder is None:
        return None
    try:
        model = registry.load(folder)
    except (OSError, ValueError, KeyError, TypeError):
        return registry.card(folder)["metrics"]
    return evaluate(model, test)


def card_for(labels_train: list[Label], labels_test: list[Label], info: dict, metrics: dict, seconds: float,
             cv: dict | None = None) -> dict:
    """`metrics`: the sealed split; `cv`: grouped cross-validation on the training labels
    (`cv_data_hash` says which)."""
    return {"date": datetime.now().isoformat(timespec="seconds"), "data_hash": data_hash(labels_train + labels_test),
            "train_sentences": len(labels_train), "test_sentences": len(labels_test), "params": info["params"],
            "validation_f1": info["validation_f1"], "metrics": metrics, "train_seconds": round(seconds, 1),
            "cv": cv, "cv_data_hash": data_hash(labels_train) if cv else None}
