"""Draw the first pool of sentences to label (the one the shipped labels came from).

Stratified so every codebook theme gets positives: per theme, sentences whose rules fired
for it, plus random sentences (themes rules miss, and negatives), from every document of a
refreshed warehouse over ../shared/corpus. Writes batches for annotators; 160 items are put
in two batches so two annotators label them (the agreement ceiling in the README).

    python corpus/labels/archive/sample_pool.py WAREHOUSE [--per-theme 110] [--random 900] [--batches 6]
"""
from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

import duckdb

from findings.models.labelling import doc_key, items, label_id
from findings.models.labelling import write_batches as _write_batches
from findings.models.labels import Label, is_test, project_labels
from findings.warehouse.db import NEIGHBOURS

HERE = Path(__file__).resolve().parents[1]  # corpus/labels


def stored_items(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Every sentence of a refreshed warehouse as a batch item, in document order (see
    findings.models.labelling.items)."""
    return items(con.execute(f"""
        SELECT f.sentence_id, f.source, f.section, f.text, f.document_id, f.boilerplate, n.before, n.after
        FROM findings f JOIN ({NEIGHBOURS}) n USING (sentence_id) ORDER BY f.sentence_id""").fetchall())


def unlabelled_items(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Stored items the project has not labelled, one per label id (a repeated sentence: its
    first place)."""
    labelled = {l.id for l in project_labels()}
    items: dict[str, dict] = {}
    for item in stored_items(con):
        if item["id"] not in labelled:
            items.setdefault(item["id"], item)
    return list(items.values())


def in_test_split(item: dict, split: dict) -> bool:
    return is_test(Label(id=item["id"], text=item["text"], themes=[], sentiment="neutral", document=item["document"]), split)


def write_batches(chosen: list[dict], batches: int) -> int:
    """Deal items into new batch files; returns the first new batch number."""
    return _write_batches(chosen, batches, HERE)[0]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("warehouse")
    ap.add_argument("--per-theme", type=int, default=110)
    ap.add_argument("--random", type=int, default=900)
    ap.add_argument("--seeds", type=int, default=450)
    ap.add_argument("--batches", type=int, default=6)
    ap.add_argument("--double", type=int, default=160)
    args = ap.parse_args()
    rng = random.Random(20261123)
    con = duckdb.connect(args.warehouse, read_only=True)
    rows = con.execute(f"""
        SELECT f.sentence_id, f.source, f.section, f.text, f.sentence_index, f.document_id,
               coalesce((SELECT list(DISTINCT theme) FROM store.rule_hits h WHERE h.sentence_id = f.sentence_id), []) AS hits,
               n.before[1], n.after[1]
        FROM findings f JOIN ({NEIGHBOURS}) n USING (sentence_id)""").fetchall()
    seeds = [r for r in rows if "/seeds/" in r[1]]
    ilacs = [r for r in rows if "/seeds/" not in r[1] and len(r[3]) >= 25]
    chosen: dict[str, tuple] = {}
    for r in rng.sample(seeds, min(args.seeds, len(seeds))):
        chosen[r[0]] = r
    themes = sorted({t for r in ilacs for t in r[6]})
    for theme in themes:
        candidates = [r for r in ilacs if theme in r[6] and r[0] not in chosen]
        for r in rng.sample(candidates, min(args.per_theme, len(candidates))):
            chosen[r[0]] = r
    rest = [r for r in ilacs if r[0] not in chosen]
    for r in rng.sample(rest, args.random):
        chosen[r[0]] = r
    items = []
    for r in chosen.values():
        document = doc_key(r[1])
        items.append({"id": label_id(document, r[3]), "document": document, "document_id": r[5],
                      "section": r[2], "before": r[7], "text": r[3], "after": r[8]})
    rng.shuffle(items)
    batches = [items[i::args.batches] for i in range(args.batches)]
    for k, item in enumerate(items[: args.double]):  # second annotator: the next batch
        home = k % args.batches
        batches[(home + 1) % args.batches].append(item)
    for n, batch in enumerate(batches, start=1):
        rng.shuffle(batch)
        with (HERE / "batches" / f"batch-{n}.jsonl").open("w", encoding="utf-8") as fh:
            for item in batch:
                fh.write(json.dumps(item, ensure_ascii=False) + "\n")
    print(f"{len(items)} sentences ({len(items) - sum(1 for i in items if i['document'].startswith('seeds/'))} from ILACS), "
          f"{args.double} double-labelled, {len(batches)} batches of ~{len(batches[0])}")


if __name__ == "__main__":
    main()
