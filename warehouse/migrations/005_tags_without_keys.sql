-- store.sentence_tags and store.sentence_themes without PRIMARY KEYs: every re-tag deletes
-- and re-inserts whole batches of them, and keeping DuckDB's key indexes cost more than
-- half of each batch's write. The keys still hold: every writer deletes a sentence's tags
-- and themes before inserting them in the same transaction, and the contract tests
-- findings.sentence_id unique and finding_themes (sentence_id, theme) unique.
DROP VIEW IF EXISTS findings;
DROP VIEW IF EXISTS finding_themes;

CREATE TABLE store.sentence_tags_new (
    sentence_id      VARCHAR NOT NULL,
    boilerplate      BOOLEAN NOT NULL DEFAULT false,
    boilerplate_rule VARCHAR,
    sentiment        VARCHAR NOT NULL DEFAULT 'neutral',
    sentiment_score  DOUBLE NOT NULL DEFAULT 0,
    sentiment_source VARCHAR NOT NULL DEFAULT 'rule',   -- rule | model | label
    sentiment_cues   VARCHAR[],
    tagger_version   VARCHAR                            -- rules-<hash>+model-<version>
);
INSERT INTO store.sentence_tags_new SELECT * FROM store.sentence_tags;
DROP TABLE store.sentence_tags;
ALTER TABLE store.sentence_tags_new RENAME TO sentence_tags;

CREATE TABLE store.sentence_themes_new (
    sentence_id VARCHAR NOT NULL,
    theme       VARCHAR NOT NULL,
    score       DOUBLE NOT NULL,
    source      VARCHAR NOT NULL,   -- rule | model | label
    detail      VARCHAR             -- rule id, model version or annotator
);
INSERT INTO store.sentence_themes_new SELECT * FROM store.sentence_themes;
DROP TABLE store.sentence_themes;
ALTER TABLE store.sentence_themes_new RENAME TO sentence_themes;
