"""Final tags of sentences: spaCy rules combined with the current classifier.

Without a model, every rule hit is a tag. With one, strong rules (precise patterns) still
tag, and the model adds or confirms themes above its per-theme threshold; its sentiment
replaces the rules' sentiment. Boilerplate (rules) always wins: no themes, neutral.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from findings.rules.tagger import THEMES, RuleTagger, default_tagger

from .features import SENTENCES, Context


@dataclass
class ThemeTag:
    theme: str
    score: float
    source: str       # rule | model | label
    detail: str       # rule id, model version or annotator


@dataclass
class SentenceTags:
    themes: list[ThemeTag] = field(default_factory=list)
    hits: list[tuple[str, str]] = field(default_factory=list)  # (theme, rule id) for every rule that fired
    sentiment: str = "neutral"
    sentiment_score: float = 0.0
    sentiment_source: str = "rule"
    cues: list[str] = field(default_factory=list)
    boilerplate: bool = False
    boilerplate_rule: str | None = None


def tagger_version(rules_version: str, model_version: str | None) -> str:
    """What stored tags record; tags made under another version are stale."""
    return f"rules-{rules_version}+model-{model_version or 'none'}"


def neighbours(texts: list[str]) -> tuple[list[list[str]], list[list[str]]]:
    """The sentences before and after each of a document's sentences (given in order),
    nearest first, as many as the model reads."""
    before = [texts[max(0, i - SENTENCES):i][::-1] for i in range(len(texts))]
    return before, [texts[i + 1:i + 1 + SENTENCES] for i in range(len(texts))]


class Tagger:
    def __init__(self, rules: RuleTagger | None = None, model=None):
        self.rules = rules or default_tagger()
        self.model = model  # a findings.models.classifier.ThemeModel, or None

    @property
    def version(self) -> str:
        return tagger_version(self.rules.version, self.model.version if self.model else None)

    def tag(self, texts: list[str], sections: list[str | None], before: list[list[str]] | None = None,
            after: list[list[str]] | None = None) -> list[SentenceTags]:
        """Tags of each sentence; `before` and `after` hold the sentences either side of each
        in its document, nearest first (see `neighbours`), which the model reads too."""
        rule_tags = self.rules.tag(texts, sections)
        predictions = self.predict(texts, sections, rule_tags, before, after) if self.model and texts else None
        out = []
        for i, rt in enumerate(rule_tags):
            tags = SentenceTags(
                hits=[(theme, rid) for theme, ids in rt.hits.items() for rid in ids],
                sentiment=rt.sentiment,
                sentiment_score=rt.sentiment_score,
                cues=rt.cues,
                boilerplate=rt.boilerplate is not None,
                boilerplate_rule=rt.boilerplate,
            )
            if not tags.boilerplate:
                if predictions is None:
                    for theme in rt.themes:
                        tags.themes.append(ThemeTag(theme, 1.0, "rule", rt.hits[theme][0]))
                else:
                    pred = predictions[i]
                    for theme in THEMES:
                        if theme in rt.strong:
                            strong_id = next(r for r in rt.hits[theme] if r in self.rules.strong_ids)
                            tags.themes.append(ThemeTag(theme, 1.0, "rule", strong_id))
                        elif theme in pred.themes:
                            tags.themes.append(ThemeTag(theme, round(pred.probabilities[theme], 4), "model", self.model.version))
                    tags.sentiment, tags.sentiment_score = pred.sentiment, pred.sentiment_score
                    tags.sentiment_source = "model"
            out.append(tags)
        return out

    def predict(self, texts: list[str], sections: list[str | None], rule_tags: list, before: list[list[str]] | None = None,
                after: list[list[str]] | None = None) -> list:
        """The model's predictions (classifier.Prediction) for sentences the rules have tagged,
        reading their neighbours if the model was trained to."""
        context = Context.of(self.rules, texts, rule_tags, before, after) if self.model.uses_context else None
        return self.model.predict(texts, sections, rule_tags, context)
