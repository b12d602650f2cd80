"""Ofsted report metadata and judgement grades from layout lines and paragraphs.

`analyse(doc, lines)` fills title, authority, doc_type, inspection dates, publication date,
lead inspector and judgements on an ExtractedDocument built by corpus/pdf.py.

Judgements are read from layout positions: every cell of grade text ("Good", "Requires
improvement to be good", "Grade 3 (Adequate)") is paired with the label cell to its left
whose vertical centre is nearest (same table row), and the label is mapped to a canonical
area. Headings that state a grade ("... help and protection: good", "The Local
Safeguarding Children Board requires improvement") fill areas the tables did not give.
"""
from __future__ import annotations

import re
from datetime import date
from typing import Iterable

from . import metadata
from .document import ExtractedDocument, Judgement, Paragraph

AREAS = ("overall_effectiveness", "impact_of_leaders", "help_and_protection", "children_in_care",
         "care_leavers", "adoption_performance", "lscb")

_Q = str.maketrans({"’": "'", "‘": "'", "–": "-", "—": "-", "\u00a0": " "})
_GRADE_WORDS = r"(?:requires\s+improvement(?:\s+to\s+be\s+good)?|inadequate|good|outstanding|adequate)"
_GRADE_CELL = re.compile(
    r"^(?:" + _GRADE_WORDS + r"|requires|improvement|improvement\s+to\s+be\s+good|to\s+be\s+good"
    r"|grade\s*[1-4](?:\s*[:-]?\s*\(?\s*" + _GRADE_WORDS + r"\s*\)?)?)\.?$", re.I)
_GRADE_NUM = {"1": "outstanding", "2": "good", "3": "adequate", "4": "inadequate"}
_STATEMENT = re.compile(
    r"^(?P<label>.+?)(?:\s*:\s*|\s+(?:is|are|remains?|was|were|is judged(?: to be)?|are judged(?: to be)?|is now|are now)\s+)"
    r"(?P<grade>requires?\s+improvement(?:\s+to\s+be\s+good)?|inadequate|good|outstanding|adequate)\s*\.?$"
    r"|^(?P<label2>.+?)\s+(?P<grade2>requires?\s+improvement(?:\s+to\s+be\s+good)?)\s*\.?$", re.I)
_GRADE_ONLY = re.compile(r"^(?:is |are |requires? )?(?:" + _GRADE_WORDS + r"|improvement(?: to be good)?)\.?$", re.I)
_PREFIX_STATEMENT = re.compile(
    r"^(?:the overall (?:judgement|effectiveness)(?: of children's services)? is (?:that )?(?:the )?"
    r"(?:(?:local authority's )?children's services(?: in [\w ,'-]+?)? )?(?:are |is |requires? |judged to be )?"
    r"|(?P<lscb>the effectiveness of the local safeguarding children board(?: \(lscb\))? (?:is |requires? )))"
    r"(?P<grade>requires improvement(?: to be good)?|improvement(?: to be good)?|inadequate|good|outstanding|adequate)\b",
    re.I)
_LEADNUM = re.compile(r"^\s*\d+(\.\d+)*\.?\s+")
_MONTH = r"(january|february|march|april|may|june|july|august|september|october|november|december)"
_RANGE = re.compile(
    r"(\d{1,2})(?:st|nd|rd|th)?(?:\s+" + _MONTH + r")?(?:\s+(\d{4}))?\s*(?:to|-|and|until)\s*"
    r"(\d{1,2})(?:st|nd|rd|th)?\s+" + _MONTH + r"\s+(\d{4})", re.I)


def normalise_grade(text: str, early_framework: bool = True) -> str | None:
    t = re.sub(r"\s+", " ", re.sub(r"[^\w\s()]", " ", text.translate(_Q))).strip().lower()
    m = re.match(r"grade\s*([1-4])", t)
    if m:
        named = re.search(_GRADE_WORDS, t)
        return normalise_grade(named.group(0)) if named else _GRADE_NUM[m.group(1)]
    if t.startswith("requires") or t.startswith("require ") or t == "improvement" or t.startswith("improvement"):
        return "requires improvement"
    if "inadequate" in t:
        return "inadequate"
    if "outstanding" in t:
        return "outstanding"
    if "adequate" in t:
        return "adequate"
    if "good" in t:
        return "good"
    return None


