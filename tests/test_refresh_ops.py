"""Operating the refresh: the summary artifact, incremental runs that read nothing,
`findings status`, and `findings serve` as a scheduled Prefect deployment."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from findings.flows import refresh as refresh_module
from findings.flows.refresh import refresh
from findings.warehouse.db import query

from .conftest import SAMPLE, SEEDS, stop_process_group

FINDINGS = Path(sys.executable).parent / "findings"


def _artifacts(api: httpx.Client, flow_run_id: str | None = None) -> list[dict]:
    # Plain REST: prefect 3.8.8's client.read_artifacts sends nulls this server version rejects.
    body = {"artifacts": {"key": {"any_": ["refresh-summary"]}}, "limit": 20, "offset": 0, "sort": "CREATED_DESC"}
    if flow_run_id:
        body["flow_runs"] = {"id": {"any_": [str(flow_run_id)]}}
    resp = api.post("/artifacts/filter", json=body)
    resp.raise_for_status()
    return resp.json()


def _client():
    from prefect.client.orchestration import get_client

    return get_client(sync_client=True)


def test_run_publishes_a_markdown_summary_artifact(prefect_harness, tmp_path):
    corpus = tmp_path / "c"
    shutil.copytree(SAMPLE, corpus)
    (corpus / "broken.pdf").write_bytes(b"<html><body>Sign in to continue</body></html>")
    summary = refresh(corpus=[str(corpus)], warehouse=str(tmp_path / "w.duckdb"), workers=1)
    assert (summary["new"], summary["failed"]) == (3, 1)
    with _client() as c:
        arts = _artifacts(c._client)
    md = arts[0]["data"]
    assert arts[0]["type"] == "markdown" and arts[0]["key"] == "refresh-summary"
    assert "**3** new, **0** changed, **0** unchanged, **1** failed" in md
    assert "## Failed documents" in md and "broken.pdf" in md and "`not_a_pdf`" in md
    assert "northshire-focused-visit-2024-03-12.pdf" in md
    table = md.split("## Sentences in the warehouse by theme and sentiment")[1]
    assert "| theme | positive | negative | mixed | neutral | total |" in table
    themes = {r[0]: r[1] for r in query(tmp_path / "w.duckdb",
              "SELECT theme, count(*) FROM finding_themes JOIN findings USING (sentence_id) WHERE NOT boilerplate GROUP BY 1")[1]}
    assert themes and all(f"| {t} |" in table and f"| {n} |" in table for t, n in themes.items())


def _small_corpus(folder: Path, n: int) -> None:
    """n distinct short text documents cut from the seed reports."""
    folder.mkdir()
    paras = [p for f in sorted(SEEDS.glob("*.txt")) for p in f.read_text(encoding="utf-8").split("\n\n") if len(p) > 200]
    for i in range(n):
        (folder / f"note-{i:03d}.txt").write_text(f"Improvement note {i}\n\n" + "\n\n".join(paras[i * 2:i * 2 + 2]) + "\n",
                                                  encoding="utf-8")


@pytest.mark.shared
def test_unchanged_corpus_is_neither_hashed_nor_parsed(prefect_harness, tmp_path, monkeypatch):
    corpus, wh = tmp_path / "notes", tmp_path / "w.duckdb"
    _small_corpus(corpus, 30)
    first = refresh(corpus=[str(corpus)], warehouse=str(wh), workers=1)
    assert first["new"] == 30

    calls = {"hash": 0}
    real_hash = refresh_module.Source.content_hash

    def counting_hash(self):
        calls["hash"] += 1
        return real_hash(self)

    def no_parsing(*a, **k):
        raise AssertionError("an unchanged document was parsed")

    def no_pool(*a, **k):
        raise AssertionError("a process pool was started with nothing to do")

    monkeypatch.setattr(refresh_module.Source, "content_hash", counting_hash)
    monkeypatch.setattr(refresh_module.worker, "process", no_parsing)
    monkeypatch.setattr(refresh_module, "ProcessPoolExecutor", no_pool)
    again = refresh(corpus=[str(corpus)], warehouse=str(wh), workers=2)
    assert (again["new"], again["changed"], again["unchanged"], calls["hash"]) == (0, 0, 30, 0)

    # touched but same bytes: hashed once, still unchanged; edited: re-read
    os.utime(corpus / "note-001.txt", ns=(time.time_ns(), time.time_ns() + 10**9))
    monkeypatch.undo()
    edited = corpus / "note-002.txt"
    edited.write_text(edited.read_text(encoding="utf-8") + "\nSocial workers now visit children more often.\n", encoding="utf-8")
    monkeypatch.setattr(refresh_module.Source, "content_hash", counting_hash)
    third = refresh(corpus=[str(corpus)], warehouse=str(wh), workers=1)
    assert (third["changed"], third["unchanged"], calls["hash"]) == (1, 29, 2)
    assert query(wh, "SELECT count(*) FROM findings WHERE text = 'Social workers now visit children more often.'")[1] == [(1,)]


def test_status_shows_runs_and_contents(prefect_harness, tmp_path, capsys):
    from findings.flows.cli import main

    wh = tmp_path / "w.duckdb"
    refresh(corpus=[str(SAMPLE)], warehouse=str(wh), workers=1)
    from findings.warehouse.db import open_writer

    with open_writer(wh) as con:  # as a killed refresh leaves it
        con.execute("INSERT INTO store.runs (run_id, flow, started_at, status) VALUES ('killed', 'refresh', now() - INTERVAL 1 HOUR, 'running')")
    assert main(["status", "--warehouse", str(wh)]) == 0
    out = capsys.readouterr().out
    assert "completed" in out and "| 3   |" in out and "running" in out and "no refresh holds the lock" in out
    assert "Documents: 3 loaded" in out and "Northshire" in out and "2022, 2024" in out and "Westbridge" in out
    assert "Tagger versions: rules-" in out and "Sentences: 48" in out

    summary = refresh(corpus=[str(SAMPLE)], warehouse=str(wh), workers=1)   # the next refresh marks it
    assert summary["interrupted"] == 1
    assert query(wh, "SELECT status FROM runs WHERE run_id = 'killed'")[1] == [("interrupted",)]
    assert main(["status", "--warehouse", str(wh), "--runs", "3"]) == 0
    assert "interrupted" in capsys.readouterr().out
    assert main(["status", "--warehouse", str(tmp_path / "none.duckdb")]) == 1


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("FINDINGS_TEST_SERVE"), reason="set FINDINGS_TEST_SERVE=1 (about 40 s more)")
def test_serve_deployment_runs_from_the_api(prefect_server, tmp_path):
    wh = tmp_path / "served.duckdb"
    env = {**os.environ, **prefect_server}
    log = (tmp_path / "serve.log").open("wb")
    proc = subprocess.Popen([str(FINDINGS), "serve", "--cron", "0 6 * * 1", "--corpus", str(SAMPLE),
                             "--warehouse", str(wh), "--workers", "1"],
                            env=env, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    api = httpx.Client(base_url=prefect_server["PREFECT_API_URL"], timeout=10)
    try:
        deadline = time.monotonic() + 60
        while True:
            resp = api.get("/deployments/name/refresh/findings-refresh")
            if resp.status_code == 200:
                break
            assert proc.poll() is None and time.monotonic() < deadline, (tmp_path / "serve.log").read_text()[-3000:]
            time.sleep(0.5)
        dep = resp.json()
        assert [s["schedule"]["cron"] for s in dep["schedules"]] == ["0 6 * * 1"]
        assert dep["parameters"]["warehouse"] == str(wh) and dep["parameters"]["corpus"] == [str(SAMPLE)]

        run = api.post(f"/deployments/{dep['id']}/create_flow_run", json={}).json()
        deadline = time.monotonic() + 180
        while True:
            state = api.get(f"/flow_runs/{run['id']}").json()["state"]
            if state["type"] in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED"):
                break
            assert time.monotonic() < deadline, (tmp_path / "serve.log").read_text()[-3000:]
            time.sleep(1)
        assert state["type"] == "COMPLETED", (tmp_path / "serve.log").read_text()[-5000:]
        assert query(wh, "SELECT count(*) FROM documents WHERE status = 'loaded'")[1] == [(3,)]
        arts = _artifacts(api, run["id"])
        assert len(arts) == 1 and "**3** new" in arts[0]["data"]
        tasks = api.post("/task_runs/filter", json={"flow_runs": {"id": {"any_": [run["id"]]}}, "limit": 50,
                                                     "offset": 0, "sort": "EXPECTED_START_TIME_DESC"}).json()
        assert sorted(t["name"] for t in tasks) == sorted(f"ingest {p.name}" for p in SAMPLE.iterdir() if p.suffix != ".csv")
    finally:
        api.close()
        stop_process_group(proc, signal.SIGINT, 20)
        log.close()
