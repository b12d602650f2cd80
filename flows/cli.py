"""The `findings` command. Each sub-command is a thin shell over a flow or a room."""
from __future__ import annotations

import argparse
import csv
import io
import json
import os
import sys
from pathlib import Path


def _prefect_env(verbose: bool) -> None:
    # Must be set before Prefect is imported.
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "INFO" if verbose else "WARNING")


def _warehouse(args) -> Path:
    from findings.warehouse.db import default_path

    return Path(args.warehouse) if args.warehouse else default_path()


def cmd_refresh(args) -> int:
    _prefect_env(args.verbose)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from .locking import RefreshRunning
    from .refresh import refresh

    with Progress(TextColumn("[bold]refresh"), BarColumn(), MofNCompleteColumn(), TextColumn("documents"),
                  TimeElapsedColumn(), transient=False, console=_stderr_console()) as bar:
        job = bar.add_task("refresh", total=None)
        try:
            summary = refresh(corpus=args.corpus, warehouse=str(_warehouse(args)), workers=args.workers,
                              progress=lambda done, total: bar.update(job, completed=done, total=total))
        except RefreshRunning as exc:
            print(f"findings refresh: {exc}", file=sys.stderr)
            return exc.exit_code
        bar.update(job, total=bar.tasks[0].total or 0)
    from .refresh import Summary

    for line in Summary(**summary).lines():
        print(line)
    return 0


def _stderr_console():
    from rich.console import Console

    return Console(stderr=True)


def cmd_query(args) -> int:
    from findings.warehouse.db import query

    try:
        columns, rows = query(_warehouse(args), args.sql)
    except Exception as exc:  # duckdb errors say what is wrong with the SQL
        print(f"findings query: {exc}", file=sys.stderr)
        return 1
    print(format_rows(columns, rows, args.format), end="")
    return 0


def format_rows(columns: list[str], rows: list[tuple], fmt: str) -> str:
    if fmt == "json":
        return json.dumps([dict(zip(columns, r)) for r in rows], default=str, indent=1) + "\n"
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(columns)
        writer.writerows([[_cell(v) for v in r] for r in rows])
        return buf.getvalue()
    cells = [[_cell(v) for v in r] for r in rows]
    widths = [min(60, max([len(c)] + [len(r[i]) for r in cells])) for i, c in enumerate(columns)]
    fit = lambda s, w: (s if len(s) <= w else s[: w - 1] + "…").ljust(w)
    lines = [" | ".join(fit(c, w) for c, w in zip(columns, widths)), "-+-".join("-" * w for w in widths)]
    lines += [" | ".join(fit(c, w) for c, w in zip(r, widths)) for r in cells]
    lines.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(lines) + "\n"


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "[" + ", ".join(map(str, value)) + "]"
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)


def cmd_retag(args) -> int:
    from findings.warehouse import db

    from .worker import tagger

    with db.open_writer(_warehouse(args)) as con:
        n = db.retag(con, tagger(), only_stale=not args.all)
    print(f"re-tagged {n} sentences with {tagger().version}")
    return 0


def cmd_check_extraction(args) -> int:
    from findings.corpus.check_extraction import main as check

    return check(args.rest)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="findings", description="Tagged findings from children's social care reports.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, func, help: str, **kw) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help, description=help, **kw)
        p.set_defaults(func=func)
        return p

    p = add("refresh", cmd_refresh, "Load new and changed documents into the warehouse (Prefect flow).")
    p.add_argument("--corpus", nargs="+", metavar="PATH", help="folders or files (default: corpus/sample)")
    p.add_argument("--warehouse", metavar="FILE", help="DuckDB file (default: $FINDINGS_WAREHOUSE or warehouse/findings.duckdb)")
    p.add_argument("--workers", type=int, help="worker processes (default: one per core)")
    p.add_argument("--verbose", action="store_true", help="show Prefect's logs")

    p = add("query", cmd_query, "Run read-only SQL on the warehouse and print the result.")
    p.add_argument("sql")
    p.add_argument("--warehouse", metavar="FILE")
    p.add_argument("--format", choices=["table", "csv", "json"], default="table")

    p = add("retag", cmd_retag, "Re-tag stored sentences with the current rules and model (no documents re-read).")
    p.add_argument("--warehouse", metavar="FILE")
    p.add_argument("--all", action="store_true", help="re-tag every sentence, not only stale ones")

    p = add("check-extraction", cmd_check_extraction, "Report PDF extraction quality per report format (add -h for options).",
            add_help=False)
    p.add_argument("rest", nargs=argparse.REMAINDER)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
