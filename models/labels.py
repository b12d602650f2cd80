"""Labelled sentences: the project's own (corpus/labels/labels.jsonl, by the codebook) and
those analysts import into the warehouse. Validation, the fixed test split and the data
hash that model cards record."""
from __future__ import annotations

import csv
import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import yaml

from findings.corpus.settings import LABELS_DIR
from findings.rules.tagger import SENTIMENTS, THEMES

LABELS_FILE = LABELS_DIR / "labels.jsonl"
SECOND_FILE = LABELS_DIR / "second_annotator.jsonl"
ADJUDICATED_FILE = LABELS_DIR / "adjudicated.jsonl"
SPLIT_FILE = LABELS_DIR / "split.yml"


@dataclass
class Label:
    id: str
    text: str
    themes: list[str]
    sentiment: str
    boilerplate: bool = False
    document: str | None = None       # document key, e.g. ilacs/blackpool/2023-02-01.pdf
    document_id: str | None = None    # sha256 of the document's bytes
    sentence_id: str | None = None
    section: str | None = None
    before: list[str | None] = field(default_factory=list)  # the sentences either side in the document,
    after: list[str | None] = field(default_factory=list)   # nearest first: annotators read them to
    # resolve pronouns, and the model reads them too
    annotator: str = "unknown"
    labelled_at: str = field(default_factory=lambda: datetime.now().isoformat(timespec="seconds"))


class LabelError(ValueError):
    pass


def read_jsonl(path: Path) -> list[Label]:
    if not path.exists():
        return []
    return [Label(**json.loads(line)) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def project_labels() -> list[Label]:
    """The project's labels as trained and scored on: each first annotator's label, replaced
    by the adjudicator's decision where two annotators disagreed (adjudicated.jsonl). The
    annotators' own labels stay as they were written, for the agreement figures."""
    decided = {}
    if ADJUDICATED_FILE.exists():
        decided = {d["id"]: d for d in map(json.loads, ADJUDICATED_FILE.read_text(encoding="utf-8").splitlines()) if d}
    labels = read_jsonl(LABELS_FILE)
    for label in labels:
        if label.id in decided:
            d = decided[label.id]
            label.themes, label.sentiment, label.boilerplate = d["themes"], d["sentiment"], d["boilerplate"]
            label.annotator = "adjudicator"
    return labels


def label_files_digest() -> str:
    """Changes when any file behind `project_labels` changes."""
    digest = hashlib.sha256()
    for path in (LABELS_FILE, ADJUDICATED_FILE):
        digest.update(path.read_bytes() if path.exists() else b"")
    return digest.hexdigest()


def authority_of(label: Label) -> str:
    """The group a label is held out with in grouped cross-validation: the authority, which is
    the folder of an inspection report (ilacs/<authority>/<date>.pdf); a document elsewhere
    (the seeds, an analyst's own file) is its own group."""
    parts = (label.document or label.id).replace("\\", "/").split("/")
    return parts[-2] if len(parts) >= 2 and parts[-2] not in ("seeds", "sample", "corpus") else "/".join(parts[-2:])


def is_test(label: Label, split: dict | None = None) -> bool:
    """In the sealed test split: a report of a sealed authority (split.yml)."""
    split = split or yaml.safe_load(SPLIT_FILE.read_text(encoding="utf-8"))
    parts = (label.document or "").replace("\\", "/").split("/")[:-1]  # folders only
    return any(a in parts for a in split.get("sealed_authorities", []))


def data_hash(labels: list[Label]) -> str:
    digest = hashlib.sha256()
    for lab in sorted(labels, key=lambda l: l.id):
        digest.update(json.dumps([lab.id, lab.text, sorted(lab.themes), lab.sentiment, lab.boilerplate]).encode())
    return digest.hexdigest()[:16]


# --- validation of a file an analyst filled in -------------------------------------
def _parse_themes(value) -> list[str]:
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    value = (value or "").strip()
    if value.startswith("["):
        return [str(v).strip() for v in json.loads(value)]
    return [v.strip() for v in value.replace(";", ",").replace("|", ",").split(",") if v.strip()]


def _sides(value) -> list[str]:
    """A label file's neighbours: the nearest sentence (as exported) or a list, nearest first."""
    if isinstance(value, list):
        return value
    return [value] if value else []


def _parse_bool(value) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value or "").strip().lower()
    if text in ("", "false", "0", "no", "n"):
        return False
    if text in ("true", "1", "yes", "y"):
        return True
    raise ValueError(f"boilerplate must be true or false, not {value!r}")


