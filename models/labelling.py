"""Labelling rounds, the reusable part (`findings labels sample | check | merge | adjudicate`).

A round: sentences drawn from a refreshed warehouse are dealt into batch files, one per
annotator (`batches/batch-N.jsonl`: id, document, document_id, section, before, text,
after); each annotator writes `batches/labels-N.jsonl` by the codebook (and
`corpus/labels/annotating.md`) and checks it; `merge` gathers every batch into
`labels.jsonl` (first label of each sentence) and `second_annotator.jsonl` (a second,
independent label); where two annotators disagree an adjudicator decides
(`adjudicate-K.jsonl` -> `adjudicated-K.jsonl` -> `adjudicated.jsonl`), which
`labels.project_labels` applies over the first label, so the annotators' own labels and their
agreement figures stay theirs. How each past round drew its pool is kept in
`corpus/labels/archive/`.
"""
from __future__ import annotations

import hashlib
import json
import random
from datetime import datetime
from pathlib import Path

from findings.rules.tagger import THEMES

from .labels import LABELS_DIR, codebook_problems, read_jsonl
from .selection import rank

SHARED_PREFIX = "shared/corpus/"
FIELDS = ("id", "text", "themes", "sentiment", "boilerplate", "document", "document_id", "sentence_id", "section",
          "before", "after", "annotator", "labelled_at")


def doc_key(source: str) -> str:
    """'../shared/corpus/ilacs/x/2019.pdf' -> 'ilacs/x/2019.pdf' (stable across checkouts)."""
    return source.split(SHARED_PREFIX, 1)[1] if SHARED_PREFIX in source else source


def label_id(document: str, text: str) -> str:
    return "L" + hashlib.sha1(f"{document}\n{text}".encode()).hexdigest()[:10]


def items(rows: list[tuple]) -> list[dict]:
    """Stored sentences as batch items, from (sentence_id, source, section, text, document_id,
    boilerplate, before, after) rows in document order (`warehouse.samples.stored_sentences`).
    Annotators see the nearest sentence each side; the `_` keys (the model's two each side,
    the sentence id, boilerplate) help choose items and are never written to batches."""
    out = []
    for sid, source, section, text, document_id, boilerplate, before, after in rows:
        document = doc_key(source)
        out.append({"id": label_id(document, text), "document": document, "document_id": document_id, "section": section,
                    "before": before[0], "text": text, "after": after[0], "_sentence_id": sid, "_boilerplate": boilerplate,
                    "_before": before, "_after": after})
    return out


def unlabelled(all_items: list[dict], folder: Path = LABELS_DIR) -> list[dict]:
    """Items neither labelled nor already in a batch, one per label id (a repeated sentence:
    its first place)."""
    taken = {l.id for l in read_jsonl(folder / "labels.jsonl")} | set(_batched(folder))
    out: dict[str, dict] = {}
    for item in all_items:
        if item["id"] not in taken:
            out.setdefault(item["id"], item)
    return list(out.values())


def _batched(folder: Path) -> dict[str, dict]:
    return {item["id"]: item for p in (folder / "batches").glob("batch-*.jsonl")
            for item in map(json.loads, p.read_text(encoding="utf-8").splitlines())}


def _number(path: Path) -> int:
    return int(path.stem.split("-")[1])


def write_batches(chosen: list[dict], batches: int, folder: Path = LABELS_DIR, second: bool = False,
                  seed: int = 0) -> list[int]:
    """Deal items into `batches` new batch files after the last one (one per annotator) and,
    with `second`, as many more holding the same items reshuffled and dealt one batch on, so
    every item gets two independent labels. Returns the new batch numbers."""
    (folder / "batches").mkdir(parents=True, exist_ok=True)
    first = 1 + max([_number(p) for p in (folder / "batches").glob("batch-*.jsonl")] or [0])
    dealt = [chosen[k::batches] for k in range(batches)]
    if second:
        rng = random.Random(seed)
        again = [list(b) for b in dealt[1:] + dealt[:1]]
        for b in again:
            rng.shuffle(b)
        dealt += again
    for k, batch in enumerate(dealt):
        with (folder / "batches" / f"batch-{first + k}.jsonl").open("w", encoding="utf-8") as fh:
            for item in batch:
                fh.write(json.dumps({key: v for key, v in item.items() if not key.startswith("_")}, ensure_ascii=False) + "\n")
    return list(range(first, first + len(dealt)))


