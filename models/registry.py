"""Versioned classifier artifacts under models/registry/<version>/ and the pointer to the
current one (models/current.json). A retrain writes a new version; only promotion moves
the pointer, so a worse model never replaces a good one silently.

Each version keeps its card (card.json) and the sha256 of its weight files (weights.sha256,
written when it is registered; a registered version is never rewritten). The repository
ships the current version's weights only: earlier versions keep card and digests, so what
was measured stays on record and weights found elsewhere can be checked against it.

The shipped registry is read-only package data. Models a user trains (`findings retrain`)
live in the warehouse's models folder (`corpus.settings.models_dir`: `<warehouse
stem>.models/` beside the DuckDB file, or FINDINGS_MODELS), each in `<version>/` like the
shipped ones, and that folder's `current.json` records which model tags that warehouse
(absent: the shipped current). `chosen_folder(models_dir)` resolves it; tagging processes
are handed that folder (models.tagger_cache)."""
from __future__ import annotations

import hashlib
import json
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).parent
REGISTRY = HERE / "registry"
CURRENT = HERE / "current.json"
WEIGHT_FILES = ("model.npz", "model.json", "vocabularies.json")
DIGESTS = "weights.sha256"


def card(folder: Path) -> dict:
    """A version's card ({} when it has none)."""
    path = Path(folder) / "card.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def write_digests(folder: Path) -> None:
    """weights.sha256 of a newly registered version (sha256sum's format)."""
    lines = [f"{hashlib.sha256((folder / name).read_bytes()).hexdigest()}  {name}" for name in WEIGHT_FILES]
    (folder / DIGESTS).write_text("\n".join(lines) + "\n", encoding="utf-8")


def digests_match(folder: Path) -> bool:
    """Whether the weight files present in `folder` are those registered."""
    for line in (folder / DIGESTS).read_text(encoding="utf-8").splitlines():
        digest, name = line.split(maxsplit=1)
        if (folder / name).exists() and hashlib.sha256((folder / name).read_bytes()).hexdigest() != digest:
            return False
    return True


def current_version() -> str | None:
    if not CURRENT.exists():
        return None
    return json.loads(CURRENT.read_text(encoding="utf-8")).get("version")


def chosen_version(models_dir: Path | None = None) -> str | None:
    """The version that tags a warehouse whose models folder is `models_dir`: its
    current.json, else the shipped current (None: rules alone)."""
    if models_dir is not None and (Path(models_dir) / "current.json").exists():
        return json.loads((Path(models_dir) / "current.json").read_text(encoding="utf-8")).get("version")
    return current_version()


def folder_of(version: str, models_dir: Path | None = None) -> Path:
    """A version's folder: the user's models folder first, then the shipped registry."""
    if models_dir is not None and (Path(models_dir) / version).is_dir():
        return Path(models_dir) / version
    return REGISTRY / version


def chosen_folder(models_dir: Path | None = None) -> Path | None:
    """The folder of the model that tags a warehouse with models folder `models_dir`."""
    version = chosen_version(models_dir)
    return folder_of(version, models_dir) if version else None


def load(folder: Path | None):
    """The model saved in `folder` (None: no model, rules alone)."""
    if folder is None:
        return None
    from .classifier import ThemeModel

    return ThemeModel.load(Path(folder))


def has_weights(folder: Path) -> bool:
    return all((folder / name).exists() for name in WEIGHT_FILES)


def choose(models_dir: Path, version: str) -> Path:
    """Record `version` as the model of the warehouse whose models folder is `models_dir`
    (written there, never in the package). Refuses a version without weights or whose
    weights are not those registered."""
    folder = folder_of(version, models_dir)
    if not (folder / "card.json").exists():
        raise ValueError(f"no model {version} in {models_dir} or the shipped registry: `findings models` lists them")
    if not has_weights(folder):
        raise ValueError(f"{version} keeps its card only (no weights in {folder}): it cannot tag; choose a version "
                         "`findings models` lists with weights")
    if not digests_match(folder):
        raise ValueError(f"the weights in {folder} are not those registered for {version} (weights.sha256): not used")
    Path(models_dir).mkdir(parents=True, exist_ok=True)
    (Path(models_dir) / "current.json").write_text(
        json.dumps({"version": version, "promoted_at": datetime.now().isoformat(timespec="seconds")}, indent=1) + "\n",
        encoding="utf-8")
    return folder


def versions(models_dir: Path | None = None) -> list[dict]:
    """Every version on record, shipped and the user's, oldest first: its card's figures,
    where it lives and whether it has weights."""
    out = {}
    for where, root in (("shipped", REGISTRY), ("trained", Path(models_dir) if models_dir else None)):
        if root is None or not root.is_dir():
            continue
        for folder in sorted(p for p in root.iterdir() if p.is_dir() and (p / "card.json").exists()):
            out[folder.name] = {"version": folder.name, "where": where, "folder": folder, "card": card(folder),
                                "weights": has_weights(folder), "refused": (folder / REFUSED).exists()}
    return [out[k] for k in sorted(out)]


REFUSED = "refused.json"  # beside a trained version the gate kept out: why, for `findings retrain --accept`


def load_current():
    """The shipped current model, or None when none has been promoted (rules alone tag)."""
    version = current_version()
    if version is None:
        return None
    from .classifier import ThemeModel

    return ThemeModel.load(REGISTRY / version)