def area_of(label: str) -> str | None:
    """Map a judgement label (any framework) to a canonical area."""
    l = _LEADNUM.sub("", label.translate(_Q).lower())
    l = re.sub(r"\s+", " ", l).strip(" :.-")
    if not l or len(l) > 220:
        return None
    if "capacity" in l or "quality of practice" in l:
        return None
    if "overall" in l or re.match(r"^(the )?(local authority's )?children's services\b", l):
        return "overall_effectiveness"
    if "safeguarding children board" in l or "lscb" in l or "safeguarding partnership" in l:
        return "lscb"
    if "adoption" in l:
        return "adoption_performance"
    if "care leavers" in l and not ("children in care" in l or "looked after" in l or "looked-after" in l):
        return "care_leavers"
    if "children in care" in l or "looked after" in l or "looked-after" in l or "permanence" in l:
        return "children_in_care"
    if "help and protection" in l or "protection of children" in l or "need help" in l:
        return "help_and_protection"
    if "leaders" in l or "leadership" in l or "management and governance" in l:
        return "impact_of_leaders"
    return None


# --------------------------------------------------------------------------------------
# Judgements from table layout
# --------------------------------------------------------------------------------------

def _cells(lines: list, gap_factor: float = 1.6) -> list[list]:
    """Group lines (one page, one column) into vertically adjacent cells."""
    lines = sorted(lines, key=lambda l: -l.y0)
    cells: list[list] = []
    for ln in lines:
        if cells:
            last = cells[-1][-1]
            if abs(last.x0 - ln.x0) < 4 and 0 < last.y0 - ln.y0 < gap_factor * max(ln.size, 6):
                cells[-1].append(ln)
                continue
        cells.append([ln])
    return cells


def table_judgements(lines: Iterable) -> list[tuple[str, str, int]]:
    """(area, grade, page) pairs read from layout: grade cells paired with the label on
    their left in the same row."""
    by_page: dict[int, list] = {}
    for ln in lines:
        if getattr(ln, "kind", "body") == "furniture":
            continue
        by_page.setdefault(ln.page, []).append(ln)
    found: list[tuple[str, str, int]] = []
    for page, pl in sorted(by_page.items()):
        found += [(area, grade, page) for area, grade in _inline_judgements(pl)]
        for cell, grade in _grade_cells(pl):
            area = area_of(_label_beside(cell, pl))
            if area:
                found.append((area, grade, page))
    return found


def _inline_judgements(pl: list) -> list[tuple[str, str]]:
    """Label and grade printed on one line ("Overall effectiveness  Grade 3 (Adequate)")."""
    out = []
    for ln in pl:
        m = _INLINE.match(_clean(ln.text))
        if m and not _VERB.search(m.group("label")):
            area = area_of(m.group("label"))
            grade = normalise_grade(m.group("grade"))
            if area and grade:
                out.append((area, grade))
    return out


def _grade_cells(pl: list) -> list[tuple[list, str]]:
    """The page's grade cells (lines grouped by column into cells) with their grade."""
    grade_lines = [ln for ln in pl if _GRADE_CELL.match(_clean(ln.text))]
    cols: dict[int, list] = {}
    for ln in grade_lines:
        cols.setdefault(round(ln.x0 / 4), []).append(ln)
    out = []
    for col in cols.values():
        for cell in _cells(col):
            text = " ".join(_clean(l.text) for l in cell)
            grade = normalise_grade(text)
            if not grade:
                continue
            if text.lower() in ("requires", "improvement", "to be good"):
                # a fragment alone is not a grade (unless its sibling line was merged)
                if text.lower() != "requires":
                    continue
            out.append((cell, grade))
    return out


