-- Tags move out of store.sentences into their own table: sentences are what extraction
-- read (rewritten only when a document changes), tags are derived from them and rebuilt
-- by every re-tag. Replacing rows (delete + insert) is far cheaper in DuckDB than
-- updating columns of the wide sentence table, which kept re-tagging below 5,000/s.
DROP VIEW IF EXISTS findings;
DROP VIEW IF EXISTS finding_themes;

CREATE TABLE store.sentence_tags (
    sentence_id      VARCHAR PRIMARY KEY,
    boilerplate      BOOLEAN NOT NULL DEFAULT false,
    boilerplate_rule VARCHAR,
    sentiment        VARCHAR NOT NULL DEFAULT 'neutral',
    sentiment_score  DOUBLE NOT NULL DEFAULT 0,
    sentiment_source VARCHAR NOT NULL DEFAULT 'rule',   -- rule | model | label
    sentiment_cues   VARCHAR[],
    tagger_version   VARCHAR                            -- rules-<hash>+model-<version>
);
INSERT INTO store.sentence_tags
SELECT sentence_id, boilerplate, boilerplate_rule, sentiment, sentiment_score, sentiment_source, sentiment_cues, tagger_version
FROM store.sentences;

CREATE TABLE store.sentences_new (
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
    end_char         INTEGER
);
INSERT INTO store.sentences_new
SELECT sentence_id, document_id, sentence_index, page, paragraph, paragraph_index, kind, section, text, start_char, end_char
FROM store.sentences;
DROP TABLE store.sentences;
ALTER TABLE store.sentences_new RENAME TO sentences;
