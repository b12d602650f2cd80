"""The theme and sentiment classifier (scikit-learn).

Features (features.py): word and character n-grams of the sentence, its section heading, and
what the rules saw. Themes: one logistic regression per theme, Platt-calibrated on
out-of-fold scores (folds grouped by document) with a threshold chosen on the same
calibrated out-of-fold probabilities. Sentiment: one multinomial logistic regression over
the 4 classes (it beat one-vs-rest on the rare mixed class).

Saved without pickle, so loading a model file cannot run code: the numbers as plain numpy
arrays (model.npz, read with allow_pickle=False), the estimators' parameters and class labels
as JSON (model.json), the vocabularies as JSON (vocabularies.json). Loading rebuilds the
scikit-learn estimators from them; it imports only what prediction needs, where skops
imported all of scikit-learn to check types (1.5 s in every tagging process).
"""
from __future__ import annotations

import json
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

from findings.rules.tagger import THEMES

from .features import Features

ARRAYS_FILE = "model.npz"
STATE_FILE = "model.json"
VOCABULARY_FILE = "vocabularies.json"
CARD_FILE = "card.json"
PARAMS = {"C_theme": 4.0, "C_sentiment": 2.0, "word_ngrams": [1, 2], "char_ngrams": [3, 5], "min_df": 2,
          "max_char_features": 30000, "cv_folds": 3}


@dataclass
class Prediction:
    themes: list[str]
    probabilities: dict[str, float]
    sentiment: str
    sentiment_score: float


