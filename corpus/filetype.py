"""What a file really is, from its first bytes: its name can lie (an HTML error page saved
as `.pdf`). Used before parsing a file and before keeping a download."""
from __future__ import annotations

from pathlib import Path


def sniff(head: bytes) -> str:
    """'pdf', 'html', 'text' or 'binary' from the first bytes of a file."""
    stripped = head.lstrip()
    if stripped.startswith(b"%PDF-") or b"%PDF-" in head[:1024]:
        return "pdf"
    lowered = stripped[:1024].lower()
    if lowered.startswith((b"<!doctype html", b"<html", b"<?xml")) or b"<html" in lowered or b"<head" in lowered:
        return "html"
    if b"\x00" in head[:4096]:
        return "binary"
    return "text"


def pdf_is_complete(path: Path, size: int) -> bool:
    """Whether a PDF of `size` bytes has its %%EOF end marker (a truncated download has not)."""
    with Path(path).open("rb") as fh:
        fh.seek(max(0, size - 4096))
        return b"%%EOF" in fh.read()
