"""PDF reports to clean paragraphs, from pdfminer.six layout objects (one parse per file).

One pass over the layout collects every text line with its position and font; the rest
is linear post-processing over those lines:

* running headers / footers and page numbers are dropped: lines in the top or bottom band
  of the page whose text (digits masked) repeats on many pages, or that are bare page
  numbers / "Page x of y";
* the paragraph-number column (ILACS and SIF reports print "1." in a left column) becomes
  `Paragraph.number`, never text;
* lines that share a row with another line further right (judgement tables, grade boxes)
  become kind="table" paragraphs, one per cell, never glued into prose;
* small-font lines at the bottom of a page are footnotes (kind="footnote"); superscript
  footnote references stuck to words ("Board1") are removed;
* bold or larger short lines are headings; every later paragraph carries `section`;
* bullet glyph lines start kind="bullet" paragraphs (glyph removed);
* a paragraph that runs over a page break is joined;
* line-end hyphens are kept for compounds ("well-being") and removed for split words
  ("assess-ment") using the document's own vocabulary.

Metadata and judgements come from `ofsted.analyse` (layout positions) and then
`metadata.infer` fills what is still blank.
"""
from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from . import metadata, ofsted
from .document import ExtractedDocument, ExtractionError, Paragraph
from .filetype import pdf_is_complete, sniff

log = logging.getLogger(__name__)

# pdfminer is chatty at WARNING level about benign font issues.
for _name in ("pdfminer", "pdfminer.pdfpage", "pdfminer.pdfinterp", "pdfminer.cmapdb", "pdfminer.pdffont"):
    logging.getLogger(_name).setLevel(logging.ERROR)


@dataclass(slots=True)
class Line:
    """One text line of the layout, in PDF points (origin bottom-left)."""
    page: int
    x0: float
    y0: float
    x1: float
    y1: float
    text: str
    size: float
    bold: bool
    first_small_digit: bool = False      # starts with a superscript digit (footnote text)
    kind: str = "body"                  # body | furniture | table | number
    number: int | None = None
    page_height: float = 842.0
    page_width: float = 595.0

    @property
    def h(self) -> float:
        return self.y1 - self.y0


_PUA = re.compile(r"[\ue000-\uf8ff]")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b]+")
_NUM_ONLY = re.compile(r"^(\d{1,3})\.$")
_ROMAN_ONLY = re.compile(r"^\(?([ivxlc]{1,5}|[a-z])\)\.?$")
_LEAD_NUM = re.compile(r"^(\d{1,3})\.\s+(?=\S)")
_UPPER_START = re.compile(r"[A-Z(\u2018\u201c'\"]")
_PAGE_NUM = re.compile(r"^(page\s*)?\d{1,3}(\s*(of|/)\s*\d{1,3})?$|^[-–—]\s*\d{1,3}\s*[-–—]$", re.I)
_SUPER_REF = re.compile(r"[A-Za-z.,;:?!)’'”\"]\d")
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*[A-Za-z]|[A-Za-z]")
_TERMINAL = re.compile(r"[.!?:;]['’”\")\]]*$")
_DIGITS = re.compile(r"\d+")
_META_LINE = re.compile(r"^(inspection dates?|lead inspector|report published|published|date of (inspection|visit)"
                        r"|age group|inspection number|reference no|urn|unique reference)\b", re.I)

# First parts of compounds that keep their hyphen at a line break.
KEEP_HYPHEN_PREFIXES = {
    "well", "multi", "self", "co", "pre", "post", "non", "sub", "cross", "long", "short", "high",
    "low", "child", "children", "family", "decision", "information", "tri", "bi", "semi", "re",
    "over", "under", "anti", "inter", "intra", "step", "half", "full", "part", "age", "good",
    "evidence", "risk", "care", "life", "asylum", "to", "on", "in", "out", "off", "two", "three",
    "four", "five", "one", "single", "whole", "wide", "work", "awareness", "face", "front", "follow",
    "early", "ex", "mid", "pan", "de", "up", "day", "year", "time", "case", "court", "health",
    "school", "value", "need", "needs", "team", "best", "first", "second", "third", "above",
    "below", "de", "older", "young", "small", "large", "all", "open", "fast", "far", "near",
    "hard", "well", "ill", "narrow", "broad", "top", "hand", "home", "out", "after", "end",
}
JOIN_SUFFIXES = (
    "ment", "ments", "tion", "tions", "sion", "sions", "ing", "ings", "ness", "ity", "ities",
    "ance", "ances", "ence", "ences", "ive", "ives", "ively", "ally", "ous", "ful", "ed", "ly",
    "able", "ible", "al", "ise", "ised", "ize", "ized", "ation", "ations", "ates", "ate", "ated",
    "er", "ers", "ist", "ists", "ism", "ial", "ially", "ical", "ically", "ship", "ships", "ure",
    "ures", "ably", "ibly", "ency", "ancy", "es", "s", "ary", "ory", "ories", "aries",
)


