"""Features of a sentence for the classifier: word 1-2-grams and character 3-5-grams of its
text (TF-IDF), the words of its section heading, what the rules saw (themes that fired,
strong themes, and the cue weights, contrast and clause polarity behind the rules' sentiment),
and its context: the words of the sentences just before and after it, and the themes the
rules found in the two sentences each side.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from findings.rules.tagger import SENTIMENTS, THEMES, RuleTagger, RuleTags

VECTORIZERS = ("word", "char", "section")


def rule_features(rule_tags: list[RuleTags]) -> sp.csr_matrix:
    rows = []
    for rt in rule_tags:
        pos, neg = rt.positive_weight, rt.negative_weight
        row = [1.0 if t in rt.hits else 0.0 for t in THEMES] + [1.0 if t in rt.strong else 0.0 for t in THEMES]
        row += [1.0 if rt.sentiment == s else 0.0 for s in SENTIMENTS] + [rt.sentiment_score, 1.0 if rt.boilerplate else 0.0]
        # Mixed sentences: cues of both signs, usually on either side of a contrast marker.
        row += [float(rt.contrast), float(pos > 0 and neg > 0), float(rt.contrast and pos > 0 and neg > 0),
                min(pos, 3.0) / 3, min(neg, 3.0) / 3, float(rt.positive_clauses > 0 and rt.negative_clauses > 0),
                float(pos + neg == 0)]
        rows.append(row)
    return sp.csr_matrix(np.array(rows, dtype=np.float64).reshape(len(rule_tags), 2 * len(THEMES) + len(SENTIMENTS) + 9))


# How a sentence is put, for its stance (codebook: plans, purposes, recommendations and
# numbers without a judgement are neutral; a recommendation naming a deficit is negative).
LIST_MARKER = re.compile(r"^\s*(\(?[a-z0-9]{1,3}[).]|[•·\-–*])\s+", re.I)
DIRECTIVE = re.compile(r"^(ensure|improve|develop|strengthen|review|consider|increase|reduce|deliver|implement|undertake|"
                       r"establish|embed|continue|monitor|address|make|provide|work|promote|build|extend|explore|"
                       r"support|secure|further|evaluate|take|use)\b", re.I)
PLANNED = re.compile(r"\b(will|plans?|planned|planning to|aims?|intends?|intention|purpose|proposed?|proposals?|"
                     r"priorit(y|ies)|objectives?|targets?|going forward|next steps|is expected to|are expected to)\b", re.I)
NUMBER = re.compile(r"\d")
METHOD = re.compile(r"\b(inspectors?|this (inspection|visit)|the (inspection|visit|review) (looked|considered|evaluated))\b", re.I)


def stance_features(texts: list[str]) -> sp.csr_matrix:
    """A list item, a directive first word (recommendations), plan or purpose words, a number,
    inspection method: signs of neutral statements or recommendations, which words alone
    confuse with praise ("Deliver a strong system for children with SEND")."""
    rows = []
    for text in texts:
        item = bool(LIST_MARKER.match(text))
        body = LIST_MARKER.sub("", text, count=1)
        rows.append([float(item), float(bool(DIRECTIVE.match(body))), float(bool(PLANNED.search(text))),
                     float(bool(NUMBER.search(body))), float(bool(METHOD.search(text)))])
    return sp.csr_matrix(np.array(rows, dtype=np.float64).reshape(len(texts), 5))


SENTENCES = 2  # neighbours read on each side: the nearest for its words, both for their rule hits


@dataclass
class Context:
    """The sentences before and after each sentence in its document, nearest first ("" past
    either end), and the themes the rules found in each. A finding often names its subject
    only in a sentence before it ("However, this is not yet embedded."); the codebook has
    annotators read the neighbours to resolve such words, so the model reads them too."""
    before: list[list[str]]
    after: list[list[str]]
    hits: dict[str, set[str]]

    @classmethod
    def of(cls, rules: RuleTagger, texts: list[str], rule_tags: list[RuleTags], before: list[list[str | None]] | None,
           after: list[list[str | None]] | None) -> "Context":
        """Neighbours' rule hits come from `rule_tags` where a neighbour is itself in `texts`
        (consecutive sentences of a document, as tagging gives them); the rest are tagged here."""
        def padded(sides: list[list[str | None]] | None) -> list[list[str]]:
            pad = [""] * SENTENCES
            return [[n or "" for n in (side + pad)[:SENTENCES]] for side in (sides or [[]] * len(texts))]

        before, after = padded(before), padded(after)
        hits = {text: set(rt.hits) for text, rt in zip(texts, rule_tags)}
        missing = list(dict.fromkeys(t for side in before + after for t in side if t and t not in hits))
        hits.update((text, set(rt.hits)) for text, rt in zip(missing, rules.tag(missing)))
        hits[""] = set()
        return cls(before, after, hits)

    @classmethod
    def empty(cls, n: int) -> "Context":
        return cls([[""] * SENTENCES] * n, [[""] * SENTENCES] * n, {"": set()})

    def rule_hits(self, sentences: int) -> sp.csr_matrix:
        """Per neighbour, nearest first (before, after, then the next pair out): one column per
        theme its rules found."""
        texts = list(self.hits)
        index = {text: i for i, text in enumerate(texts)}
        themes = np.array([[t in self.hits[text] for t in THEMES] for text in texts], dtype=np.float64)
        columns = [themes[[index[side[k]] for side in sides]] for k in range(sentences) for sides in (self.before, self.after)]
        return sp.csr_matrix(np.hstack(columns).reshape(len(self.before), 2 * sentences * len(THEMES)))


class Features:
    """Fitted by scikit-learn's TfidfVectorizer (vocabularies and idf weights); transforms
    with the same arithmetic here, so tagging never imports scikit-learn (1.2 s in every
    tagging process). Tests check each matrix equals the vectorizer's own."""

    def __init__(self, params: dict):
        self.params = params
        self.vocab: dict[str, dict[str, int]] = {}
        self.idf: dict[str, np.ndarray] = {}
        self._forget_words()

    def vectorizer(self, name: str):
        """The scikit-learn vectorizer each feature family is fitted with (and checked against)."""
        from sklearn.feature_extraction.text import TfidfVectorizer

        p = self.params
        if name == "word":
            return TfidfVectorizer(ngram_range=tuple(p["word_ngrams"]), min_df=p["min_df"], sublinear_tf=True,
                                   lowercase=True, token_pattern=WORD_TOKENS.pattern)
        if name == "char":
            return TfidfVectorizer(analyzer="char_wb", ngram_range=tuple(p["char_ngrams"]), min_df=p["min_df"],
                                   sublinear_tf=True, max_features=p["max_char_features"])
        return TfidfVectorizer(min_df=1, lowercase=True, token_pattern=SECTION_TOKENS.pattern)

    def _forget_words(self) -> None:
        """Drop the per-word n-gram cache (kept across batches; valid for one fitted vocabulary)."""
        self._char_words: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def fit(self, texts, sections):
        for name, docs in (("word", texts), ("char", texts), ("section", [s or "" for s in sections])):
            vec = self.vectorizer(name).fit(docs)
            self.vocab[name], self.idf[name] = vec.vocabulary_, vec.idf_
        self._forget_words()
        return self

    def transform(self, texts, sections, rule_tags, context: Context | None = None) -> sp.csr_matrix:
        """The feature matrix; a model trained without context (context_weight 0, models
        before m005) gets none, and a sentence without known neighbours gets empty ones."""
        weight = self.params.get("context_weight", 0.0)
        if not weight:
            words = self.word_transform(texts)
            around = []
        else:
            context = context or Context.empty(len(texts))
            before, after = [b[0] for b in context.before], [a[0] for a in context.after]
            # Neighbours are mostly sentences of the same batch: each distinct text once.
            rows: dict[str, int] = {}
            for text in (*texts, *before, *after):
                rows.setdefault(text, len(rows))
            every = self.word_transform(list(rows))
            words = every[[rows[t] for t in texts]]
            neighbours = every[[rows[t] for t in before]] + every[[rows[t] for t in after]]
            # m005 read the rule hits of one sentence each side; later models read two.
            around = [weight * neighbours, weight * context.rule_hits(self.params.get("context_sentences", 1))]
        stance = [stance_features(texts)] if self.params.get("stance") else []
        return sp.hstack([words, self.char_transform(texts), 0.5 * self.section_transform(sections),
                          rule_features(rule_tags), *stance, *around]).tocsr()

    def context_width(self) -> int:
        """How many of `transform`'s columns (the last ones) describe the context."""
        if not self.params.get("context_weight"):
            return 0
        return len(self.vocab["word"]) + 2 * self.params.get("context_sentences", 1) * len(THEMES)

    def word_transform(self, texts) -> sp.csr_matrix:
        low, high = self.params["word_ngrams"]
        rows = []
        for text in texts:
            tokens = WORD_TOKENS.findall(text.lower())
            rows.append([" ".join(tokens[i:i + n]) for n in range(low, high + 1) for i in range(len(tokens) - n + 1)])
        return _tfidf(_counts(rows, self.vocab["word"]), self.idf["word"], sublinear=True)

    def section_transform(self, sections) -> sp.csr_matrix:
        """Computed once per distinct heading (a document's sentences share a few)."""
        distinct: dict[str, int] = {}
        rows = [distinct.setdefault(s or "", len(distinct)) for s in sections]
        counts = _counts([SECTION_TOKENS.findall(s.lower()) for s in distinct], self.vocab["section"])
        return _tfidf(counts, self.idf["section"], sublinear=False)[rows]

    def char_transform(self, texts) -> sp.csr_matrix:
        """Character n-grams within words (scikit-learn's char_wb), fast: an n-gram never
        crosses a word boundary, so each distinct word's n-gram counts are computed once
        (and kept) and a sentence's counts are its words' counts summed."""
        vocab = self.vocab["char"]
        low, high = self.params["char_ngrams"]
        words: dict[str, int] = {}
        rows, cols, counts = [], [], []
        for i, text in enumerate(texts):
            for w, c in Counter(text.lower().split()).items():  # the vectorizer's lowercase and whitespace split
                rows.append(i)
                cols.append(words.setdefault(w, len(words)))
                counts.append(c)
        per_sentence = sp.csr_matrix((np.array(counts, dtype=np.float64), (rows, cols)), shape=(len(texts), len(words)))
        indptr, indices, data = [0], [], []
        for w in words:
            grams = self._char_words.get(w)
            if grams is None:
                found = Counter(vocab[g] for g in _char_wb(w, low, high) if g in vocab)
                grams = self._char_words[w] = (np.fromiter(found.keys(), dtype=np.int64, count=len(found)),
                                               np.fromiter(found.values(), dtype=np.float64, count=len(found)))
            indices.append(grams[0])
            data.append(grams[1])
            indptr.append(indptr[-1] + len(grams[0]))
        per_word = sp.csr_matrix((np.concatenate(data) if data else np.zeros(0), np.concatenate(indices) if indices else
                                  np.zeros(0, dtype=np.int64), indptr), shape=(len(words), len(vocab)))
        return _tfidf((per_sentence @ per_word).tocsr(), self.idf["char"], sublinear=True)

    # --- persistence: vocabularies as JSON lists, idf weights as arrays (models/classifier.py).
    def vocabularies(self) -> dict[str, list[str]]:
        out = {}
        for name in VECTORIZERS:
            terms = [""] * len(self.vocab[name])
            for term, index in self.vocab[name].items():
                terms[index] = term
            out[name] = terms
        return out

    @classmethod
    def restore(cls, params: dict, vocabularies: dict[str, list[str]], idfs: dict[str, np.ndarray]) -> "Features":
        features = cls(params)
        for name in VECTORIZERS:
            features.vocab[name] = {term: i for i, term in enumerate(vocabularies[name])}
            features.idf[name] = idfs[name]
        return features


