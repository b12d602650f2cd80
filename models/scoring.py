"""Scores of tags against labels, with 90% bootstrap intervals: per theme precision, recall
and F1, macro-F1 over the core and over all themes, and sentiment macro-F1, accuracy,
kappa and per-class F1. One function scores the model, the rules alone, a cross-validation's
out-of-fold tags and a second annotator alike, so every figure is comparable."""
from __future__ import annotations

import numpy as np
from sklearn.metrics import cohen_kappa_score

from findings.rules.tagger import CORE_THEMES, SENTIMENTS, THEMES

BOOTSTRAP = 1000  # resamples of sentences
LEVEL = 0.90


def _f1(y: np.ndarray, p: np.ndarray) -> np.ndarray:
    """F1 along the last axis; 1.0 where neither gold nor prediction has a positive."""
    tp = (y & p).sum(-1)
    denom = y.sum(-1) + p.sum(-1)
    return np.where(denom == 0, 1.0, 2 * tp / np.maximum(denom, 1))


def _interval(samples: np.ndarray) -> list[float]:
    lo, hi = np.quantile(samples, [(1 - LEVEL) / 2, (1 + LEVEL) / 2])
    return [round(float(lo), 3), round(float(hi), 3)]


def score(gold_themes: list[list[str]], pred_themes: list[list[str]], gold_sentiment: list[str],
          pred_sentiment: list[str], gold_boilerplate=None, pred_boilerplate=None, seed: int = 0) -> dict:
    n = len(gold_themes)
    Y = np.array([[t in g for t in THEMES] for g in gold_themes], dtype=bool).reshape(n, len(THEMES)).T
    P = np.array([[t in p for t in THEMES] for p in pred_themes], dtype=bool).reshape(n, len(THEMES)).T
    gs = np.array([SENTIMENTS.index(s) for s in gold_sentiment])
    ps = np.array([SENTIMENTS.index(s) for s in pred_sentiment])
    idx = np.random.default_rng(seed).integers(0, n, size=(BOOTSTRAP, n)) if n else np.zeros((BOOTSTRAP, 0), int)
    out: dict = {"n": n, "themes": {}}
    core = [THEMES.index(t) for t in CORE_THEMES]
    theme_f1 = _f1(Y, P)
    boot_f1 = np.stack([_f1(Y[k][idx], P[k][idx]) for k in range(len(THEMES))])  # (themes, resamples)
    for k, theme in enumerate(THEMES):
        tp, npred, ngold = int((Y[k] & P[k]).sum()), int(P[k].sum()), int(Y[k].sum())
        out["themes"][theme] = {"precision": round(tp / npred, 3) if npred else 0.0, "recall": round(tp / ngold, 3) if ngold else 0.0,
                                "f1": round(float(theme_f1[k]), 3) if ngold or npred else 0.0, "support": ngold,
                                "f1_ci": _interval(boot_f1[k])}
    f1s = np.array([out["themes"][t]["f1"] for t in THEMES])
    out["macro_f1_core"] = round(float(f1s[core].mean()), 3)
    out["macro_f1_all"] = round(float(f1s.mean()), 3)
    out["macro_f1_core_ci"] = _interval(boot_f1[core].mean(0))
    out["macro_f1_all_ci"] = _interval(boot_f1.mean(0))
    # Sentiment: per-class F1 as one-vs-rest on the class labels
    cls_f1 = np.array([_f1(gs == c, ps == c) for c in range(len(SENTIMENTS))])
    boot_cls = np.stack([_f1((gs == c)[idx], (ps == c)[idx]) for c in range(len(SENTIMENTS))])
    present = [(gs == c).any() or (ps == c).any() for c in range(len(SENTIMENTS))]
    cls_f1 = np.where(present, cls_f1, 0.0)
    out["sentiment"] = {
        "macro_f1": round(float(cls_f1.mean()), 3),
        "macro_f1_ci": _interval(boot_cls.mean(0)),
        "accuracy": round(float((gs == ps).mean()), 3) if n else 0.0,
        "accuracy_ci": _interval((gs[idx] == ps[idx]).mean(1)),
        "kappa": round(float(cohen_kappa_score(gs, ps, labels=list(range(len(SENTIMENTS))))), 3) if n else 0.0,
        "per_class_f1": {s: round(float(cls_f1[c]), 3) for c, s in enumerate(SENTIMENTS)},
        "per_class_f1_ci": {s: _interval(boot_cls[c]) for c, s in enumerate(SENTIMENTS)},
        "support": {s: int((gs == c).sum()) for c, s in enumerate(SENTIMENTS)},
    }
    if gold_boilerplate is not None:
        out["boilerplate_f1"] = round(float(_f1(np.array(gold_boilerplate, bool), np.array(pred_boilerplate, bool))), 3)
    return out
