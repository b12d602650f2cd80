"""`findings labels import` against a real refreshed warehouse: unknown sentence_ids and
missing columns are refused by name with nothing imported; labels of sealed authorities are
reported as joining the sealed test split and kept out of training; every imported label
has neighbour lists (never None), so retraining can read it."""
from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from findings.flows.cli import main
from findings.flows.refresh import refresh
from findings.models import train
from findings.models.features import Context
from findings.models.labels import is_test
from findings.models.tagging import Tagger
from findings.warehouse.db import query
from findings.warehouse.labels import imported_labels

from .conftest import SAMPLE

FINDINGS = Path(sys.executable).parent / "findings"
FIELDS = ["sentence_id", "document", "text", "themes", "sentiment", "boilerplate", "annotator"]


@pytest.fixture(scope="module")
def warehouse(prefect_harness, tmp_path_factory) -> Path:
    """Two documents: one of a training authority, one in a sealed authority's folder."""
    root = tmp_path_factory.mktemp("labels")
    (root / "corpus" / "northshire").mkdir(parents=True)
    (root / "corpus" / "barnsley").mkdir()  # a sealed authority (corpus/labels/split.yml)
    shutil.copy(SAMPLE / "northshire-commissioner-note-2022-06-01.txt", root / "corpus" / "northshire" / "2022-06-01.txt")
    shutil.copy(SAMPLE / "westbridge-improvement-board-2023-11-02.md", root / "corpus" / "barnsley" / "2023-11-02.md")
    wh = root / "w.duckdb"
    refresh(corpus=[str(root / "corpus")], warehouse=str(wh), workers=1)
    return wh


def _sentences(wh: Path, folder: str, n: int) -> list[dict]:
    rows = query(wh, f"""SELECT sentence_id, source, text FROM findings WHERE source LIKE '%/{folder}/%' AND NOT boilerplate
                         ORDER BY sentence_id LIMIT {n}""")[1]
    return [{"sentence_id": sid, "document": "", "text": text, "themes": "leadership", "sentiment": "positive",
             "boilerplate": "false", "annotator": "analyst"} for sid, _, text in rows]


def _write_csv(path: Path, rows: list[dict], fields: list[str] = FIELDS) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def _stored(wh: Path) -> int:
    return query(wh, "SELECT count(*) FROM store.labels WHERE origin = 'import'")[1][0][0]


def test_unknown_sentence_id_fails_and_imports_nothing(warehouse, tmp_path):
    rows = _sentences(warehouse, "northshire", 2)
    made_up = {**rows[0], "sentence_id": "0123456789abcdef-99999"}
    shifted = {**rows[1], "text": rows[0]["text"]}  # a real id, but another sentence's text
    before = _stored(warehouse)
    got = subprocess.run([str(FINDINGS), "labels", "import", str(_write_csv(tmp_path / "l.csv", [rows[0], made_up, shifted])),
                          "--warehouse", str(warehouse)], capture_output=True, text=True, timeout=120)
    assert got.returncode == 2 and "Traceback" not in got.stderr
    assert "2 label(s) name a sentence this warehouse does not hold; nothing imported" in got.stderr
    assert "'0123456789abcdef-99999' is no sentence of" in got.stderr and rows[1]["sentence_id"] in got.stderr
    assert "imported" not in got.stdout.replace("nothing imported", "")
    assert _stored(warehouse) == before


def test_missing_columns_are_named(warehouse, tmp_path, capsys):
    rows = _sentences(warehouse, "northshire", 1)
    no_sentiment = _write_csv(tmp_path / "l.csv", rows, [f for f in FIELDS if f != "sentiment"])
    assert main(["labels", "import", str(no_sentiment), "--warehouse", str(warehouse)]) == 2
    assert "has no 'sentiment' column(s); nothing imported" in capsys.readouterr().err
    row = {k: v for k, v in rows[0].items() if k != "boilerplate"}
    jsonl = tmp_path / "l.jsonl"
    jsonl.write_text(json.dumps(row) + "\n")
    assert main(["labels", "import", str(jsonl), "--warehouse", str(warehouse)]) == 2
    assert "line 1: no 'boilerplate'" in capsys.readouterr().err
    assert _stored(warehouse) == 0


def test_sealed_labels_are_reported_and_kept_out_of_training(warehouse, tmp_path, capsys):
    training, sealed = _sentences(warehouse, "northshire", 3), _sentences(warehouse, "barnsley", 2)
    loose = {"sentence_id": "", "document": "", "text": "Leaders now know their services well.", "themes": "leadership",
             "sentiment": "positive", "boilerplate": "false", "annotator": "analyst"}   # matched to no sentence
    path = _write_csv(tmp_path / "l.csv", training + sealed + [loose])
    assert main(["labels", "import", str(path), "--warehouse", str(warehouse)]) == 0
    out = capsys.readouterr().out
    assert f"imported 6 labels into {warehouse}:" in out
    assert "  4 joined training; run `findings retrain` to learn from them" in out
    assert "  2 joined the sealed test split, not trained on (sealed authorities: barnsley)" in out

    labels = imported_labels(warehouse)
    assert len(labels) == 6 and sum(map(is_test, labels)) == 2
    train_part, test_part = train.split(labels)   # what retraining does with them
    assert {l.sentence_id for l in test_part} == {r["sentence_id"] for r in sealed}
    assert all(l.document and "/barnsley/" in l.document for l in test_part)   # the document came from the warehouse
    by_id = {l.sentence_id: l for l in labels}
    assert all(isinstance(l.before, list) and isinstance(l.after, list) for l in labels)
    sid = training[1]["sentence_id"]
    previous = query(warehouse, f"""SELECT p.text FROM findings s JOIN findings p ON p.document_id = s.document_id
                                    AND p.sentence_index = s.sentence_index - 1 WHERE s.sentence_id = '{sid}'""")[1]
    assert by_id[sid].before[:1] == [previous[0][0]]  # neighbours from the warehouse
    assert by_id[None].before == [] and by_id[None].after == []
    rules = Tagger().rules  # the features of retraining accept every imported label (no None neighbours)
    texts = [l.text for l in labels]
    context = Context.of(rules, texts, rules.tag(texts), [l.before for l in labels], [l.after for l in labels])
    assert len(context.before) == 6
