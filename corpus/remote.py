"""Documents a manifest names by URL: downloaded once into a local cache, checked to be a
PDF or text (not an HTML error page), then ingested like local files.

A manifest row (`file`, ..., `source_url`) whose file exists beside the manifest is read
from there; otherwise its `source_url` is downloaded into the cache folder under a name
made from the URL's sha256 (nothing in the manifest or the response can choose the path),
written to a temporary file and renamed into place only when complete and checked, so a
crash never leaves a half file that looks cached. A cached URL is never downloaded again.

Failures are `DownloadError`s with a short reason stored in `documents.error_reason`:
bad_url, http_404, http_403, http_410, http_error, download_timeout, download_failed,
too_large, not_a_pdf, corrupt, missing_file.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from .filetype import pdf_is_complete, sniff
from .settings import DownloadSettings as Settings  # timeouts, retries, size limit: FINDINGS_DOWNLOAD_*
from .sources import Source, read_manifest

TEXT_SUFFIXES = (".txt", ".md", ".markdown")
REASONS = ("bad_url", "http_404", "http_403", "http_410", "http_error", "download_timeout", "download_failed",
           "too_large", "not_a_pdf", "corrupt", "missing_file")


class DownloadError(Exception):
    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason

    def __str__(self) -> str:
        return f"{self.reason}: {self.args[0]}"


@dataclass
class Wanted:
    """A manifest row to download."""
    url: str
    file: str                                   # the manifest's `file` value (never used as a path)
    row: dict[str, str] = field(default_factory=dict)


@dataclass
class Missing:
    """A manifest row with no local file and no URL to fetch it from."""
    file: str
    path: Path
    row: dict[str, str] = field(default_factory=dict)


def resolve(manifest: Path, cache: Path) -> tuple[list[Source], list[Wanted], list[Missing]]:
    """Split a manifest's rows into local files (beside the manifest, or already in the
    cache), URLs still to download, and rows that name neither an existing file nor a URL."""
    manifest = Path(manifest)
    local: list[Source] = []
    wanted: list[Wanted] = []
    missing: list[Missing] = []
    for name, row in read_manifest(manifest).items():
        path = manifest.parent / name
        url = row.get("source_url")
        if path.is_file():
            local.append(_source(path, str(path), row))
        elif url and (hit := cached(cache, url)) is not None:
            local.append(_source(hit, url, row))
        elif url:
            wanted.append(Wanted(url, name, row))
        else:
            missing.append(Missing(name, path, row))
    return local, wanted, missing


def _source(path: Path, source: str, row: dict[str, str]) -> Source:
    stat = path.stat()
    return Source(path=path, source=source, size=stat.st_size, manifest=row, mtime_ns=stat.st_mtime_ns)


def url_key(url: str) -> str:
    return hashlib.sha256(url.encode("utf-8")).hexdigest()[:32]


def cached(cache: Path, url: str) -> Path | None:
    key = url_key(url)
    for suffix in (".pdf",) + TEXT_SUFFIXES:
        path = Path(cache) / f"{key}{suffix}"
        if path.is_file():
            return path
    return None


def fetch(item: Wanted, cache: Path, settings: Settings | None = None) -> Source:
    """The cached copy of `item.url` as a Source (downloading it if needed), or DownloadError."""
    path = download(item.url, cache, settings, name_hint=item.file)
    return _source(path, item.url, item.row)


def download(url: str, cache: Path, settings: Settings | None = None, name_hint: str = "") -> Path:
    """Download `url` into `cache` (once) and return the file's path."""
    settings = settings or Settings.from_env()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise DownloadError("bad_url", f"{url!r} is not an http(s) URL: fix the manifest's source_url.")
    hit = cached(cache, url)
    if hit is not None:
        return hit
    cache = Path(cache)
    cache.mkdir(parents=True, exist_ok=True)
    last: DownloadError | None = None
    with httpx.Client(timeout=httpx.Timeout(settings.timeout), follow_redirects=True, max_redirects=5,
                      headers={"User-Agent": settings.user_agent}) as client:
        for attempt in range(settings.retries + 1):
            if attempt:
                time.sleep(settings.backoff * 2 ** (attempt - 1))
            try:
                return _download_once(client, url, cache, settings, name_hint)
            except _Retry as exc:
                last = exc.error
            except httpx.TimeoutException as exc:
                last = DownloadError("download_timeout", f"{url}: no answer within {settings.timeout:g} s "
                                     f"({type(exc).__name__}) after {attempt + 1} attempt(s); try again later.")
            except httpx.HTTPError as exc:  # connection refused, reset, DNS, protocol errors, too many redirects
                last = DownloadError("download_failed", f"{url}: download failed ({type(exc).__name__}: {exc}) "
                                     f"after {attempt + 1} attempt(s); check the URL and the network.")
    assert last is not None
    raise last


