"""`findings evaluate`: the current model (rules combined with the classifier) on the fixed
test split, beside the rules alone and beside the agreement of two annotators on the
double-labelled sentences (the ceiling a model can reach)."""
from __future__ import annotations

import numpy as np
from sklearn.metrics import cohen_kappa_score, f1_score

from findings.rules.tagger import CORE_THEMES, SENTIMENTS, THEMES

from . import train
from .labels import LABELS_FILE, SECOND_FILE, project_labels, read_jsonl
from .registry import current_version, load_current


def agreement() -> dict:
    """Per-theme F1 of annotator B against annotator A, and sentiment kappa, on the
    sentences both labelled."""
    first = {l.id: l for l in read_jsonl(LABELS_FILE)}  # the first annotator's own labels, before adjudication
    pairs = [(first[s.id], s) for s in read_jsonl(SECOND_FILE) if s.id in first]
    out: dict = {"n": len(pairs), "themes": {}}
    if not pairs:
        return out
    for theme in THEMES:
        a = np.array([theme in x.themes for x, _ in pairs])
        b = np.array([theme in y.themes for _, y in pairs])
        out["themes"][theme] = {"f1": round(float(f1_score(a, b, zero_division=1.0 if not a.any() and not b.any() else 0)), 3),
                                "support": int(a.sum())}
    out["macro_f1_core"] = round(float(np.mean([out["themes"][t]["f1"] for t in CORE_THEMES])), 3)
    out["macro_f1_all"] = round(float(np.mean([out["themes"][t]["f1"] for t in THEMES])), 3)
    sa, sb = [x.sentiment for x, _ in pairs], [y.sentiment for _, y in pairs]
    out["sentiment"] = {"kappa": round(float(cohen_kappa_score(sa, sb, labels=list(SENTIMENTS))), 3),
                        "macro_f1": round(float(f1_score(sa, sb, labels=list(SENTIMENTS), average="macro", zero_division=0)), 3),
                        "accuracy": round(float(np.mean([x == y for x, y in zip(sa, sb)])), 3)}
    return out


def report(warehouse=None, coverage: dict | None = None) -> str:
    """The metrics as text; `coverage` (warehouse.labels.coverage of `warehouse`) adds how
    many labelled sentences that warehouse holds."""
    _, test = train.split(project_labels())
    model = load_current()
    rules = train.evaluate(None, test)
    final = train.evaluate(model, test) if model else rules
    agree = agreement()
    lines = [f"test split: {len(test)} labelled sentences from held-out documents; model: {current_version() or 'none (rules only)'}",
             f"agreement: {agree['n']} sentences labelled by two annotators", "",
             f"{'theme':<22} {'support':>7} {'P':>6} {'R':>6} {'F1':>6} {'rules F1':>9} {'agreement F1':>13}"]
    for theme in THEMES:
        m, r = final["themes"][theme], rules["themes"][theme]
        a = agree["themes"].get(theme, {}).get("f1", float("nan"))
        lines.append(f"{theme:<22} {m['support']:>7} {m['precision']:>6.3f} {m['recall']:>6.3f} {m['f1']:>6.3f} {r['f1']:>9.3f} {a:>13.3f}")
    lines += [f"{'macro-F1, core themes':<22} {'':>7} {'':>6} {'':>6} {final['macro_f1_core']:>6.3f} {rules['macro_f1_core']:>9.3f} {agree.get('macro_f1_core', float('nan')):>13.3f}",
              f"{'macro-F1, all themes':<22} {'':>7} {'':>6} {'':>6} {final['macro_f1_all']:>6.3f} {rules['macro_f1_all']:>9.3f} {agree.get('macro_f1_all', float('nan')):>13.3f}",
              "",
              f"{'sentiment':<22} {'model':>7} {'rules':>9} {'agreement':>13}"]
    for key in ("macro_f1", "accuracy", "kappa"):
        lines.append(f"{key:<22} {final['sentiment'][key]:>7.3f} {rules['sentiment'][key]:>9.3f} {agree.get('sentiment', {}).get(key, float('nan')):>13.3f}")
    lines.append("per-class F1: " + ", ".join(f"{k} {v:.3f}" for k, v in final["sentiment"]["per_class_f1"].items()))
    lines.append(f"boilerplate F1: {final['boilerplate_f1']:.3f}")
    if coverage is not None:
        c = coverage
        lines.append(f"labelled sentences found again in {warehouse}: {c['found']:,} of {c['labels']:,} "
                     f"({c['found'] / max(1, c['labels']):.1%})" + "".join(f"\n  missed: {l.text[:90]!r}" for l in c["missed"][:5]))
    return "\n".join(lines)
