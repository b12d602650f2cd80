"""The current tagger (rules + promoted model), one per process, and its version.

Every process that tags (a refresh's workers, a re-tag's workers, benchmarks) takes its
tagger from here, so each loads the rules and model once and picks up a newly promoted
model or edited rule files on its next call."""
from __future__ import annotations

from functools import lru_cache

from findings.rules.tagger import rules_version

from . import tagging
from .registry import current_version, load_current
from .tagging import Tagger


def tagger() -> Tagger:
    """This process's tagger with the current rules and model (reloaded when a retrain
    promotes another model or the rule files change)."""
    return _tagger(tagger_version())


@lru_cache(maxsize=1)
def _tagger(version: str) -> Tagger:
    return Tagger(model=load_current())


def tagger_version() -> str:
    """The version `tagger()` reports, without loading the model (seconds): enough to see
    that no stored sentence is stale."""
    return tagging.tagger_version(rules_version(), current_version())
