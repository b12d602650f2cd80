"""Draw the eighth pool (issue 12, after m007): training sentences of authorities outside the
sealed split where m007 is least sure of the two targets it missed on unseen authorities:
sentiment between neutral and a judgement (neutral is one of its two likeliest classes and the
likeliest has under 0.6), and the front door near its threshold (0.1 to threshold + 0.15, no
strong rule), plus sentences at random. ilacs2 authorities first (the place for learning how
other authorities word things), ilacs for the rest.

    python corpus/labels/archive/sample_round8.py WAREHOUSE [--sentiment 450] [--front-door 300] [--random 250] [--batches 4]
"""
from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

import duckdb
import numpy as np
import yaml

from findings.models.registry import load_current
from findings.models.tagging import Tagger

from sample_pool import unlabelled_items, write_batches
from sample_round5 import authority

HERE = Path(__file__).resolve().parents[1]  # corpus/labels


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("warehouse")
    ap.add_argument("--sentiment", type=int, default=450)
    ap.add_argument("--front-door", type=int, default=300)
    ap.add_argument("--random", type=int, default=250)
    ap.add_argument("--batches", type=int, default=4)
    args = ap.parse_args()
    rng = random.Random(20261208)
    sealed = set(yaml.safe_load((HERE / "split.yml").read_text(encoding="utf-8"))["sealed_authorities"])
    drawn = {item["id"] for p in (HERE / "batches").glob("batch-*.jsonl")
             for item in map(json.loads, p.read_text(encoding="utf-8").splitlines())}
    pool = [i for i in unlabelled_items(duckdb.connect(args.warehouse, read_only=True))
            if i["document"].startswith(("ilacs2/", "ilacs/")) and authority(i) not in sealed and i["id"] not in drawn
            and not i["_boilerplate"] and len(i["text"]) >= 25]
    tagger = Tagger(model=load_current())
    texts, sections = [i["text"] for i in pool], [i["section"] for i in pool]
    rule_tags = tagger.rules.tag(texts, sections)
    X = tagger.model.features.transform(texts, sections, rule_tags, None)
    sent = tagger.model.sentiment_probabilities(X)
    neutral = tagger.model.weights.classes.index("neutral")
    preds = tagger.predict(texts, sections, rule_tags, [i["_before"] for i in pool], [i["_after"] for i in pool])
    top2 = np.argsort(-sent, axis=1)[:, :2]
    chosen: dict[str, dict] = {}

    def take(candidates: list[dict], n: int) -> None:
        # ilacs2 first: other authorities' wording
        new = [i for i in candidates if i["document"].startswith("ilacs2/") and i["id"] not in chosen]
        old = [i for i in candidates if i["document"].startswith("ilacs/") and i["id"] not in chosen]
        picked = rng.sample(new, min(n, len(new)))
        picked += rng.sample(old, min(n - len(picked), len(old)))
        chosen.update((i["id"], i) for i in picked)

    take([i for k, i in enumerate(pool) if neutral in top2[k] and sent[k].max() < 0.6], args.sentiment)
    t = tagger.model.thresholds["front_door"]
    take([i for i, rt, p in zip(pool, rule_tags, preds) if "front_door" not in rt.strong
          and 0.1 <= p.probabilities["front_door"] < t + 0.15], args.front_door)
    take(pool, args.random)
    items = list(chosen.values())
    rng.shuffle(items)
    first = write_batches(items, args.batches)
    print(f"{len(items)} sentences from {len({authority(i) for i in items})} authorities in batches "
          f"{first}..{first + args.batches - 1}")


if __name__ == "__main__":
    main()