def _valid(row: dict) -> list[str]:
    """What is wrong with one annotator's label (nothing: []): its types, then the codebook."""
    themes, boilerplate = row.get("themes"), row.get("boilerplate")
    problems = [] if isinstance(themes, list) else ["themes must be a list"]
    if not isinstance(boilerplate, bool):
        problems.append("boilerplate must be true or false")
    return problems + codebook_problems(themes if isinstance(themes, list) else [], row.get("sentiment"), boilerplate is True)


def check_batch(n: int, folder: Path = LABELS_DIR) -> tuple[int, list[str], list[str]]:
    """(ids labelled, ids missing, problems) of batches/labels-N.jsonl against batch-N.jsonl."""
    wanted = [json.loads(line)["id"] for line in (folder / "batches" / f"batch-{n}.jsonl").read_text(encoding="utf-8").splitlines()]
    path = folder / "batches" / f"labels-{n}.jsonl"
    seen: set[str] = set()
    problems = []
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    for line_no, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(f"line {line_no}: bad JSON ({exc.msg})")
            continue
        if row.get("id") in seen:
            problems.append(f"line {line_no}: id {row.get('id')} labelled twice")
        if row.get("id") not in wanted:
            problems.append(f"line {line_no}: id {row.get('id')} is not in batch-{n}")
        seen.add(row.get("id"))
        problems += [f"line {line_no}: {p}" for p in _valid(row)]
    return len(seen & set(wanted)), [i for i in wanted if i not in seen], problems


def merge_batches(context: dict[str, tuple[list, list]] | None = None, folder: Path = LABELS_DIR) -> tuple[int, int, list[str]]:
    """Every complete, valid labelled batch into labels.jsonl (the first label of each
    sentence, in batch order) and second_annotator.jsonl (the next one); returns (first,
    second, batches left out and why). A batch still being labelled or failing its check is
    left out whole. `context` (label id -> the two sentences before and after, nearest first,
    from a warehouse refreshed under the current extraction) replaces the one neighbour each
    side the annotator saw, so training sees what tagging sees."""
    first: dict[str, dict] = {}
    second: dict[str, dict] = {}
    skipped = []
    for batch in sorted((folder / "batches").glob("batch-*.jsonl"), key=_number):
        n = _number(batch)
        labels_file = folder / "batches" / f"labels-{n}.jsonl"
        if not labels_file.exists():
            continue
        _, missing, problems = check_batch(n, folder)
        if missing or problems:
            skipped.append(f"batch {n}: {len(missing)} missing, {len(problems)} problems (`findings labels check {n}`)")
            continue
        batch_items = {d["id"]: d for d in map(json.loads, batch.read_text(encoding="utf-8").splitlines())}
        stamp = datetime.fromtimestamp(labels_file.stat().st_mtime).isoformat(timespec="seconds")
        for lab in map(json.loads, filter(str.strip, labels_file.read_text(encoding="utf-8").splitlines())):
            row = {**batch_items[lab["id"]], **lab, "sentence_id": None, "annotator": f"agent-{n}", "labelled_at": stamp}
            row["before"], row["after"] = (context or {}).get(row["id"], ([row.get("before")], [row.get("after")]))
            row = {k: row.get(k) for k in FIELDS}
            (second if row["id"] in first else first)[row["id"]] = row
    for name, rows in (("labels.jsonl", first), ("second_annotator.jsonl", second)):
        with (folder / name).open("w", encoding="utf-8") as fh:
            for row in sorted(rows.values(), key=lambda r: r["id"]):
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    return len(first), len(second), skipped


def _key(label) -> tuple:
    return (sorted(label.themes), label.sentiment, label.boilerplate)


