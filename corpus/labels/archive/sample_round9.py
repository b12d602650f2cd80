"""Draw the ninth pool (issue 12): a second, independent label for training sentences whose
first label and the model's out-of-fold sentiment disagree (grouped cross-validation of m007
on the 10,316 labels before round 8), those involving `neutral` first. Most were labelled
before the annotator's brief (rounds 1-4), whose neutral calls it made explicit; where the two
annotators differ an adjudicator decides, blind to any model output, as for the sealed split.
The model only chooses which labels get a second look; it never decides one.

    python corpus/labels/archive/sample_round9.py OOF.jsonl [--n 1000] [--batches 4]

OOF.jsonl: one line per label, {"id", "gold_s", "pred_s"} (scratch output of a grouped
cross-validation run).
"""
from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

from findings.models.labels import project_labels, read_jsonl
from findings.models.train import split

from sample_pool import write_batches

HERE = Path(__file__).resolve().parents[1]  # corpus/labels


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("oof")
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--batches", type=int, default=4)
    args = ap.parse_args()
    rng = random.Random(20261209)
    training, _sealed = split(project_labels())
    seconded = {l.id for l in read_jsonl(HERE / "second_annotator.jsonl")}
    oof = {d["id"]: d for d in map(json.loads, Path(args.oof).read_text(encoding="utf-8").splitlines())}
    wrong = [l for l in training if l.id in oof and l.id not in seconded and l.annotator != "adjudicator"
             and oof[l.id]["pred_s"] != l.sentiment]
    neutral = [l for l in wrong if "neutral" in (l.sentiment, oof[l.id]["pred_s"])]
    other = [l for l in wrong if l not in neutral]
    chosen = rng.sample(neutral, min(args.n, len(neutral)))
    chosen += rng.sample(other, min(args.n - len(chosen), len(other)))
    rng.shuffle(chosen)
    items = [{"id": l.id, "document": l.document, "document_id": l.document_id, "section": l.section,
              "before": (l.before or [None])[0], "text": l.text, "after": (l.after or [None])[0]} for l in chosen]
    first = write_batches(items, args.batches)
    print(f"{len(wrong)} training labels disagree with the out-of-fold sentiment ({len(neutral)} involving neutral); "
          f"{len(items)} drawn into batches {first}..{first + args.batches - 1}")


if __name__ == "__main__":
    main()
