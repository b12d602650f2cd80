"""The codebook (codebook.yaml): theme ids and sentiment labels in their order, with what
each means. Everything that lists themes or sentiments takes them from here: the rule
tagger, the classifier, the warehouse views and contract, label validation."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

CODEBOOK_FILE = Path(__file__).with_name("codebook.yaml")


@dataclass(frozen=True)
class Theme:
    id: str
    name: str
    core: bool
    about: str


@dataclass(frozen=True)
class Sentiment:
    id: str
    when: str


@dataclass(frozen=True)
class Codebook:
    themes: tuple[Theme, ...]
    sentiments: tuple[Sentiment, ...]

    @property
    def theme_ids(self) -> tuple[str, ...]:
        return tuple(t.id for t in self.themes)

    @property
    def core_theme_ids(self) -> tuple[str, ...]:
        return tuple(t.id for t in self.themes if t.core)

    @property
    def sentiment_ids(self) -> tuple[str, ...]:
        return tuple(s.id for s in self.sentiments)


def load(path: Path = CODEBOOK_FILE) -> Codebook:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    themes = tuple(Theme(t["id"], t["name"], bool(t.get("core", False)), t["about"]) for t in data["themes"])
    sentiments = tuple(Sentiment(s["id"], s["when"]) for s in data["sentiments"])
    for kind, ids in (("theme", [t.id for t in themes]), ("sentiment", [s.id for s in sentiments])):
        if len(set(ids)) != len(ids):
            raise ValueError(f"{path}: a {kind} id is listed twice: {ids}")
    return Codebook(themes, sentiments)


CODEBOOK = load()
THEMES: tuple[str, ...] = CODEBOOK.theme_ids                  # in codebook order
CORE_THEMES: tuple[str, ...] = CODEBOOK.core_theme_ids
SENTIMENTS: tuple[str, ...] = CODEBOOK.sentiment_ids
