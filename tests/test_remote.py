"""Remote sources: a manifest's source_url's downloaded into a cache (corpus/remote.py),
against a real HTTP server on 127.0.0.1 serving real Ofsted PDFs, then loaded by the flow."""
from __future__ import annotations

import csv
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

from findings.corpus import remote
from findings.corpus.remote import DownloadError, Settings, download
from findings.warehouse.db import query

from .conftest import ILACS, ROOT, SEEDS

pytestmark = pytest.mark.shared
FAST = Settings(timeout=0.5, retries=2, backoff=0.05, max_bytes=5_000_000)
GOOD = ["rutland/2024-07-12.pdf", "staffordshire/2019-03-11.pdf"]


class _Handler(BaseHTTPRequestHandler):
    hits: Counter = Counter()

    def log_message(self, *args):  # quiet
        pass

    def _send(self, status: int, body: bytes = b"", ctype: str = "application/pdf", headers: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def do_GET(self):
        path = self.path.split("?")[0]
        self.hits[path] += 1
        if path.startswith("/files/"):
            return self._send(200, (ILACS / path[len("/files/"):]).read_bytes())
        if path == "/slow.pdf":
            time.sleep(2)
            return self._send(200, (ILACS / GOOD[0]).read_bytes())
        if path == "/flaky.pdf":
            if self.hits[path] == 1:
                return self._send(503, b"busy", "text/plain")
            return self._send(200, (ILACS / GOOD[1]).read_bytes())
        if path == "/moved.pdf":
            return self._send(302, b"", headers={"Location": "/files/" + GOOD[0]})
        if path == "/letter.txt":
            return self._send(200, (SEEDS / "surrey-ofsted-monitoring-visit-2017-02-10.txt").read_bytes(), "text/plain")
        if path == "/truncated.pdf":
            return self._send(200, (ILACS / GOOD[0]).read_bytes()[:20000])
        if path == "/binary.pdf":
            return self._send(200, b"\x89PNG\r\n\x1a\n\x00\x00" * 100, "image/png")
        return self._send(404, b"<html><body>Not found</body></html>", "text/html")


@pytest.fixture
def server():
    _Handler.hits = Counter()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", _Handler.hits
    httpd.shutdown()
    httpd.server_close()


def _reason(url: str, cache: Path, settings: Settings = FAST) -> str:
    with pytest.raises(DownloadError) as err:
        download(url, cache, settings, name_hint="x.pdf")
    return err.value.reason


def test_pdf_downloaded_once_into_a_hashed_name(server, tmp_path):
    base, hits = server
    url = f"{base}/files/{GOOD[0]}"
    path = download(url, tmp_path / "cache", FAST)
    assert path.parent == tmp_path / "cache" and path.name == remote.url_key(url) + ".pdf"
    assert path.read_bytes() == (ILACS / GOOD[0]).read_bytes()
    assert download(url, tmp_path / "cache", FAST) == path and hits[f"/files/{GOOD[0]}"] == 1  # cached: no request
    assert [p.name for p in (tmp_path / "cache").iterdir()] == [path.name]                   # no temporary left


def test_names_cannot_escape_the_cache(server, tmp_path):
    base, _ = server
    path = download(f"{base}/files/{GOOD[0]}?name=../../../../etc/passwd", tmp_path / "cache", FAST,
                    name_hint="../../outside.pdf")
    assert path.resolve().parent == (tmp_path / "cache").resolve()
    assert _reason("file:///etc/passwd", tmp_path / "cache") == "bad_url"
    assert _reason("ftp://127.0.0.1/x.pdf", tmp_path / "cache") == "bad_url"


def test_http_errors_timeouts_and_non_pdfs_have_specific_reasons(server, tmp_path):
    base, hits = server
    cache = tmp_path / "cache"
    assert _reason(f"{base}/missing.pdf", cache) == "http_404"
    assert hits["/missing.pdf"] == 1                                   # a 404 is not retried
    t = time.monotonic()
    assert _reason(f"{base}/slow.pdf", cache, Settings(timeout=0.3, retries=1, backoff=0.05)) == "download_timeout"
    assert hits["/slow.pdf"] == 2 and time.monotonic() - t < 3          # retried once, each attempt time-boxed
    assert _reason(f"{base}/files/blackpool/2012-07-13.pdf", cache) == "not_a_pdf"   # an HTML page served as a PDF
    assert _reason(f"{base}/binary.pdf", cache) == "not_a_pdf"
    assert _reason(f"{base}/truncated.pdf", cache) == "corrupt"
    assert _reason(f"{base}/files/{GOOD[0]}", cache, Settings(timeout=2, retries=0, max_bytes=10_000)) == "too_large"
    assert _reason("http://127.0.0.1:9/closed.pdf", cache, Settings(timeout=1, retries=1, backoff=0.01)) == "download_failed"
    assert not cache.exists() or list(cache.iterdir()) == []           # nothing bad or partial is kept


def test_retry_with_backoff_redirects_and_text(server, tmp_path):
    base, hits = server
    assert download(f"{base}/flaky.pdf", tmp_path, FAST).suffix == ".pdf" and hits["/flaky.pdf"] == 2
    assert download(f"{base}/moved.pdf", tmp_path, FAST).read_bytes()[:5] == b"%PDF-"
    assert download(f"{base}/letter.txt", tmp_path, FAST, name_hint="letter.txt").suffix == ".txt"


def test_new_reasons_are_in_the_contract():
    contract = yaml.safe_load((ROOT / "warehouse" / "contract.yml").read_text())
    tests = contract["views"]["documents"]["columns"]["error_reason"]["tests"]
    accepted = set(next(t["accepted_values"] for t in tests if isinstance(t, dict)))
    assert set(remote.REASONS) <= accepted


def test_refresh_downloads_missing_documents_then_loads_them(prefect_harness, server, tmp_path, monkeypatch):
    base, hits = server
    for name, value in (("TIMEOUT", "0.5"), ("RETRIES", "1"), ("BACKOFF", "0.05")):
        monkeypatch.setenv(f"FINDINGS_DOWNLOAD_{name}", value)
    folder = tmp_path / "reports"
    folder.mkdir()
    (folder / "local.txt").write_bytes((SEEDS / "worcestershire-commissioner-report-2017-09-19.txt").read_bytes())
    rows = [
        ("local.txt", "Worcestershire", "2017-09-19", ""),                               # here already
        ("rutland/2024-07-12.pdf", "Rutland", "2024-07-12", f"{base}/files/{GOOD[0]}"),
        ("staffordshire/2019-03-11.pdf", "Staffordshire", "2019-03-11", f"{base}/files/{GOOD[1]}"),
        ("gone.pdf", "Nowhere", "2020-01-01", f"{base}/missing.pdf"),
        ("login.pdf", "Blackpool", "2012-07-13", f"{base}/files/blackpool/2012-07-13.pdf"),
        ("slow.pdf", "Slowshire", "2021-01-01", f"{base}/slow.pdf"),
        ("lost.pdf", "Lostshire", "2021-01-01", ""),                                      # neither file nor URL
    ]
    manifest = folder / "manifest.csv"
    with manifest.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["file", "authority", "published", "source_url"])
        w.writerows(rows)
    from findings.flows.refresh import refresh

    wh, cache = tmp_path / "w.duckdb", tmp_path / "cache"
    summary = refresh(manifest=str(manifest), cache=str(cache), warehouse=str(wh), workers=1)
    assert (summary["new"], summary["failed"]) == (3, 4)
    got = {r[0]: r[1:] for r in query(wh, "SELECT coalesce(source_url, source), status, error_reason, authority FROM documents")[1]}
    assert got[f"{base}/files/{GOOD[0]}"] == ("loaded", None, "Rutland")
    assert got[f"{base}/files/{GOOD[1]}"] == ("loaded", None, "Staffordshire")
    assert got[f"{base}/missing.pdf"] == ("error", "http_404", "Nowhere")
    assert got[f"{base}/files/blackpool/2012-07-13.pdf"] == ("error", "not_a_pdf", "Blackpool")
    assert got[f"{base}/slow.pdf"] == ("error", "download_timeout", "Slowshire")
    assert next(v for k, v in got.items() if k.endswith("lost.pdf")) == ("error", "missing_file", "Lostshire")
    assert next(v for k, v in got.items() if k.endswith("local.txt"))[:2] == ("loaded", None)
    assert query(wh, f"SELECT source FROM documents WHERE source_url = '{base}/files/{GOOD[0]}'")[1] == [(f"{base}/files/{GOOD[0]}",)]
    assert sorted(p.suffix for p in cache.iterdir()) == [".pdf", ".pdf"]

    # next refresh: cached files are not downloaded again; failed ones are tried again
    before = hits.copy()
    again = refresh(manifest=str(manifest), cache=str(cache), warehouse=str(wh), workers=1)
    assert (again["new"], again["changed"], again["unchanged"], again["failed"]) == (0, 0, 3, 4)
    assert hits[f"/files/{GOOD[0]}"] == before[f"/files/{GOOD[0]}"] and hits["/missing.pdf"] == before["/missing.pdf"] + 1
    assert query(wh, "SELECT count(*) FROM documents")[1] == [(7,)]
