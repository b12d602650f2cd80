"""Draw the third pool of sentences to label (round 3), after model m002 fell short on the
front door and early help: its recall there was lowest, and annotators disagreed most on
early help.

    python corpus/labels/archive/sample_round3.py WAREHOUSE [--n 800] [--batches 4]

Training documents only (the test split stays as it was drawn): unlabelled, non-boilerplate
sentences that the model scores between 0.1 and 0.9 for front_door or early_help, or where
rules and model disagree on them, or that name a local front-door or early-help service
the rules do not yet know (a hub, CART, the duty or out-of-hours team, prevention, step up
or down). Half by uncertainty, half at random from that pool, so both near-misses and
typical sentences are labelled.
"""
from __future__ import annotations

import argparse
import random
import re
from pathlib import Path

import duckdb
import yaml

from findings.models.registry import load_current
from findings.models.tagging import Tagger

from sample_pool import in_test_split, unlabelled_items, write_batches

HERE = Path(__file__).resolve().parents[1]  # corpus/labels
FOCUS = ("front_door", "early_help")
SIGNALS = re.compile(r"\b(hubs?|i?cart|duty|out[- ]of[- ]hours|emergency|prevent\w*|early (stage|point|intervention)|"
                     r"step(ped|ping|s)?[- ](up|down)|family support|children'?s centres?|contacts?|referr\w+|thresholds?|"
                     r"triage|screen\w*|consent|front[- ]door|mash|spa|advice)\b", re.I)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("warehouse")
    ap.add_argument("--n", type=int, default=800)
    ap.add_argument("--batches", type=int, default=4)
    args = ap.parse_args()
    rng = random.Random(20261125)
    split = yaml.safe_load((HERE / "split.yml").read_text(encoding="utf-8"))
    pool = [i for i in unlabelled_items(duckdb.connect(args.warehouse, read_only=True))
            if not i["_boilerplate"] and len(i["text"]) >= 25 and not i["document"].startswith("seeds/")
            and not in_test_split(i, split)]
    texts, sections = [i["text"] for i in pool], [i["section"] for i in pool]
    tagger = Tagger(model=load_current())
    rule_tags = tagger.rules.tag(texts, sections)
    preds = tagger.predict(texts, sections, rule_tags, [i["_before"] for i in pool], [i["_after"] for i in pool])
    uncertain, signalled = [], []
    for item, rt, pred in zip(pool, rule_tags, preds):
        closeness = max(1 - abs(pred.probabilities[t] - 0.5) * 2 for t in FOCUS)
        disagree = any((t in rt.hits) != (t in pred.themes) for t in FOCUS)
        if closeness > 0.2 or disagree:
            uncertain.append((closeness + disagree, item))
        elif SIGNALS.search(item["text"]):
            signalled.append(item)
    uncertain.sort(key=lambda x: -x[0])
    chosen = {i["id"]: i for _, i in uncertain[: args.n // 2]}
    rest = [i for _, i in uncertain[args.n // 2:]] + signalled
    chosen.update({i["id"]: i for i in rng.sample(rest, min(args.n - len(chosen), len(rest)))})
    out = list(chosen.values())
    rng.shuffle(out)
    first = write_batches(out, args.batches)
    print(f"{len(out)} sentences in batches {first}..{first + args.batches - 1} "
          f"(pool: {len(uncertain)} uncertain or disagreeing, {len(signalled)} naming a service)")


if __name__ == "__main__":
    main()