def _bold(fontname: str) -> bool:
    f = fontname.lower()
    return "bold" in f or "black" in f or "heavy" in f or f.endswith(",b") or "-bd" in f or "semibold" in f or "demi" in f


# --------------------------------------------------------------------------------------
# Opening the file: specific errors for files that are not readable PDFs.
# --------------------------------------------------------------------------------------

def _check_bytes(path: Path) -> None:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ExtractionError("unreadable", f"{path}: cannot read the file ({exc}); check the path and permissions.") from exc
    if size == 0:
        raise ExtractionError("empty", f"{path} is empty (0 bytes); download it again from its source URL.")
    with path.open("rb") as fh:
        kind = sniff(fh.read(4096))
    if kind == "pdf":
        if not pdf_is_complete(path, size):
            raise ExtractionError(
                "corrupt",
                f"{path} is truncated or damaged: it has no %%EOF end marker ({size} bytes); "
                "download it again from its source URL.")
        return
    if kind == "html":
        raise ExtractionError(
            "not_a_pdf",
            f"{path} looks like an HTML page, not a PDF (probably an error or redirect page saved "
            "in place of the report); download the report again from its source URL.")
    raise ExtractionError(
        "not_a_pdf",
        f"{path} does not start with a PDF header (%PDF-); it is not a PDF. Check what was downloaded "
        "and fetch the report again.")


def _open_document(path: Path, fh):
    from pdfminer.pdfdocument import PDFDocument, PDFEncryptionError, PDFPasswordIncorrect
    from pdfminer.pdfparser import PDFParser
    from pdfminer.psparser import PSException

    try:
        parser = PDFParser(fh)
        doc = PDFDocument(parser)
    except (PDFPasswordIncorrect, PDFEncryptionError) as exc:
        raise ExtractionError(
            "encrypted",
            f"{path} is encrypted and cannot be opened without a password ({type(exc).__name__}); "
            "obtain an unencrypted copy of the report.") from exc
    except (PSException, Exception) as exc:  # noqa: BLE001 - pdfminer raises many kinds
        name = type(exc).__name__
        if "Encrypt" in name or "Password" in name or "encrypt" in str(exc).lower():
            raise ExtractionError(
                "encrypted",
                f"{path} is encrypted and cannot be opened ({exc}); obtain an unencrypted copy.") from exc
        raise ExtractionError(
            "corrupt",
            f"{path} is a damaged or truncated PDF ({name}: {exc}); download it again from its source URL.") from exc
    return doc


# --------------------------------------------------------------------------------------
# The single layout pass
# --------------------------------------------------------------------------------------

