"""The theme and sentiment classifier (trained with scikit-learn).

Features (features.py): word and character n-grams of the sentence, its section heading,
what the rules saw, and the sentences either side of it. Themes: one logistic regression per theme, Platt-calibrated on
out-of-fold scores (folds grouped by document) with a threshold chosen on the same
calibrated out-of-fold probabilities. Sentiment: one multinomial logistic regression over
the 4 classes (it beat one-vs-rest on the rare mixed class).

A trained model is its weights: per theme a weight vector, an intercept and the two Platt
numbers; for sentiment a weight matrix and intercepts. Prediction is that arithmetic in
numpy (tests check it equals scikit-learn's predict_proba), so tagging never imports
scikit-learn. Saved without pickle, so loading a model file cannot run code: the numbers
as numpy arrays (model.npz, read with allow_pickle=False), theme and class names as JSON
(model.json), the vocabularies as JSON (vocabularies.json).
"""
from __future__ import annotations

import json
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from findings.rules.tagger import THEMES

from .features import VECTORIZERS, Context, Features

ARRAYS_FILE = "model.npz"
STATE_FILE = "model.json"
VOCABULARY_FILE = "vocabularies.json"
CARD_FILE = "card.json"
PARAMS = {"C_theme": 4.0, "C_sentiment": 2.0, "word_ngrams": [1, 2], "char_ngrams": [3, 5], "min_df": 2,
          "max_char_features": 30000, "cv_folds": 3,
          "context_weight": 0.3, "context_sentences": 2, "stance": True}


@dataclass
class Prediction:
    themes: list[str]
    probabilities: dict[str, float]
    sentiment: str
    sentiment_score: float


@dataclass
class Weights:
    """What prediction needs. Themes without a model (too few labels) are left out of
    `themes` and never predicted."""
    themes: list[str]
    theme_coef: np.ndarray          # (features, themes)
    theme_intercept: np.ndarray     # (themes,)
    platt: np.ndarray               # (themes, 2): slope and intercept on the theme's decision value
    classes: list[str]              # sentiment classes
    sentiment_coef: np.ndarray      # (classes, features)
    sentiment_intercept: np.ndarray  # (classes,)


