-- Sentences labelled by people (codebook), imported with `findings labels import` or
-- synced from the project's corpus/labels/labels.jsonl.
CREATE TABLE store.labels (
    label_id     VARCHAR PRIMARY KEY,
    sentence_id  VARCHAR,               -- matched sentence in store.sentences, if any
    document     VARCHAR,
    document_id  VARCHAR,
    section      VARCHAR,
    text         VARCHAR NOT NULL,
    themes       VARCHAR[] NOT NULL,
    sentiment    VARCHAR NOT NULL,
    boilerplate  BOOLEAN NOT NULL,
    annotator    VARCHAR NOT NULL,
    labelled_at  TIMESTAMP NOT NULL,
    origin       VARCHAR NOT NULL       -- project | import
);