class _Retry(Exception):
    def __init__(self, error: DownloadError):
        self.error = error


def _download_once(client, url: str, cache: Path, settings: Settings, name_hint: str) -> Path:
    with client.stream("GET", url) as resp:
        status = resp.status_code
        if status == 429 or status >= 500:
            raise _Retry(DownloadError("http_error", f"{url}: the server answered HTTP {status}; try again later."))
        if status >= 400:
            reason = {404: "http_404", 403: "http_403", 410: "http_410"}.get(status, "http_error")
            raise DownloadError(reason, f"{url}: the server answered HTTP {status}"
                                + (" (not found): check the manifest's source_url." if status in (404, 410) else "."))
        declared = resp.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > settings.max_bytes:
            raise DownloadError("too_large", f"{url} is {int(declared):,} bytes, over the {settings.max_bytes:,}-byte limit.")
        fd, tmp = tempfile.mkstemp(dir=cache, prefix=".part-", suffix=".download")
        try:
            received = 0
            head = b""
            with os.fdopen(fd, "wb") as out:
                for chunk in resp.iter_bytes():
                    received += len(chunk)
                    if received > settings.max_bytes:
                        raise DownloadError("too_large", f"{url} is over the {settings.max_bytes:,}-byte limit; not kept.")
                    if len(head) < 4096:
                        head += chunk[: 4096 - len(head)]
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            if declared and declared.isdigit() and received != int(declared):
                raise _Retry(DownloadError("download_failed", f"{url}: got {received} of {declared} bytes."))
            suffix = _checked_suffix(url, Path(tmp), head, received, name_hint)
            final = cache / f"{url_key(url)}{suffix}"
            os.replace(tmp, final)
            return final
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def _checked_suffix(url: str, path: Path, head: bytes, size: int, name_hint: str) -> str:
    """'.pdf' or a text suffix for content that really is one; DownloadError otherwise."""
    if size == 0:
        raise DownloadError("not_a_pdf", f"{url} answered with an empty body; not kept.")
    kind = sniff(head)
    if kind == "pdf":
        if not pdf_is_complete(path, size):
            raise DownloadError("corrupt", f"{url}: the PDF received has no %%EOF end marker (truncated); not kept.")
        return ".pdf"
    if kind == "html":
        raise DownloadError("not_a_pdf", f"{url} answered with an HTML page, not a PDF (an error, login or "
                            "landing page?); check the manifest's source_url.")
    hint = Path(name_hint).suffix.lower()
    if kind == "text" and hint in TEXT_SUFFIXES:
        data = path.read_bytes()
        for encoding in ("utf-8-sig", "cp1252"):
            try:
                data.decode(encoding)
                return hint
            except UnicodeDecodeError:
                continue
    raise DownloadError("not_a_pdf", f"{url} answered with {kind} data, not a PDF"
                        + (" or text" if hint in TEXT_SUFFIXES else "") + "; not kept.")

