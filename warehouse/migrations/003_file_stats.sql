-- What each file looked like when the refresh last hashed it: a file whose path, size and
-- modification time still match is not read again (its content hash is taken from here).
-- Only a shortcut: a row whose document_id no longer matches store.documents is ignored.
CREATE TABLE store.file_stats (
    source      VARCHAR PRIMARY KEY,   -- as in store.documents.source
    size        BIGINT NOT NULL,
    mtime_ns    BIGINT NOT NULL,
    document_id VARCHAR NOT NULL,      -- sha256 of the bytes when size and mtime were read
    checked_at  TIMESTAMP NOT NULL
);
