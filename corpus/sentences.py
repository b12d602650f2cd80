"""Paragraphs to sentences with spaCy (blank English pipeline plus a rule-based sentencizer).

No pretrained model: `spacy.blank("en")` tokenises (its exceptions keep "e.g.", "Mr." and
the like whole) and the sentencizer splits on final punctuation. A user with a pretrained
pipeline can set FINDINGS_SPACY_MODEL to use its parser-based boundaries instead.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable

import spacy
from spacy.language import Language

from .document import Paragraph
from .settings import settings

_SPACE = re.compile(r"\s+")
# Fragments this short are punctuation debris, not sentences.
MIN_SENTENCE_CHARS = 3


@dataclass
class Sentence:
    text: str
    paragraph_index: int   # index into the document's paragraph list
    start: int             # character offsets within the paragraph text
    end: int


@Language.component("findings_no_split_inside_brackets")
def _no_split_inside_brackets(doc):
    """Sentencizer runs after this; a "." right before ")" or a lower-case word must not
    start a sentence ("(e.g. MASH) and", "Mr. Smith")."""
    for i, tok in enumerate(doc[1:], start=1):
        prev = doc[i - 1]
        if prev.text in {".", "?", "!"} and (tok.text in {")", "]", ","} or tok.text[:1].islower()):
            tok.is_sent_start = False
    return doc


@lru_cache(maxsize=1)
def nlp() -> Language:
    name = settings().spacy_model
    if name:  # optional: a user-installed pretrained pipeline
        return spacy.load(name, exclude=["ner", "lemmatizer"])
    pipeline = spacy.blank("en")
    pipeline.add_pipe("sentencizer")
    pipeline.add_pipe("findings_no_split_inside_brackets", after="sentencizer")
    return pipeline


def split(paragraphs: list[Paragraph], kinds: Iterable[str] = ("body", "bullet", "footnote", "table")) -> list[Sentence]:
    """Sentences of the paragraphs whose kind is in `kinds` (headings are carried as
    `section`, not stored as sentences)."""
    wanted = set(kinds)
    chosen = [(i, p) for i, p in enumerate(paragraphs) if p.kind in wanted and p.text.strip()]
    out: list[Sentence] = []
    for (i, para), doc in zip(chosen, nlp().pipe((p.text for _, p in chosen), batch_size=256)):
        for sent in doc.sents:
            text = _SPACE.sub(" ", sent.text).strip()
            if len(text) >= MIN_SENTENCE_CHARS and any(c.isalnum() for c in text):
                out.append(Sentence(text, i, sent.start_char, sent.end_char))
    return out
