-- The analysts' contract. Column meanings are documented in warehouse/contract.yml and
-- tested by tests/test_contract.py; change a view only with its contract entry.

-- One row per document the refresh has seen, loaded or failed.
CREATE OR REPLACE VIEW documents AS
SELECT document_id, source, source_url, authority, doc_type, title, published,
       inspection_start, inspection_end, lead_inspector, pages, status,
       error_reason, error, loaded_at
FROM store.documents;

-- One row per file path or URL the last completed refresh saw: loaded, duplicate (the same
-- bytes as another file: one document), error, or skipped (unchanged, not read again).
CREATE OR REPLACE VIEW sources AS
SELECT source, document_id, status, duplicate_of, error_reason
FROM store.sources;

-- One row per sentence and (final) theme.
CREATE OR REPLACE VIEW finding_themes AS
SELECT sentence_id, theme, score, source, detail
FROM store.sentence_themes;

-- One row per sentence of every loaded document.
CREATE OR REPLACE VIEW findings AS
-- Themes in codebook order: the order is filled in from rules/codebook.yaml when the views
-- are created (warehouse.db.views_sql); a theme the codebook does not list is kept, last.
WITH theme_order(theme, rank) AS (
    VALUES {{codebook_theme_order}}
),
themes AS (
    SELECT t.sentence_id, list(t.theme ORDER BY o.rank NULLS LAST, t.theme) AS themes
    FROM store.sentence_themes t LEFT JOIN theme_order o USING (theme)
    GROUP BY t.sentence_id
)
SELECT s.sentence_id, s.document_id, d.source, d.authority, d.doc_type, d.published,
       s.page, s.paragraph, s.section, s.sentence_index, s.text,
       coalesce(th.themes, []::VARCHAR[]) AS themes,
       t.sentiment, t.sentiment_score, t.boilerplate
FROM store.sentences s
JOIN store.sentence_tags t USING (sentence_id)
JOIN store.documents d USING (document_id)
LEFT JOIN themes th USING (sentence_id);

-- Judgement grades read from inspection reports.
CREATE OR REPLACE VIEW judgements AS
SELECT document_id, area, grade FROM store.judgements;

-- Refresh runs, with the extraction, rules and model versions each worked with.
CREATE OR REPLACE VIEW runs AS
SELECT run_id, flow, started_at, ended_at, status, new_docs, changed_docs, unchanged_docs,
       failed_docs, sentences, detail, extraction_version, rules_version, model_version
FROM store.runs;