def _collect_lines(path: Path) -> tuple[list[Line], int, bool]:
    """All text lines of the PDF, in page order. Returns (lines, pages, saw_images)."""
    from pdfminer.converter import PDFPageAggregator
    from pdfminer.layout import LAParams, LTChar, LTFigure, LTImage, LTTextBox, LTTextLine
    from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
    from pdfminer.pdfpage import PDFPage

    lines: list[Line] = []
    pages = 0
    saw_images = False
    with path.open("rb") as fh:
        doc = _open_document(path, fh)
        rsrc = PDFResourceManager(caching=True)
        # boxes_flow=None: no hierarchical box grouping (we order lines ourselves).
        device = PDFPageAggregator(rsrc, laparams=LAParams(boxes_flow=None))
        interp = PDFPageInterpreter(rsrc, device)
        try:
            page_iter = PDFPage.create_pages(doc)
            for page in page_iter:
                pages += 1
                interp.process_page(page)
                layout = device.get_result()
                ph = layout.height or 842.0
                pw = layout.width or 595.0
                for el in layout:
                    if isinstance(el, LTTextBox):
                        for tl in el:
                            if isinstance(tl, LTTextLine):
                                ln = _make_line(tl, pages, ph, pw, LTChar)
                                if ln is not None:
                                    lines.append(ln)
                    elif isinstance(el, LTTextLine):
                        ln = _make_line(el, pages, ph, pw, LTChar)
                        if ln is not None:
                            lines.append(ln)
                    elif not saw_images and isinstance(el, (LTFigure, LTImage)):
                        if el.width * el.height > 0.25 * pw * ph:
                            saw_images = True
        except ExtractionError:
            raise
        except Exception as exc:  # noqa: BLE001
            name = type(exc).__name__
            if pages == 0:
                if "Encrypt" in name or "Password" in name:
                    raise ExtractionError("encrypted", f"{path} is encrypted ({exc}); obtain an unencrypted copy.") from exc
                raise ExtractionError(
                    "corrupt", f"{path} is a damaged PDF: no page could be read ({name}: {exc}); download it again.") from exc
            raise ExtractionError(
                "corrupt",
                f"{path} is damaged or truncated: reading stopped at page {pages} ({name}: {exc}); "
                "download it again from its source URL.") from exc
    return lines, pages, saw_images


