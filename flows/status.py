"""`findings status`: the last refresh runs and what the warehouse holds (collected by
warehouse.status), as text."""
from __future__ import annotations

from pathlib import Path

from findings.corpus.settings import models_dir
from findings.models.registry import chosen_folder
from findings.models.tagger_cache import tagger_version
from findings.warehouse.status import collect

from .formatting import format_rows
from .locking import writer_pid


def tags_line(taggers: list[tuple[str, int]], warehouse: Path | None = None) -> str:
    """Whether the stored tags are from the current rules and the warehouse's model, and how many are not."""
    folder = chosen_folder(models_dir(warehouse)) if warehouse else None
    current = tagger_version(folder)
    model = current.rpartition("+model-")[2]
    total = sum(n for _, n in taggers)
    stale = sum(n for v, n in taggers if v != current)
    if not total:
        return "Tags: no sentences yet"
    if not stale:
        return f"Tags: current: all {total} sentences tagged by {current}"
    untagged = sum(n for v, n in taggers if v == "(untagged)")
    other_model = sum(n for v, n in taggers if v != "(untagged)" and not v.endswith(f"+model-{model}"))
    parts = [f"{other_model} by another model than the current {model}" if other_model else "",
             f"{stale - other_model - untagged} by other rules" if stale - other_model - untagged else "",
             f"{untagged} untagged" if untagged else ""]
    why = "; ".join(p for p in parts if p)
    return (f"Tags: STALE: {stale} of {total} sentences were not tagged by the current {current} ({why}): "
            "run `findings retag` (or `findings refresh`) to re-tag them")


def report(warehouse: Path, runs: int = 10) -> str:
    data = collect(warehouse, runs)
    out = [f"Warehouse {warehouse}", "", f"Last {len(data['runs'])} run(s), newest first:"]
    fmt = lambda v: "" if v is None else str(v)
    rows = [(r["started"].strftime("%Y-%m-%d %H:%M:%S") if r["started"] else "",
             r["ended"].strftime("%Y-%m-%d %H:%M:%S") if r["ended"] else "",
             r["flow"], r["status"], fmt(r["new"]), fmt(r["changed"]), fmt(r["unchanged"]), fmt(r["failed"]),
             fmt(r["sentences"]), fmt(r["model"]),
             ", ".join(f"{k} x{v}" for k, v in sorted(r["failure_reasons"].items(), key=lambda kv: str(kv[0]))))
            for r in data["runs"]]
    out.append(format_rows(["started", "ended", "flow", "status", "new", "changed", "unchanged", "failed",
                            "sentences", "model", "failures"], rows, "table").rstrip("\n"))
    if any(r["status"] == "interrupted" for r in data["runs"]):
        out.append("(interrupted: the refresh was killed; the next refresh finished its work)")
    if any(r["status"] == "running" for r in data["runs"]):
        pid = writer_pid(Path(warehouse))
        out.append(f"(running: a refresh, pid {pid}, is writing now; queries answer from the last committed document)"
                   if pid else "(running, but no refresh holds the lock: it was killed; the next refresh marks it "
                   "interrupted and finishes its work)")
    docs = data["documents"]
    out += ["", "Documents: " + (", ".join(f"{n} {s}" for s, n in sorted(docs.items())) or "none")]
    if data["errors"]:
        out.append("Errors by reason: " + ", ".join(f"{r or '(none)'} {n}" for r, n in data["errors"]))
    total, boiler = data["sentences"]
    out.append(f"Sentences: {total} ({boiler} boilerplate)")
    out.append("Tagger versions: " + (", ".join(f"{v} ({n} sentences)" for v, n in data["taggers"]) or "none"))
    out.append(tags_line(data["taggers"], Path(warehouse)))
    out.append("Extraction versions: " + (", ".join(f"{v} ({n} documents)" for v, n in data["extraction"]) or "none"))
    if data["by_year"]:
        out += ["", "Loaded documents by year: " + ", ".join(f"{y}: {n}" for y, n in data["by_year"])]
    if data["by_authority"]:
        out += ["", "Loaded documents by authority:",
                format_rows(["authority", "documents", "years"], data["by_authority"], "table").rstrip("\n")]
    return "\n".join(out) + "\n"
