-- Every file path or URL the last completed refresh saw, and what became of it (view
-- `sources`): loaded, a duplicate of another file's bytes, an error, or skipped as unchanged.
-- Each completed refresh replaces the rows; a killed one leaves those of the run before.
CREATE TABLE store.sources (
    source       VARCHAR NOT NULL,   -- the file path (or URL)
    document_id  VARCHAR NOT NULL,   -- sha256 of its bytes: the document in store.documents
    status       VARCHAR NOT NULL,   -- loaded | duplicate | error | skipped
    duplicate_of VARCHAR,            -- a duplicate: the source whose document holds these bytes
    error_reason VARCHAR,            -- an error: as store.documents.error_reason
    run_id       VARCHAR NOT NULL    -- the refresh that saw it
);
