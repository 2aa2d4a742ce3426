"""Canary values planted in a store never reach the terminal, Prefect's logs, the ledger,
pdpipe's own tables or an error message — on success and on failure."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa

from pdpipe.stores import tables
from tests.execute.builders import PSEUDONYM_KEY, dump, leads, people, populate, write_policy


def _canaries(url: str) -> set[str]:
    values: set[str] = set()
    for row in dump(url, people).values():
        values |= {row["email"], row["full_name"]}
    for row in dump(url, leads).values():
        values |= {row["email"], row["email"].lower(), row["last_name"], row["phone"]}
    return values


def _pdpipe(*args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PDPIPE_TEST_PSEUDONYM_KEY": PSEUDONYM_KEY,
        "PDPIPE_PREFECT_CONSOLE": "1",  # let Prefect print everything it logs
        "PREFECT_LOGGING_LEVEL": "DEBUG",
        "COLUMNS": "200",
    }
    return subprocess.run(
        [sys.executable, "-m", "pdpipe.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=300,
    )


def _pdpipe_tables_text(url: str) -> str:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        text = "\n".join(
            repr(row)
            for table in (tables.runs, tables.ledger, tables.state, tables.progress)
            for row in connection.execute(sa.select(table))
        )
    engine.dispose()
    return text


def test_when_a_run_succeeds_then_no_canary_is_in_any_output(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/store.db"
    populate(url, people_count=200, leads_count=150)
    canaries = _canaries(url)
    policy = write_policy(tmp_path, url)
    run = _pdpipe("run", str(policy), "--as-of", "2026-11-25", "--allow-large", "--prefect")
    verify = _pdpipe("ledger", "verify", str(policy))
    assert run.returncode == 0, run.stderr
    assert verify.returncode == 0, verify.stderr
    output = run.stdout + run.stderr + verify.stdout + verify.stderr
    assert "Beginning flow run" in output  # run as a flow: Prefect's own logs are searched too
    recorded = _pdpipe_tables_text(url)
    assert "destroy" in recorded and "depersonalize" in recorded
    assert sorted(c for c in canaries if c in output or c in recorded) == []


def test_when_a_batch_fails_then_the_error_names_the_store_and_no_value(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/store.db"
    populate(url, people_count=200, leads_count=150)
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "CREATE TRIGGER refuse BEFORE UPDATE ON leads "
                "BEGIN SELECT RAISE(ABORT, 'updates are frozen'); END"
            )
        )
    engine.dispose()
    before = dump(url, leads)
    canaries = _canaries(url)
    result = _pdpipe(
        "run", str(write_policy(tmp_path, url)), "--as-of", "2026-11-25", "--allow-large"
    )
    assert result.returncode == 1
    assert "store 'store'" in result.stderr and "updates are frozen" in result.stderr
    assert dump(url, leads) == before  # the failed batch left nothing behind
    output = result.stdout + result.stderr
    assert sorted(c for c in canaries if c in output) == []
