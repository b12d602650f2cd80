"""Versioned classifier artifacts under models/registry/<version>/ and the pointer to the
current one (models/current.json). A retrain writes a new version; only promotion moves
the pointer, so a worse model never replaces a good one silently."""
from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).parent
REGISTRY = HERE / "registry"
CURRENT = HERE / "current.json"


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
