"""Records that leave the corpus room: an extracted document and its paragraphs."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

# Bump when extraction or sentence splitting changes what is stored for the same file:
# documents loaded under another version are re-extracted by the next refresh.
EXTRACTION_VERSION = "2"

PARAGRAPH_KINDS = ("body", "heading", "bullet", "footnote", "table")

@dataclass
class Paragraph:
    text: str                      # clean text, no layout furniture, hyphenation repaired
    page: int | None = None        # 1-based page it starts on (None for text files)
    number: int | None = None      # the report's own paragraph number, if it prints one
    section: str | None = None     # nearest heading above it
    kind: str = "body"             # one of PARAGRAPH_KINDS


@dataclass
class Judgement:
    area: str    # overall_effectiveness, impact_of_leaders, help_and_protection, ...
    grade: str   # outstanding | good | requires improvement | inadequate | adequate


@dataclass
class ExtractedDocument:
    paragraphs: list[Paragraph]
    pages: int | None = None
    title: str | None = None
    authority: str | None = None
    doc_type: str | None = None
    published: date | None = None
    inspection_start: date | None = None
    inspection_end: date | None = None
    lead_inspector: str | None = None
    judgements: list[Judgement] = field(default_factory=list)


class ExtractionError(Exception):
    """A file that cannot become text. `reason` is a short code stored in the warehouse
    (not_a_pdf, encrypted, corrupt, no_pages, no_text_layer, empty, unsupported, unreadable);
    the message says what is wrong and what to do."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason

    def __str__(self) -> str:
        return f"{self.reason}: {self.args[0]}"
