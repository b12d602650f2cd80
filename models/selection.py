"""Which stored sentences are worth labelling next: where the model is least sure, where
rules and model disagree, and where a theme has few labels."""
from __future__ import annotations

from collections import Counter

import numpy as np

from findings.rules.tagger import THEMES

from .labels import Label
from .tagging import Tagger


def rank(rows: list[tuple], model, labels: list[Label], n: int) -> list[dict]:
    """rows: (sentence_id, text, section, before, after) of unlabelled, non-boilerplate
    sentences; before and after list the sentences either side in the document, nearest first."""
    texts, sections, before, after = ([r[k] for r in rows] for k in range(1, 5))
    tagger = Tagger(model=model)
    rule_tags = tagger.rules.tag(texts, sections)
    counts = Counter(t for l in labels for t in l.themes)
    rarity = {t: 1.0 / np.sqrt(1 + counts.get(t, 0)) for t in THEMES}
    if model is not None:
        preds = tagger.predict(texts, sections, rule_tags, before, after)
    out = []
    for i, (sid, text, section, *_) in enumerate(rows):
        rt = rule_tags[i]
        if rt.boilerplate:
            continue
        rule_themes = set(rt.hits)
        reasons, score = [], 0.0
        if model is not None:
            p = preds[i].probabilities
            margin = min(abs(p[t] - model.thresholds[t]) for t in THEMES)
            score += 1.0 - min(1.0, 2 * margin)  # close to a threshold: uncertain
            if margin < 0.15:
                reasons.append("uncertain")
            disagree = rule_themes ^ set(preds[i].themes)
            if disagree:
                score += 0.5 * len(disagree)
                reasons.append("rules and model disagree on " + ", ".join(sorted(disagree)))
            if preds[i].sentiment != rt.sentiment:
                score += 0.25
            suggested, sentiment = preds[i].themes, preds[i].sentiment
        else:
            suggested, sentiment = sorted(rule_themes), rt.sentiment
        few = [t for t in set(suggested) | rule_themes if counts.get(t, 0) < 150]
        if few:
            reasons.append("few labels for " + ", ".join(sorted(few)))
        score += sum(rarity[t] for t in set(suggested) | rule_themes)
        # An analyst reads the nearest sentence each side (the model reads more).
        out.append({"sentence_id": sid, "section": section, "before": before[i][0], "text": text, "after": after[i][0],
                    "score": round(score, 3),
                    "suggested_themes": ",".join(t for t in THEMES if t in set(suggested)), "suggested_sentiment": sentiment,
                    "reason": "; ".join(reasons) or "coverage"})
    out.sort(key=lambda r: -r["score"])
    return out[:n]
