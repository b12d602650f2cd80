"""Features of a sentence for the classifier: word 1-2-grams and character 3-5-grams of its
text (TF-IDF), the words of its section heading, and what the rules saw (themes that fired,
strong themes, and the cue weights, contrast and clause polarity behind the rules' sentiment).
"""
from __future__ import annotations

from collections import Counter

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from findings.rules.tagger import SENTIMENTS, THEMES, RuleTags

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


class Features:
    def __init__(self, params: dict):
        self.word = TfidfVectorizer(ngram_range=tuple(params["word_ngrams"]), min_df=params["min_df"], sublinear_tf=True,
                                    lowercase=True, token_pattern=r"(?u)\b\w[\w'-]*\b")
        self.char = TfidfVectorizer(analyzer="char_wb", ngram_range=tuple(params["char_ngrams"]), min_df=params["min_df"],
                                    sublinear_tf=True, max_features=params["max_char_features"])
        self.section = TfidfVectorizer(min_df=1, lowercase=True)
        self._forget_words()

    def _forget_words(self) -> None:
        """Drop the per-word n-gram cache (kept across batches; valid for one fitted vocabulary)."""
        self._char_words: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._analyse = None

    def fit(self, texts, sections):
        self.word.fit(texts)
        self.char.fit(texts)
        self.section.fit([s or "" for s in sections])
        self._forget_words()
        return self

    def transform(self, texts, sections, rule_tags) -> sp.csr_matrix:
        return sp.hstack([self.word.transform(texts), self.char_transform(texts),
                          0.5 * self.section_transform(sections), rule_features(rule_tags)]).tocsr()

    def section_transform(self, sections) -> sp.csr_matrix:
        """`self.section.transform`, computed once per distinct heading (a document's
        sentences share a few)."""
        distinct: dict[str, int] = {}
        rows = [distinct.setdefault(s or "", len(distinct)) for s in sections]
        return self.section.transform(list(distinct))[rows]

    def char_transform(self, texts) -> sp.csr_matrix:
        """The same matrix as `self.char.transform(texts)`, several times faster: a char_wb
        n-gram never crosses a word boundary, so each distinct word's n-gram counts are
        computed once (and kept) and a sentence's counts are its words' counts summed."""
        vec = self.char
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
                if self._analyse is None:
                    self._analyse = (vec.build_analyzer(), vec.vocabulary_)
                analyse, vocab = self._analyse
                found = Counter(vocab[g] for g in analyse(w) if g in vocab)
                grams = self._char_words[w] = (np.fromiter(found.keys(), dtype=np.int64, count=len(found)),
                                               np.fromiter(found.values(), dtype=np.float64, count=len(found)))
            indices.append(grams[0])
            data.append(grams[1])
            indptr.append(indptr[-1] + len(grams[0]))
        per_word = sp.csr_matrix((np.concatenate(data) if data else np.zeros(0), np.concatenate(indices) if indices else
                                  np.zeros(0, dtype=np.int64), indptr), shape=(len(words), len(vec.vocabulary_)))
        X = (per_sentence @ per_word).tocsr()
        # TfidfTransformer's steps: sublinear tf, idf, l2 norm.
        np.log(X.data, X.data)
        X.data += 1.0
        X = X @ sp.diags(vec.idf_)
        return normalize(X, norm="l2", copy=False).tocsr()

    # --- persistence: vocabularies as JSON lists, idf weights as arrays (models/classifier.py).
    def vocabularies(self) -> dict[str, list[str]]:
        out = {}
        for name in VECTORIZERS:
            vocab = getattr(self, name).vocabulary_
            terms = [""] * len(vocab)
            for term, index in vocab.items():
                terms[index] = term
            out[name] = terms
        return out

    def idfs(self) -> dict[str, np.ndarray]:
        return {name: getattr(self, name).idf_ for name in VECTORIZERS}

    @classmethod
    def restore(cls, params: dict, vocabularies: dict[str, list[str]], idfs: dict[str, np.ndarray]) -> "Features":
        """Fitted features from their vocabularies and idf weights: a TfidfVectorizer needs
        nothing else to transform."""
        features = cls(params)
        for name in VECTORIZERS:
            vec = getattr(features, name)
            vec.vocabulary_ = {term: i for i, term in enumerate(vocabularies[name])}
            vec.idf_ = idfs[name]
        features._forget_words()
        return features
