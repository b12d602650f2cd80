"""A non-editable install (`pip install .`) ships every file the code reads from beside
itself: each such file is matched by pyproject's package-data for its package (cheap: no
install here; `pip install .` into a fresh virtualenv was checked by hand, see README)."""
from __future__ import annotations

import tomllib
from pathlib import Path

from findings.corpus import metadata, settings
from findings.models import labels, registry
from findings.rules import codebook, tagger
from findings.warehouse import contract, db

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]


def read_by_the_code() -> list[Path]:
    files = [labels.LABELS_FILE, labels.SECOND_FILE, labels.ADJUDICATED_FILE, labels.SPLIT_FILE,
             tagger.THEMES_FILE, tagger.SENTIMENT_FILE, tagger.BOILERPLATE_FILE, codebook.CODEBOOK_FILE,
             metadata.AUTHORITIES_CSV, registry.CURRENT, db.VIEWS, contract.CONTRACT_FILE]
    files += sorted(db.MIGRATIONS.glob("*.sql")) + sorted(p for p in registry.REGISTRY.rglob("*") if p.is_file())
    files += sorted(p for p in settings.SAMPLE_CORPUS.iterdir() if p.is_file())
    return [Path(f).resolve() for f in files]


def shipped() -> set[Path]:
    out = set()
    for package, patterns in PYPROJECT["package-data"].items():
        folder = ROOT / PYPROJECT["package-dir"][package]
        out |= {p.resolve() for pattern in patterns for p in folder.glob(pattern) if p.is_file()}
    return out


def test_every_file_the_code_reads_is_package_data():
    files = read_by_the_code()
    assert all(f.exists() for f in files), [str(f) for f in files if not f.exists()]
    missing = [str(f.relative_to(ROOT)) for f in files if f not in shipped()]
    assert not missing, f"not in pyproject's package-data: {missing}"


def test_the_labelling_batches_are_not_shipped():
    assert not [p for p in shipped() if "batches" in p.parts]


def test_package_data_is_found_beside_the_package_not_the_working_directory():
    assert settings.LABELS_DIR == ROOT / "corpus" / "labels" and labels.LABELS_FILE.parent == settings.LABELS_DIR
    assert settings.SAMPLE_CORPUS.is_absolute() and tagger.THEMES_FILE.is_absolute() and registry.CURRENT.is_absolute()
