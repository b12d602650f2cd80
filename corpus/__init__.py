"""corpus: where documents come from and how they become text.

Sources (folders, manifests), content hashing, PDF layout to paragraphs, text and
markdown to paragraphs, sentence splitting and document metadata. Knows nothing of
themes or DuckDB.
"""
