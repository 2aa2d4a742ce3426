"""A run killed with SIGKILL mid-way and started again ends exactly as an uninterrupted run;
two runs started together: one proceeds, the other refuses. On PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from pdpipe.execute.ledger_check import verify_ledgers
from pdpipe.execute.runner import RunOptions
from pdpipe.job import run_policy
from pdpipe.policy import load_policy
from pdpipe.retention.decide import AsOf
from pdpipe.stores import tables
from pdpipe.validation.checks import validate_policy
from pdpipe.validation.suites import SNAPSHOT_CHECK
from tests.execute.builders import (
    AS_OF_DAY,
    PSEUDONYM_KEY,
    dump,
    events,
    leads,
    ledger_rows,
    notes,
    people,
    populate,
    write_policy,
)

BATCH = 40
PEOPLE, LEADS = 6000, 3000
LEDGER_FIELDS = (
    "seq",
    "store",
    "table_name",
    "record_key",
    "action",
    "reason",
    "legal_basis",
    "categories",
)


@pytest.fixture(autouse=True)
def pseudonym_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PDPIPE_TEST_PSEUDONYM_KEY", PSEUDONYM_KEY)


def _job(policy_path: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.execute.run_job",
            str(policy_path),
            AS_OF_DAY.isoformat(),
            str(BATCH),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).parents[2],
        env={**os.environ, "PDPIPE_TEST_PSEUDONYM_KEY": PSEUDONYM_KEY},
    )


def _batches_done(url: str) -> int:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            if not sa.inspect(connection).has_table(tables.progress.name):
                return 0
            done = connection.execute(sa.select(sa.func.sum(tables.progress.c.batches))).scalar()
            return int(done or 0)
    finally:
        engine.dispose()


def _wait_for_batches(url: str, process: subprocess.Popen[str], count: int) -> None:
    deadline = time.monotonic() + 120
    while _batches_done(url) < count:
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the run made no progress"
        time.sleep(0.01)


def _data(url: str) -> dict[str, Any]:
    return {t.name: dump(url, t) for t in (people, events, notes, leads)}


def test_when_killed_mid_run_and_started_again_then_same_as_uninterrupted(
    pg_factory: Callable[[], str], tmp_path: Path
) -> None:
    reference_url, killed_url = pg_factory(), pg_factory()
    for url in (reference_url, killed_url):
        populate(url, people_count=PEOPLE, leads_count=LEADS)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    reference_policy = load_policy(write_policy(tmp_path / "a", reference_url))
    killed_path = write_policy(tmp_path / "b", killed_url)
    as_of = AsOf.end_of_day(AS_OF_DAY, "Asia/Almaty")
    options = RunOptions(as_of=as_of, batch_size=BATCH, allow_large=True)
    reference = run_policy(reference_policy, options)

    process = _job(killed_path)
    _wait_for_batches(killed_url, process, 12)
    process.send_signal(signal.SIGKILL)
    process.wait()
    interrupted = ledger_rows(killed_url)
    assert 0 < len(interrupted) < reference.acted, "the kill must land mid-run"

    resumed = run_policy(load_policy(killed_path), RunOptions(batch_size=BATCH, allow_large=True))
    assert resumed.resumed and resumed.as_of == reference.as_of
    # Its counts include the killed attempt's batches.
    assert [(t.table, t.acted) for t in resumed.tables] == [
        (t.table, t.acted) for t in reference.tables
    ]
    # Checked against the first attempt's snapshot: the killed batch's digests went with it.
    report = validate_policy(
        load_policy(killed_path), as_of, tmp_path / "checks", resumed.run_id, expect_snapshot=True
    )
    assert report.success, report.failed
    assert SNAPSHOT_CHECK in {c.check for c in report.checks}
    assert _data(killed_url) == _data(reference_url)
    killed_ledger, reference_ledger = ledger_rows(killed_url), ledger_rows(reference_url)
    assert [tuple(r[f] for f in LEDGER_FIELDS) for r in killed_ledger] == [
        tuple(r[f] for f in LEDGER_FIELDS) for r in reference_ledger
    ]
    assert {r["run_id"] for r in killed_ledger} == {resumed.run_id}
    assert all(v is not None and v.ok for _, v in verify_ledgers(load_policy(killed_path)))
    again = run_policy(load_policy(killed_path), options)
    assert again.acted == 0 and not again.resumed


def test_when_two_runs_start_together_then_one_proceeds_and_one_refuses(
    pg_url: str, tmp_path: Path
) -> None:
    populate(pg_url, people_count=PEOPLE, leads_count=LEADS)
    policy_path = write_policy(tmp_path, pg_url)
    first = _job(policy_path)
    _wait_for_batches(pg_url, first, 2)
    second = _job(policy_path)
    _, second_err = second.communicate(timeout=120)
    _, first_err = first.communicate(timeout=300)
    assert first.returncode == 0, first_err
    assert second.returncode == 1
    assert "store 'store' is being processed by another pdpipe run" in second_err
    assert "Traceback" not in second_err
