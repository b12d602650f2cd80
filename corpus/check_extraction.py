"""check-extraction PATH [--judgements CSV]: extraction quality over a folder of reports.

Prints, per report format (safeguarding 2012-13, SIF, ILACS standard / short, 2026
framework, letters, other): documents, errors by reason, judgement coverage, agreement
with a judgements CSV (only cells holding a real grade are compared), sentences, header /
footer leaks and, for numbered reports, sentences without a paragraph number.
"""
from __future__ import annotations

import argparse
import csv
import re
import sys
import time
from collections import Counter, defaultdict
from concurrent.futures import ProcessPoolExecutor
from datetime import date
from pathlib import Path

from .document import ExtractionError, Judgement
from .metadata import resolve_authority
from .pdf import extract_pdf

GRADES = {"outstanding", "good", "requires improvement", "inadequate", "adequate"}
FORMATS = ("safeguarding 2012-13", "SIF 2013-18", "ILACS standard", "ILACS short", "2026 framework",
           "letters", "other", "errors")

_ALNUM = re.compile(r"[^a-z0-9]+")
_GENERIC_LEAKS = [
    re.compile(r"\bpage \d+ of \d+\b", re.I),
    re.compile(r"\bwww\.ofsted\.gov\.uk\b.*\bpage\b", re.I),
    re.compile(r"^ofsted\s*$", re.I),
    re.compile(r"\binspection report:?\s.{0,80}\d{4}\s*\d{1,3}\s*$", re.I),
    re.compile(r"local authority children'?s services\s+\d{1,2}(\s*(–|-|to)\s*\d{1,2})?\s+[A-Z][a-z]+\s+\d{4}\s+\d{1,3}\b"),
]


def _norm(s: str) -> str:
    return _ALNUM.sub("", s.lower().replace("’", "'"))


def _framework(doc, manifest_row: dict | None) -> str:
    dt = doc.doc_type or ""
    end = doc.inspection_end or doc.published
    if dt == "ofsted_safeguarding_inspection":
        return "safeguarding 2012-13"
    if dt == "ofsted_sif_inspection":
        return "SIF 2013-18"
    if dt.endswith("letter"):
        return "letters"
    if dt == "ofsted_ilacs_inspection":
        overall = any(j.area == "overall_effectiveness" for j in doc.judgements)
        if (end and end >= date(2026, 4, 1)) or (not overall and any(j.area == "care_leavers" for j in doc.judgements)
                                                  and end and end.year >= 2026):
            return "2026 framework"
        fw = (manifest_row or {}).get("framework", "").strip().lower()
        if fw == "short":
            return "ILACS short"
        if fw == "standard":
            return "ILACS standard"
        return "ILACS short" if (doc.pages or 0) <= 12 else "ILACS standard"
    return "other"


def _one(path_str: str):
    """Worker: extract + split one file; returns a small summary dict."""
    from .sentences import split  # spaCy, loaded by the work (`findings --help` need not load it)

    path = Path(path_str)
    t0 = time.perf_counter()
    try:
        doc = extract_pdf(path)
    except ExtractionError as exc:
        return {"file": path_str, "error": exc.reason, "message": str(exc), "seconds": time.perf_counter() - t0}
    secs = time.perf_counter() - t0
    sents = split(doc.paragraphs)
    info = getattr(doc, "_layout_info", {})
    furniture = [_norm(t) for t in info.get("furniture", []) if len(_norm(t)) >= 12]
    title_n = _norm(doc.title or "")
    leaks = []
    unnumbered = 0
    numbered_doc = sum(1 for p in doc.paragraphs if p.number is not None) >= 5
    for s in sents:
        n = _norm(s.text)
        leak = any(f in n for f in furniture) or any(p.search(s.text) for p in _GENERIC_LEAKS)
        if not leak and title_n and len(title_n) > 25 and title_n in n and doc.paragraphs[s.paragraph_index].page not in (1, None):
            # report title repeated inside a sentence after the first page, followed by a date
            rest = s.text.lower().split((doc.title or "").lower()[-20:])[-1] if doc.title else ""
            if re.search(r"\b(19|20)\d\d\b", rest):
                leak = True
        if leak:
            leaks.append(s.text)
        if numbered_doc and doc.paragraphs[s.paragraph_index].number is None:
            unnumbered += 1
    return {
        "file": path_str, "error": None, "seconds": secs, "pages": doc.pages,
        "doc_type": doc.doc_type, "authority": doc.authority, "title": doc.title,
        "inspection_end": doc.inspection_end, "published": doc.published, "lead_inspector": doc.lead_inspector,
        "judgements": {j.area: j.grade for j in doc.judgements},
        "sentences": len(sents), "leaks": leaks, "unnumbered": unnumbered, "numbered_doc": numbered_doc,
        "kinds": Counter(p.kind for p in doc.paragraphs),
        "fmt_fields": (doc.doc_type, doc.inspection_end or doc.published, bool(doc.judgements),
                       [j.area for j in doc.judgements], doc.pages),
    }


