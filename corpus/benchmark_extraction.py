"""Time `extract_pdf` against raw `pdfminer.high_level.extract_text` on the same files.

    python -m findings.corpus.benchmark_extraction PATH [--limit N] [--repeat R]

Single process. Files that are not PDFs (ExtractionError) are skipped for both. The order
of the two extractors alternates per file so that disk caching favours neither.
Prints per-file times and the total overhead of extract_pdf over extract_text.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from .document import ExtractionError
from .pdf import extract_pdf


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="benchmark-extraction")
    ap.add_argument("path", type=Path)
    ap.add_argument("--limit", type=int, default=0, help="only the first N files")
    ap.add_argument("--repeat", type=int, default=1, help="runs per file (best time kept)")
    ap.add_argument("--quiet", "-q", action="store_true")
    args = ap.parse_args(argv)

    from pdfminer.high_level import extract_text

    files = sorted(args.path.rglob("*.pdf")) if args.path.is_dir() else [args.path]
    if args.limit:
        files = files[: args.limit]
    t_raw = t_ours = 0.0
    n = 0
    for i, f in enumerate(files):
        best_raw = best_ours = float("inf")
        try:
            for r in range(args.repeat):
                order = (0, 1) if (i + r) % 2 == 0 else (1, 0)
                for which in order:
                    t0 = time.perf_counter()
                    if which == 0:
                        extract_text(str(f))
                        best_raw = min(best_raw, time.perf_counter() - t0)
                    else:
                        extract_pdf(f)
                        best_ours = min(best_ours, time.perf_counter() - t0)
        except ExtractionError as exc:
            print(f"skip {f}: {exc.reason}", file=sys.stderr)
            continue
        except Exception as exc:  # noqa: BLE001 - raw pdfminer fails on non-PDFs
            print(f"skip {f}: {type(exc).__name__}", file=sys.stderr)
            continue
        n += 1
        t_raw += best_raw
        t_ours += best_ours
        if not args.quiet:
            print(f"{f.name:40s} extract_text {best_raw:6.2f}s  extract_pdf {best_ours:6.2f}s  "
                  f"{100 * (best_ours / best_raw - 1):+6.1f}%")
    if not n:
        print("no PDF files measured")
        return 1
    print(f"\n{n} files: extract_text {t_raw:.1f}s, extract_pdf {t_ours:.1f}s, "
          f"overhead {100 * (t_ours / t_raw - 1):+.1f}% (target <= +15%)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