def _decided(folder: Path) -> dict[str, dict]:
    path = folder / "adjudicated.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    return {d["id"]: d for d in map(json.loads, filter(str.strip, lines))}


def draw_adjudication(batches: int, folder: Path = LABELS_DIR) -> tuple[int, list[int]]:
    """New adjudicate-K.jsonl files holding every double-labelled sentence whose two labels
    differ and that no adjudicator has decided yet: its section, neighbours and both labels,
    nothing from any model. Returns (disagreements, new file numbers)."""
    first = {l.id: l for l in read_jsonl(folder / "labels.jsonl")}
    decided = _decided(folder)
    todo = []
    for b in read_jsonl(folder / "second_annotator.jsonl"):
        a = first.get(b.id)
        if a is None or _key(a) == _key(b) or a.id in decided:
            continue
        todo.append({"id": a.id, "section": a.section, "before": (a.before or [None])[0], "text": a.text,
                     "after": (a.after or [None])[0],
                     "label_a": {"themes": a.themes, "sentiment": a.sentiment, "boilerplate": a.boilerplate},
                     "label_b": {"themes": b.themes, "sentiment": b.sentiment, "boilerplate": b.boilerplate}})
    last = max([_number(p) for p in (folder / "batches").glob("adjudicate-*.jsonl")] or [0])
    numbers = []
    for k in range(min(batches, len(todo))):
        numbers.append(last + k + 1)
        with (folder / "batches" / f"adjudicate-{last + k + 1}.jsonl").open("w", encoding="utf-8") as fh:
            for item in todo[k::batches]:
                fh.write(json.dumps(item, ensure_ascii=False) + "\n")
    return len(todo), numbers


def merge_adjudication(folder: Path = LABELS_DIR) -> tuple[int, list[str]]:
    """Check every adjudicated-K.jsonl against its adjudicate-K.jsonl and write
    adjudicated.jsonl. Returns (decisions, problems); nothing is written if there are problems."""
    wanted = {json.loads(line)["id"] for p in (folder / "batches").glob("adjudicate-*.jsonl")
              for line in p.read_text(encoding="utf-8").splitlines() if line.strip()}
    decided, problems = {}, []
    for path in sorted((folder / "batches").glob("adjudicated-*.jsonl"), key=_number):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            d = json.loads(line)
            where = f"{path.name} line {n}"
            if d.get("id") not in wanted:
                problems.append(f"{where}: {d.get('id')} is not a disagreement to adjudicate")
            problems += [f"{where}: {p}" for p in _valid(d)]
            decided[d["id"]] = {"id": d["id"], "themes": [t for t in THEMES if t in d.get("themes", [])],
                                "sentiment": d.get("sentiment"), "boilerplate": d.get("boilerplate")}
    missing = wanted - set(decided)
    if missing:
        problems.append(f"{len(missing)} disagreements not yet decided (e.g. {sorted(missing)[0]})")
    if not problems:
        with (folder / "adjudicated.jsonl").open("w", encoding="utf-8") as fh:
            for d in sorted(decided.values(), key=lambda d: d["id"]):
                fh.write(json.dumps(d, ensure_ascii=False) + "\n")
    return len(decided), problems


def choose(pool: list[dict], n: int, model, labels, share_random: float = 0.5, seed: int = 0) -> list[dict]:
    """`n` items from `pool`: a `share_random` part at random (what a new authority's reports
    look like) and the rest those most worth labelling (`selection.rank`: the model unsure,
    rules and model disagreeing, themes with few labels)."""
    rng = random.Random(seed)
    picked = {i["id"]: i for i in rng.sample(pool, min(len(pool), round(n * share_random)))}
    rest = [i for i in pool if i["id"] not in picked]
    by_sentence = {i["_sentence_id"]: i for i in rest}
    rows = [(i["_sentence_id"], i["text"], i["section"], i["_before"], i["_after"]) for i in rest]
    for r in rank(rows, model, labels, n - len(picked)):
        item = by_sentence[r["sentence_id"]]
        picked[item["id"]] = item
    chosen = list(picked.values())
    rng.shuffle(chosen)
    return chosen