def _fmt(summary: dict, manifest: dict) -> str:
    if summary.get("error"):
        return "errors"

    class _D:  # light stand-in for _framework
        pass
    d = _D()
    d.doc_type, end, _, areas, d.pages = summary["fmt_fields"]
    d.inspection_end = end
    d.published = None
    d.judgements = [Judgement(a, "") for a in areas]
    rel = manifest.get(summary["rel"])
    return _framework(d, rel)


AREAS_COMPARED = ("overall_effectiveness", "impact_of_leaders", "help_and_protection", "children_in_care", "care_leavers")


def main(argv: list[str] | None = None) -> int:
    return run(_arguments(argv))


def run(args: argparse.Namespace) -> int:
    """The report for parsed arguments (`findings check-extraction` parses them with
    `add_arguments`). A missing path or judgements file is a FileNotFoundError that says so."""
    root = args.path
    if not root.exists():
        raise FileNotFoundError(f"{root} does not exist: pass a PDF or a folder of PDFs")
    if args.judgements and not args.judgements.is_file():
        raise FileNotFoundError(f"judgements file {args.judgements} does not exist: pass a CSV with file and area "
                                "columns, or leave out --judgements")
    files = sorted(root.rglob("*.pdf")) if root.is_dir() else [root]
    base = root if root.is_dir() else root.parent
    manifest = _rows_by_file(base / "manifest.csv", optional=True)
    expected = _rows_by_file(args.judgements) if args.judgements else {}
    by_fmt = _by_format(_extract_all(files, root, base, args.jobs), root, base, manifest)
    total = Counter()
    print(f"check-extraction: {root}  ({len(files)} files)")
    for fmt in FORMATS:
        if by_fmt.get(fmt):
            _report_format(fmt, by_fmt[fmt], expected, manifest, args, total)
    print(f"\nTOTAL: {total['docs'] + total['errors']} files, {total['errors']} errors, {total['sentences']} sentences, "
          f"leaks {100 * total['leaks'] / max(1, total['sentences']):.2f}%"
          + (f", grade agreement {100 * total['agree'] / max(1, total['compared']):.1f}% ({total['agree']}/{total['compared']})"
             if total["compared"] else ""))
    return 0


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="check-extraction", description=__doc__.splitlines()[0])
    add_arguments(ap)
    return ap.parse_args(argv)


def add_arguments(ap: argparse.ArgumentParser) -> None:
    def at_least_one(value: str) -> int:
        if not value.isdigit() or int(value) < 1:
            raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {value!r}")
        return int(value)

    ap.add_argument("path", type=Path, help="a PDF or a folder of PDFs (searched recursively)")
    ap.add_argument("--judgements", type=Path, help="CSV with file + area columns (public scraper grades)")
    ap.add_argument("--jobs", type=at_least_one, default=1, help="worker processes (default 1)")
    ap.add_argument("--show", type=int, default=3, help="examples to print per problem")
    ap.add_argument("--verbose", "-v", action="store_true", help="one line per document")


def _rows_by_file(path: Path, optional: bool = False) -> dict[str, dict]:
    """A CSV's rows by their `file` column ({} if `optional` and there is no such file)."""
    if optional and not path.exists():
        return {}
    with path.open(newline="") as fh:
        return {r["file"]: r for r in csv.DictReader(fh)}


def _extract_all(files: list[Path], root: Path, base: Path, jobs: int) -> list[dict]:
    """`_one` of every file, in `jobs` processes, with progress on stderr."""
    results = []
    t0 = time.perf_counter()
    if jobs > 1:
        with ProcessPoolExecutor(jobs) as ex:
            for i, res in enumerate(ex.map(_one, [str(f) for f in files]), 1):
                results.append(res)
                print(f"\r[{i}/{len(files)}] {Path(res['file']).name}", end="", file=sys.stderr, flush=True)
    else:
        for i, f in enumerate(files, 1):
            print(f"\r[{i}/{len(files)}] {f.relative_to(base) if root.is_dir() else f.name}", end="", file=sys.stderr, flush=True)
            results.append(_one(str(f)))
    print(f"\rprocessed {len(files)} files in {time.perf_counter() - t0:.1f}s" + " " * 30, file=sys.stderr)
    return results


