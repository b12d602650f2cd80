"""Every command, on a bad path, bad warehouse, bad option or empty query, exits non-zero with
one line naming the problem and the fix, and no traceback (unless --debug): real `findings`
subprocesses, run a few at a time (each is mostly Python's start-up)."""
from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import pytest

FINDINGS = Path(sys.executable).parent / "findings"

# name: (arguments, environment, expected exit code, words the one line must hold)
CASES = {
    "missing corpus folder": (["refresh", "--corpus", "{tmp}/no-such-folder", "--warehouse", "{tmp}/w.duckdb"], {}, 1,
                              ["no-such-folder", "does not exist", "--corpus"]),
    "missing manifest": (["refresh", "--manifest", "{tmp}/none.csv", "--warehouse", "{tmp}/w.duckdb"], {}, 1,
                         ["none.csv", "does not exist", "--manifest"]),
    "refresh into a directory": (["refresh", "--warehouse", "{tmp}/folder"], {}, 1, ["is a directory", "--warehouse"]),
    "refresh into a text file": (["refresh", "--warehouse", "{tmp}/notes.txt"], {}, 1, ["not a DuckDB file"]),
    "status of a directory": (["status", "--warehouse", "{tmp}/folder"], {}, 1, ["is a directory"]),
    "status of a text file": (["status", "--warehouse", "{tmp}/notes.txt"], {}, 1, ["not a DuckDB file"]),
    "status of an empty file": (["status", "--warehouse", "{tmp}/empty.duckdb"], {}, 1, ["not a DuckDB file"]),
    "status of no file": (["status", "--warehouse", "{tmp}/none.duckdb"], {}, 1, ["no warehouse at", "findings refresh"]),
    "query of a directory": (["query", "SELECT 1", "--warehouse", "{tmp}/folder"], {}, 1, ["is a directory"]),
    "query of a text file": (["query", "SELECT 1", "--warehouse", "{tmp}/notes.txt"], {}, 1, ["not a DuckDB file"]),
    "empty query": (["query", "  ", "--warehouse", "{tmp}/real.duckdb"], {}, 1, ["query is empty", "SELECT"]),
    "comment-only query": (["query", "-- nothing", "--warehouse", "{tmp}/real.duckdb"], {}, 1, ["no statement"]),
    "bad SQL": (["query", "SELECT * FROM nowhere", "--warehouse", "{tmp}/real.duckdb"], {}, 1, ["nowhere", "does not exist"]),
    "retag of a directory": (["retag", "--warehouse", "{tmp}/folder"], {}, 1, ["is a directory"]),
    "evaluate honours FINDINGS_WAREHOUSE": (["evaluate"], {"FINDINGS_WAREHOUSE": "{tmp}/folder"}, 1, ["is a directory"]),
    "labels import into no warehouse": (["labels", "import", "{tmp}/labels.csv", "--warehouse", "{tmp}/none.duckdb"], {}, 1,
                                        ["no warehouse at"]),
    "labels export from a text file": (["labels", "export", "--warehouse", "{tmp}/notes.txt", "--out", "{tmp}/x"], {}, 1,
                                       ["not a DuckDB file"]),
    "check-extraction of no file": (["check-extraction", "{tmp}/none.pdf"], {}, 1, ["none.pdf", "does not exist"]),
    "bad option value": (["refresh", "--workers", "0"], {}, 2, ["--workers", "at least 1", "--help"]),
    "unknown option": (["status", "--colour"], {}, 2, ["--colour", "--help"]),
    "no command": ([], {}, 2, ["COMMAND", "--help"]),
    "no labels action": (["labels"], {}, 2, ["ACTION", "--help"]),
}
# help in a subprocess for check-extraction (it used to fail); every command's help in this process
HELP = ["refresh", "serve", "status", "query", "retag", "labels", "labels export", "labels import", "labels sample",
        "labels check", "labels merge", "labels adjudicate", "retrain", "models", "models use", "evaluate",
        "check-extraction"]