def _label_beside(cell: list, pl: list) -> str:
    """The label printed left of a grade cell in the same row ("" if none): the nearest line
    level with the cell, with the lines adjacent to it (any indent)."""
    top = max(l.y1 for l in cell)
    bottom = min(l.y0 for l in cell)
    cy = (top + bottom) / 2
    x0 = min(l.x0 for l in cell)
    size = max(l.size for l in cell)
    left = [ln for ln in pl if ln.x1 < x0 - 2 and ln not in cell
            and abs((ln.y0 + ln.y1) / 2 - cy) < 4 * size
            and not _GRADE_CELL.match(_clean(ln.text))]
    if not left:
        return ""
    nearest = min(left, key=lambda l: abs((l.y0 + l.y1) / 2 - cy))
    if abs((nearest.y0 + nearest.y1) / 2 - cy) > max(1.6 * size, (top - bottom) / 2 + 0.6 * size):
        return ""
    label_lines = [nearest]
    pool = sorted([l for l in pl if l.x1 < x0 - 2 and l not in cell], key=lambda l: -l.y0)
    idx = pool.index(nearest)
    j = idx - 1
    while j >= 0 and 0 < pool[j].y0 - label_lines[0].y0 < 1.45 * size and not _GRADE_CELL.match(_clean(pool[j].text)):
        label_lines.insert(0, pool[j])
        j -= 1
    j = idx + 1
    while j < len(pool) and 0 < label_lines[-1].y0 - pool[j].y0 < 1.45 * size and not _GRADE_CELL.match(_clean(pool[j].text)):
        label_lines.append(pool[j])
        j += 1
    return " ".join(_clean(l.text) for l in label_lines)


_INLINE = re.compile(
    r"^(?P<label>[^.]{3,90}?)\s*[:-]?\s+(?P<grade>grade\s*[1-4](?:\s*[:-]?\s*\(?\s*(?:outstanding|good|adequate|inadequate)"
    r"\s*\)?)?|(?<=effectiveness )(?:outstanding|good|adequate|inadequate))\s*$", re.I)
_VERB = re.compile(r"\b(is|are|be|been|was|were|has|have|had|judged)\b", re.I)


def _clean(text: str) -> str:
    t = text.translate(_Q)
    t = re.sub(r"^[^\w(]+", "", t)
    return re.sub(r"\s+", " ", t).strip()


def statement_judgements(paragraphs: list[Paragraph]) -> list[tuple[str, str]]:
    """Grades stated in headings ("...help and protection: good") and in the opening
    verdict ("Children's services in X are inadequate")."""
    out = []
    prev_heading = None
    for p in paragraphs:
        if p.kind == "heading" or (p.kind == "body" and len(p.text) < 160):
            text = _clean(p.text)
            if p.kind == "heading" and prev_heading is not None and _GRADE_ONLY.match(text):
                text = prev_heading + " " + text      # grade printed on its own line under the label
            prev_heading = text if p.kind == "heading" else None
            m = _STATEMENT.match(text)
            if not m and p.kind == "body":
                pm = _PREFIX_STATEMENT.match(text)
                if pm:
                    g = normalise_grade(pm.group("grade"))
                    area = "lscb" if pm.group("lscb") else "overall_effectiveness"
                    if g:
                        out.append((area, g))
                    continue
            if not m:
                m2 = re.match(r"^the overall (?:judgement|effectiveness)(?: of children's services)? is (?:that )?(?:the )?"
                              r"(?:(?:local authority's )?children's services(?: in [\w ,'-]+?)? )?(?:are |is |requires? |judged to be )?"
                              r"((?:improvement|requires improvement|inadequate|good|outstanding|adequate)(?: to be good)?)\.?$",
                              text, re.I)
                if m2:
                    g = normalise_grade(m2.group(1) if not m2.group(1).lower().startswith("improvement") else "requires improvement")
                    if "improvement" in m2.group(0).lower():
                        g = "requires improvement"
                    if g:
                        out.append(("overall_effectiveness", g))
                continue
            label = m.group("label") or m.group("label2")
            area = area_of(label)
            if area is None:
                continue
            if p.kind == "body" and area not in ("overall_effectiveness", "lscb"):
                continue
            g = normalise_grade(m.group("grade") or m.group("grade2"))
            if g:
                out.append((area, g))
    return out


# --------------------------------------------------------------------------------------
# Metadata
# --------------------------------------------------------------------------------------

def _dates_range(text: str) -> tuple[date | None, date | None]:
    t = text.translate(_Q)
    m = _RANGE.search(t)
    if m:
        d1, mon1, y1, d2, mon2, y2 = m.groups()
        end = metadata.parse_date(f"{d2} {mon2} {y2}")
        start = metadata.parse_date(f"{d1} {mon1 or mon2} {y1 or y2}")
        if start and end and start > end and not y1:
            start = metadata.parse_date(f"{d1} {mon1 or mon2} {int(y2) - 1}")
        return start, end
    d = metadata.parse_date(t)
    return d, d


