"""How long does a refresh of an unchanged corpus take? Builds a corpus of N distinct
documents (text files cut from the seed reports, plus copies of the sample PDF made
distinct), refreshes it once, then times a second `findings refresh` of the same corpus:
total wall time of the command, and the part inside the flow (beyond Prefect's start-up).

    python -m findings.flows.benchmark_incremental [--docs 500] [--pdfs 20] [--keep DIR]

Set PREFECT_API_URL to time against a running `prefect server start`; otherwise each
command starts Prefect's ephemeral server (about 10-15 s of the total).
"""
from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT.parent / "shared" / "corpus" / "seeds"
SAMPLE = ROOT / "corpus" / "sample"


def build(folder: Path, docs: int, pdfs: int) -> None:
    texts = sorted(SEEDS.glob("*.txt")) if SEEDS.is_dir() else sorted(SAMPLE.glob("*.txt")) + sorted(SAMPLE.glob("*.md"))
    paras = [p.strip() for f in texts for p in f.read_text(encoding="utf-8").split("\n\n") if len(p.strip()) > 120]
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(docs - pdfs):
        body = "\n\n".join(paras[(i * 3 + k) % len(paras)] for k in range(3))
        (folder / f"note-{i:04d}.txt").write_text(f"Improvement board note {i}\n\n{body}\n", encoding="utf-8")
    pdf = (SAMPLE / "northshire-focused-visit-2024-03-12.pdf").read_bytes()
    for i in range(pdfs):  # a comment after %%EOF: other bytes, same text
        (folder / f"visit-{i:03d}.pdf").write_bytes(pdf + f"% benchmark copy {i}\n".encode())


def refresh(corpus: Path, warehouse: Path) -> tuple[float, float, str]:
    """(wall seconds of `findings refresh`, seconds inside the flow, its output)."""
    findings = Path(sys.executable).parent / "findings"
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    t = time.perf_counter()
    proc = subprocess.run([str(findings), "refresh", "--corpus", str(corpus), "--warehouse", str(warehouse)],
                          env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t
    if proc.returncode:
        sys.exit(f"refresh failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    inside = float(re.search(r"refresh took ([\d.]+) s", proc.stdout).group(1))
    return wall, inside, proc.stdout


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, default=500)
    ap.add_argument("--pdfs", type=int, default=20)
    ap.add_argument("--keep", metavar="DIR", help="build in DIR and keep it (default: a temporary folder)")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(args.keep) if args.keep else Path(tmp)
        corpus, warehouse = base / "corpus", base / "bench.duckdb"
        build(corpus, args.docs, args.pdfs)
        wall, inside, out = refresh(corpus, warehouse)
        print(f"first refresh ({args.docs} documents): {wall:.1f} s total, {inside:.1f} s in the flow")
        print("  " + out.strip().splitlines()[0])
        wall, inside, out = refresh(corpus, warehouse)
        print(f"second refresh (unchanged): {wall:.1f} s total, {inside:.2f} s beyond Prefect's start-up")
        print("  " + out.strip().splitlines()[0])
        ok = f"0 new, 0 changed, {args.docs} unchanged" in out
        print("no document re-read: " + ("yes" if ok else "NO"))
        return 0 if ok and inside < 5 else 1


if __name__ == "__main__":
    sys.exit(main())