# Columns every label file holds (as `findings labels export` writes them); a missing one is
# named, not read as empty.
REQUIRED_COLUMNS = ("text", "themes", "sentiment", "boilerplate")


def read_label_file(path: Path, annotator: str | None = None) -> list[Label]:
    """Every row validated against the codebook; any bad row fails the whole file, naming
    its line and the allowed values, so nothing is half imported. A file without one of
    REQUIRED_COLUMNS fails naming it."""
    path = Path(path)
    rows = _label_rows(path)
    errors, labels = [], []
    for n, row in rows:
        label, problems = _label_of(row, f"{path}, line {n}", annotator)
        errors += problems
        if label:
            labels.append(label)
    if errors:
        shown = "\n  ".join(errors[:20])
        more = f"\n  ... and {len(errors) - 20} more" if len(errors) > 20 else ""
        raise LabelError(f"{len(errors)} invalid row(s); nothing imported:\n  {shown}{more}")
    return labels


def _label_rows(path: Path) -> list[tuple[int, dict]]:
    """(line number, row) of a filled-in CSV or JSONL label file."""
    if not path.is_file():
        raise LabelError(f"label file {path} does not exist: pass the CSV or JSONL written by `findings labels export`, "
                         "filled in.")
    if path.suffix.lower() == ".csv":
        with path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise LabelError(f"{path} has no {', '.join(map(repr, missing))} column(s); nothing imported: a label file "
                                 f"needs {', '.join(REQUIRED_COLUMNS)} (as `findings labels export` writes them).")
            rows = [(n, row) for n, row in enumerate(reader, start=2)]
    elif path.suffix.lower() in (".jsonl", ".json"):
        rows = []
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if line.strip():
                try:
                    rows.append((n, json.loads(line)))
                except json.JSONDecodeError as exc:
                    raise LabelError(f"{path}, line {n}: not valid JSON ({exc.msg}).") from None
    else:
        raise LabelError(f"{path}: give a .csv or .jsonl file (as written by `findings labels export`).")
    if not rows:
        raise LabelError(f"{path} holds no labels: fill in the rows `findings labels export` wrote.")
    return rows


def codebook_problems(themes: list[str], sentiment: str, boilerplate: bool) -> list[str]:
    """What in one label the codebook does not allow (nothing: [])."""
    problems = []
    unknown = [t for t in themes if t not in THEMES]
    if unknown:
        problems.append(f"unknown theme {', '.join(map(repr, unknown))}; allowed: {', '.join(THEMES)}")
    if sentiment not in SENTIMENTS:
        problems.append(f"sentiment {sentiment!r} is not allowed; use one of: {', '.join(SENTIMENTS)}")
    if boilerplate and (themes or sentiment != "neutral"):
        problems.append("boilerplate sentences take no themes and neutral sentiment (codebook)")
    return problems


def _label_of(row: dict, where: str, annotator: str | None) -> tuple[Label | None, list[str]]:
    """One row as a Label and what is wrong with it by the codebook (None when unreadable)."""
    missing = [c for c in REQUIRED_COLUMNS if c not in row]
    if missing:
        return None, [f"{where}: no {', '.join(map(repr, missing))} (a label needs {', '.join(REQUIRED_COLUMNS)})."]
    text = (row.get("text") or "").strip()
    if not text:
        return None, [f"{where}: 'text' is empty."]
    try:
        themes = _parse_themes(row.get("themes"))
        boilerplate = _parse_bool(row.get("boilerplate"))
    except (ValueError, json.JSONDecodeError) as exc:
        return None, [f"{where}: {exc}."]
    sentiment = (row.get("sentiment") or "").strip()
    errors = [f"{where}: {p}." for p in codebook_problems(themes, sentiment, boilerplate)]
    label = Label(
        id=row.get("id") or "I" + hashlib.sha1(f"{row.get('sentence_id')}\n{text}".encode()).hexdigest()[:10],
        text=text, themes=[t for t in THEMES if t in themes], sentiment=sentiment, boilerplate=boilerplate,
        document=row.get("document") or row.get("source") or None, document_id=row.get("document_id") or None,
        sentence_id=row.get("sentence_id") or None, section=row.get("section") or None,
        before=_sides(row.get("before")), after=_sides(row.get("after")),
        annotator=annotator or row.get("annotator") or "unknown",
        labelled_at=row.get("labelled_at") or datetime.now().isoformat(timespec="seconds"))
    return label, errors