def _by_format(results: list[dict], root: Path, base: Path, manifest: dict) -> dict[str, list]:
    by_fmt: dict[str, list] = defaultdict(list)
    for r in results:
        r["rel"] = str(Path(r["file"]).relative_to(base)) if root.is_dir() else Path(r["file"]).name
        r["format"] = _fmt(r, manifest)
        by_fmt[r["format"]].append(r)
    return by_fmt


def _report_format(fmt: str, rs: list[dict], expected: dict, manifest: dict, args, total: Counter) -> None:
    """One format's section of the report; adds its counts to `total`."""
    print(f"\n== {fmt}: {len(rs)} documents")
    if fmt == "errors":
        for r in rs:
            print(f"   {r['rel']}: {r['error']} - {r['message'][:150]}")
        total["errors"] += len(rs)
        return
    ok = [r for r in rs if not r["error"]]
    three = sum(1 for r in ok if len(r["judgements"]) >= 3)
    area_counts = Counter(a for r in ok for a in r["judgements"])
    print(f"   judgements: {three}/{len(ok)} docs with >=3 areas; areas found: "
          + ", ".join(f"{a}={n}" for a, n in sorted(area_counts.items())))
    agree, compared = _report_agreement(ok, expected, args)
    sents = sum(r["sentences"] for r in ok)
    leaks = sum(len(r["leaks"]) for r in ok)
    print(f"   sentences: {sents}; header/footer leaks: {leaks} ({100 * leaks / max(1, sents):.2f}%)")
    for r in [r for r in ok if r["leaks"]][: args.show]:
        print(f"      {r['rel']}: {r['leaks'][0][:140]!r}")
    _report_numbering_and_authority(ok, manifest, args)
    secs = sum(r["seconds"] for r in ok)
    print(f"   extraction time: {secs:.1f}s ({secs / max(1, len(ok)):.2f}s/doc)")
    if args.verbose:
        for r in ok:
            j = ", ".join(f"{a[:12]}={g}" for a, g in r["judgements"].items())
            print(f"      {r['rel']}: {r['doc_type']} | {r['authority']} | end={r['inspection_end']} | "
                  f"lead={r['lead_inspector']} | {j}")
    total["docs"] += len(rs)
    total["sentences"] += sents
    total["leaks"] += leaks
    total["agree"] += agree
    total["compared"] += compared


def _report_agreement(ok: list[dict], expected: dict, args) -> tuple[int, int]:
    """Grades that agree with the judgements CSV (cells holding a real grade only)."""
    agree = compared = 0
    mismatches = []
    for r in ok:
        exp = expected.get(r["rel"])
        if not exp:
            continue
        for a in AREAS_COMPARED:
            want = (exp.get(a) or "").strip().lower()
            if want not in GRADES:
                continue
            compared += 1
            got = r["judgements"].get(a)
            if got == want:
                agree += 1
            else:
                mismatches.append(f"{r['rel']} {a}: expected {want!r}, got {got!r}")
    if compared:
        print(f"   agreement with {args.judgements.name}: {agree}/{compared} = {100 * agree / compared:.1f}%")
        for m in mismatches[: args.show * 3]:
            print(f"      {m}")
    return agree, compared


def _report_numbering_and_authority(ok: list[dict], manifest: dict, args) -> None:
    numbered = [r for r in ok if r["numbered_doc"]]
    if numbered:
        ns = sum(r["sentences"] for r in numbered)
        un = sum(r["unnumbered"] for r in numbered)
        print(f"   numbered reports: {len(numbered)}; sentences without paragraph number: {un}/{ns} "
              f"({100 * un / max(1, ns):.1f}%)")
    no_auth = [r["rel"] for r in ok if not r["authority"]]
    if no_auth:
        print(f"   no authority: {', '.join(no_auth[: args.show * 3])}")
    if manifest:
        wrong = []
        for r in ok:
            m = manifest.get(r["rel"])
            if m and r["authority"] and resolve_authority(m.get("authority", "")) != r["authority"]:
                wrong.append(f"{r['rel']} ({r['authority']} vs manifest {m.get('authority')})")
        if wrong:
            print(f"   authority differs from manifest: {'; '.join(wrong[: args.show * 3])}")


if __name__ == "__main__":
    raise SystemExit(main())
