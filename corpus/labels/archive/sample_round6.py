"""Draw the sixth pool (issue 12): more training sentences from the ilacs2 authorities outside
the sealed split, after round 5's batches were out. Mostly at random (on sentences drawn at
random the core themes scored about 0.69 on unseen authorities: false alarms on sentences
about nothing in particular), the rest where the model is nearest a core theme's threshold.

    python corpus/labels/archive/sample_round6.py WAREHOUSE [--random 1000] [--uncertain 500] [--batches 6]
"""
from __future__ import annotations

import argparse
import random
from pathlib import Path

import duckdb
import yaml

from findings.models.registry import load_current
from findings.models.tagging import Tagger
from findings.rules.tagger import CORE_THEMES

from sample_pool import unlabelled_items, write_batches
from sample_round5 import NEW, authority

HERE = Path(__file__).resolve().parents[1]  # corpus/labels


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("warehouse")
    ap.add_argument("--random", type=int, default=1000)
    ap.add_argument("--uncertain", type=int, default=500)
    ap.add_argument("--batches", type=int, default=6)
    args = ap.parse_args()
    rng = random.Random(20261205)
    sealed = set(yaml.safe_load((HERE / "split.yml").read_text(encoding="utf-8"))["sealed_authorities"])
    drawn = {item["id"] for p in (HERE / "batches").glob("batch-*.jsonl")
             for item in map(__import__("json").loads, p.read_text(encoding="utf-8").splitlines())}
    pool = [i for i in unlabelled_items(duckdb.connect(args.warehouse, read_only=True))
            if i["document"].startswith(NEW) and authority(i) not in sealed and i["id"] not in drawn
            and not i["_boilerplate"] and len(i["text"]) >= 25]
    chosen = {i["id"]: i for i in rng.sample(pool, args.random)}
    rest = [i for i in pool if i["id"] not in chosen]
    tagger = Tagger(model=load_current())
    texts, sections = [i["text"] for i in rest], [i["section"] for i in rest]
    preds = tagger.predict(texts, sections, tagger.rules.tag(texts, sections), [i["_before"] for i in rest],
                           [i["_after"] for i in rest])
    margin = [min(abs(p.probabilities[t] - tagger.model.thresholds[t]) for t in CORE_THEMES) for p in preds]
    for k in sorted(range(len(rest)), key=margin.__getitem__)[: args.uncertain]:
        chosen[rest[k]["id"]] = rest[k]
    items = list(chosen.values())
    rng.shuffle(items)
    first = write_batches(items, args.batches)
    print(f"{len(items)} sentences from {len({authority(i) for i in items})} authorities in batches "
          f"{first}..{first + args.batches - 1}")


if __name__ == "__main__":
    main()
