"""Every kind of bad file becomes an error row with its own reason (or loads, for a
Windows-1252 text file), and the good documents around it load: refresh flow, real
pdfminer, real DuckDB."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from findings.flows.refresh import refresh
from findings.warehouse.db import query

from .conftest import ILACS, SAMPLE

FAULTS = Path(__file__).resolve().parent / "fixtures" / "faults"

CP1252_TEXT = ("Children\u2019s services in Northshire \u2013 monitoring visit\n\n"
               "Leaders have made \u201cgood progress\u201d since the last inspection. Social workers "
               "say that caseloads are manageable and that supervision is regular and helpful.\n\n"
               "The council spent \u00a31.2m on early help services, and families say they get help sooner.\n")


def _build(corpus: Path) -> dict[str, tuple[str, str | None]]:
    """Write the fault corpus; return file name -> (status, reason) expected."""
    corpus.mkdir()
    expect: dict[str, tuple[str, str | None]] = {}
    shutil.copy(ILACS / "rutland" / "2024-07-12.pdf", corpus / "rutland-2024.pdf")
    expect["rutland-2024.pdf"] = ("loaded", None)
    shutil.copy(SAMPLE / "northshire-commissioner-note-2022-06-01.txt", corpus)
    expect["northshire-commissioner-note-2022-06-01.txt"] = ("loaded", None)
    (corpus / "windows-1252.txt").write_bytes(CP1252_TEXT.encode("cp1252"))
    expect["windows-1252.txt"] = ("loaded", None)

    shutil.copy(ILACS / "blackpool" / "2012-07-13.pdf", corpus / "html-saved-as.pdf")   # a real HTML page saved as .pdf
    expect["html-saved-as.pdf"] = ("error", "not_a_pdf")
    (corpus / "zip-named.pdf").write_bytes(b"PK\x03\x04" + b"not a pdf at all " * 20)
    expect["zip-named.pdf"] = ("error", "not_a_pdf")
    data = (ILACS / "staffordshire" / "2019-03-11.pdf").read_bytes()
    (corpus / "truncated.pdf").write_bytes(data[: len(data) // 3])
    expect["truncated.pdf"] = ("error", "corrupt")
    (corpus / "empty.pdf").write_bytes(b"")
    expect["empty.pdf"] = ("error", "empty")
    (corpus / "blank.txt").write_bytes(b"  \r\n\r\n \t\n")
    expect["blank.txt"] = ("error", "empty")
    for name, reason in (("encrypted.pdf", "encrypted"), ("scanned.pdf", "no_text_layer"), ("nopages.pdf", "no_pages")):
        shutil.copy(FAULTS / name, corpus / name)
        expect[name] = ("error", reason)
    (corpus / "not-text.txt").write_bytes(b"Report\x00\x01\x02" * 50)
    expect["not-text.txt"] = ("error", "unsupported")
    # 0x81, 0x8d, 0x8f, 0x90 and 0x9d are undefined in Windows-1252 and invalid as UTF-8
    (corpus / "undecodable.txt").write_bytes(b"Leaders \x81\x8d\x8f\x90\x9d have improved services. " * 5)
    expect["undecodable.txt"] = ("error", "unreadable")
    (corpus / "page.md").write_text("<!DOCTYPE html><html><body>Sign in</body></html>", encoding="utf-8")
    expect["page.md"] = ("error", "unsupported")
    return expect


@pytest.mark.shared
def test_each_bad_file_gets_its_own_reason_and_the_rest_loads(prefect_harness, tmp_path):
    corpus = tmp_path / "faults"
    expect = _build(corpus)
    shutil.copy(corpus / "rutland-2024.pdf", corpus / "rutland-copy.pdf")  # same bytes, other name: loaded once
    wh = tmp_path / "w.duckdb"
    summary = refresh(corpus=[str(corpus)], warehouse=str(wh), workers=2)

    got = {Path(src).name: (status, reason) for src, status, reason in
           query(wh, "SELECT source, status, error_reason FROM documents")[1]}
    rutland = {k: got.pop(k) for k in ("rutland-2024.pdf", "rutland-copy.pdf") if k in got}
    assert list(rutland.values()) == [("loaded", None)], "identical files are one document"
    expect.pop("rutland-2024.pdf")
    assert got == expect
    failed = sum(1 for status, _ in expect.values() if status == "error")
    assert (summary["new"], summary["failed"], summary["unchanged"], summary["duplicates"]) == (3, failed, 0, 1)
    sources = {Path(src).name: (status, dup and Path(dup).name) for src, status, dup in
               query(wh, "SELECT source, status, duplicate_of FROM sources")[1]}
    assert len(sources) == len(expect) + 2  # every file accounted for
    assert sorted([sources.pop("rutland-2024.pdf"), sources.pop("rutland-copy.pdf")]) == [
        ("duplicate", "rutland-2024.pdf"), ("loaded", None)]
    assert sources == {name: (status, None) for name, (status, _) in expect.items()}
    assert {f["reason"] for f in summary["failures"]} == {r for s, r in expect.values() if s == "error"}

    # every error names the file and says what to do
    for source, error in query(wh, "SELECT source, error FROM documents WHERE status = 'error'")[1]:
        assert Path(source).name in error and len(error) > 40
    # the Windows-1252 file decoded: curly quotes and the pound sign survive
    texts = [r[0] for r in query(wh, "SELECT text FROM findings WHERE source LIKE '%windows-1252.txt'")[1]]
    assert any("\u201cgood progress\u201d" in t for t in texts) and any("\u00a31.2m" in t for t in texts)
    assert query(wh, "SELECT count(DISTINCT document_id) FROM findings")[1] == [(3,)]
    # the run is recorded with each failure's reason
    runs = query(wh, "SELECT status, new_docs, failed_docs, detail FROM runs")[1]
    assert len(runs) == 1 and runs[0][:3] == ("completed", 3, failed) and '"no_text_layer"' in runs[0][3]

    # nothing changed: a second refresh reads nothing and keeps the error rows
    again = refresh(corpus=[str(corpus)], warehouse=str(wh), workers=2)
    assert (again["new"], again["changed"], again["failed"], again["unchanged"], again["duplicates"]) == \
        (0, 0, 0, len(expect) + 1, 1)
    assert dict(query(wh, "SELECT status, count(*) FROM sources GROUP BY 1")[1]) == {"skipped": len(expect) + 1, "duplicate": 1}
    assert query(wh, "SELECT count(*) FROM documents")[1] == [(len(expect) + 1,)]
