-- Provenance of each run: the extraction, rules and model versions it worked with (a
-- sentence's tags carry theirs in store.sentence_tags.tagger_version).
DROP VIEW IF EXISTS runs;
ALTER TABLE store.runs ADD COLUMN extraction_version VARCHAR;
ALTER TABLE store.runs ADD COLUMN rules_version VARCHAR;
ALTER TABLE store.runs ADD COLUMN model_version VARCHAR;