_NAME = re.compile(r"^((?:[A-Z][\w'\-]+|Mc[A-Z]\w+)(?: (?:[A-Z][\w'\-]+|de|van|von|le|Mc[A-Z]\w+)){1,3})")
_NOT_NAME = re.compile(r"\s+(Her|His|HMI|Senior|Ofsted|Social|Deputy|Team|Inspector|Regional|Lead|Shadow|Assistant)\b.*$")


def _lead_inspector(lines: list) -> str | None:
    ordered = [l for l in lines if getattr(l, "kind", "") != "furniture"]
    for i, l in enumerate(ordered):
        t = l.text.translate(_Q).strip()
        m = re.match(r"^lead (?:social care )?inspector\s*:?\s*(.*)$", t, re.I)
        if not m:
            continue
        rest = m.group(1).strip()
        if not rest:
            # the name is on the next line (same row, to the right, or below)
            nxt = [o for o in ordered[i + 1:i + 4] if o.page == l.page]
            rest = nxt[0].text.strip() if nxt else ""
        nm = _NAME.match(rest)
        if nm:
            name = _NOT_NAME.sub("", nm.group(1)).strip(" ,")
            if len(name.split()) >= 2:
                return name
    return None


def _page_text(lines: list, page: int) -> list:
    return sorted((l for l in lines if l.page == page and getattr(l, "kind", "body") != "furniture"),
                  key=lambda l: (-round(l.y0), l.x0))


def analyse(doc: ExtractedDocument, lines: list) -> None:
    """Title, authority, dates, lead inspector, document type and judgements of an Ofsted
    report from its layout lines; values already set are kept."""
    first = _page_text(lines, 1)
    if not first:
        return
    head_lines = [l.text.translate(_Q) for l in first]
    head = "\n".join(head_lines)
    flat = re.sub(r"\s+", " ", head)
    title, authority = _title(first, getattr(doc, "_layout_info", {}).get("body_size", 12.0))
    if title:
        doc.title = doc.title or title[:300]
    doc.authority = doc.authority or _authority(head, flat, title, authority)
    _dates(doc, flat)
    doc.lead_inspector = _lead_inspector(lines)
    doc.doc_type = doc.doc_type or _doc_type(doc, head_lines, head, flat)
    doc.judgements = _judgements(doc, lines, flat)


def _title(first: list, body_size: float) -> tuple[str | None, str | None]:
    """The title from the large or bold lines at the top of page 1, and the authority when
    the first of those blocks names one ("Surrey: Inspection of ...")."""
    title_lines = []
    for l in first[:12]:
        t = l.text.strip()
        low = t.lower()
        if low.startswith(("inspection date", "report published", "lead inspector", "judgement", "age group",
                           "published", "dear ", "this letter")):
            break
        if l.size >= body_size * 1.15 or (l.bold and l.size >= body_size - 0.6):
            title_lines.append(l)
        elif title_lines:
            if low in ("and",):
                title_lines.append(l)
                continue
            break
    blocks: list[list] = []
    for l in title_lines:
        if blocks and abs(blocks[-1][-1].size - l.size) < 0.6 and blocks[-1][-1].bold == l.bold:
            blocks[-1].append(l)
        else:
            blocks.append([l])
    btexts = [re.sub(r"\s+", " ", " ".join(x.text for x in b)).strip() for b in blocks]
    title = None
    authority = None
    if btexts:
        first_block = btexts[0]
        auth0 = metadata.resolve_authority(first_block) if len(first_block) < 70 else None
        if auth0 and len(btexts) > 1 and not first_block.lower().startswith("inspection"):
            title = f"{first_block}: {btexts[1]}"
            authority = auth0
        else:
            title = first_block if len(btexts) == 1 or len(first_block) > 25 else f"{first_block} {btexts[1]}"
    return title, authority


