"""Rule tagging with spaCy: theme patterns, sentiment cues and boilerplate patterns, all
read from the data files in this folder so analysts can read and edit them.

One `RuleTagger` tags a batch of sentences; tagging needs only the sentence text and its
section heading, so stored sentences can be re-tagged without re-reading documents.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import spacy
import yaml
from spacy.matcher import Matcher, PhraseMatcher

HERE = Path(__file__).parent
THEMES_FILE = HERE / "themes.jsonl"
SENTIMENT_FILE = HERE / "sentiment.yaml"
BOILERPLATE_FILE = HERE / "boilerplate.yaml"

# Theme ids and sentiment labels of ../shared/codebook.md, in its order.
THEMES = (
    "front_door", "early_help", "supervision", "care_leavers", "children_in_care",
    "child_protection", "exploitation_missing", "leadership", "workforce",
    "quality_assurance", "voice_participation",
)
CORE_THEMES = THEMES[:4]
SENTIMENTS = ("positive", "negative", "mixed", "neutral")


class RulesError(ValueError):
    """A rules file that cannot be used; the message names the file and line."""


@dataclass
class RuleTags:
    hits: dict[str, list[str]] = field(default_factory=dict)  # theme -> ids of every rule that fired
    strong: set[str] = field(default_factory=set)             # themes a strong rule fired for
    sentiment: str = "neutral"
    sentiment_score: float = 0.0
    cues: list[str] = field(default_factory=list)             # sentiment cues that counted, signed
    boilerplate: str | None = None                            # id of the boilerplate rule that fired

    @property
    def themes(self) -> list[str]:
        """What rules alone would tag: every theme with a hit (no model present)."""
        return [t for t in THEMES if t in self.hits]


def rules_version() -> str:
    """Hash of the rule files: stored tags made under another version are re-tagged."""
    digest = hashlib.sha256()
    for path in (THEMES_FILE, SENTIMENT_FILE, BOILERPLATE_FILE):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def load_theme_rules(path: Path | None = None) -> list[dict]:
    path = path or THEMES_FILE
    rules, ids = [], set()
    for line_no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            rule = json.loads(line)
        except json.JSONDecodeError as exc:
            raise RulesError(f"{path}:{line_no}: not valid JSON ({exc.msg}).") from None
        if rule.get("theme") not in THEMES:
            raise RulesError(f"{path}:{line_no}: theme {rule.get('theme')!r} is not a codebook theme; use one of {', '.join(THEMES)}.")
        if not rule.get("id") or rule["id"] in ids:
            raise RulesError(f"{path}:{line_no}: every rule needs a unique 'id' (got {rule.get('id')!r}).")
        if ("phrase" in rule) == ("pattern" in rule):
            raise RulesError(f"{path}:{line_no}: give exactly one of 'phrase' (text) or 'pattern' (spaCy token pattern).")
        ids.add(rule["id"])
        rules.append(rule)
    return rules


class RuleTagger:
    def __init__(self) -> None:
        self.nlp = spacy.blank("en")
        self.version = rules_version()
        self.theme_rules = load_theme_rules()
        self.strong_ids = {r["id"] for r in self.theme_rules if r.get("strong", True)}
        self.rule_theme = {r["id"]: r["theme"] for r in self.theme_rules}
        self.phrases = PhraseMatcher(self.nlp.vocab, attr="LOWER")
        self.patterns = Matcher(self.nlp.vocab)
        for rule in self.theme_rules:
            if "phrase" in rule:
                self.phrases.add(rule["id"], [self.nlp.make_doc(rule["phrase"])])
            else:
                self.patterns.add(rule["id"], [rule["pattern"]])
        self._load_sentiment()
        self._load_boilerplate()

    def _load_sentiment(self) -> None:
        cfg = yaml.safe_load(SENTIMENT_FILE.read_text(encoding="utf-8"))
        # Whole-phrase cues go to a PhraseMatcher; "word*" cues are matched by prefix.
        self.cues = PhraseMatcher(self.nlp.vocab, attr="LOWER")
        self.prefix_cues: dict[str, str] = {}
        self.cue_weight: dict[str, float] = {}
        weak = set(cfg.get("weak", []))
        for polarity, sign in (("positive", 1.0), ("negative", -1.0)):
            for weight, cues in cfg[polarity].items():
                for cue in cues:
                    key = f"{polarity}:{cue}"
                    self.cue_weight[key] = sign * float(weight) * (0.5 if cue in weak else 1.0)
                    if cue.endswith("*") and " " not in cue:
                        self.prefix_cues[cue[:-1].lower()] = key
                    else:
                        self.cues.add(key, [self.nlp.make_doc(cue)])
        self.prefixes = tuple(self.prefix_cues)
        self.negators = {n.lower() for n in cfg["negators"]}
        self.window = int(cfg["negation_window"])
        self.contrast = [tuple(c.split()) for c in cfg["contrast"]]
        self.negative_sections = [s.lower() for s in cfg["negative_sections"]]
        self.neutral_band = float(cfg["neutral_band"])

    def _load_boilerplate(self) -> None:
        cfg = yaml.safe_load(BOILERPLATE_FILE.read_text(encoding="utf-8"))
        self.boilerplate = []
        for rule in cfg["rules"]:
            flags = 0 if rule.get("case_sensitive") else re.IGNORECASE
            try:
                self.boilerplate.append((rule["id"], re.compile(rule["pattern"], flags)))
            except re.error as exc:
                raise RulesError(f"{BOILERPLATE_FILE}: rule {rule.get('id')!r}: bad regular expression ({exc}).") from None

    # --- tagging -------------------------------------------------------------------
    def tag(self, texts: list[str], sections: list[str | None] | None = None) -> list[RuleTags]:
        sections = sections or [None] * len(texts)
        out = []
        for doc, section in zip(self.nlp.pipe(texts, batch_size=1000), sections):
            out.append(self._tag_doc(doc, section))
        return out

    def _tag_doc(self, doc, section: str | None) -> RuleTags:
        tags = RuleTags()
        text = doc.text
        for rule_id, pattern in self.boilerplate:
            if pattern.search(text):
                tags.boilerplate = rule_id
                return tags  # codebook: boilerplate gets no themes and neutral sentiment
        words = [t.lower_ for t in doc]  # one pass over tokens, shared below
        if _garbled(words, text):
            tags.boilerplate = "garbled"
            return tags
        strings = self.nlp.vocab.strings
        for match_id, _, _ in list(self.phrases(doc)) + list(self.patterns(doc)):
            rule_id = strings[match_id]
            theme = self.rule_theme[rule_id]
            tags.hits.setdefault(theme, []).append(rule_id)
            if rule_id in self.strong_ids:
                tags.strong.add(theme)
        self._sentiment(doc, words, section, tags)
        return tags

    def _sentiment(self, doc, words: list[str], section: str | None, tags: RuleTags) -> None:
        strings = self.nlp.vocab.strings
        matches = list(self.cues(doc))
        strings_add = strings.add
        for i, lower in enumerate(words):
            if lower.startswith(self.prefixes):
                key = next(self.prefix_cues[p] for p in self.prefixes if lower.startswith(p))
                matches.append((strings_add(key), i, i + 1))
        taken: set[int] = set()
        found = []  # (token start, signed weight, cue)
        for match_id, start, end in sorted(matches, key=lambda m: -(m[2] - m[1])):  # longest cues first
            if taken & set(range(start, end)):
                continue
            taken.update(range(start, end))
            key = strings[match_id]
            weight = self.cue_weight[key]
            cue_words = key.split(":", 1)[1]
            # A negator shortly before a cue flips it, unless the cue is itself a negation phrase.
            if not any(w in self.negators for w in cue_words.split()):
                window = words[max(0, start - self.window):start]
                if any(w in self.negators for w in window):
                    weight = -weight * (0.5 if weight < 0 else 1.0)  # "no delay" is only mildly positive
            found.append((start, weight, cue_words))
        boundaries = self._contrast_positions(words)
        clauses: dict[int, float] = {}
        for start, weight, _ in found:
            clause = sum(1 for b in boundaries if b <= start)
            clauses[clause] = clauses.get(clause, 0.0) + weight
        pos = sum(w for _, w, _ in found if w > 0)
        neg = -sum(w for _, w, _ in found if w < 0)
        tags.cues = [f"{'+' if w > 0 else '-'}{cue}" for _, w, cue in sorted(found)]
        signs = {1 if v > 0.25 else -1 if v < -0.25 else 0 for v in clauses.values()}
        if pos + neg == 0:
            if section and any(s in section.lower() for s in self.negative_sections):
                tags.sentiment, tags.sentiment_score = "negative", -0.5
            return
        score = (pos - neg) / (pos + neg)
        tags.sentiment_score = round(score, 3)
        if {1, -1} <= signs and boundaries:
            tags.sentiment = "mixed"
        elif abs(score) < self.neutral_band:
            tags.sentiment = "mixed" if min(pos, neg) >= 1.0 else "neutral"
        else:
            tags.sentiment = "positive" if score > 0 else "negative"

    def _contrast_positions(self, words: list[str]) -> list[int]:
        positions = []
        for marker in self.contrast:
            n = len(marker)
            for i in range(len(words) - n + 1):
                if tuple(words[i:i + n]) == marker:
                    positions.append(i)
        return sorted(positions)


def _garbled(words: list[str], text: str) -> bool:
    """Extraction debris: mostly one-letter tokens or few letters."""
    letters = sum(c.isalpha() for c in text)
    if len(text) >= 12 and letters / len(text) < 0.5:
        return True
    alpha = [w for w in words if w.isalpha()]
    return len(alpha) >= 6 and sum(len(w) == 1 for w in alpha) / len(alpha) > 0.5


@lru_cache(maxsize=1)
def default_tagger() -> RuleTagger:
    return RuleTagger()
