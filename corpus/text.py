"""Text and markdown files to paragraphs.

Markdown marks (headings, emphasis, list bullets, links) are removed from the text and
turned into paragraph kinds; plain-text headings are recognised by shape (a short line
without final punctuation standing alone). Paragraphs broken by a blank line in mid-sentence
(page breaks in text exported from PDFs) are joined back.
"""
from __future__ import annotations

import re

from .document import ExtractedDocument, ExtractionError, Paragraph

_MD_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_BULLET = re.compile(r"^\s*(?:[-*+•▪●◦‣–]|\(?\d{1,2}[.)]|\(?[a-z][.)])\s+")
_NUMBERED = re.compile(r"^\s*(\d{1,3})\.\s+(?=[A-Z])")
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_EMPHASIS = re.compile(r"(\*\*|__|\*|_|`)(?=\S)(.+?)(?<=\S)\1")
_RULE = re.compile(r"^\s*([-*_=]\s*){3,}$")
_END = re.compile(r"[.!?:;\"')\]]$")


def decode(data: bytes, name: str) -> str:
    """UTF-8 (with or without BOM), else Windows-1252, the usual alternative for files
    saved from Office on Windows."""
    if not data.strip():
        raise ExtractionError("empty", f"{name} is empty: nothing to extract. Remove it or replace it with the full document.")
    if b"\x00" in data[:4096]:
        raise ExtractionError("unsupported", f"{name} looks binary (NUL bytes), not text. Save it as UTF-8 text, markdown or PDF.")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ExtractionError("unreadable", f"{name} is neither UTF-8 nor Windows-1252 text. Re-save it as UTF-8.")


def _clean_inline(text: str) -> str:
    text = _LINK.sub(r"\1", text)
    for _ in range(2):  # nested emphasis, e.g. ***bold italic***
        text = _EMPHASIS.sub(r"\2", text)
    return re.sub(r"\s+", " ", text).strip()


def _looks_like_heading(line: str) -> bool:
    words = line.split()
    return (
        0 < len(words) <= 12
        and len(line) <= 90
        and "," not in line
        and not _END.search(line)
        and line[:1].isupper()
        and not line.endswith(",")
    )


def read_text(text: str) -> ExtractedDocument:
    paragraphs: list[Paragraph] = []
    section: str | None = None
    title: str | None = None
    markdown = bool(re.search(r"^\s{0,3}#{1,6}\s", text, re.M))

    def add(kind: str, body: str, number: int | None = None) -> None:
        body = _clean_inline(body)
        if body:
            paragraphs.append(Paragraph(body, None, number, section, kind))

    blocks = re.split(r"\n\s*\n", text.replace("\r\n", "\n").replace("\r", "\n"))
    for block in blocks:
        lines = [ln.rstrip() for ln in block.split("\n") if ln.strip() and not _RULE.match(ln)]
        if not lines:
            continue
        buffer: list[str] = []
        kind, number = "body", None

        def flush() -> None:
            nonlocal buffer, kind, number
            if buffer:
                add(kind, " ".join(buffer), number)
            buffer, kind, number = [], "body", None

        for line in lines:
            md = _MD_HEADING.match(line)
            if md or (not markdown and len(lines) == 1 and _looks_like_heading(line.strip())):
                flush()
                heading = _clean_inline(md.group(2) if md else line)
                if heading:
                    section = heading
                    title = title or heading
                    paragraphs.append(Paragraph(heading, None, None, section, "heading"))
                continue
            if _BULLET.match(line) and not _NUMBERED.match(line):
                flush()
                kind = "bullet"
                buffer.append(_BULLET.sub("", line, count=1))
                continue
            numbered = _NUMBERED.match(line)
            if numbered and not buffer:
                number = int(numbered.group(1))
                buffer.append(line[numbered.end():])
                continue
            buffer.append(line.strip())
        flush()

    return ExtractedDocument(paragraphs=_join_broken(paragraphs), title=title)


def _join_broken(paragraphs: list[Paragraph]) -> list[Paragraph]:
    """Join a body paragraph that stops mid-sentence with the next one that starts in
    lower case ("... other information" + "provided by staff and managers.")."""
    out: list[Paragraph] = []
    for para in paragraphs:
        prev = out[-1] if out else None
        if (
            prev is not None
            and prev.kind in ("body", "heading")
            and para.kind == "body"
            and not _END.search(prev.text)
            and para.text[:1].islower()
        ):
            if prev.kind == "heading":  # a sentence start mistaken for a heading
                prev.kind = "body"
                prev.section = next((p.section for p in reversed(out[:-1]) if p.kind == "heading"), None)
                for later in paragraphs[paragraphs.index(para):]:
                    if later.kind == "heading":
                        break
                    later.section = prev.section
            prev.text = f"{prev.text} {para.text}"
            continue
        out.append(para)
    return out
