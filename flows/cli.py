"""The `findings` command. Each sub-command is a thin shell over a flow or a room.

Errors: a bad path, warehouse, option or query ends the command with one line on stderr
naming the problem and the fix, and a non-zero exit code; `--debug` shows the traceback
instead (and Prefect's log records keep theirs)."""
from __future__ import annotations

import argparse
import csv
import json
import logging
import os
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from findings.corpus.settings import LABELS_DIR, settings, warehouse_choice

from .formatting import format_rows

# Sub-commands import their flows and rooms when they run: `findings query` need not load
# Prefect, spaCy or the model.


def _prefect_env(verbose: bool) -> None:
    # Must be set before Prefect is imported.
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "INFO" if verbose else "WARNING")


class _NoTracebacks(logging.Filter):
    """Log records on the terminal without their tracebacks: a failed flow run says what
    failed in a line (Prefect logs the exception with its traceback); `--debug` keeps them."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.exc_info, record.exc_text, record.stack_info = None, None, None
        return True


def _quiet_prefect_logs(args) -> None:
    """After Prefect is imported (it sets up its console handler then)."""
    if getattr(args, "debug", False):
        return
    for logger in (logging.getLogger(), logging.getLogger("prefect")):
        for handler in logger.handlers:
            if not any(isinstance(f, _NoTracebacks) for f in handler.filters):
                handler.addFilter(_NoTracebacks())


def _warehouse(args, must_exist: bool = False) -> Path:
    """--warehouse, FINDINGS_WAREHOUSE or the default, checked: a directory or a file that is
    not DuckDB's is refused in one line (as is a missing one where the command reads it)."""
    from findings.warehouse.db import check_warehouse

    path, _ = warehouse_choice(getattr(args, "warehouse", None))
    return check_warehouse(path, must_exist=must_exist)


def _check_refresh_inputs(args) -> Path:
    """Corpus paths, manifest, cache and warehouse checked before Prefect starts (a missing
    folder is one line, not a failed flow run); the warehouse path."""
    from findings.corpus.sources import check_inputs

    corpus = args.corpus or ([] if args.manifest else [settings().sample_corpus])
    check_inputs([Path(p) for p in corpus], Path(args.manifest) if args.manifest else None,
                 Path(args.cache) if args.cache else (settings().cache if args.manifest else None), read_manifests=True)
    return _warehouse(args)


def cmd_refresh(args) -> int:
    warehouse = _check_refresh_inputs(args)
    _prefect_env(args.verbose)
    from .locking import refresh_lock

    # another refresh writing? Say so (or wait) before Prefect starts; the flow takes the lock itself
    with refresh_lock(warehouse, wait=args.wait):
        pass
    from .refresh import refresh

    _quiet_prefect_logs(args)
    with _progress_bar("refresh", "documents") as progress:
        summary = refresh(corpus=args.corpus, warehouse=str(warehouse), workers=args.workers,
                          progress=progress, manifest=args.manifest, cache=args.cache, wait=args.wait)
    from .refresh import Summary

    for line in Summary(**summary).lines():
        print(line)
    return 0


