"""`findings evaluate`: how well tags hold on authorities the model has never seen, two ways,
each with 90% bootstrap intervals, per theme and per sentiment class, beside the rules alone
and the agreement of two annotators (the ceiling a model can reach):

- the sealed split (split.yml): whole authorities no label had come from when it was drawn,
  every sentence labelled twice and adjudicated; scored once per candidate model, its errors
  never read to write rules;
- cross-validation grouped by authority on the training labels, as computed when the model
  was trained (its card), or now with `--cv`.
"""
from __future__ import annotations


from findings.rules.tagger import SENTIMENTS, THEMES

from . import registry, scoring, train
from .labels import LABELS_FILE, SECOND_FILE, data_hash, project_labels, read_jsonl
from .registry import REGISTRY, current_version, load_current


def agreement(ids: set[str] | None = None) -> dict:
    """Annotator B scored against annotator A (their own labels, before adjudication) on the
    sentences both labelled, or on those of them in `ids`."""
    first = {l.id: l for l in read_jsonl(LABELS_FILE)}
    pairs = [(first[s.id], s) for s in read_jsonl(SECOND_FILE) if s.id in first and (ids is None or s.id in ids)]
    if not pairs:
        return {"n": 0}
    return scoring.score([a.themes for a, _ in pairs], [b.themes for _, b in pairs],
                         [a.sentiment for a, _ in pairs], [b.sentiment for _, b in pairs])


def _figure(point: float, interval: list[float] | None) -> str:
    """'0.854 (0.83-0.88)': a figure and its interval."""
    return f"{point:.3f} ({interval[0]:.2f}-{interval[1]:.2f})" if interval else f"{point:.3f}"


def _cell(metrics: dict | None, *keys) -> str:
    """The figure at metrics[k1][k2]...[key] with its `key_ci` interval, '' when absent."""
    if not metrics or metrics.get("n") == 0:
        return ""
    *path, key = keys
    for k in path:
        metrics = metrics[k]
    return _figure(metrics[key], metrics.get(f"{key}_ci"))


def table(title: str, columns: dict[str, dict | None]) -> list[str]:
    """Rows: each theme's F1 (support), the macro-F1s, sentiment macro-F1 and per-class F1;
    columns: the scores given (model, rules, agreement, ...)."""
    names = list(columns)
    width = 20
    first = next(m for m in columns.values() if m and m.get("n"))
    lines = [title, f"{'':<24}{'support':>8}  " + "".join(f"{n:<{width}}" for n in names)]

    def row(label: str, support, *keys, per: str | None = None) -> None:
        cells = []
        for m in columns.values():
            if not m or not m.get("n"):
                cells.append("")
            elif per:
                cells.append(_figure(m["sentiment"]["per_class_f1"][per], m["sentiment"].get("per_class_f1_ci", {}).get(per)))
            else:
                cells.append(_cell(m, *keys))
        lines.append(f"{label:<24}{support:>8}  " + "".join(f"{c:<{width}}" for c in cells))

    for theme in THEMES:
        row(theme, first["themes"][theme]["support"], "themes", theme, "f1")
    row("macro-F1, core themes", "", "macro_f1_core")
    row("macro-F1, all themes", "", "macro_f1_all")
    row("sentiment macro-F1", first["n"], "sentiment", "macro_f1")
    for s in SENTIMENTS:
        row(f"  {s}", first["sentiment"].get("support", {}).get(s, ""), per=s)
    row("sentiment accuracy", "", "sentiment", "accuracy")
    return lines


def report(warehouse=None, coverage: dict | None = None, cv: bool = False, progress=None) -> str:
    """The metrics as text; `coverage` (warehouse.labels.coverage of `warehouse`) adds how
    many labelled sentences that warehouse holds; `cv` recomputes cross-validation."""
    labels = project_labels()
    training, sealed = train.split(labels)
    model = load_current()
    current = current_version()
    version = current or "none (rules only)"
    sealed_ids = {l.id for l in sealed}
    lines = [f"model: {version}",
             f"sealed split: {len(sealed)} sentences of {len({train.authority_of(l) for l in sealed})} authorities "
             f"never trained on (split.yml); F1 with 90% bootstrap interval", ""]
    lines += table("SEALED SPLIT", {"model": train.evaluate(model, sealed) if model else None,
                                    "rules alone": train.evaluate(None, sealed),
                                    "annotators agree": agreement(sealed_ids)})
    card = registry.card(REGISTRY / current) if current else {}
    if cv:
        result = train.cross_validate(training, progress=progress)
        where = "computed now"
    else:
        result = card.get("cv")
        where = f"from the card of {version}"
        if result and card.get("cv_data_hash") != data_hash(training):
            where += "; the training labels have changed since: `findings evaluate --cv` recomputes it"
    lines.append("")
    if result:
        lines.append(f"grouped cross-validation: {result['folds']} folds holding out whole authorities "
                     f"({result['authorities']} groups, {result['model']['n']} training labels), {where}")
        lines += table("CROSS-VALIDATION", {"model": result["model"], "rules alone": result["rules"],
                                            "annotators agree": agreement(set(l.id for l in training))})
    else:
        lines.append("grouped cross-validation: not in the model's card; run `findings evaluate --cv`")
    if coverage is not None:
        c = coverage
        lines.append("")
        lines.append(f"labelled sentences found again in {warehouse}: {c['found']:,} of {c['labels']:,} "
                     f"({c['found'] / max(1, c['labels']):.1%})" + "".join(f"\n  missed: {l.text[:90]!r}" for l in c["missed"][:5]))
    return "\n".join(lines)
