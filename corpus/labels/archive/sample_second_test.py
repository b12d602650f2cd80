"""Put every test-split sentence that has one label into batches for a second, independent
annotator (round 4). Two labels on the whole test split give the agreement ceiling on the
sentences the model is scored on, and their disagreements go to an adjudicator
(adjudicated.jsonl, applied by merge_batches.py), so the test labels hold one reading of
the codebook. Annotators see the sentence and its neighbours, never a model's output.

    python corpus/labels/archive/sample_second_test.py WAREHOUSE [--batches 4]
"""
from __future__ import annotations

import argparse
import random
from pathlib import Path

import duckdb

from findings.models.labels import SECOND_FILE, project_labels, read_jsonl
from findings.models.train import split

from sample_pool import stored_items, write_batches

HERE = Path(__file__).resolve().parents[1]  # corpus/labels


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("warehouse")
    ap.add_argument("--batches", type=int, default=4)
    args = ap.parse_args()
    twice = {l.id for l in read_jsonl(SECOND_FILE)}
    _, test = split(project_labels())
    wanted = {(l.document, l.text): l for l in test if l.id not in twice}
    con = duckdb.connect(args.warehouse, read_only=True)
    context = {(i["document"], i["text"]): (i["before"], i["after"]) for i in stored_items(con)}
    out = []
    for key, l in wanted.items():
        before, after = context.get(key, (None, None))
        out.append({"id": l.id, "document": l.document, "document_id": l.document_id, "section": l.section,
                    "before": before, "text": l.text, "after": after})
    random.Random(20261126).shuffle(out)
    first = write_batches(out, args.batches)
    print(f"{len(out)} test sentences in batches {first}..{first + args.batches - 1} "
          f"({sum(1 for i in out if i['before'] is None and i['after'] is None)} without context)")


if __name__ == "__main__":
    main()
