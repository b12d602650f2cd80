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
from spacy.attrs import LOWER
from spacy.matcher import Matcher, PhraseMatcher

# The codebook's theme ids and sentiment labels, in its order (codebook.yaml), re-exported:
# the rest of the project imports them from here.
from .codebook import CORE_THEMES, SENTIMENTS, THEMES  # noqa: F401

HERE = Path(__file__).parent
THEMES_FILE = HERE / "themes.jsonl"
SENTIMENT_FILE = HERE / "sentiment.yaml"
BOILERPLATE_FILE = HERE / "boilerplate.yaml"


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
    # What the sentiment decision saw, kept as features for the classifier: summed positive
    # and negative cue weight, whether a contrast marker splits the sentence, and how many
    # clauses lean each way (mixed sentences are two clauses that disagree).
    positive_weight: float = 0.0
    negative_weight: float = 0.0
    contrast: bool = False
    positive_clauses: int = 0
    negative_clauses: int = 0

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
            phrases = [rule["phrase"]] if "phrase" in rule else _as_phrases(rule["pattern"])
            if phrases:
                self.phrases.add(rule["id"], [self.nlp.make_doc(p) for p in phrases])
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
        self.negate_negative = {n.lower() for n in cfg.get("negate_negative", cfg["negators"])}
        self.window = int(cfg["negation_window"])
        self.contrast = [tuple(c.split()) for c in cfg["contrast"]]
        self.contrast_starts = {m[0] for m in self.contrast}
        self.negative_sections = [s.lower() for s in cfg["negative_sections"]]
        self.neutral_band = float(cfg["neutral_band"])

    def _load_boilerplate(self) -> None:
        cfg = yaml.safe_load(BOILERPLATE_FILE.read_text(encoding="utf-8"))
        self.boilerplate = []
        for rule in cfg["rules"]:
            # A case-insensitive pattern without capitals (no \\S, \\W, ...) is searched in the
            # lower-cased sentence instead: the same matches, several times faster than IGNORECASE.
            lowered = not rule.get("case_sensitive") and rule["pattern"] == rule["pattern"].lower()
            flags = 0 if rule.get("case_sensitive") or lowered else re.IGNORECASE
            try:
                self.boilerplate.append((rule["id"], re.compile(rule["pattern"], flags), lowered))
            except re.error as exc:
                raise RulesError(f"{BOILERPLATE_FILE}: rule {rule.get('id')!r}: bad regular expression ({exc}).") from None

    # --- tagging -------------------------------------------------------------------
    def tag(self, texts: list[str], sections: list[str | None] | None = None) -> list[RuleTags]:
        sections = sections or [None] * len(texts)
        # PDFs print curly apostrophes ("children’s hub"); rules and cues are written with
        # straight ones, and spaCy tokenises the two differently.
        texts = [t.replace("\u2019", "'").replace("\u2018", "'") for t in texts]
        strings = self.nlp.vocab.strings
        out = []
        for text, doc, section in zip(texts, self.nlp.pipe(texts, batch_size=1000), sections):
            words = [strings[h] for h in doc.to_array(LOWER).tolist()]  # cheaper than Token objects
            out.append(self._tag_doc(text, doc, words, section))
        return out

    def _tag_doc(self, text: str, doc, words: list[str], section: str | None) -> RuleTags:
        tags = RuleTags()
        lower = text.lower()
        for rule_id, pattern, lowered in self.boilerplate:
            if pattern.search(lower if lowered else text):
                tags.boilerplate = rule_id
                return tags  # codebook: boilerplate gets no themes and neutral sentiment
        if _garbled(words, text):
            tags.boilerplate = "garbled"
            return tags
        strings = self.nlp.vocab.strings
        matches = self.phrases(doc) + (self.patterns(doc) if len(self.patterns) else [])
        for match_id, _, _ in matches:
            rule_id = strings[match_id]
            theme = self.rule_theme[rule_id]
            tags.hits.setdefault(theme, []).append(rule_id)
            if rule_id in self.strong_ids:
                tags.strong.add(theme)
        self._sentiment(doc, words, lower, section, tags)
        return tags

    def _sentiment(self, doc, words: list[str], lower_text: str, section: str | None, tags: RuleTags) -> None:
        strings = self.nlp.vocab.strings
        matches = list(self.cues(doc))
        strings_add = strings.add
        if any(p in lower_text for p in self.prefixes):  # most sentences have no prefix cue: skip the word loop
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
                if any(w in (self.negators if weight > 0 else self.negate_negative) for w in window):
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
        tags.positive_weight, tags.negative_weight, tags.contrast = pos, neg, bool(boundaries)
        tags.positive_clauses = sum(1 for v in clauses.values() if v > 0.25)
        tags.negative_clauses = sum(1 for v in clauses.values() if v < -0.25)
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
        return [i for i, w in enumerate(words) if w in self.contrast_starts
                and any(tuple(words[i:i + len(m)]) == m for m in self.contrast if m[0] == w)]


def _as_phrases(pattern: list[dict], limit: int = 500) -> list[str] | None:
    """A token pattern that only lists lower-cased words ({"LOWER": "x"} or {"LOWER": {"IN":
    [...]}}, either optional with "OP": "?") as the phrases it matches, so the fast
    PhraseMatcher can run it: the Matcher visits every token of every sentence in Python
    (a fifth of all tagging time for a single pattern it cannot convert)."""
    options: list[list[str]] = []
    for token in pattern:
        value = token.get("LOWER") if set(token) - {"OP"} == {"LOWER"} and token.get("OP", "?") == "?" else None
        if isinstance(value, str):
            words = [value]
        elif isinstance(value, dict) and set(value) == {"IN"}:
            words = list(value["IN"])
        else:
            return None
        options.append(words + [""] if "OP" in token else words)  # "?": the token may be absent
    phrases = [""]
    for words in options:
        phrases = [f"{p} {w}".strip() for p in phrases for w in words]
        if len(phrases) > limit:
            return None
    return sorted(set(phrases) - {""})


def _garbled(words: list[str], text: str) -> bool:
    """Extraction debris: mostly one-letter tokens or few letters."""
    if len(text) >= 12 and len(_NOT_LETTER.sub("", text)) / len(text) < 0.5:
        return True
    if sum(1 for w in words if len(w) == 1) <= 3:  # too few one-letter words to be over half of six or more
        return False
    alpha = [w for w in words if w.isalpha()]
    return len(alpha) >= 6 and sum(len(w) == 1 for w in alpha) / len(alpha) > 0.5


_NOT_LETTER = re.compile(r"[\W\d_]+")


@lru_cache(maxsize=1)
def default_tagger() -> RuleTagger:
    return RuleTagger()
