-- Core tables. Analysts use the views in warehouse/views.sql, not these tables.
CREATE SCHEMA IF NOT EXISTS store;

CREATE TABLE store.documents (
    document_id        VARCHAR PRIMARY KEY,  -- sha256 of the file's bytes
    source             VARCHAR NOT NULL,     -- path (or URL) it was read from
    source_url         VARCHAR,              -- where it was published, from a manifest
    authority          VARCHAR,
    doc_type           VARCHAR,
    title              VARCHAR,
    published          DATE,
    inspection_start   DATE,
    inspection_end     DATE,
    lead_inspector     VARCHAR,
    pages              INTEGER,
    status             VARCHAR NOT NULL,     -- loaded | error
    error_reason       VARCHAR,              -- short code: not_a_pdf, encrypted, corrupt, ...
    error              VARCHAR,              -- what is wrong and what to do
    extraction_version VARCHAR NOT NULL,
    loaded_at          TIMESTAMP NOT NULL
);

CREATE TABLE store.sentences (
    sentence_id      VARCHAR PRIMARY KEY,    -- <document_id[:16]>-<sentence_index>
    document_id      VARCHAR NOT NULL,
    sentence_index   INTEGER NOT NULL,       -- order in the document, from 0
    page             INTEGER,
    paragraph        INTEGER,                -- the report's own paragraph number
    paragraph_index  INTEGER NOT NULL,       -- order of the paragraph in the document
    kind             VARCHAR NOT NULL,       -- body | bullet | footnote | table
    section          VARCHAR,
    text             VARCHAR NOT NULL,
    start_char       INTEGER,
    end_char         INTEGER,
    -- tags, rewritten by re-tagging without re-reading documents
    boilerplate      BOOLEAN NOT NULL DEFAULT false,
    boilerplate_rule VARCHAR,
    sentiment        VARCHAR NOT NULL DEFAULT 'neutral',
    sentiment_score  DOUBLE NOT NULL DEFAULT 0,
    sentiment_source VARCHAR NOT NULL DEFAULT 'rule',
    sentiment_cues   VARCHAR[],
    tagger_version   VARCHAR
);

-- Final themes of a sentence: one row per sentence and theme.
CREATE TABLE store.sentence_themes (
    sentence_id VARCHAR NOT NULL,
    theme       VARCHAR NOT NULL,
    score       DOUBLE NOT NULL,
    source      VARCHAR NOT NULL,   -- rule | model | label
    detail      VARCHAR,            -- rule id, model version or annotator
    PRIMARY KEY (sentence_id, theme)
);

-- Every rule that fired, kept as evidence even where the final tag differs.
CREATE TABLE store.rule_hits (
    sentence_id VARCHAR NOT NULL,
    theme       VARCHAR NOT NULL,
    rule_id     VARCHAR NOT NULL
);

CREATE TABLE store.judgements (
    document_id VARCHAR NOT NULL,
    area        VARCHAR NOT NULL,
    grade       VARCHAR NOT NULL,
    PRIMARY KEY (document_id, area)
);

CREATE TABLE store.runs (
    run_id      VARCHAR PRIMARY KEY,
    flow        VARCHAR NOT NULL,
    started_at  TIMESTAMP NOT NULL,
    ended_at    TIMESTAMP,
    status      VARCHAR NOT NULL,    -- running | completed | failed
    new_docs    INTEGER, changed_docs INTEGER, unchanged_docs INTEGER, failed_docs INTEGER,
    sentences   INTEGER,
    detail      VARCHAR              -- JSON: failures with reasons, corpus paths
);

CREATE TABLE store.meta (
    key   VARCHAR PRIMARY KEY,
    value VARCHAR
);
