"""Fill missing document metadata (authority, doc_type, published, title) from the text.

`infer(doc, text_head)` only fills blanks: values already set (by the Ofsted parser, or
later by a manifest) are never overwritten. Works on any document: PDF reports and the
text seeds (commissioner reports, council papers, Ofsted letters).

Authorities come from `authorities.csv` (canonical name as Ofsted writes it plus aliases
such as "London Borough of ...", "... County Council", "Bristol, City of").
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

from .document import ExtractedDocument

AUTHORITIES_CSV = Path(__file__).with_name("authorities.csv")

MONTHS = {m: i for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september",
     "october", "november", "december"], start=1)}
MONTHS.update({k[:3]: v for k, v in list(MONTHS.items())})
MONTHS["sept"] = 9

_DATE = re.compile(
    r"\b(\d{1,2})\s?(?:st|nd|rd|th)?\s*(?:of\s+)?(january|february|march|april|may|june|july|august|september|"
    r"october|november|december|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)\.?,?\s+((?:19|20)\d\d)\b", re.I)
_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-"})


@dataclass(frozen=True)
class Authority:
    name: str
    kind: str
    current: bool
    aliases: tuple[str, ...]


@lru_cache(maxsize=1)
def authorities() -> tuple[Authority, ...]:
    out = []
    with AUTHORITIES_CSV.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            aliases = tuple(a.strip() for a in (row.get("aliases") or "").split("|") if a.strip())
            out.append(Authority(row["name"], row.get("kind", ""), row.get("current", "yes") == "yes", aliases))
    return tuple(out)


def _norm(s: str) -> str:
    s = s.translate(_QUOTES).replace("&", " and ")
    s = re.sub(r"[^\w\s,'-]", " ", s)
    return re.sub(r"\s+", " ", s).strip().lower()


@lru_cache(maxsize=1)
def _alias_index() -> tuple[dict[str, str], re.Pattern]:
    index: dict[str, str] = {}
    for a in authorities():
        for variant in (a.name,) + a.aliases:
            key = _norm(variant)
            # short / ambiguous aliases are only used for exact lookups, not for free text
            index.setdefault(key, a.name)
    names = sorted(index, key=len, reverse=True)
    pattern = re.compile(r"(?<![\w-])(" + "|".join(re.escape(n) for n in names) + r")(?![\w-])")
    return index, pattern


_FREE_TEXT_SKIP = {"bcp", "banes", "scilly", "hull", "richmond", "newcastle", "stockton", "southend",
                   "blackburn", "east riding", "reading", "bury", "sutton", "york", "derby",
                   "durham", "bedford", "poole", "bournemouth", "kent", "essex", "devon"}


def resolve_authority(name: str | None) -> str | None:
    """A printed authority name ("Nottingham City", "London Borough of Brent", "Bristol,
    City of") -> canonical name, or None."""
    if not name:
        return None
    index, pattern = _alias_index()
    key = _norm(name)
    key = re.sub(r"^(the|inspection of)\s+", "", key)
    if key in index:
        return index[key]
    for suffix in (" local authority", " children's services", " council", " county council",
                   " city council", " borough council", " metropolitan borough council"):
        if key.endswith(suffix) and key[: -len(suffix)] in index:
            return index[key[: -len(suffix)]]
    m = pattern.search(key)
    return index[m.group(1)] if m else None


def find_authority(text: str) -> str | None:
    """Most mentioned authority in a text head (ties: earliest)."""
    if not text:
        return None
    index, pattern = _alias_index()
    norm = _norm(text)
    scores: dict[str, list] = {}
    for m in pattern.finditer(norm):
        key = m.group(1)
        name = index[key]
        s = scores.setdefault(name, [0, m.start()])
        # ambiguous common words count less
        s[0] += 0.5 if key in _FREE_TEXT_SKIP and key == _norm(name) and len(key) < 7 else 1
        # "X County Council" / "London Borough of X" etc. are strong evidence
        if key != _norm(name):
            s[0] += 1
    if not scores:
        return None
    return max(scores.items(), key=lambda kv: (kv[1][0], -kv[1][1]))[0]


def letter_authority(text: str) -> str | None:
    """The council in a letter's address block (line after 'Director of Children's Services')."""
    m = re.search(r"director of children'?s services[^\n]*\n\s*([^\n]{3,80})", text.translate(_QUOTES), re.I)
    if m:
        return resolve_authority(m.group(1))
    return None


def parse_date(s: str) -> date | None:
    m = _DATE.search(s or "")
    if not m:
        return None
    key = m.group(2).lower()
    month = MONTHS.get(key) or MONTHS.get(key[:3])
    try:
        return date(int(m.group(3)), month, int(m.group(1))) if month else None
    except ValueError:
        return None


def guess_doc_type(text: str) -> str | None:
    t = _norm(text[:4000])
    head = t[:1500]
    top = head[:600]
    if re.search(r"inspection of (safeguarding and looked after children|local authority arrangements for the protection"
                 r"|services for looked after children|looked after children|safeguarding services)", top):
        return "ofsted_safeguarding_inspection"
    if re.search(r"inspection of ([\w ,'-]{2,60} )?(local authority )?children's (social care )?services", top) or \
            "inspection of children's social care services" in top:
        return "ofsted_ilacs_inspection"
    if "inspection of services for children in need of help and protection" in top or \
            "review of the effectiveness of the local safeguarding children board" in top:
        return "ofsted_sif_inspection"
    for zone in (top, head):
        if re.search(r"\breport to (the )?cabinet\b|\bcabinet (meeting|report|member)\b", zone):
            return "council_cabinet_report"
        if re.search(r"\bcommissioner\b", zone) and re.search(r"\b(report|review)\b", zone):
            return "commissioner_report"
        if re.search(r"\b(select|scrutiny|overview and scrutiny) committee\b|\bcommittee\b.{0,60}\b(report|meeting|update)\b",
                     zone):
            return "council_committee_report"
        if "focused visit" in zone:
            return "ofsted_focused_visit_letter"
        if "monitoring visit" in zone and ("ofsted" in t or "inspector" in t or "dear " in t or "hmi" in t):
            return "ofsted_monitoring_letter"
    if "ofsted" in t and re.search(r"\bdear (mr|mrs|ms|miss|dr)\b", t):
        return "ofsted_letter"
    return None


def guess_title(text: str) -> str | None:
    m = re.search(r"^\W*title\W*:\s*(.{5,200})$", text[:3000], re.I | re.M)
    if m:
        return re.sub(r"[*#_]+", "", m.group(1)).strip()
    for raw in text.splitlines():
        line = re.sub(r"[*#_]+", "", raw).strip()
        if len(line) < 8 or len(line) > 200:
            continue
        low = line.lower()
        if low.startswith(("visit ", "contents", "www.", "http")) or _DATE.fullmatch(line.strip()):
            continue
        if re.match(r"^(report|inspection|monitoring|focused|review|children|update|re-inspection)", low) or \
                "report" in low or "inspection" in low:
            return line.rstrip(".")
    return None


def infer(doc: ExtractedDocument, text_head: str) -> None:
    """Fill blank authority / doc_type / published / title from the text head."""
    text_head = text_head or ""
    if not doc.title:
        doc.title = guess_title(text_head)
    if not doc.doc_type:
        doc.doc_type = guess_doc_type(((doc.title or "") + "\n" + text_head))
    if not doc.authority:
        auth = None
        if doc.doc_type and "letter" in doc.doc_type:
            auth = letter_authority(text_head)
        if auth is None and doc.title:
            auth = find_authority(doc.title)
        if auth is None:
            auth = find_authority(text_head[:6000])
        doc.authority = auth
    if not doc.published:
        doc.published = _published(text_head, doc)


def _published(text_head: str, doc: ExtractedDocument) -> date | None:
    m = re.search(r"^\W*(report published|published|date of publication|date of (the )?letter|date)\W*:\s*([^\n]{6,40})",
                  text_head, re.I | re.M)
    d = parse_date(m.group(3)) if m else None
    inspection_report = (doc.doc_type or "").endswith("_inspection")
    if d is None and not inspection_report:
        # a line that is only a date near the top (letters and council papers open with one)
        for line in text_head.splitlines()[:40]:
            clean = re.sub(r"[*#_]+", "", line).strip()
            if clean and _DATE.fullmatch(re.sub(r"^(monday|tuesday|wednesday|thursday|friday|saturday|sunday),?\s+", "",
                                                 clean, flags=re.I)):
                d = parse_date(clean)
                break
        if d and doc.inspection_end and d < doc.inspection_end:
            d = None
    return d