WORD_TOKENS = re.compile(r"(?u)\b\w[\w'-]*\b")
SECTION_TOKENS = re.compile(r"(?u)\b\w\w+\b")  # scikit-learn's default token pattern


def _char_wb(word: str, low: int, high: int) -> list[str]:
    """scikit-learn's char_wb n-grams of one word: padded with a space each side; a word
    shorter than n gives itself once."""
    w = f" {word} "
    out = []
    for n in range(low, high + 1):
        offset = 0
        out.append(w[offset:offset + n])
        while offset + n < len(w):
            offset += 1
            out.append(w[offset:offset + n])
        if offset == 0:
            break
    return out


def _counts(rows: list[list[str]], vocab: dict[str, int]) -> sp.csr_matrix:
    """Term counts of each row, over the fitted vocabulary (unknown terms dropped)."""
    indptr, indices, data = [0], [], []
    for terms in rows:
        found = Counter(vocab[t] for t in terms if t in vocab)
        indices.extend(found.keys())
        data.extend(found.values())
        indptr.append(len(indices))
    return sp.csr_matrix((np.array(data, dtype=np.float64), np.array(indices, dtype=np.int64), np.array(indptr)),
                         shape=(len(rows), len(vocab)))


def _tfidf(X: sp.csr_matrix, idf: np.ndarray, sublinear: bool) -> sp.csr_matrix:
    """TfidfTransformer's steps on counts: sublinear tf (1 + log), idf, then each row
    divided by its l2 norm (empty rows stay empty)."""
    X.sort_indices()
    if sublinear:
        np.log(X.data, X.data)
        X.data += 1.0
    X.data *= idf[X.indices]
    lengths = np.diff(X.indptr)
    norms = np.sqrt(np.bincount(np.repeat(np.arange(X.shape[0]), lengths), weights=X.data ** 2, minlength=X.shape[0]))
    norms[norms == 0] = 1.0
    X.data /= np.repeat(norms, lengths)
    return X
