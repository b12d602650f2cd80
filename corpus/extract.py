"""One entry point from a file to an ExtractedDocument, whatever its format.

The format is decided by the file's bytes, not its name: an HTML error page saved as
`.pdf` is reported as such instead of crashing the PDF parser.
"""
from __future__ import annotations

from pathlib import Path

from . import metadata
from .document import ExtractedDocument, ExtractionError
from .filetype import sniff
from .sources import apply_manifest
from .text import decode, read_text

HEAD_CHARS = 4000  # metadata is read from the start of a document


def extract(path: Path, overrides: dict[str, str] | None = None) -> ExtractedDocument:
    """Extract paragraphs and metadata. `overrides` (a manifest row) wins over the text."""
    path = Path(path)
    with path.open("rb") as fh:
        head = fh.read(4096)
    kind = sniff(head)
    suffix = path.suffix.lower()
    if not head:
        raise ExtractionError("empty", f"{path} is empty (0 bytes): re-download or replace it.")
    if kind == "pdf":
        from .pdf import extract_pdf  # pdfminer is only imported when needed

        doc = extract_pdf(path)
    elif kind == "html":
        raise ExtractionError(
            "not_a_pdf" if suffix == ".pdf" else "unsupported",
            f"{path} is an HTML page, not a {'PDF' if suffix == '.pdf' else 'text document'} "
            "(often a saved error or login page): download the real document again.",
        )
    elif suffix == ".pdf":
        raise ExtractionError("not_a_pdf", f"{path} is named .pdf but has no PDF header: it is {kind} data. Download the real PDF again.")
    elif kind == "binary":
        raise ExtractionError("unsupported", f"{path} is binary data, not text, markdown or PDF.")
    else:
        doc = read_text(decode(path.read_bytes(), str(path)))
        head_text = "\n".join(p.text for p in doc.paragraphs)[:HEAD_CHARS]
        metadata.infer(doc, head_text)
    if not any(p.text.strip() for p in doc.paragraphs if p.kind != "heading"):
        raise ExtractionError("empty", f"{path} has no text to extract.")
    apply_manifest(doc, overrides or {})
    return doc
