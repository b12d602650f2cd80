"""Adjudication of double-labelled sentences where the two annotators disagree.

    python corpus/labels/adjudicate.py draw [--batches 3]   # after merge_batches.py
    python corpus/labels/adjudicate.py merge                # after the adjudicators finish

`draw` writes new batches/adjudicate-K.jsonl files: every sentence not yet adjudicated in both labels.jsonl and
second_annotator.jsonl whose two labels differ (themes, sentiment or boilerplate), with its
section, neighbouring sentences and both labels, and nothing from any model. An adjudicator
decides each by the codebook into batches/adjudicated-K.jsonl ({"id", "themes", "sentiment",
"boilerplate"}). `merge` checks those files and writes adjudicated.jsonl, which
`findings.models.labels.project_labels` applies over the first label; the annotators' own
labels are never edited, so the agreement figures stay theirs.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from findings.models.labels import LABELS_FILE, SECOND_FILE, read_jsonl
from findings.rules.tagger import SENTIMENTS, THEMES

HERE = Path(__file__).parent
BATCHES = HERE / "batches"
ADJUDICATED = HERE / "adjudicated.jsonl"


def _key(label) -> tuple:
    return (sorted(label.themes), label.sentiment, label.boilerplate)


def draw(batches: int) -> None:
    first = {l.id: l for l in read_jsonl(LABELS_FILE)}
    context = {}
    for path in BATCHES.glob("batch-*.jsonl"):
        for item in map(json.loads, path.read_text(encoding="utf-8").splitlines()):
            context[item["id"]] = (item.get("before"), item.get("after"))
    decided = {json.loads(line)["id"] for line in ADJUDICATED.read_text(encoding="utf-8").splitlines() if line.strip()} \
        if ADJUDICATED.exists() else set()
    items = []
    for second in read_jsonl(SECOND_FILE):
        a = first.get(second.id)
        if a is None or _key(a) == _key(second) or a.id in decided:  # decided in an earlier round
            continue
        before, after = context.get(a.id, (None, None))
        items.append({"id": a.id, "section": a.section, "before": before, "text": a.text, "after": after,
                      "label_a": {"themes": a.themes, "sentiment": a.sentiment, "boilerplate": a.boilerplate},
                      "label_b": {"themes": second.themes, "sentiment": second.sentiment, "boilerplate": second.boilerplate}})
    last = max([int(p.stem.split("-")[1]) for p in BATCHES.glob("adjudicate-*.jsonl")] or [0])
    for k in range(batches):
        with (BATCHES / f"adjudicate-{last + k + 1}.jsonl").open("w", encoding="utf-8") as fh:
            for item in items[k::batches]:
                fh.write(json.dumps(item, ensure_ascii=False) + "\n")
    print(f"{len(items)} new disagreements of {len(read_jsonl(SECOND_FILE))} double-labelled sentences in batches "
          f"adjudicate-{last + 1}..{last + batches}")


def merge() -> None:
    wanted = {json.loads(line)["id"] for p in BATCHES.glob("adjudicate-*.jsonl")
              for line in p.read_text(encoding="utf-8").splitlines()}
    decided, problems = {}, []
    for path in sorted(BATCHES.glob("adjudicated-*.jsonl")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            d = json.loads(line)
            where = f"{path.name} line {n}"
            if d.get("id") not in wanted:
                problems.append(f"{where}: {d.get('id')} is not a disagreement to adjudicate")
            if not set(d.get("themes", [])) <= set(THEMES) or d.get("sentiment") not in SENTIMENTS:
                problems.append(f"{where}: themes must be from {list(THEMES)}, sentiment from {list(SENTIMENTS)}")
            if not isinstance(d.get("boilerplate"), bool) or (d["boilerplate"] and (d["themes"] or d["sentiment"] != "neutral")):
                problems.append(f"{where}: boilerplate is true or false, and boilerplate takes no themes and neutral sentiment")
            decided[d["id"]] = {"id": d["id"], "themes": [t for t in THEMES if t in d.get("themes", [])],
                                "sentiment": d.get("sentiment"), "boilerplate": d.get("boilerplate")}
    missing = wanted - set(decided)
    if problems or missing:
        print("\n".join(problems[:30] + [f"{len(missing)} disagreements not yet decided"]))
        sys.exit(1)
    with ADJUDICATED.open("w", encoding="utf-8") as fh:
        for d in sorted(decided.values(), key=lambda d: d["id"]):
            fh.write(json.dumps(d, ensure_ascii=False) + "\n")
    print(f"{len(decided)} adjudicated labels written to adjudicated.jsonl")


if __name__ == "__main__":
    if sys.argv[1:2] == ["draw"]:
        draw(int(sys.argv[sys.argv.index("--batches") + 1]) if "--batches" in sys.argv else 3)
    elif sys.argv[1:2] == ["merge"]:
        merge()
    else:
        sys.exit(__doc__)
