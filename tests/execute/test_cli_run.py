"""`pdpipe run` and `pdpipe ledger verify` as a user types them: exit codes and messages."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from pdpipe import json_files
from pdpipe.report.formats import DocumentsIndex, RunSummary
from pdpipe.stores import tables
from tests.cli import run_main
from tests.execute.builders import PSEUDONYM_KEY, dump, leads, people, populate, write_policy


def pdpipe(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pdpipe.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "PDPIPE_TEST_PSEUDONYM_KEY": PSEUDONYM_KEY, "COLUMNS": "200"},
        check=False,
        timeout=300,
    )


def test_when_run_is_too_large_then_exit_2_and_nothing_is_written(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/store.db"
    populate(url)
    before = (dump(url, people), dump(url, leads))
    result = pdpipe("run", str(write_policy(tmp_path, url)), "--max-fraction", "0.1")
    assert result.returncode == 2
    assert "would touch more than 10% of a table" in result.stderr
    assert "--allow-large" in result.stderr and "Traceback" not in result.stderr
    assert (dump(url, people), dump(url, leads)) == before


def test_when_run_as_json_then_counts_by_table_action_and_reason(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/store.db"
    populate(url)
    policy = str(write_policy(tmp_path, url))
    result = pdpipe("run", policy, "--as-of", "2026-11-25", "--allow-large", "--json")
    assert result.returncode == 0, result.stderr
    summary = RunSummary.model_validate_json(result.stdout)
    assert summary.status == "completed" and summary.overdue_after == 0
    people_outcome = next(t for t in summary.tables if t.table == "people")
    assert people_outcome.acted == {"destroy": {"consent_withdrawn": 80}}

    verified = pdpipe("ledger", "verify", policy)
    assert verified.returncode == 0
    # A row per record acted on, and one per document that proves it (acts, extracts).
    (documents,) = (tmp_path / "runs").glob("*/documents/index.json")
    issued = len(json_files.read(documents, DocumentsIndex).documents)
    assert issued == 6
    assert f"store: {summary.acted + issued:,} row(s), chain intact" in verified.stdout

    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(
            tables.ledger.update().where(tables.ledger.c.seq == 7).values(record_key="999")
        )
    engine.dispose()
    broken = pdpipe("ledger", "verify", policy)
    assert broken.returncode == 1
    assert "row 7 was altered after it was written (first bad row: seq 7)" in broken.stdout


def test_when_run_gets_sigterm_then_it_stops_between_batches_and_says_how_to_resume(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path}/store.db"
    populate(url, people_count=6000, leads_count=3000)
    policy = str(write_policy(tmp_path, url))
    args = [sys.executable, "-m", "pdpipe.cli", "run", policy, "--as-of", "2026-11-25"]
    env = {**os.environ, "PDPIPE_TEST_PSEUDONYM_KEY": PSEUDONYM_KEY, "COLUMNS": "200"}
    job = subprocess.Popen(
        [*args, "--allow-large", "--batch-size", "20"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    engine = sa.create_engine(url)
    deadline = time.monotonic() + 120
    while _batches(engine) < 5:  # well into the run
        assert job.poll() is None and time.monotonic() < deadline, job.communicate()
        time.sleep(0.02)
    job.send_signal(signal.SIGTERM)
    _, stderr = job.communicate(timeout=120)
    assert job.returncode == 1
    assert "stopped on SIGTERM between two batches" in stderr
    assert "run again to resume" in stderr and "Traceback" not in stderr
    with engine.connect() as connection:
        (status,) = connection.execute(sa.select(tables.runs.c.status)).one()
    assert status == "interrupted"

    resumed = pdpipe("run", policy, "--as-of", "2026-11-25", "--allow-large", "--json")
    assert resumed.returncode == 0, resumed.stderr
    summary = RunSummary.model_validate_json(resumed.stdout)
    assert summary.resumed and summary.stage == "documented"
    people_outcome = next(t for t in summary.tables if t.table == "people")
    assert people_outcome.acted == {"destroy": {"consent_withdrawn": 1200}}  # all of it
    engine.dispose()


def _batches(engine: sa.Engine) -> int:
    with engine.connect() as connection:
        if not sa.inspect(connection).has_table(tables.progress.name):
            return 0
        return int(
            connection.execute(sa.select(sa.func.sum(tables.progress.c.batches))).scalar() or 0
        )


def test_a_configured_prefect_server_makes_a_flow_run_unless_told_not_to(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from pdpipe.cli_job import as_flow_run

    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    assert not as_flow_run(None, None)  # in-process by default
    assert as_flow_run(True, None) and as_flow_run(None, "local")  # --prefect, --dask
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")  # nobody listens there
    assert as_flow_run(None, None)
    assert not as_flow_run(False, None)

    url = f"sqlite:///{tmp_path}/store.db"
    populate(url, people_count=30, leads_count=20)
    monkeypatch.setenv("PDPIPE_TEST_PSEUDONYM_KEY", PSEUDONYM_KEY)
    code, out, err = run_main(
        monkeypatch,
        capsys,
        "run",
        str(write_policy(tmp_path, url)),
        "--as-of",
        "2026-11-25",
        "--allow-large",
        "--no-prefect",
    )
    assert code == 0, err  # the job ran here, never asking the unreachable server
    assert "acted on" in out