def _make_line(tl, page: int, ph: float, pw: float, LTChar) -> Line | None:
    text = tl.get_text()
    stripped = text.strip()
    if not stripped:
        return None
    objs = tl._objs
    n = len(objs)
    # Font size / weight from a few sampled characters (median of first, middle, last).
    samples = []
    for idx in (0, n // 2, n - 1, n // 4, (3 * n) // 4):
        o = objs[idx]
        if isinstance(o, LTChar) and not o.get_text().isspace():
            samples.append(o)
    if not samples:
        for o in objs:
            if isinstance(o, LTChar):
                samples.append(o)
                break
    if not samples:
        return None
    sizes = sorted(round(c.size, 1) for c in samples)
    size = sizes[len(sizes) // 2]
    bold_votes = sum(1 for c in samples if _bold(c.fontname))
    bold = bold_votes * 2 > len(samples)
    first_small = False
    if _SUPER_REF.search(text) or (stripped[:1].isdigit()):
        text, first_small = _strip_superscripts(objs, size, LTChar)
        stripped = text.strip()
        if not stripped:
            return None
    text = _SPACES.sub(" ", stripped)
    return Line(page, tl.x0, tl.y0, tl.x1, tl.y1, text, size, bold, first_small, page_height=ph, page_width=pw)


def _strip_superscripts(objs, size: float, LTChar) -> tuple[str, bool]:
    """Rebuild the line text without superscript digits (footnote references).
    Returns (text, starts_with_superscript_digit)."""
    out = []
    first_small = False
    seen_text = False
    limit = size * 0.8
    for o in objs:
        t = o.get_text()
        if isinstance(o, LTChar) and t.isdigit() and o.size < limit:
            if not seen_text:
                first_small = True
                continue
            # a reference stuck to a word or punctuation ("Board1", "improvement.2")
            prev = out[-1] if out else " "
            if prev and not prev[-1].isspace() and not prev[-1].isdigit():
                continue
            if prev and prev[-1].isdigit() and getattr(o, "_is_super", True):
                continue
        if not t.isspace():
            seen_text = True
        out.append(t)
    return "".join(out), first_small


# --------------------------------------------------------------------------------------
# Post-processing
# --------------------------------------------------------------------------------------

def _mode(values, default: float) -> float:
    c = Counter(values)
    return c.most_common(1)[0][0] if c else default


def _mark_furniture(lines: list[Line], pages: int) -> None:
    """Running headers / footers / page numbers -> kind='furniture'."""
    if not lines:
        return
    band_counts: Counter = Counter()
    keys = []
    for ln in lines:
        top = ln.y0 > ln.page_height * 0.885
        bottom = ln.y1 < ln.page_height * 0.085
        if top or bottom:
            key = ("t" if top else "b", _DIGITS.sub("#", ln.text.lower()))
            keys.append(key)
            band_counts[key] += 1
        else:
            keys.append(None)
    # count each key once per page
    per_page: dict = {}
    for ln, key in zip(lines, keys):
        if key is not None:
            per_page.setdefault(key, set()).add(ln.page)
    need = max(2, int(0.3 * pages)) if pages > 2 else 2
    for ln, key in zip(lines, keys):
        if key is None:
            continue
        if _PAGE_NUM.match(ln.text) or len(per_page[key]) >= need:
            ln.kind = "furniture"
    # Repeated lines outside the bands that appear on most pages (e.g. side banners).
    if pages >= 4:
        mid: dict = {}
        for ln in lines:
            if ln.kind == "body" and len(ln.text) > 6:
                mid.setdefault(_DIGITS.sub("#", ln.text.lower()), set()).add(ln.page)
        for ln in lines:
            if ln.kind == "body" and len(ln.text) > 6:
                s = mid.get(_DIGITS.sub("#", ln.text.lower()))
                if s and len(s) >= max(4, 0.6 * pages) and len(ln.text) < 120:
                    ln.kind = "furniture"


def _page_rows(page_lines: list[Line]) -> None:
    """Mark number-column lines and table lines on one page (lines sorted top-down)."""
    _mark_number_column(page_lines)
    bound = _mark_table_lines(page_lines)
    if bound:
        _extend_table_cells(page_lines, bound)


def _mark_number_column(page_lines: list[Line]) -> None:
    """A paragraph number printed alone left of its paragraph's first line ("12." or "(a)")
    is a 'number' line; an arabic one becomes that line's `number`."""
    n = len(page_lines)
    for i, a in enumerate(page_lines):
        if a.kind != "body":
            continue
        m = _NUM_ONLY.match(a.text) or _ROMAN_ONLY.match(a.text)
        if m and a.x1 - a.x0 < 40:
            # nearest line to the right sharing the row
            best = None
            for j in range(max(0, i - 6), min(n, i + 7)):
                b = page_lines[j]
                if b is a or b.kind not in ("body",) or b.x0 < a.x1 - 1:
                    continue
                if abs(b.y0 - a.y0) < 0.35 * max(a.h, 1) and b.x0 - a.x1 < 80:
                    if best is None or b.x0 < best.x0:
                        best = b
            if best is not None:
                a.kind = "number"
                if _NUM_ONLY.match(a.text):
                    best.number = int(m.group(1))


def _mark_table_lines(page_lines: list[Line]) -> dict[int, float]:
    """Table lines: two lines side by side with overlapping vertical extents. Returns, for
    each (by id), the x where the next column starts."""
    n = len(page_lines)
    bound: dict[int, float] = {}
    for i, a in enumerate(page_lines):
        if a.kind not in ("body", "table"):
            continue
        for j in range(i + 1, min(n, i + 12)):
            b = page_lines[j]
            if b.kind not in ("body", "table"):
                continue
            if b.y1 < a.y0 - 30:
                break
            ov = min(a.y1, b.y1) - max(a.y0, b.y0)
            if ov <= 0.3 * min(a.h, b.h):
                continue
            if a.x1 < b.x0 - 8 or b.x1 < a.x0 - 8:
                a.kind = "table"
                b.kind = "table"
                left, right = (a, b) if a.x1 < b.x0 else (b, a)
                bound[id(left)] = min(bound.get(id(left), 1e9), right.x0)
                bound.setdefault(id(right), 1e9)
    return bound


def _extend_table_cells(page_lines: list[Line], bound: dict[int, float]) -> None:
    """Cell continuation lines: same column, adjacent, not crossing into the next column."""
    n = len(page_lines)
    changed = True
    while changed:
        changed = False
        for i, a in enumerate(page_lines):
            if a.kind != "table":
                continue
            lim = bound.get(id(a), 1e9)
            for j in (i - 1, i + 1, i - 2, i + 2):
                if not 0 <= j < n:
                    continue
                b = page_lines[j]
                if b.kind != "body" or abs(b.x0 - a.x0) > 3 or b.x1 > lim - 2:
                    continue
                gap = abs(a.y0 - b.y0)
                if 0 < gap < 1.45 * max(a.size, b.size) and abs(a.size - b.size) < 1:
                    b.kind = "table"
                    bound[id(b)] = lim
                    changed = True


def _is_bullet(text: str, ) -> tuple[bool, str]:
    c = text[:1]
    if not c:
        return False, text
    if _PUA.match(c) or c in "•●▪◼■◾◆◦○·‣⁃∙►▶➢✓✔":
        return True, text[1:].lstrip()
    if c in "-–—*o" and len(text) > 2 and text[1] == " " and c != "o":
        return True, text[2:].lstrip()
    return False, text


@dataclass
class _Para:
    kind: str
    page: int
    lines: list[Line] = field(default_factory=list)
    number: int | None = None
    section: str | None = None
    texts: list[str] = field(default_factory=list)


def _join_texts(parts: list[str]) -> str:
    """Join line texts; a line-end hyphen before a letter is marked for `_resolve_hyphens`."""
    out = []
    for i, t in enumerate(parts):
        if i == 0:
            out.append(t)
            continue
        prev = out[-1]
        if prev.endswith("-") and len(prev) >= 2 and prev[-2].isalpha() and t[:1].isalpha():
            out.append("\x00" + t)       # placeholder: hyphen decision later
        else:
            out.append(" " + t)
    return "".join(out)


def _resolve_hyphens(text: str, vocab: Counter, hyph_vocab: Counter) -> str:
    if "\x00" not in text:
        return text

    def repl(m: re.Match) -> str:
        first, second = m.group(1), m.group(2)
        joined = (first + second).lower()
        hyphen = f"{first}-{second}".lower()
        fl = first.lower()
        if hyph_vocab.get(hyphen, 0) > 0:
            keep = True
        elif fl in KEEP_HYPHEN_PREFIXES or first[:1].isupper() and second[:1].isupper():
            keep = True
        elif vocab.get(joined, 0) > 0:
            keep = False
        elif second.lower() in JOIN_SUFFIXES or (second.islower() and any(second.lower() == s for s in JOIN_SUFFIXES)):
            keep = False
        elif second[:1].islower() and len(second) <= 4 and second.lower().endswith(JOIN_SUFFIXES):
            keep = False
        else:
            keep = True
        return f"{first}-{second}" if keep else f"{first}{second}"

    return re.sub(r"([A-Za-z]+)-\x00([A-Za-z]*)", repl, text).replace("\x00", "")


def build_paragraphs(lines: list[Line], pages: int) -> tuple[list[Paragraph], dict]:
    """Lines (one document) -> paragraphs. Returns (paragraphs, info) where info has
    body_size and the furniture texts (for leak checks)."""
    _mark_furniture(lines, pages)
    body_size = _mode((ln.size for ln in lines if ln.kind == "body" and len(ln.text) > 30), 12.0)
    ordered = _reading_order(lines)
    leading = _leading(ordered, body_size)
    _mark_footnotes(ordered, body_size)
    paras = _Grouping(body_size, leading, _left_edges(ordered)).paragraphs(ordered)
    vocab, hyph_vocab = _hyphen_vocabulary(ordered)
    out = _finished(_table_rows(paras), vocab, hyph_vocab)
    info = {
        "body_size": body_size,
        "furniture": sorted({ln.text for ln in lines if ln.kind == "furniture" and not _PAGE_NUM.match(ln.text)}),
    }
    return out, info


def _reading_order(lines: list[Line]) -> list[Line]:
    """Lines page by page, top to bottom then left to right, with table rows marked."""
    by_page: dict[int, list[Line]] = {}
    for ln in lines:
        by_page.setdefault(ln.page, []).append(ln)
    ordered: list[Line] = []
    for p in sorted(by_page):
        pl = by_page[p]
        pl.sort(key=lambda l: (-round(l.y0, 0), l.x0))
        _page_rows(pl)
        ordered.extend(pl)
    return ordered


def _leading(ordered: list[Line], body_size: float) -> float:
    """The usual baseline distance between body lines inside a paragraph."""
    diffs = []
    prev = None
    for ln in ordered:
        if ln.kind != "body":
            continue
        if prev is not None and prev.page == ln.page and abs(prev.size - body_size) < 0.6 and abs(ln.size - body_size) < 0.6:
            d = round(prev.y0 - ln.y0, 0)
            if 0 < d < 3 * body_size:
                diffs.append(d)
        prev = ln
    return _mode(diffs, body_size * 1.2)


def _mark_footnotes(ordered: list[Line], body_size: float) -> None:
    """Footnotes: small font, low on the page, below the page's last body-size line."""
    last_body_y: dict[int, float] = {}
    for ln in ordered:
        if ln.kind == "body" and abs(ln.size - body_size) < 0.6 and len(ln.text) > 3:
            y = last_body_y.get(ln.page)
            if y is None or ln.y0 < y:
                last_body_y[ln.page] = ln.y0
    for ln in ordered:
        if ln.kind == "body" and ln.size < body_size * 0.93 and ln.y1 < ln.page_height * 0.4:
            lb = last_body_y.get(ln.page)
            if lb is None or ln.y1 <= lb + 1:
                ln.kind = "footnote"


def _left_edges(ordered: list[Line]) -> dict[int, float]:
    """Per page, the left edge of the text block (leftmost long body line)."""
    min_x: dict[int, float] = {}
    for ln in ordered:
        if ln.kind == "body" and len(ln.text) > 40:
            if ln.x0 < min_x.get(ln.page, 1e9):
                min_x[ln.page] = ln.x0
    return min_x


class _Grouping:
    """Lines in reading order -> paragraphs (_Para), one line at a time: table cells,
    footnotes, headings (carried as the section), numbered and bulleted paragraphs, lines
    continuing the current paragraph, and paragraphs continued across a page break."""

    def __init__(self, body_size: float, leading: float, min_x: dict[int, float]):
        self.body_size, self.leading, self.min_x = body_size, leading, min_x
        self.paras: list[_Para] = []
        self.section: str | None = None
        self.cur: _Para | None = None
        self.last_flow: _Para | None = None     # last body/bullet paragraph (page-break joins)
        self.last_number = 0
        self.table_cells: list[_Para] = []

    def paragraphs(self, ordered: list[Line]) -> list[_Para]:
        for ln in ordered:
            if ln.kind in ("furniture", "number"):
                continue
            if ln.kind == "table":
                self._table_line(ln)
            elif ln.kind == "footnote":
                self._footnote_line(ln)
            else:
                self._flow_line(ln)
        return self.paras

    def _table_line(self, ln: Line) -> None:
        # cells: same column (x0 close), vertically adjacent
        cell = None
        for c in reversed(self.table_cells[-8:]):
            last = c.lines[-1]
            if c.page == ln.page and abs(last.x0 - ln.x0) < 25 and 0 <= last.y0 - ln.y0 < 1.45 * self.leading:
                cell = c
                break
        if cell is None:
            cell = _Para("table", ln.page, section=self.section)
            self.table_cells.append(cell)
            self.paras.append(cell)
        cell.lines.append(ln)
        self.cur = None

    def _footnote_line(self, ln: Line) -> None:
        cur = self.cur
        if (cur is not None and cur.kind == "footnote" and cur.page == ln.page and not ln.first_small_digit
                and not (_LEAD_NUM.match(ln.text) and ln.x0 <= cur.lines[0].x0 + 1 and cur.lines[-1].y0 - ln.y0 > 0)):
            cur.lines.append(ln)
        else:
            self.cur = _Para("footnote", ln.page, section=self.section)
            self.paras.append(self.cur)
            self.cur.lines.append(ln)

    def _flow_line(self, ln: Line) -> None:
        text = ln.text
        is_bullet, btext = _is_bullet(text)
        if is_bullet:
            ln.text = btext
            if not btext:
                return
        heading = self._is_heading(ln, text, is_bullet)
        number = ln.number
        if number is None and not heading and not is_bullet:
            number = self._leading_number(ln, text)
        if number is not None:
            self.last_number = number
        if number is None and not is_bullet and (self._continues(ln, heading) or self._joins_across_page(ln, heading)):
            return
        self._start(ln, heading, is_bullet, number)

    def _is_heading(self, ln: Line, text: str, is_bullet: bool) -> bool:
        if is_bullet or ln.number is not None or len(text) >= 160:
            return False
        if ln.page <= 2 and _META_LINE.match(text):
            return True
        return ((ln.bold and ln.size >= self.body_size - 0.6) or ln.size >= self.body_size * 1.15) \
            and not text.endswith((",", ";"))

    def _leading_number(self, ln: Line, text: str) -> int | None:
        """The merged form "12.  Text" at the left edge of the text block: the number is
        taken off the line's text."""
        m = _LEAD_NUM.match(text)
        if m:
            n = int(m.group(1))
            nxt = text[m.end():m.end() + 1]
            if (self.last_number < n <= self.last_number + 5 or n == 1) and (_UPPER_START.match(nxt) or n == self.last_number + 1):
                ln.text = text[m.end():]
                return n
        return None

    def _continues(self, ln: Line, heading: bool) -> bool:
        """Adds `ln` to the current paragraph if it continues it (a heading's next line, or
        the next line of body text or of a bullet)."""
        cur = self.cur
        if cur is None:
            return False
        last = cur.lines[-1]
        if heading and cur.kind == "heading":
            if (last.page == ln.page and 0 < last.y0 - ln.y0 < 1.6 * max(ln.size, 1) and abs(last.size - ln.size) < 1
                    and last.bold == ln.bold and not _META_LINE.match(ln.text)
                    and bool(_META_LINE.match(cur.lines[0].text)) == bool(_META_LINE.match(ln.text))
                    and sum(len(l.text) for l in cur.lines) + len(ln.text) < 200):
                cur.lines.append(ln)
                if not _META_LINE.match(cur.lines[0].text):
                    self.section = _heading_text(cur)
                return True
        elif not heading and cur.kind in ("body", "bullet"):
            if (last.page == ln.page and abs(last.size - ln.size) < 1.0 and 0 < last.y0 - ln.y0 < self.leading * 1.3
                    and not (cur.kind == "bullet" and ln.x0 < cur.lines[0].x0 - 1)):  # outdented below a bullet: new paragraph
                cur.lines.append(ln)
                return True
        return False

    def _joins_across_page(self, ln: Line, heading: bool) -> bool:
        """Adds `ln` to the last body or bullet paragraph if it is the first flow line of the
        next page and that paragraph did not end there."""
        flow = self.last_flow
        if (heading or flow is None or flow.lines[-1].page != ln.page - 1
                or not (self.cur is None or self.cur is flow or self.cur.page != ln.page)
                or abs(flow.lines[-1].size - ln.size) >= 1.0):
            return False
        prev_text = flow.lines[-1].text
        cont_x = [l.x0 for l in flow.lines[1:] if l.page == flow.lines[-1].page] or [l.x0 for l in flow.lines[1:]]
        indented_cont = (flow.number is not None and cont_x and abs(cont_x[-1] - ln.x0) < 2
                         and ln.x0 > self.min_x.get(ln.page, ln.x0) + 5)
        if not _TERMINAL.search(prev_text) or ln.text[:1].islower() or indented_cont:
            if not any(p.page == ln.page and p.kind in ("body", "bullet", "heading") for p in self.paras[-3:]):
                flow.lines.append(ln)
                self.cur = flow
                return True
        return False

    def _start(self, ln: Line, heading: bool, is_bullet: bool, number: int | None) -> None:
        """A new paragraph beginning with `ln`."""
        kind = "heading" if heading else ("bullet" if is_bullet else "body")
        paras = self.paras
        if (kind == "bullet" and number is None and paras and paras[-1].kind in ("body", "bullet")
                and paras[-1].number is not None and ln.x0 > self.min_x.get(ln.page, ln.x0) + 5):
            number = paras[-1].number          # bullet list inside a numbered paragraph
        self.cur = _Para(kind, ln.page, number=number, section=self.section)
        self.cur.lines.append(ln)
        paras.append(self.cur)
        if kind == "heading":
            if not _META_LINE.match(ln.text):
                self.section = _heading_text(self.cur)
        else:
            self.last_flow = self.cur


def _hyphen_vocabulary(ordered: list[Line]) -> tuple[Counter, Counter]:
    """The document's own words, and its hyphenated words, for line-break hyphen decisions."""
    vocab: Counter = Counter()
    hyph_vocab: Counter = Counter()
    for ln in ordered:
        if ln.kind in ("body", "footnote", "table"):
            for w in _WORD.findall(ln.text.rstrip("-")):
                wl = w.lower()
                if "-" in wl:
                    hyph_vocab[wl] += 1
                    for part in wl.split("-"):
                        vocab[part] += 0
                else:
                    vocab[wl] += 1
    return vocab, hyph_vocab


def _finished(paras: list[_Para], vocab: Counter, hyph_vocab: Counter) -> list[Paragraph]:
    """Each paragraph's lines joined into clean text (hyphens repaired, table cells joined
    with " | ", footnote markers dropped); empty ones left out."""
    out: list[Paragraph] = []
    for p in paras:
        if p.kind == "table" and p.texts:
            text = " | ".join(_resolve_hyphens(_join_texts(c), vocab, hyph_vocab) for c in p.texts)
        else:
            text = _join_texts([l.text for l in p.lines])
        text = _resolve_hyphens(text, vocab, hyph_vocab)
        text = _SPACES.sub(" ", text).strip()
        if not text:
            continue
        if p.kind == "footnote":
            text = re.sub(r"^\d{1,2}\s+", "", text) if p.lines[0].first_small_digit else text
        if p.kind == "heading":
            # a heading that is just a number or a paragraph-like long text is body
            if len(text) > 200:
                p.kind = "body"
        out.append(Paragraph(text=text, page=p.page, number=p.number, section=p.section, kind=p.kind))
    return out


def _table_rows(paras: list[_Para]) -> list[_Para]:
    """Merge runs of table cells into one paragraph per table row ("cell | cell")."""
    out: list[_Para] = []
    i = 0
    while i < len(paras):
        p = paras[i]
        if p.kind != "table":
            out.append(p)
            i += 1
            continue
        j = i
        run = []
        while j < len(paras) and paras[j].kind == "table" and paras[j].page == p.page:
            run.append(paras[j])
            j += 1
        # rows: cells whose vertical extents overlap
        spans = []
        for c in run:
            top = max(l.y1 for l in c.lines)
            bot = min(l.y0 for l in c.lines)
            spans.append((top, bot, c))
        spans.sort(key=lambda t: -t[0])
        rows: list[list] = []
        for top, bot, c in spans:
            if rows:
                rtop, rbot, cells = rows[-1]
                if min(top, rtop) - max(bot, rbot) > 0.3 * min(top - bot, rtop - rbot, 12):
                    cells.append(c)
                    rows[-1] = (max(top, rtop), min(bot, rbot), cells)
                    continue
            rows.append((top, bot, [c]))
        for _, _, cells in rows:
            cells.sort(key=lambda c: c.lines[0].x0)
        # a table of contents (titles with page numbers) is furniture
        pn = [int(cells[-1].lines[-1].text) for _, _, cells in rows
              if len(cells) >= 2 and re.fullmatch(r"\d{1,3}", cells[-1].lines[-1].text)]
        if len(pn) >= 3 and pn == sorted(pn):
            rows = [r for r in rows if not (len(r[2]) >= 2 and re.fullmatch(r"\d{1,3}", r[2][-1].lines[-1].text))]
        for _, _, cells in rows:
            row = _Para("table", cells[0].page, section=cells[0].section)
            row.texts = [[l.text for l in c.lines] for c in cells]
            row.lines = [l for c in cells for l in c.lines]
            out.append(row)
        i = j
    return out


def _heading_text(p: _Para) -> str:
    return _SPACES.sub(" ", " ".join(l.text for l in p.lines)).strip()


# --------------------------------------------------------------------------------------

def extract_pdf(path: Path) -> ExtractedDocument:
    """Extract one PDF report. Raises ExtractionError with a reason code for bad files."""
    path = Path(path)
    _check_bytes(path)
    lines, pages, saw_images = _collect_lines(path)
    if pages == 0:
        raise ExtractionError("no_pages", f"{path} has no pages; download it again from its source URL.")
    text_chars = sum(len(ln.text) for ln in lines)
    if text_chars < min(2000, 50 * pages):
        raise ExtractionError(
            "no_text_layer",
            f"{path} has {pages} page(s) but no text layer{' (scanned images)' if saw_images else ''}; "
            "run OCR (e.g. ocrmypdf) on it and load the OCR'd copy.")
    paragraphs, info = build_paragraphs(lines, pages)
    doc = ExtractedDocument(paragraphs=paragraphs, pages=pages)
    doc._layout_info = info  # type: ignore[attr-defined]  # used by check_extraction
    try:
        ofsted.analyse(doc, lines)
    except Exception:  # noqa: BLE001 - metadata must never lose a document
        log.exception("ofsted metadata failed for %s", path)
    head = "\n".join(p.text for p in paragraphs[:40])
    try:
        metadata.infer(doc, head)
    except Exception:  # noqa: BLE001
        log.exception("metadata inference failed for %s", path)
    return doc