class ThemeModel:
    def __init__(self, version: str, features: Features, weights: Weights, thresholds: dict[str, float]):
        self.version = version
        self.features = features
        self.weights = weights
        self.thresholds = thresholds

    # --- training ---------------------------------------------------------------------
    @classmethod
    def train(cls, version: str, texts, sections, rule_tags, themes: list[list[str]], sentiments: list[str],
              groups: list[str], params: dict | None = None, context: Context | None = None) -> tuple["ThemeModel", dict]:
        import warnings

        from sklearn.exceptions import ConvergenceWarning
        from sklearn.linear_model import LogisticRegression
        from sklearn.model_selection import GroupKFold

        # liblinear stops at its 1,000 iterations on the larger themes and says so once per fit
        # (hundreds of lines per retrain, from worker threads); the card's figures are those of
        # the weights it stops at, so the warning tells the user nothing they can act on.
        warnings.filterwarnings("ignore", category=ConvergenceWarning)
        params = {**PARAMS, **(params or {})}
        features = Features(params).fit(texts, sections)
        X = features.transform(texts, sections, rule_tags, context)
        folds = list(GroupKFold(n_splits=min(params["cv_folds"], len(set(groups)))).split(X, groups=groups))
        # The 11 theme models and the sentiment model are independent; liblinear and lbfgs
        # release the GIL, so threads fit them on every core (retraining on 10k labels in
        # under a minute).
        # Sentiment is the sentence's own stance: it reads no context (context columns come
        # last and get zero weights; with them, sentiment macro-F1 fell by 0.01).
        own = X.shape[1] - features.context_width()
        with ThreadPoolExecutor(os.cpu_count() or 1) as pool:
            sentiment = pool.submit(LogisticRegression(C=params["C_sentiment"], class_weight="balanced", max_iter=3000).fit,
                                    X[:, :own], np.array(sentiments))
            fitted = dict(zip(THEMES, pool.map(
                lambda theme: _fit_theme(X, np.array([theme in t for t in themes], dtype=int), folds, params["C_theme"]),
                THEMES)))
            sentiment_model = sentiment.result()
        modelled = [t for t in THEMES if fitted[t][0] is not None]
        weights = Weights(
            themes=modelled,
            theme_coef=np.column_stack([fitted[t][0][0].coef_.ravel() for t in modelled]) if modelled else np.zeros((X.shape[1], 0)),
            theme_intercept=np.array([fitted[t][0][0].intercept_[0] for t in modelled]),
            platt=np.array([[fitted[t][0][1].coef_[0, 0], fitted[t][0][1].intercept_[0]] for t in modelled]).reshape(-1, 2),
            classes=[str(c) for c in sentiment_model.classes_],
            sentiment_coef=np.pad(sentiment_model.coef_, ((0, 0), (0, X.shape[1] - own))),
            sentiment_intercept=sentiment_model.intercept_)
        thresholds = {theme: f[1] for theme, f in fitted.items()}
        validation = {theme: f[2] for theme, f in fitted.items() if f[0] is not None}
        return cls(version, features, weights, thresholds), {"validation_f1": validation, "params": params}

    # --- prediction: LogisticRegression.predict_proba's arithmetic ----------------------
    def theme_probabilities(self, X) -> dict[str, np.ndarray]:
        w = self.weights
        decision = X @ w.theme_coef + w.theme_intercept
        calibrated = 1.0 / (1.0 + np.exp(-(decision * w.platt[:, 0] + w.platt[:, 1])))
        out = {theme: np.zeros(X.shape[0]) for theme in THEMES}
        out.update({theme: calibrated[:, k] for k, theme in enumerate(w.themes)})
        return out

    def sentiment_probabilities(self, X) -> np.ndarray:
        """Softmax of the multinomial decision values, one column per class."""
        z = np.asarray(X @ self.weights.sentiment_coef.T) + self.weights.sentiment_intercept
        z -= z.max(axis=1, keepdims=True)
        np.exp(z, z)
        z /= z.sum(axis=1, keepdims=True)
        return z

    @property
    def uses_context(self) -> bool:
        return bool(self.features.params.get("context_weight"))

    def predict(self, texts, sections, rule_tags, context: Context | None = None) -> list[Prediction]:
        X = self.features.transform(texts, sections, rule_tags, context)
        probs = self.theme_probabilities(X)
        sent = self.sentiment_probabilities(X)
        classes = self.weights.classes
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
        w = self.weights
        arrays = {f"idf/{name}": self.features.idf[name] for name in VECTORIZERS}
        arrays.update({"theme_coef": w.theme_coef, "theme_intercept": w.theme_intercept, "platt": w.platt,
                       "sentiment_coef": w.sentiment_coef, "sentiment_intercept": w.sentiment_intercept})
        np.savez_compressed(folder / ARRAYS_FILE, **arrays)
        (folder / STATE_FILE).write_text(json.dumps({"themes": w.themes, "classes": w.classes}, indent=1), encoding="utf-8")
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
            a = dict(npz)
        features = Features.restore(card.get("params", PARAMS), vocabularies, {name: a[f"idf/{name}"] for name in VECTORIZERS})
        weights = Weights(state["themes"], a["theme_coef"], a["theme_intercept"], a["platt"], state["classes"],
                          a["sentiment_coef"], a["sentiment_intercept"])
        return cls(card["version"], features, weights, card["thresholds"])


def _fit_theme(X, y: np.ndarray, folds: list, C: float) -> tuple[tuple | None, float, float | None]:
    """One theme's (model, Platt calibration), its threshold and its out-of-fold F1 at that
    threshold; no model for a theme with fewer than 5 positives or negatives."""
    from sklearn.linear_model import LogisticRegression

    if y.sum() < 5 or (len(y) - y.sum()) < 5:
        return None, 1.0, None
    # dual liblinear: fast when features outnumber sentences, as here; it visits sentences in
    # a random order, seeded so the same labels give the same model (to ~1e-5: fits in other
    # threads draw from the same C generator)
    make = lambda: LogisticRegression(C=C, class_weight="balanced", solver="liblinear", dual=True, random_state=0)
    # Out-of-fold scores (grouped by document) serve twice: to fit the Platt calibration
    # of the final model and to choose the theme's threshold.
    oof = np.zeros(len(y))
    for train_idx, val_idx in folds:
        if y[train_idx].min() == y[train_idx].max():
            continue
        oof[val_idx] = make().fit(X[train_idx], y[train_idx]).decision_function(X[val_idx])
    platt = LogisticRegression(C=1e4).fit(oof.reshape(-1, 1), y)
    threshold, f1 = _best_threshold(y, platt.predict_proba(oof.reshape(-1, 1))[:, 1])
    return (make().fit(X, y), platt), threshold, f1


def _best_threshold(y: np.ndarray, scores: np.ndarray) -> tuple[float, float]:
    best_t, best_f1 = 0.5, -1.0
    for t in np.arange(0.1, 0.91, 0.025):
        pred = scores >= t
        tp = float((pred & (y == 1)).sum())
        f1 = 2 * tp / max(1.0, pred.sum() + y.sum())
        if f1 > best_f1 + 1e-9:
            best_t, best_f1 = float(round(t, 3)), f1
    return best_t, round(best_f1, 4)
