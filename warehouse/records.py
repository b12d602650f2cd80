"""What the warehouse stores for one document: built by the refresh from the corpus and
tagging rooms, written by warehouse.db in one transaction."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from findings.models.tagging import SentenceTags


@dataclass
class SentenceRow:
    sentence_index: int
    page: int | None
    paragraph: int | None
    paragraph_index: int
    kind: str
    section: str | None
    text: str
    start_char: int
    end_char: int
    tags: SentenceTags


@dataclass
class DocumentRecord:
    document_id: str
    source: str
    status: str = "loaded"                  # loaded | error
    source_url: str | None = None
    authority: str | None = None
    doc_type: str | None = None
    title: str | None = None
    published: date | None = None
    inspection_start: date | None = None
    inspection_end: date | None = None
    lead_inspector: str | None = None
    pages: int | None = None
    error_reason: str | None = None
    error: str | None = None
    extraction_version: str = ""
    tagger_version: str = ""
    sentences: list[SentenceRow] = field(default_factory=list)
    judgements: list[tuple[str, str]] = field(default_factory=list)  # (area, grade)
