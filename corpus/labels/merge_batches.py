"""Merge annotators' batch files into corpus/labels/labels.jsonl (one label per sentence) and
second_annotator.jsonl (the second label of double-labelled sentences, for agreement).

    python corpus/labels/merge_batches.py [--context WAREHOUSE]

Each label keeps the sentences before and after it (lists, nearest first), which the model
reads as context. By default they are those the annotator saw in the batch, one each side;
--context takes two each side from a warehouse refreshed over ../shared/corpus instead, so
they are what tagging sees under the current extraction (batches drawn under an older one
may show paragraph numbers or headings that extraction now removes).
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import duckdb

from sample_pool import stored_items

HERE = Path(__file__).parent
FIELDS = ("id", "text", "themes", "sentiment", "boilerplate", "document", "document_id", "sentence_id", "section",
          "before", "after", "annotator", "labelled_at")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--context", metavar="WAREHOUSE", help="take each label's neighbours from this refreshed warehouse")
    args = ap.parse_args()
    context = {}
    if args.context:
        for item in stored_items(duckdb.connect(args.context, read_only=True)):  # a repeated sentence: its first place
            context.setdefault(item["id"], (item["_before"], item["_after"]))
    first: dict[str, dict] = {}
    second: dict[str, dict] = {}
    for batch in sorted(HERE.glob("batches/batch-*.jsonl"), key=lambda p: int(p.stem.split("-")[1])):
        n = batch.stem.split("-")[1]
        items = {d["id"]: d for d in map(json.loads, batch.read_text(encoding="utf-8").splitlines())}
        labels_file = HERE / "batches" / f"labels-{n}.jsonl"
        if not labels_file.exists():
            continue
        stamp = labels_file.stat().st_mtime
        for line in labels_file.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            lab = json.loads(line)
            item = items.get(lab["id"])
            if item is None:
                continue
            row = {**item, **lab, "sentence_id": None, "annotator": f"agent-{n}",
                   "labelled_at": __import__("datetime").datetime.fromtimestamp(stamp).isoformat(timespec="seconds")}
            row["before"], row["after"] = context.get(row["id"], ([row.get("before")], [row.get("after")]))
            row = {k: row.get(k) for k in FIELDS}
            (second if row["id"] in first else first)[row["id"]] = row
    with (HERE / "labels.jsonl").open("w", encoding="utf-8") as fh:
        for row in sorted(first.values(), key=lambda r: r["id"]):
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    with (HERE / "second_annotator.jsonl").open("w", encoding="utf-8") as fh:
        for row in sorted(second.values(), key=lambda r: r["id"]):
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{len(first)} labelled sentences, {len(second)} with a second label")


if __name__ == "__main__":
    main()
