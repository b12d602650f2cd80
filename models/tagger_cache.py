"""The current tagger (rules + promoted model), one per process, and its version.

Every process that tags (a refresh's workers, a re-tag's workers, benchmarks) takes its
tagger from here, so each loads the rules and model once and picks up a newly promoted
model or edited rule files on its next call."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from findings.rules.tagger import rules_version

from . import tagging
from .registry import chosen_folder, load
from .tagging import Tagger


def tagger(model: str | Path | None = None) -> Tagger:
    """This process's tagger with the current rules and the model in folder `model` (None: the
    shipped current), reloaded when the rule files or the chosen model change."""
    folder = _folder(model)
    return _tagger(tagger_version(folder), str(folder) if folder else None)


@lru_cache(maxsize=1)
def _tagger(version: str, folder: str | None) -> Tagger:
    return Tagger(model=load(Path(folder) if folder else None))


def tagger_version(model: str | Path | None = None) -> str:
    """The version `tagger(model)` reports, without loading the model (seconds): enough to see
    that no stored sentence is stale."""
    folder = _folder(model)
    return tagging.tagger_version(rules_version(), folder.name if folder else None)


def _folder(model: str | Path | None) -> Path | None:
    return Path(model) if model else chosen_folder(None)