def _authority(head: str, flat: str, title: str | None, authority: str | None) -> str | None:
    """The authority the report names on its first page ("Inspection of X children's
    services", a letter's address block, the title), else `authority` (from the title block)."""
    m = re.search(r"(?:inspection|focused visit|monitoring visit|visit) (?:of|to) (.{2,80}?) (?:local authority )?children's "
                  r"(?:social care )?services", flat[:600], re.I)
    if m and not metadata.resolve_authority(m.group(1)):
        m = None
    if m:
        authority = metadata.resolve_authority(m.group(1)) or authority
    if authority is None:
        m = re.search(r"(?:monitoring|focused) visit (?:of|to) (.{2,80}?) children's services", flat, re.I)
        if m:
            authority = metadata.resolve_authority(m.group(1))
    if authority is None:
        authority = metadata.letter_authority(head)
    if authority is None and title:
        authority = metadata.find_authority(title)
    if authority is None:
        authority = metadata.find_authority(flat[:3000])
    return authority


def _dates(doc: ExtractedDocument, flat: str) -> None:
    """Inspection dates and publication date from the first page."""
    m = re.search(r"inspection dates?\s*:?\s*(.{6,80})", flat, re.I)
    if m:
        doc.inspection_start, doc.inspection_end = _dates_range(m.group(1))
    else:
        m = re.search(r"(?:visit|inspection)[^.]{0,80}? on (\d{1,2}(?:st|nd|rd|th)? .{3,60}?\d{4})", flat, re.I)
        if m:
            doc.inspection_start, doc.inspection_end = _dates_range(m.group(1))
    m = re.search(r"report published\s*:?\s*(.{6,40})", flat, re.I)
    if m:
        doc.published = metadata.parse_date(m.group(1)) or doc.published


def _doc_type(doc: ExtractedDocument, head_lines: list[str], head: str, flat: str) -> str | None:
    """The kind of report from its title and first page; before November 2013, inspections
    are the safeguarding and looked after children framework."""
    dtype = metadata.guess_doc_type(doc.title or "") if doc.title else None
    if dtype is None:
        dtype = metadata.guess_doc_type("\n".join(head_lines[:12]))
    if dtype is None:
        dtype = metadata.guess_doc_type(head)
    if dtype is None and re.search(r"\bdear (mr|mrs|ms|miss|dr)\b", flat, re.I):
        dtype = "ofsted_letter"
    when = doc.inspection_end or doc.published
    if dtype in (None, "ofsted_sif_inspection", "ofsted_ilacs_inspection") and when and when < date(2013, 11, 1):
        if dtype is None or re.search(r"safeguarding|looked after|protection of children", flat, re.I):
            dtype = "ofsted_safeguarding_inspection"
    return dtype


def _judgements(doc: ExtractedDocument, lines: list, flat: str) -> list[Judgement]:
    """Grades by area: from the judgement table, else from statements in the text ("The
    experiences and progress of children in care are good"). May set doc_type for a
    2012-13 report recognised by its "adequate" grades."""
    grades: dict[str, str] = {}
    table = table_judgements(lines)
    early_doc = doc.doc_type == "ofsted_safeguarding_inspection" or (
        doc.doc_type not in ("ofsted_sif_inspection", "ofsted_ilacs_inspection")
        and any(g == "adequate" for _, g, _ in table))
    if early_doc:
        doc.doc_type = doc.doc_type or "ofsted_safeguarding_inspection"
        # 2009-13 safeguarding and looked after children inspections grade "overall
        # effectiveness" twice: the second (looked after children services) is children in care
        overall_pages = sorted({p for a, _, p in table if a == "overall_effectiveness"})
        if len(overall_pages) >= 2 and re.search(r"looked after", flat, re.I):
            lac_page = overall_pages[1]
            table = [("children_in_care" if a == "overall_effectiveness" and p >= lac_page else a, g, p)
                     for a, g, p in table]
    for area, grade, _page in table:
        grades.setdefault(area, grade)
    for area, grade in statement_judgements(doc.paragraphs):
        grades.setdefault(area, grade)
    early = doc.doc_type == "ofsted_safeguarding_inspection"
    if not early:
        # the 4-point scale with "adequate" belongs to the 2012-13 frameworks only
        grades = {a: g for a, g in grades.items() if g != "adequate"}
    return [Judgement(a, grades[a]) for a in AREAS if a in grades]