def _run(args: list[str], env: dict, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(FINDINGS), *args], env={**os.environ, **env, "PREFECT_API_URL": ""}, cwd=cwd,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cli")
    (tmp / "folder").mkdir()
    (tmp / "notes.txt").write_text("not a database\n")
    (tmp / "empty.duckdb").write_bytes(b"")
    (tmp / "labels.csv").write_text("text,themes,sentiment,boilerplate\nPlans are good.,care_leavers,positive,false\n")
    duckdb.connect(str(tmp / "real.duckdb")).close()
    fill = lambda v: v.replace("{tmp}", str(tmp))
    jobs = {name: ([fill(a) for a in args], {k: fill(v) for k, v in env.items()}) for name, (args, env, _, _) in CASES.items()}
    jobs["help check-extraction"] = (["check-extraction", "-h"], {})
    with ThreadPoolExecutor(4) as pool:
        futures = {name: pool.submit(_run, args, env, tmp) for name, (args, env) in jobs.items()}
        return {name: f.result() for name, f in futures.items()}


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_is_one_line_without_traceback(results, name):
    _, _, code, words = CASES[name]
    got = results[name]
    assert got.returncode == code, got.stderr
    assert "Traceback" not in got.stderr and "Traceback" not in got.stdout
    lines = got.stderr.strip().splitlines()
    assert len(lines) == 1, got.stderr
    for word in words:
        assert word in lines[0], lines[0]


def test_check_extraction_takes_help(results):
    got = results["help check-extraction"]
    assert got.returncode == 0 and got.stdout.startswith("usage: findings check-extraction"), got.stderr
    assert "--judgements" in got.stdout


@pytest.mark.parametrize("command", HELP)
@pytest.mark.parametrize("flag", ["-h", "--help"])
def test_every_command_takes_help(command, flag, capsys):
    from findings.flows.cli import main

    with pytest.raises(SystemExit) as done:
        main([*command.split(), flag])
    out = capsys.readouterr().out
    assert done.value.code == 0 and out.startswith(f"usage: findings {command}") and "--debug" in out


def test_debug_shows_the_traceback(tmp_path):
    (tmp_path / "folder").mkdir()
    got = _run(["--debug", "status", "--warehouse", str(tmp_path / "folder")], {}, tmp_path)
    assert got.returncode != 0 and "Traceback" in got.stderr and "WarehouseError" in got.stderr
    got = _run(["status", "--warehouse", str(tmp_path / "folder"), "--debug"], {}, tmp_path)
    assert "Traceback" in got.stderr


def test_query_says_which_warehouse_answered_unless_chosen(tmp_path):
    (tmp_path / "warehouse").mkdir()
    duckdb.connect(str(tmp_path / "warehouse" / "findings.duckdb")).close()
    duckdb.connect(str(tmp_path / "other.duckdb")).close()
    default = _run(["query", "SELECT 42 AS answer", "--format", "csv"], {"FINDINGS_WAREHOUSE": ""}, tmp_path)
    assert default.returncode == 0 and default.stdout.splitlines() == ["answer", "42"]
    assert default.stderr.strip() == ("findings query: answered from warehouse/findings.duckdb "
                                      "(the default; --warehouse FILE chooses another)")
    env = _run(["query", "SELECT 1 AS one", "--format", "csv"], {"FINDINGS_WAREHOUSE": str(tmp_path / "other.duckdb")}, tmp_path)
    assert env.returncode == 0 and "other.duckdb (from FINDINGS_WAREHOUSE" in env.stderr
    chosen = _run(["query", "SELECT 1 AS one", "--warehouse", str(tmp_path / "other.duckdb")], {}, tmp_path)
    assert chosen.returncode == 0 and chosen.stderr == ""


def test_an_unexpected_error_is_one_line_naming_it_a_bug(monkeypatch, capsys):
    from findings.flows import cli

    def broken(args):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(cli, "cmd_status", broken)
    assert cli.main(["status"]) == 1
    assert capsys.readouterr().err.strip() == ("findings status: unexpected ZeroDivisionError: division by zero (a bug: "
                                               "run again with --debug for the traceback, and report it)")
    with pytest.raises(ZeroDivisionError):
        cli.main(["status", "--debug"])
