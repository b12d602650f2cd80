"""A labelling round end to end on files: deal batches (each item to two annotators), check
an annotator's file, merge, draw the disagreements for adjudication and apply the decisions."""
from __future__ import annotations

import json

import pytest

from findings.models import labelling
from findings.models import labels as labels_module


def _items(n: int) -> list[dict]:
    rows = [(f"s{k}", f"../shared/corpus/ilacs2/town{k % 3}/2024-01-01.pdf", "Help and protection", f"Sentence number {k}.",
             "d" * 64, False, [f"Before {k}.", None], [f"After {k}.", None]) for k in range(n)]
    return labelling.items(rows)


def _write_labels(folder, n: int, decide) -> None:
    batch = [json.loads(line) for line in (folder / "batches" / f"batch-{n}.jsonl").read_text().splitlines()]
    (folder / "batches" / f"labels-{n}.jsonl").write_text(
        "".join(json.dumps({"id": item["id"], **decide(item)}) + "\n" for item in batch))


def test_a_round_from_batches_to_adjudicated_labels(tmp_path, monkeypatch):
    items = _items(12)
    assert items[0]["document"] == "ilacs2/town0/2024-01-01.pdf" and "_before" in items[0]
    numbers = labelling.write_batches(items, 2, folder=tmp_path, second=True)
    assert numbers == [1, 2, 3, 4]
    dealt = [[json.loads(l)["id"] for l in (tmp_path / "batches" / f"batch-{n}.jsonl").read_text().splitlines()] for n in numbers]
    assert sorted(dealt[0] + dealt[1]) == sorted(i["id"] for i in items)  # every item once in the first labels
    assert set(dealt[2]) == set(dealt[1]) and set(dealt[3]) == set(dealt[0])  # and once more, in another batch
    assert not any(k.startswith("_") for k in json.loads((tmp_path / "batches" / "batch-1.jsonl").read_text().splitlines()[0]))

    agree = lambda item: {"themes": ["child_protection"], "sentiment": "positive", "boilerplate": False}
    for n in (1, 2, 3):
        _write_labels(tmp_path, n, agree)
    disagree_on = dealt[0][0]
    _write_labels(tmp_path, 4, lambda item: agree(item) if item["id"] != disagree_on else
                  {"themes": ["child_protection"], "sentiment": "mixed", "boilerplate": False})
    (tmp_path / "batches" / "labels-4.jsonl").write_text((tmp_path / "batches" / "labels-4.jsonl").read_text()
                                                          + json.dumps({"id": "nope", "themes": ["x"], "sentiment": "good"}) + "\n")
    done, missing, problems = labelling.check_batch(4, folder=tmp_path)
    assert done == 6 and not missing and len(problems) == 4  # unknown id, unknown theme, bad sentiment, no boilerplate flag
    first, second, skipped = labelling.merge_batches(folder=tmp_path)
    assert (first, second) == (12, 6) and skipped and skipped[0].startswith("batch 4")  # an invalid batch is left out whole
    _write_labels(tmp_path, 4, lambda item: agree(item) if item["id"] != disagree_on else
                  {"themes": ["child_protection"], "sentiment": "mixed", "boilerplate": False})
    assert labelling.merge_batches(folder=tmp_path) == (12, 12, [])

    n, files = labelling.draw_adjudication(3, folder=tmp_path)
    assert n == 1 and files == [1]
    todo = json.loads((tmp_path / "batches" / "adjudicate-1.jsonl").read_text())
    assert todo["id"] == disagree_on and {todo["label_a"]["sentiment"], todo["label_b"]["sentiment"]} == {"positive", "mixed"}
    assert labelling.merge_adjudication(folder=tmp_path)[1]  # not yet decided: refused
    (tmp_path / "batches" / "adjudicated-1.jsonl").write_text(
        json.dumps({"id": disagree_on, "themes": ["child_protection"], "sentiment": "mixed", "boilerplate": False}) + "\n")
    assert labelling.merge_adjudication(folder=tmp_path) == (1, [])
    assert labelling.draw_adjudication(3, folder=tmp_path) == (0, [])  # decided once, never drawn again

    monkeypatch.setattr(labels_module, "LABELS_FILE", tmp_path / "labels.jsonl")
    monkeypatch.setattr(labels_module, "ADJUDICATED_FILE", tmp_path / "adjudicated.jsonl")
    final = {l.id: l for l in labels_module.project_labels()}
    assert final[disagree_on].sentiment == "mixed" and final[disagree_on].annotator == "adjudicator"


@pytest.mark.shared
def test_findings_labels_sample_draws_unlabelled_sentences_from_a_warehouse(seeds_warehouse, tmp_path, capsys):
    from findings.flows.cli import main

    (tmp_path / "batches").mkdir()
    assert main(["labels", "sample", "--warehouse", str(seeds_warehouse), "--n", "20", "--batches", "2", "--double",
                 "--dir", str(tmp_path)]) == 0
    batches = [[json.loads(l) for l in (tmp_path / "batches" / f"batch-{n}.jsonl").read_text().splitlines()] for n in (1, 2, 3, 4)]
    assert sum(map(len, batches[:2])) == 20 and {i["id"] for i in batches[0]} == {i["id"] for i in batches[3]}
    assert all(i["document"].startswith("seeds/") and len(i["text"]) >= 25 for i in batches[0])
    assert "batches 1..4" in capsys.readouterr().out
    # drawn items are not drawn again
    assert main(["labels", "sample", "--warehouse", str(seeds_warehouse), "--n", "10", "--batches", "1", "--dir", str(tmp_path)]) == 0
    again = {json.loads(l)["id"] for l in (tmp_path / "batches" / "batch-5.jsonl").read_text().splitlines()}
    assert len(again) == 10 and not again & {i["id"] for b in batches for i in b}
