"""Draw the second pool of sentences to label (round 2), after the first model showed where
it was weak: the mixed sentiment class, neutral sentences, and the seed documents.

    python corpus/labels/archive/sample_round2.py WAREHOUSE [--batches 6]

From a refreshed warehouse over ../shared/corpus, skipping sentences already labelled:
- every remaining seed sentence (seeds are a different kind of document: council papers);
- training documents: the sentences `findings labels export` ranks highest (uncertain, rules
  and model disagree, rare themes), sentences with a contrast marker ("but", "although",
  "however": where mixed sentiment lives), and a random share;
- test authorities: a random share only, so the test split stays a fair sample.
Batches start at the next free number in batches/ and are merged by merge_batches.py.
"""
from __future__ import annotations

import argparse
import random
import re
from pathlib import Path

import duckdb
import yaml

from findings.models.labels import project_labels
from findings.models.registry import load_current
from findings.models.selection import rank

from sample_pool import in_test_split, unlabelled_items, write_batches

HERE = Path(__file__).resolve().parents[1]  # corpus/labels
CONTRAST = re.compile(r"\b(but|however|although|though|whilst|while|despite|yet|nevertheless|except)\b", re.I)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("warehouse")
    ap.add_argument("--ranked", type=int, default=650)
    ap.add_argument("--contrast", type=int, default=450)
    ap.add_argument("--random-train", type=int, default=200)
    ap.add_argument("--random-test", type=int, default=300)
    ap.add_argument("--batches", type=int, default=6)
    args = ap.parse_args()
    rng = random.Random(20261124)
    split = yaml.safe_load((HERE / "split.yml").read_text(encoding="utf-8"))
    pool = unlabelled_items(duckdb.connect(args.warehouse, read_only=True))
    test = lambda i: in_test_split(i, split)
    seeds = [i for i in pool if i["document"].startswith("seeds/")]
    train = [i for i in pool if not i["document"].startswith("seeds/") and not test(i) and len(i["text"]) >= 25]
    held = [i for i in pool if not i["document"].startswith("seeds/") and test(i) and len(i["text"]) >= 25]
    chosen = {i["id"]: i for i in seeds}
    chosen.update({i["id"]: i for i in rng.sample(held, min(args.random_test, len(held)))})
    by_sid = {i["_sentence_id"]: i for i in train if not i["_boilerplate"]}
    ranked = rank([(i["_sentence_id"], i["text"], i["section"], i["_before"], i["_after"]) for i in by_sid.values()],
                  load_current(), project_labels(), args.ranked)
    chosen.update({by_sid[r["sentence_id"]]["id"]: by_sid[r["sentence_id"]] for r in ranked})
    contrast = [i for i in train if CONTRAST.search(i["text"]) and i["id"] not in chosen]
    chosen.update({i["id"]: i for i in rng.sample(contrast, min(args.contrast, len(contrast)))})
    rest = [i for i in train if i["id"] not in chosen]
    chosen.update({i["id"]: i for i in rng.sample(rest, min(args.random_train, len(rest)))})
    out = list(chosen.values())
    rng.shuffle(out)
    first = write_batches(out, args.batches)
    print(f"{len(out)} sentences in batches {first}..{first + args.batches - 1}: {len(seeds)} seed, "
          f"{sum(1 for i in out if test(i) and not i['document'].startswith('seeds/'))} test-authority, rest training documents")


if __name__ == "__main__":
    main()
