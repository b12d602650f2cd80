"""How precise is each theme rule on the labelled training sentences? A strong rule tags on
its own, overriding the classifier, so it should rarely be wrong.

    python -m findings.models.rule_audit [--min-precision 0.8] [--min-hits 5] [--demote]

Prints every rule that fired on at least --min-hits labelled sentences with its precision
(share of those sentences labelled with the rule's theme). --demote rewrites themes.jsonl
so strong rules below --min-precision become ordinary rules (still a classifier feature).
Only the training split is read: the test split stays unseen.
"""
from __future__ import annotations

import argparse
import json
from collections import defaultdict

from findings.rules.tagger import THEMES_FILE, default_tagger

from . import train
from .labels import project_labels


def precision_by_rule() -> dict[str, tuple[int, int]]:
    training, _ = train.split(project_labels())
    training = [l for l in training if not l.boilerplate]
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for label, tags in zip(training, default_tagger().tag([l.text for l in training], [l.section for l in training])):
        for theme, ids in tags.hits.items():
            for rule_id in set(ids):
                counts[rule_id][0] += 1
                counts[rule_id][1] += theme in label.themes
    return {rule_id: (n, right) for rule_id, (n, right) in counts.items()}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--min-precision", type=float, default=0.8)
    ap.add_argument("--min-hits", type=int, default=5)
    ap.add_argument("--demote", action="store_true", help="make imprecise strong rules ordinary rules in themes.jsonl")
    args = ap.parse_args()
    stats = precision_by_rule()
    strong = default_tagger().strong_ids
    demote = set()
    print(f"{'rule':<50} {'strong':>6} {'hits':>5} {'precision':>9}")
    for rule_id, (n, right) in sorted(stats.items(), key=lambda kv: kv[1][1] / kv[1][0]):
        if n < args.min_hits:
            continue
        print(f"{rule_id:<50} {'yes' if rule_id in strong else '':>6} {n:>5} {right / n:>9.2f}")
        if rule_id in strong and right / n < args.min_precision:
            demote.add(rule_id)
    print(f"{len(demote)} strong rules below precision {args.min_precision}")
    if args.demote and demote:
        lines = []
        for line in THEMES_FILE.read_text(encoding="utf-8").splitlines():
            rule = json.loads(line) if line.strip() else None
            if rule and rule["id"] in demote:
                rule["strong"] = False
                line = json.dumps(rule, ensure_ascii=False)
            lines.append(line)
        THEMES_FILE.write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"demoted in {THEMES_FILE}: {', '.join(sorted(demote))}")


if __name__ == "__main__":
    main()
