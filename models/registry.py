"""Versioned classifier artifacts under models/registry/<version>/ and the pointer to the
current one (models/current.json). A retrain writes a new version; only promotion moves
the pointer, so a worse model never replaces a good one silently.

Each version keeps its card (card.json) and the sha256 of its weight files (weights.sha256,
written when it is registered; a registered version is never rewritten). The repository
ships the current version's weights only: earlier versions keep card and digests, so what
was measured stays on record and weights found elsewhere can be checked against it."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

HERE = Path(__file__).parent
REGISTRY = HERE / "registry"
CURRENT = HERE / "current.json"
WEIGHT_FILES = ("model.npz", "model.json", "vocabularies.json")
DIGESTS = "weights.sha256"


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


def load_current():
    """The current model, or None when none has been promoted (rules alone tag)."""
    version = current_version()
    if version is None:
        return None
    from .classifier import ThemeModel

    return ThemeModel.load(REGISTRY / version)
