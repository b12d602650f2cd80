"""Draw the seventh pool (issue 12): training sentences from the ilacs2 authorities outside the
sealed split where the model may be missing a theme on unseen authorities (recall was lowest
for voice and participation, quality assurance, child protection and supervision): per theme,
sentences the model scores between 0.1 and its threshold, that no strong rule tags.

    python corpus/labels/archive/sample_round7.py WAREHOUSE [--per-theme 200] [--batches 4]
"""
from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

import duckdb
import yaml

from findings.models.registry import load_current
from findings.models.tagging import Tagger

from sample_pool import unlabelled_items, write_batches
from sample_round5 import NEW, authority

HERE = Path(__file__).resolve().parents[1]  # corpus/labels
FOCUS = ("voice_participation", "quality_assurance", "child_protection", "supervision", "early_help")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("warehouse")
    ap.add_argument("--per-theme", type=int, default=200)
    ap.add_argument("--batches", type=int, default=4)
    args = ap.parse_args()
    rng = random.Random(20261206)
    sealed = set(yaml.safe_load((HERE / "split.yml").read_text(encoding="utf-8"))["sealed_authorities"])
    drawn = {item["id"] for p in (HERE / "batches").glob("batch-*.jsonl")
             for item in map(json.loads, p.read_text(encoding="utf-8").splitlines())}
    pool = [i for i in unlabelled_items(duckdb.connect(args.warehouse, read_only=True))
            if i["document"].startswith(NEW) and authority(i) not in sealed and i["id"] not in drawn
            and not i["_boilerplate"] and len(i["text"]) >= 25]
    tagger = Tagger(model=load_current())
    texts, sections = [i["text"] for i in pool], [i["section"] for i in pool]
    rule_tags = tagger.rules.tag(texts, sections)
    preds = tagger.predict(texts, sections, rule_tags, [i["_before"] for i in pool], [i["_after"] for i in pool])
    chosen: dict[str, dict] = {}
    for theme in FOCUS:
        near = [i for i, rt, p in zip(pool, rule_tags, preds) if theme not in rt.strong and i["id"] not in chosen
                and 0.1 <= p.probabilities[theme] < tagger.model.thresholds[theme]]
        chosen.update((i["id"], i) for i in rng.sample(near, min(args.per_theme, len(near))))
    items = list(chosen.values())
    rng.shuffle(items)
    first = write_batches(items, args.batches)
    print(f"{len(items)} sentences from {len({authority(i) for i in items})} authorities in batches "
          f"{first}..{first + args.batches - 1}")


if __name__ == "__main__":
    main()
