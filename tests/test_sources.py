"""Every file is accounted for: the `sources` view holds one row per file path the last
refresh saw (loaded, duplicate, error, skipped); a second path with the same bytes is a
`duplicate` of the first, counted on its own line, never "unchanged" on a new warehouse.
Real refresh flows and DuckDB."""
from __future__ import annotations

import shutil
from pathlib import Path

from findings.flows.refresh import Summary, refresh
from findings.warehouse.db import query

from .conftest import SAMPLE

PDF = SAMPLE / "northshire-focused-visit-2024-03-12.pdf"
HTML = b"<!DOCTYPE html><html><head><title>Ofsted</title></head><body>Sign in to continue</body></html>\n"


def _sources(wh: Path) -> dict[str, tuple]:
    return {Path(src).name: (status, dup and Path(dup).name, reason, doc) for src, doc, status, dup, reason in
            query(wh, "SELECT source, document_id, status, duplicate_of, error_reason FROM sources")[1]}


def test_identical_files_are_one_document_and_every_file_a_sources_row(prefect_harness, tmp_path):
    corpus, wh = tmp_path / "c", tmp_path / "w.duckdb"
    corpus.mkdir()
    (corpus / "bromley-2012.pdf").write_bytes(HTML)       # HTML pages saved as .pdf, byte for byte the same
    (corpus / "blackpool-2012.pdf").write_bytes(HTML)
    shutil.copy(PDF, corpus / "a-visit.pdf")             # two identical PDFs
    shutil.copy(PDF, corpus / "b-visit-copy.pdf")

    summary = refresh(corpus=[str(corpus)], warehouse=str(wh), workers=1)
    assert (summary["new"], summary["unchanged"], summary["failed"], summary["duplicates"]) == (1, 0, 1, 1 + 1)
    got = _sources(wh)
    assert {name: row[:3] for name, row in got.items()} == {
        "a-visit.pdf": ("loaded", None, None),
        "b-visit-copy.pdf": ("duplicate", "a-visit.pdf", None),
        "blackpool-2012.pdf": ("error", None, "not_a_pdf"),
        "bromley-2012.pdf": ("duplicate", "blackpool-2012.pdf", None),
    }
    assert got["b-visit-copy.pdf"][3] == got["a-visit.pdf"][3]   # the duplicate names the document holding its bytes
    assert query(wh, "SELECT count(*) FROM documents")[1] == [(2,)]
    assert query(wh, "SELECT count(*) FROM sources s JOIN documents d USING (document_id)")[1] == [(4,)]
    lines = Summary(**summary).lines()
    assert lines[0] == "documents: 1 new, 0 changed, 0 unchanged, 1 failed"
    assert lines[1] == "duplicates: 2 file(s) with the same bytes as another, not loaded again (listed in the `sources` view)"
    run = query(wh, "SELECT unchanged_docs, detail FROM runs")[1][0]
    assert run[0] == 0 and '"duplicates": 2' in run[1]

    # a second refresh: nothing read again ('skipped'); the copies stay duplicates; a new file is loaded;
    # an empty .txt beside an empty .pdf is one (empty) document and one duplicate
    shutil.copy(SAMPLE / "westbridge-improvement-board-2023-11-02.md", corpus)
    (corpus / "empty.pdf").write_bytes(b"")
    (corpus / "empty.txt").write_bytes(b"")
    again = refresh(corpus=[str(corpus)], warehouse=str(wh), workers=1)
    assert (again["new"], again["unchanged"], again["failed"], again["duplicates"]) == (1, 2, 1, 3)
    got = _sources(wh)
    assert {name: row[:3] for name, row in got.items()} == {
        "a-visit.pdf": ("skipped", None, None),
        "b-visit-copy.pdf": ("duplicate", "a-visit.pdf", None),
        "blackpool-2012.pdf": ("skipped", None, None),
        "bromley-2012.pdf": ("duplicate", "blackpool-2012.pdf", None),
        "empty.pdf": ("error", None, "empty"),
        "empty.txt": ("duplicate", "empty.pdf", None),
        "westbridge-improvement-board-2023-11-02.md": ("loaded", None, None),
    }
    # a duplicate always names its original, and only a duplicate does
    assert query(wh, "SELECT count(*) FROM sources WHERE (status = 'duplicate') <> (duplicate_of IS NOT NULL)")[1] == [(0,)]


def test_sources_are_those_of_the_last_refresh(prefect_harness, tmp_path):
    wh = tmp_path / "w.duckdb"
    refresh(corpus=[str(SAMPLE)], warehouse=str(wh), workers=1)
    assert len(query(wh, "SELECT * FROM sources")[1]) == 3
    refresh(corpus=[str(PDF)], warehouse=str(wh), workers=1)
    assert query(wh, "SELECT source, status FROM sources")[1] == [(str(PDF), "skipped")]
