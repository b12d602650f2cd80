"""Provenance: every run row records the extraction, rules and model versions it worked
with, every sentence's tags the tagger version that made them, and `findings status` flags
tags that are not from the current rules and model, and how many. Real refresh, DuckDB."""
from __future__ import annotations

from findings.corpus.document import EXTRACTION_VERSION
from findings.flows.cli import main
from findings.flows.refresh import refresh
from findings.models.registry import current_version
from findings.models.tagger_cache import tagger_version
from findings.rules.tagger import rules_version
from findings.warehouse.db import open_writer, query

from .conftest import SAMPLE


def test_runs_record_versions_and_status_flags_stale_tags(prefect_harness, tmp_path, capsys):
    wh = tmp_path / "w.duckdb"
    refresh(corpus=[str(SAMPLE)], warehouse=str(wh), workers=1)
    model = current_version()
    assert query(wh, "SELECT extraction_version, rules_version, model_version FROM runs")[1] == [
        (EXTRACTION_VERSION, rules_version(), model)]
    assert query(wh, "SELECT DISTINCT tagger_version FROM store.sentence_tags")[1] == [(tagger_version(),)]
    assert tagger_version() == f"rules-{rules_version()}+model-{model}"

    assert main(["status", "--warehouse", str(wh)]) == 0
    out = capsys.readouterr().out
    assert f"Tags: current: all 48 sentences tagged by {tagger_version()}" in out
    assert "| model" in out and f"| {model}" in out  # each run's model

    with open_writer(wh) as con:  # as a warehouse tagged before the last retrain leaves them
        con.execute("""UPDATE store.sentence_tags SET tagger_version = ? WHERE sentence_id IN
                       (SELECT sentence_id FROM store.sentence_tags ORDER BY sentence_id LIMIT 10)""",
                    [f"rules-{rules_version()}+model-m000-old"])
        con.execute("""UPDATE store.sentence_tags SET tagger_version = ? WHERE sentence_id IN
                       (SELECT sentence_id FROM store.sentence_tags ORDER BY sentence_id DESC LIMIT 3)""",
                    [f"rules-000000000000+model-{model}"])
    assert main(["status", "--warehouse", str(wh)]) == 0
    out = capsys.readouterr().out
    assert (f"Tags: STALE: 13 of 48 sentences were not tagged by the current {tagger_version()} "
            f"(10 by another model than the current {model}; 3 by other rules): run `findings retag`") in out

    again = refresh(corpus=[str(SAMPLE)], warehouse=str(wh), workers=1)  # a refresh re-tags them
    assert again["retagged"] == 13
    assert main(["status", "--warehouse", str(wh)]) == 0
    assert "Tags: current: all 48 sentences" in capsys.readouterr().out
