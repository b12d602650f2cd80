"""The report-level check: does a report's tone rank reports as their official grades do?
Per judgement area, Spearman's rho across reports between the grade and the mean sentiment
score of the report's findings on that area's themes (queries/report_tone.sql).

    python -m findings.warehouse.report_tone WAREHOUSE [--min 0.85]

Prints one row per area and exits 1 if any area (with at least 20 graded reports) falls
below --min: tags that drift from what inspectors concluded show here first.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .db import query

QUERY = (Path(__file__).parent / "queries" / "report_tone.sql").read_text(encoding="utf-8")
MIN_REPORTS = 20


def report_tone(warehouse: Path) -> list[tuple[str, int, float | None]]:
    """(area, graded reports with a tone, rho) per judgement area."""
    return query(Path(warehouse), QUERY)[1]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m findings.warehouse.report_tone", description=__doc__.split("\n\n")[0])
    ap.add_argument("warehouse", type=Path)
    ap.add_argument("--min", type=float, default=0.85, help="lowest acceptable rho (default 0.85)")
    args = ap.parse_args(argv)
    if not args.warehouse.is_file():
        print(f"{args.warehouse}: no such warehouse file; refresh one first (`findings refresh --warehouse FILE`).", file=sys.stderr)
        return 2
    rows = report_tone(args.warehouse)
    print(f"{'area':<24}{'reports':>8}{'rho':>8}")
    low = []
    for area, n, rho in rows:
        print(f"{area:<24}{n:>8}{'' if rho is None else f'{rho:.3f}':>8}")
        if n >= MIN_REPORTS and (rho is None or rho < args.min):
            low.append(area)
    if low:
        print(f"below {args.min}: {', '.join(low)}")
    return 1 if low else 0


if __name__ == "__main__":
    sys.exit(main())