@contextmanager
def _progress_bar(label: str, unit: str):
    """A progress bar on stderr for long work; yields the (done, total) callback the work
    reports to."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    # Redrawn on each update, not by rich's refresh thread: a process without threads can
    # fork its re-tag workers (flows.worker.tag_chunks).
    with Progress(TextColumn(f"[bold]{label}"), BarColumn(), MofNCompleteColumn(), TextColumn(unit),
                  TimeElapsedColumn(), transient=False, console=_stderr_console(), auto_refresh=False) as bar:
        job = bar.add_task(label, total=None)
        yield lambda done, total: bar.update(job, completed=done, total=total, refresh=True)
        bar.update(job, total=bar.tasks[0].total or 0)


def _stderr_console():
    from rich.console import Console

    return Console(stderr=True)


def cmd_query(args) -> int:
    from findings.warehouse.db import check_query, query

    check_query(args.sql)
    warehouse = _warehouse(args, must_exist=True)
    _, chosen_by = warehouse_choice(args.warehouse)
    if chosen_by != "--warehouse":  # say which warehouse answered (stderr: stdout stays the result)
        how = "the default" if chosen_by == "default" else "from FINDINGS_WAREHOUSE"
        print(f"findings query: answered from {warehouse} ({how}; --warehouse FILE chooses another)", file=sys.stderr)
    columns, rows = query(warehouse, args.sql)  # duckdb's errors say what is wrong with the SQL
    print(format_rows(columns, rows, args.format), end="")
    return 0


def cmd_retag(args) -> int:
    from findings.warehouse import db

    from .locking import refresh_lock
    from .worker import tag_chunks, tagger_version

    start = time.perf_counter()
    warehouse = _warehouse(args, must_exist=True)
    model = _chosen_model(warehouse)
    with refresh_lock(warehouse), tag_chunks(args.workers, model) as tag, _progress_bar("retag", "sentences") as progress:
        # the file is held per batch only
        n = db.retag(warehouse, tagger_version(model), tag, only_stale=not args.all, progress=progress)
    seconds = time.perf_counter() - start
    print(f"re-tagged {n} sentences with {tagger_version(model)} in {seconds:.1f} s ({n / seconds:,.0f} sentences/s)")
    return 0


def _chosen_model(warehouse: Path):
    """The folder of the model that tags `warehouse` (its models folder's choice, else the shipped current)."""
    from findings.corpus.settings import models_dir
    from findings.models.registry import chosen_folder

    return chosen_folder(models_dir(warehouse))


def cmd_status(args) -> int:
    from .status import report

    print(report(_warehouse(args, must_exist=True), runs=args.runs), end="")
    return 0


def cmd_serve(args) -> int:
    _check_refresh_inputs(args)
    _prefect_env(True)
    from .serve import serve

    _quiet_prefect_logs(args)
    return serve(cron=args.cron, corpus=args.corpus, manifest=args.manifest, warehouse=str(_warehouse(args)),
                 cache=args.cache, workers=args.workers, wait=args.wait, name=args.name)


def cmd_labels_export(args) -> int:
    from findings.models.labels import project_labels
    from findings.models.registry import load
    from findings.models.selection import rank
    from findings.warehouse.samples import unlabelled_sample

    warehouse = _warehouse(args, must_exist=True)
    rows, meta = unlabelled_sample(warehouse)
    chosen = rank(rows, load(_chosen_model(warehouse)), project_labels(), args.n)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fields = ["sentence_id", "document_id", "document", "section", "before", "text", "after", "themes", "sentiment", "boilerplate",
              "annotator", "suggested_themes", "suggested_sentiment", "reason"]
    records = [{**r, "document_id": meta[r["sentence_id"]][0], "document": meta[r["sentence_id"]][1], "themes": "",
                "sentiment": "", "boilerplate": "", "annotator": ""} for r in chosen]
    with out.with_suffix(".csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(records)
    with out.with_suffix(".jsonl").open("w", encoding="utf-8") as fh:
        for r in records:
            fh.write(json.dumps({k: r[k] for k in fields}, ensure_ascii=False) + "\n")
    print(f"wrote {len(records)} sentences to {out.with_suffix('.csv')} and {out.with_suffix('.jsonl')}: "
          "fill in themes (comma-separated codebook ids), sentiment and boilerplate, then `findings labels import`.")
    return 0


def cmd_labels_import(args) -> int:
    from findings.models.labels import authority_of, is_test, read_label_file
    from findings.warehouse.labels import import_labels

    warehouse = _warehouse(args, must_exist=True)
    labels = import_labels(warehouse, read_label_file(Path(args.file), annotator=args.annotator))
    sealed = [l for l in labels if is_test(l)]  # retraining keeps these out of training, as it splits by is_test
    print(f"imported {len(labels)} labels into {warehouse}:")
    print(f"  {len(labels) - len(sealed)} joined training" + ("; run `findings retrain` to learn from them" if len(sealed) < len(labels) else ""))
    if sealed:
        authorities = sorted({authority_of(l) for l in sealed})
        print(f"  {len(sealed)} joined the sealed test split, not trained on (sealed authorities: {', '.join(authorities)}); "
              "`findings retrain` scores models on them")
    return 0


def cmd_labels_sample(args) -> int:
    from findings.models import labelling
    from findings.models.labels import project_labels
    from findings.models.registry import load
    from findings.warehouse.samples import stored_sentences

    folder = Path(args.dir)
    pool = [i for i in labelling.unlabelled(labelling.items(stored_sentences(_warehouse(args, must_exist=True))), folder)
            if not i["_boilerplate"] and len(i["text"]) >= 25
            and (not args.authority or i["document"].split("/")[-2] in args.authority)
            and i["document"].split("/")[-2] not in args.exclude_authority]
    if not pool:
        print(f"findings labels sample: no unlabelled sentence in {_warehouse(args)} matches; refresh more documents "
              "or widen --authority.", file=sys.stderr)
        return 1
    chosen = labelling.choose(pool, args.n, load(_chosen_model(_warehouse(args))), project_labels(), args.random, args.seed)
    numbers = labelling.write_batches(chosen, args.batches, folder, second=args.double, seed=args.seed)
    print(f"{len(chosen)} sentences from {len({i['document'] for i in chosen})} documents in batches "
          f"{numbers[0]}..{numbers[-1]} of {folder / 'batches'}" + (" (each in two batches)" if args.double else "")
          + "; annotators follow corpus/labels/annotating.md, then `findings labels check N`.")
    return 0


def cmd_labels_check(args) -> int:
    from findings.models import labelling

    done, missing, problems = labelling.check_batch(args.batch, Path(args.dir))
    print(f"batch {args.batch}: {done} labelled, {len(missing)} missing, {len(problems)} problems")
    for p in problems[:30]:
        print("  " + p)
    if missing:
        print("  next missing ids: " + ", ".join(missing[:10]))
    return 1 if missing or problems else 0


def cmd_labels_merge(args) -> int:
    from findings.models import labelling
    from findings.warehouse.samples import stored_sentences

    context = None
    if args.context:  # a repeated sentence: its first place
        context = {}
        for item in labelling.items(stored_sentences(Path(args.context))):
            context.setdefault(item["id"], (item["_before"], item["_after"]))
    first, second, skipped = labelling.merge_batches(context, Path(args.dir))
    print(f"{first} labelled sentences, {second} with a second label")
    for line in skipped:
        print("  left out: " + line)
    return 0


def cmd_labels_adjudicate(args) -> int:
    from findings.models import labelling

    folder = Path(args.dir)
    if args.step == "draw":
        n, numbers = labelling.draw_adjudication(args.batches, folder)
        print(f"{n} disagreements to adjudicate" + (f" in adjudicate-{numbers[0]}..{numbers[-1]}.jsonl" if numbers else ""))
        return 0
    n, problems = labelling.merge_adjudication(folder)
    for p in problems[:30]:
        print("  " + p, file=sys.stderr)
    if problems:
        print("findings labels adjudicate merge: nothing written; fix the files above.", file=sys.stderr)
        return 1
    print(f"{n} adjudicated labels in {folder / 'adjudicated.jsonl'}")
    return 0


def cmd_retrain(args) -> int:
    warehouse = _warehouse(args)
    if args.force and args.accept:
        print("findings retrain: --force and --accept exclude each other: --force trains and promotes a new model, "
              "--accept promotes the last refused one without training", file=sys.stderr)
        return 2
    _prefect_env(args.verbose)
    from .retrain import retrain

    _quiet_prefect_logs(args)
    result = retrain(warehouse=str(warehouse), force=args.force, cv=not args.no_cv, accept=args.accept, echo=True)
    if args.accept:
        if not result["promoted"]:
            print(f"findings retrain --accept: {result['message']}", file=sys.stderr)
            return 1
    else:
        m = result["metrics"]
        print(f"trained {result['version']} on {result['train']} labels in {result['seconds']} s; "
              f"sealed split ({result['test']}): themes macro-F1 {m['macro_f1_all']} (core {m['macro_f1_core']}), "
              f"sentiment macro-F1 {m['sentiment']['macro_f1']}")
    print(result["message"] + (f"; re-tagged {result['retagged']} sentences" if result["retagged"] else ""))
    return 0


def cmd_models(args) -> int:
    from findings.corpus.settings import models_dir
    from findings.models import registry

    warehouse = _warehouse(args)
    folder = models_dir(warehouse)
    if args.models_command == "use":
        if not warehouse.exists():
            print(f"findings models use: no warehouse at {warehouse}: refresh it first, or pass --warehouse FILE", file=sys.stderr)
            return 1
        try:
            chosen = registry.choose(folder, args.version)
        except ValueError as exc:
            print(f"findings models use: {exc}", file=sys.stderr)
            return 1
        from .retrain import retag_with

        start = time.perf_counter()
        n = retag_with(warehouse, chosen)
        print(f"{warehouse} is tagged by {args.version} now (recorded in {folder / 'current.json'}); re-tagged {n} "
              f"sentences in {time.perf_counter() - start:.1f} s")
        return 0
    current = registry.chosen_version(folder)
    rows = []
    for v in registry.versions(folder):
        card, metrics = v["card"], v["card"].get("metrics") or {}
        rows.append(("*" if v["version"] == current else "", v["version"], v["where"], str(card.get("date", ""))[:16],
                     card.get("data_hash") or "", metrics.get("macro_f1_core", ""), metrics.get("macro_f1_all", ""),
                     (metrics.get("sentiment") or {}).get("macro_f1", ""),
                     ("weights" if v["weights"] else "card only") + (", refused by the gate" if v["refused"] and v["version"] != current else "")))
    print(f"Models for {warehouse} (trained ones in {folder}; * tags this warehouse):")
    print(format_rows(["", "version", "where", "date", "data hash", "core F1", "all F1", "sentiment F1", "state"], rows,
                      "table"), end="")
    print("Macro-F1 from each card: the sealed split from m007 on; m001-m006 were scored on the first test split, since "
          "retired (not comparable). `findings models use VERSION` switches this warehouse's model and re-tags it.")
    return 0


def cmd_evaluate(args) -> int:
    from findings.models.evaluate import report
    from findings.warehouse.labels import coverage

    # --warehouse or FINDINGS_WAREHOUSE, which must exist; else the default, if there is one
    path, chosen_by = warehouse_choice(args.warehouse)
    warehouse = _warehouse(args, must_exist=True) if chosen_by != "default" or path.exists() else None
    found = coverage(warehouse) if warehouse else None
    if args.cv:
        with _progress_bar("cross-validation", "folds") as progress:
            print(report(warehouse, found, cv=True, progress=progress))
    else:
        print(report(warehouse, found))
    return 0


def cmd_check_extraction(args) -> int:
    from findings.corpus.check_extraction import run

    return run(args)


class _Parser(argparse.ArgumentParser):
    """argparse, with a bad option or value said in one line that names the fix."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: {message} (see `{self.prog} --help`)\n")


def _at_least_one(value: str) -> int:
    if not value.strip().isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {value!r}")
    return int(value)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="findings", description="Tagged findings from children's social care reports.")
    parser.add_argument("--debug", action="store_true", help="on an error, show Python's traceback")
    # --debug after the sub-command too; SUPPRESS keeps the value given before it
    debug = argparse.ArgumentParser(add_help=False)
    debug.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help="on an error, show Python's traceback")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, func, help: str, **kw) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help, description=help, parents=[debug], **kw)
        p.set_defaults(func=func)
        return p

    _corpus_commands(add)
    _warehouse_commands(add)
    _label_commands(sub, debug)
    _model_commands(add, debug)
    return parser


def _corpus_commands(add) -> None:
    """refresh, serve, check-extraction: documents into the warehouse."""
    p = add("refresh", cmd_refresh, "Load new and changed documents into the warehouse (Prefect flow).")
    p.add_argument("--corpus", nargs="+", metavar="PATH", help="folders or files (default: corpus/sample)")
    p.add_argument("--warehouse", metavar="FILE", help="DuckDB file (default: $FINDINGS_WAREHOUSE or warehouse/findings.duckdb)")
    p.add_argument("--workers", type=_at_least_one, help="worker processes (default: one per core)")
    p.add_argument("--verbose", action="store_true", help="show Prefect's logs")
    p.add_argument("--manifest", metavar="FILE", help="manifest.csv whose rows are loaded too; rows with a source_url "
                   "and no local file are downloaded into the cache")
    p.add_argument("--cache", metavar="DIR", help="download cache (default: $FINDINGS_CACHE or corpus/cache)")
    p.add_argument("--wait", type=float, default=0.0, metavar="SECONDS",
                   help="if another refresh is writing this warehouse, wait up to SECONDS for it (default: exit 75 at once)")

    p = add("serve", cmd_serve, "Serve the refresh flow as a scheduled Prefect deployment (runs until stopped).")
    p.add_argument("--cron", default="0 6 * * 1", help="schedule, cron syntax (default: '0 6 * * 1', Mondays 06:00)")
    p.add_argument("--corpus", nargs="+", metavar="PATH", help="folders or files (default: corpus/sample unless --manifest)")
    p.add_argument("--manifest", metavar="FILE", help="manifest.csv to load, downloading source_url's not yet cached")
    p.add_argument("--cache", metavar="DIR", help="download cache (default: corpus/cache)")
    p.add_argument("--warehouse", metavar="FILE")
    p.add_argument("--workers", type=_at_least_one)
    p.add_argument("--name", default="findings-refresh", help="deployment name (default: findings-refresh)")
    p.add_argument("--wait", type=float, default=900.0, metavar="SECONDS",
                   help="a run that finds another refresh writing waits up to SECONDS for it (default: 900)")

    p = add("check-extraction", cmd_check_extraction, "Report PDF extraction quality per report format.")
    from findings.corpus.check_extraction import add_arguments

    add_arguments(p)


def _warehouse_commands(add) -> None:
    """status, query, retag: reading and re-tagging what is stored."""
    p = add("status", cmd_status, "Show the last refresh runs and what the warehouse holds.")
    p.add_argument("--warehouse", metavar="FILE")
    p.add_argument("--runs", type=_at_least_one, default=10, metavar="N", help="how many recent runs to show (default: 10)")

    p = add("query", cmd_query, "Run read-only SQL on the warehouse and print the result.")
    p.add_argument("sql")
    p.add_argument("--warehouse", metavar="FILE")
    p.add_argument("--format", choices=["table", "csv", "json"], default="table")

    p = add("retag", cmd_retag, "Re-tag stored sentences with the current rules and model (no documents re-read).")
    p.add_argument("--warehouse", metavar="FILE")
    p.add_argument("--all", action="store_true", help="re-tag every sentence, not only stale ones")
    p.add_argument("--workers", type=_at_least_one, help="tagging processes (default: one per core)")


def _label_commands(sub, debug) -> None:
    """labels export | import | sample | check | merge | adjudicate."""
    labels_help = "Export sentences worth labelling; import filled-in labels; run a labelling round (sample, check, merge, adjudicate)."
    p = sub.add_parser("labels", help=labels_help, description=labels_help, parents=[debug])  # an action is required
    labels = p.add_subparsers(dest="labels_command", required=True, metavar="ACTION")

    def action(name: str, help: str) -> argparse.ArgumentParser:
        return labels.add_parser(name, help=help, description=help, parents=[debug])

    q = action("export", "write the sentences most worth labelling next as CSV and JSONL")
    q.set_defaults(func=cmd_labels_export)
    q.add_argument("--n", type=_at_least_one, default=200)
    q.add_argument("--out", default="corpus/labels/to_label", help="output path without extension")
    q.add_argument("--warehouse", metavar="FILE")
    q = action("import", "validate a filled-in CSV/JSONL against the codebook and the warehouse's sentences, and store it")
    q.set_defaults(func=cmd_labels_import)
    q.add_argument("file")
    q.add_argument("--annotator", help="who labelled (default: the file's annotator column)")
    q.add_argument("--warehouse", metavar="FILE")

    # A labelling round of the project's own labels (files under --dir; see models/labelling.py)
    q = action("sample", "draw unlabelled sentences of a warehouse into batch files for annotators")
    q.set_defaults(func=cmd_labels_sample)
    q.add_argument("--warehouse", metavar="FILE")
    q.add_argument("--n", type=_at_least_one, default=1000, help="sentences to draw (default 1000)")
    q.add_argument("--batches", type=_at_least_one, default=4, help="batch files, one per annotator (default 4)")
    q.add_argument("--double", action="store_true", help="every sentence in two batches, for two independent labels")
    q.add_argument("--random", type=float, default=0.5, help="share drawn at random; the rest ranked as `export` ranks (default 0.5)")
    q.add_argument("--authority", nargs="*", default=[], help="only these authorities (folder names)")
    q.add_argument("--exclude-authority", nargs="*", default=[], help="never these authorities (e.g. the sealed split)")
    q.add_argument("--seed", type=int, default=0)
    q.add_argument("--dir", default=str(LABELS_DIR), help="labels folder (default: the project's)")
    q = action("check", "check an annotator's labels-N.jsonl against batch-N.jsonl and the codebook")
    q.set_defaults(func=cmd_labels_check)
    q.add_argument("batch", type=int)
    q.add_argument("--dir", default=str(LABELS_DIR))
    q = action("merge", "merge labelled batches into labels.jsonl and second_annotator.jsonl")
    q.set_defaults(func=cmd_labels_merge)
    q.add_argument("--context", metavar="WAREHOUSE", help="take each label's neighbours from this refreshed warehouse")
    q.add_argument("--dir", default=str(LABELS_DIR))
    q = action("adjudicate", "draw disagreements for an adjudicator, or merge the decisions")
    q.set_defaults(func=cmd_labels_adjudicate)
    q.add_argument("step", choices=["draw", "merge"])
    q.add_argument("--batches", type=int, default=2, help="files to deal disagreements into (draw)")
    q.add_argument("--dir", default=str(LABELS_DIR))


def _model_commands(add, debug) -> None:
    """retrain, models [use], evaluate."""
    p = add("retrain", cmd_retrain, "Train on all labels, evaluate, version, show what the new model changes, promote "
            "unless the gate refuses it, re-tag (Prefect flow).")
    p.add_argument("--warehouse", metavar="FILE")
    p.add_argument("--force", action="store_true", help="promote the model this run trains even if the gate refuses it")
    p.add_argument("--accept", action="store_true", help="train nothing: promote the last model the gate refused for this "
                   "warehouse, if it was trained on today's labels")
    p.add_argument("--no-cv", action="store_true", help="skip grouped cross-validation (4 more fits) for the model card")
    p.add_argument("--verbose", action="store_true")

    models_help = "List the models (shipped and trained for this warehouse) with their scores; `use VERSION` switches the warehouse's model."
    p = add("models", cmd_models, models_help)
    p.add_argument("--warehouse", metavar="FILE")
    models_sub = p.add_subparsers(dest="models_command", required=False, metavar="ACTION")
    q = models_sub.add_parser("use", help="tag this warehouse with VERSION from now on, and re-tag it",
                              description="Tag this warehouse with VERSION from now on, and re-tag it.", parents=[debug])
    q.add_argument("version", metavar="VERSION")
    q.add_argument("--warehouse", metavar="FILE", default=argparse.SUPPRESS)

    p = add("evaluate", cmd_evaluate, "The current model on the sealed split and in grouped cross-validation, "
            "with 90%% intervals, beside rules alone and annotator agreement.")
    p.add_argument("--warehouse", metavar="FILE", help="also count how many labelled sentences a refresh found again "
                   "(default: $FINDINGS_WAREHOUSE, or warehouse/findings.duckdb if there is one)")
    p.add_argument("--cv", action="store_true", help="recompute grouped cross-validation now (4 fits) instead of the card's")


# Commands that start processes (a pool, Prefect's temporary server, a served deployment's
# runs): run as `findings`, they work in a supervised child process group that dies with the
# command, however it dies (flows/processes.py).
SUPERVISED = {"refresh", "serve", "retag", "retrain", "check-extraction", "models"}


def main(argv: list[str] | None = None) -> int:
    """The `findings` command (argv None: from sys.argv, supervised where it starts
    processes); `main([...])` runs a command in this process."""
    args = build_parser().parse_args(argv)
    if argv is None and args.command in SUPERVISED and sys.platform.startswith("linux"):  # os.waitid, prctl
        from .processes import supervise

        return supervise(sys.argv[1:])
    name = " ".join(filter(None, ["findings", args.command, getattr(args, "labels_command", None) or getattr(args, "models_command", None)]))
    try:
        return args.func(args)
    except KeyboardInterrupt:
        if args.debug:
            raise
        print(f"{name}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if args.debug:
            raise
        message, code = _explain(exc)
        print(f"{name}: {message}", file=sys.stderr)
        return code


def _explain(exc: Exception) -> tuple[str, int]:
    """The one line an error is shown as, and the exit code. Errors the code raises on bad
    input already name the problem and the fix; anything else is a bug, said as one."""
    if _is(exc, "findings.flows.locking", "RefreshRunning"):
        return str(exc), exc.exit_code
    if _is(exc, "findings.models.labels", "LabelError"):  # may list the file's bad rows, one per line, under its first
        return str(exc), 2
    if any(_is(exc, "findings.warehouse.db", name) for name in ("WarehouseError", "WarehouseBusy", "QueryError")) \
            or _is(exc, "findings.corpus.sources", "ManifestError") or _is(exc, "duckdb", "Error"):
        return _one_line(str(exc)), 1
    if isinstance(exc, OSError) and exc.filename is None:  # ours: the message names the path and the fix
        return _one_line(str(exc)), 1
    if isinstance(exc, OSError):
        return f"{exc.strerror}: {exc.filename}: check the path and its permissions", 1
    return (f"unexpected {type(exc).__name__}: {_one_line(str(exc))} (a bug: run again with --debug for the "
            "traceback, and report it)"), 1


def _is(exc: Exception, module: str, name: str) -> bool:
    """isinstance(exc, module.name), without importing the module (an error of a module
    that was never imported is not one of its classes; spaCy stays unloaded)."""
    cls = getattr(sys.modules.get(module), name, None)
    return cls is not None and isinstance(exc, cls)


def _one_line(text: str) -> str:
    """An error message on one line: duckdb's SQL pointer lines ('LINE 1: ...', '^') left out."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return " ".join(line for line in lines if not line.startswith("LINE ") and set(line) != {"^"}) or text


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
