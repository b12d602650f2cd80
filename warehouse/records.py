"""What the warehouse stores for one document: built by the refresh from the corpus and
tagging rooms, written by warehouse.db in one transaction."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pyarrow as pa

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


TAGS_SCHEMA = pa.schema([("sentence_id", pa.string()), ("boilerplate", pa.bool_()), ("boilerplate_rule", pa.string()),
                         ("sentiment", pa.string()), ("sentiment_score", pa.float64()), ("sentiment_source", pa.string()),
                         ("sentiment_cues", pa.list_(pa.string())), ("tagger_version", pa.string())])
THEMES_SCHEMA = pa.schema([("sentence_id", pa.string()), ("theme", pa.string()), ("score", pa.float64()),
                           ("source", pa.string()), ("detail", pa.string())])
HITS_SCHEMA = pa.schema([("sentence_id", pa.string()), ("theme", pa.string()), ("rule_id", pa.string())])


@dataclass
class TagTables:
    """Tags of some sentences as the rows of store.sentence_tags, sentence_themes and
    rule_hits. Built where the tagging happens (a worker process): Arrow tables cross
    processes far cheaper than tag objects, and the single writer only inserts them."""
    tags: pa.Table
    themes: pa.Table
    hits: pa.Table

    def __len__(self) -> int:
        return self.tags.num_rows

    @classmethod
    def of(cls, ids: list[str], tags: list, version: str) -> "TagTables":
        themes = [(sid, t.theme, float(t.score), t.source, t.detail) for sid, tag in zip(ids, tags) for t in tag.themes]
        hits = [(sid, theme, rid) for sid, tag in zip(ids, tags) for theme, rid in tag.hits]
        return cls(
            pa.table([ids, [t.boilerplate for t in tags], [t.boilerplate_rule for t in tags], [t.sentiment for t in tags],
                      [float(t.sentiment_score) for t in tags], [t.sentiment_source for t in tags], [t.cues for t in tags],
                      [version] * len(ids)], schema=TAGS_SCHEMA),
            pa.table([list(c) for c in zip(*themes)] if themes else [[]] * 5, schema=THEMES_SCHEMA),
            pa.table([list(c) for c in zip(*hits)] if hits else [[]] * 3, schema=HITS_SCHEMA))

    @classmethod
    def concat(cls, parts: list["TagTables"]) -> "TagTables":
        return cls(*(pa.concat_tables([getattr(p, name) for p in parts]) for name in ("tags", "themes", "hits")))