class ThemeModel:
    def __init__(self, version: str, features: Features, theme_models: dict, thresholds: dict[str, float], sentiment_model):
        self.version = version
        self.features = features
        self.theme_models = theme_models          # theme -> calibrated classifier (or None: too few labels)
        self.thresholds = thresholds
        self.sentiment_model = sentiment_model

    # --- training ---------------------------------------------------------------------
    @classmethod
    def train(cls, version: str, texts, sections, rule_tags, themes: list[list[str]], sentiments: list[str],
              groups: list[str], params: dict | None = None) -> tuple["ThemeModel", dict]:
        params = {**PARAMS, **(params or {})}
        features = Features(params).fit(texts, sections)
        X = features.transform(texts, sections, rule_tags)
        folds = list(GroupKFold(n_splits=min(params["cv_folds"], len(set(groups)))).split(X, groups=groups))
        # The 11 theme models and the sentiment model are independent; liblinear and lbfgs
        # release the GIL, so threads fit them on every core (retraining on 10k labels in
        # under a minute).
        with ThreadPoolExecutor(os.cpu_count() or 1) as pool:
            sentiment = pool.submit(LogisticRegression(C=params["C_sentiment"], class_weight="balanced", max_iter=3000).fit,
                                    X, np.array(sentiments))
            fitted = dict(zip(THEMES, pool.map(
                lambda theme: _fit_theme(X, np.array([theme in t for t in themes], dtype=int), folds, params["C_theme"]),
                THEMES)))
            sentiment_model = sentiment.result()
        theme_models = {theme: f[0] for theme, f in fitted.items()}
        thresholds = {theme: f[1] for theme, f in fitted.items()}
        validation = {theme: f[2] for theme, f in fitted.items() if f[0] is not None}
        return cls(version, features, theme_models, thresholds, sentiment_model), {"validation_f1": validation, "params": params}

    # --- prediction -------------------------------------------------------------------
    def theme_probabilities(self, X) -> dict[str, np.ndarray]:
        out = {}
        for theme, m in self.theme_models.items():
            if m is None:
                out[theme] = np.zeros(X.shape[0])
            else:
                out[theme] = m["calibration"].predict_proba(m["model"].decision_function(X).reshape(-1, 1))[:, 1]
        return out

    def predict(self, texts, sections, rule_tags) -> list[Prediction]:
        X = self.features.transform(texts, sections, rule_tags)
        probs = self.theme_probabilities(X)
        sent = self.sentiment_model.predict_proba(X)
        classes = list(self.sentiment_model.classes_)
        pos, neg = classes.index("positive"), classes.index("negative")
        out = []
        for i in range(len(texts)):
            p = {t: float(probs[t][i]) for t in THEMES}
            k = int(sent[i].argmax())
            out.append(Prediction([t for t in THEMES if p[t] >= self.thresholds[t]], p, classes[k],
                                  round(float(sent[i][pos] - sent[i][neg]), 3)))
        return out

    # --- persistence ------------------------------------------------------------------
    def save(self, folder: Path, card: dict) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        arrays = {f"idf/{name}": idf for name, idf in self.features.idfs().items()}
        state = {"themes": {theme: None if m is None else {part: _lr_state(m[part], arrays, f"{theme}/{part}")
                                                           for part in ("model", "calibration")}
                            for theme, m in self.theme_models.items()},
                 "sentiment": _lr_state(self.sentiment_model, arrays, "sentiment")}
        np.savez_compressed(folder / ARRAYS_FILE, **arrays)
        (folder / STATE_FILE).write_text(json.dumps(state, indent=1), encoding="utf-8")
        (folder / VOCABULARY_FILE).write_text(json.dumps(self.features.vocabularies(), ensure_ascii=False), encoding="utf-8")
        (folder / CARD_FILE).write_text(json.dumps({**card, "version": self.version, "thresholds": self.thresholds},
                                                   indent=1, sort_keys=True), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> "ThemeModel":
        folder = Path(folder)
        if not (folder / ARRAYS_FILE).exists():
            raise FileNotFoundError(f"no model file at {folder / ARRAYS_FILE}: run `findings retrain` or fix models/current.json.")
        card = json.loads((folder / CARD_FILE).read_text(encoding="utf-8"))
        state = json.loads((folder / STATE_FILE).read_text(encoding="utf-8"))
        vocabularies = json.loads((folder / VOCABULARY_FILE).read_text(encoding="utf-8"))
        with np.load(folder / ARRAYS_FILE, allow_pickle=False) as npz:  # plain numbers only: no object arrays
            arrays = dict(npz)
        features = Features.restore(card.get("params", PARAMS), vocabularies,
                                    {name: arrays[f"idf/{name}"] for name in vocabularies})
        themes = {theme: None if m is None else {part: _lr(m[part], arrays, f"{theme}/{part}") for part in m}
                  for theme, m in state["themes"].items()}
        return cls(card["version"], features, themes, card["thresholds"], _lr(state["sentiment"], arrays, "sentiment"))


def _lr_state(model: LogisticRegression, arrays: dict, key: str) -> dict:
    arrays[f"{key}/coef"], arrays[f"{key}/intercept"] = model.coef_, model.intercept_
    return {"params": model.get_params(), "classes": model.classes_.tolist()}


def _lr(state: dict, arrays: dict, key: str) -> LogisticRegression:
    """A fitted LogisticRegression from its parameters, classes and weights."""
    model = LogisticRegression(**state["params"])
    model.coef_, model.intercept_ = arrays[f"{key}/coef"], arrays[f"{key}/intercept"]
    model.classes_ = np.array(state["classes"])
    model.n_features_in_ = model.coef_.shape[1]
    return model


def _fit_theme(X, y: np.ndarray, folds: list, C: float) -> tuple[dict | None, float, float | None]:
    """One theme's calibrated model, its threshold and its out-of-fold F1 at that threshold;
    no model for a theme with fewer than 5 positives or negatives."""
    if y.sum() < 5 or (len(y) - y.sum()) < 5:
        return None, 1.0, None
    # dual liblinear: fast when features outnumber sentences, as here
    make = lambda: LogisticRegression(C=C, class_weight="balanced", solver="liblinear", dual=True)
    # Out-of-fold scores (grouped by document) serve twice: to fit the Platt calibration
    # of the final model and to choose the theme's threshold.
    oof = np.zeros(len(y))
    for train_idx, val_idx in folds:
        if y[train_idx].min() == y[train_idx].max():
            continue
        oof[val_idx] = make().fit(X[train_idx], y[train_idx]).decision_function(X[val_idx])
    platt = LogisticRegression(C=1e4).fit(oof.reshape(-1, 1), y)
    threshold, f1 = _best_threshold(y, platt.predict_proba(oof.reshape(-1, 1))[:, 1])
    return {"model": make().fit(X, y), "calibration": platt}, threshold, f1


def _best_threshold(y: np.ndarray, scores: np.ndarray) -> tuple[float, float]:
    best_t, best_f1 = 0.5, -1.0
    for t in np.arange(0.1, 0.91, 0.025):
        pred = scores >= t
        tp = float((pred & (y == 1)).sum())
        f1 = 2 * tp / max(1.0, pred.sum() + y.sum())
        if f1 > best_f1 + 1e-9:
            best_t, best_f1 = float(round(t, 3)), f1
    return best_t, round(best_f1, 4)
