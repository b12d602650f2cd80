"""Train, evaluate, register and promote the classifier. Used by the retrain flow and by
`findings evaluate`."""
from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import numpy as np
import yaml
from sklearn.metrics import cohen_kappa_score, f1_score, precision_recall_fscore_support

from findings.rules.tagger import CORE_THEMES, SENTIMENTS, THEMES, default_tagger

from . import registry
from .classifier import ThemeModel
from .features import Context
from .labels import SPLIT_FILE, Label, data_hash, is_test
from .tagging import Tagger


def split(labels: list[Label]) -> tuple[list[Label], list[Label]]:
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
    groups = [l.document or l.id for l in train]
    return ThemeModel.train(version, texts, sections, rule_tags, [l.themes for l in train],
                            [l.sentiment for l in train], groups, params, context)


def evaluate(model: ThemeModel | None, test: list[Label]) -> dict:
    """Per-theme precision/recall/F1 of the final tags (rules combined with the model, as
    stored in the warehouse) and sentiment metrics, on labelled test sentences."""
    tagger = Tagger(model=model)
    tags = tagger.tag([l.text for l in test], [l.section for l in test], [l.before for l in test], [l.after for l in test])
    out: dict = {"n": len(test), "themes": {}}
    for theme in THEMES:
        y = np.array([theme in l.themes for l in test])
        p = np.array([any(t.theme == theme for t in tag.themes) for tag in tags])
        prec, rec, f1, _ = precision_recall_fscore_support(y, p, average="binary", zero_division=0)
        out["themes"][theme] = {"precision": round(float(prec), 3), "recall": round(float(rec), 3),
                                "f1": round(float(f1), 3), "support": int(y.sum())}
    out["macro_f1_core"] = round(float(np.mean([out["themes"][t]["f1"] for t in CORE_THEMES])), 3)
    out["macro_f1_all"] = round(float(np.mean([out["themes"][t]["f1"] for t in THEMES])), 3)
    gold = [l.sentiment for l in test]
    pred = [t.sentiment for t in tags]
    out["sentiment"] = {
        "macro_f1": round(float(f1_score(gold, pred, labels=list(SENTIMENTS), average="macro", zero_division=0)), 3),
        "accuracy": round(float(np.mean([g == p for g, p in zip(gold, pred)])), 3),
        "kappa": round(float(cohen_kappa_score(gold, pred, labels=list(SENTIMENTS))), 3),
        "per_class_f1": dict(zip(SENTIMENTS, (round(float(v), 3) for v in
                                              f1_score(gold, pred, labels=list(SENTIMENTS), average=None, zero_division=0)))),
    }
    gold_bp = np.array([l.boilerplate for l in test])
    pred_bp = np.array([t.boilerplate for t in tags])
    out["boilerplate_f1"] = round(float(f1_score(gold_bp, pred_bp, zero_division=0)), 3)
    return out


def score(metrics: dict) -> float:
    """One number to compare models for promotion: theme and sentiment macro-F1 together."""
    return (metrics["macro_f1_all"] + metrics["sentiment"]["macro_f1"]) / 2


def next_version() -> str:
    existing = sorted(p.name for p in registry.REGISTRY.glob("m*") if p.is_dir()) if registry.REGISTRY.exists() else []
    n = int(existing[-1][1:4]) + 1 if existing else 1
    return f"m{n:03d}-{datetime.now():%Y%m%d}"


def register(model: ThemeModel, card: dict) -> Path:
    folder = registry.REGISTRY / model.version
    model.save(folder, card)
    return folder


def promote(version: str, metrics: dict, test: list[Label], force: bool = False) -> tuple[bool, str]:
    """Point models/current.json at `version` unless it is worse than the current model, both
    scored on the same test split."""
    current = registry.current_version()
    if current and not force:
        old = score(_current_metrics(current, test))
        new = score(metrics)
        if new + 1e-9 < old:
            return False, f"kept {current}: {version} scores {new:.3f} < {old:.3f} on the test split (use --force to promote anyway)"
    registry.CURRENT.write_text(json.dumps({"version": version, "promoted_at": datetime.now().isoformat(timespec="seconds")},
                                           indent=1) + "\n", encoding="utf-8")
    return True, f"promoted {version}" + (f" (was {current})" if current else "")


def _current_metrics(current: str, test: list[Label]) -> dict:
    """The current model re-scored on today's test split (labels may have been added since
    its card was written); a model this code can no longer load is judged by its card."""
    try:
        model = registry.load_current()
    except (OSError, ValueError, KeyError, TypeError):
        return json.loads((registry.REGISTRY / current / "card.json").read_text(encoding="utf-8"))["metrics"]
    return evaluate(model, test)


def card_for(labels_train: list[Label], labels_test: list[Label], info: dict, metrics: dict, seconds: float) -> dict:
    return {"date": datetime.now().isoformat(timespec="seconds"), "data_hash": data_hash(labels_train + labels_test),
            "train_sentences": len(labels_train), "test_sentences": len(labels_test), "params": info["params"],
            "validation_f1": info["validation_f1"], "metrics": metrics, "train_seconds": round(seconds, 1)}
