"""The whole job killed (SIGKILL) or asked to stop (SIGTERM) at moment after moment, and
started again each time: the store and its ledger always agree, every run that acted
gets its documents, and the store ends as one unbroken job leaves its twin.

Each attempt runs in a forked copy of the test process (faults.in_child), the kill
landing at an exact statement (faults.Faults): while a run registers, while it takes its
snapshot, inside a batch, at a batch's commit, between batches, at finish, right after
validation, while the documents are recorded, and once they are. Two phases, the second
a later as-of with more records due, so that each part of the job is broken once with
work to do.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from pdpipe import json_files
from pdpipe.errors import PdpipeError
from pdpipe.execute.batch import Interrupted
from pdpipe.execute.ledger import ACTIONS
from pdpipe.execute.runner import DOCUMENTED, RunOptions
from pdpipe.job import run_job
from pdpipe.policy import load_policy
from pdpipe.report.documents.backlog import owed
from pdpipe.report.formats import SUMMARY, DocumentsIndex, RunSummary
from pdpipe.retention.decide import AsOf
from pdpipe.stores import tables
from tests.conftest import twin_store
from tests.execute.builders import AS_OF_DAY, PSEUDONYM_KEY, populate, write_policy
from tests.execute.faults import Faults, in_child, ledger_matches, snapshot

BATCH = 4
FIRST = AsOf.end_of_day(AS_OF_DAY, "Asia/Almaty")
LATER = AsOf.end_of_day(AS_OF_DAY + dt.timedelta(days=150), "Asia/Almaty")
INTERRUPTED_EXIT = 3

STAGE = "UPDATE pdpipe_runs SET stage"  # a run marked validated, or documented
# (the moment, where the fault lands, how): attempts of the first phase, then the second.
FIRST_PHASE: list[tuple[str, dict[str, Any], str]] = [
    ("registering the run", {"matching": "INSERT INTO pdpipe_runs"}, "sigkill"),
    ("taking the snapshot", {"matching": "INSERT INTO pdpipe_checksums"}, "sigkill"),
    ("inside the first batch", {"in_batches": True, "at": 3}, "sigkill"),
    ("at a batch's commit", {"in_batches": True, "matching": "COMMIT", "at": 2}, "sigkill"),
    ("asked to stop", {"in_batches": True, "at": 4}, "sigterm"),
    ("inside a later batch", {"in_batches": True, "at": 7}, "sigkill"),
]
SECOND_PHASE: list[tuple[str, dict[str, Any], str]] = [
    ("inside a batch", {"in_batches": True, "at": 2}, "sigkill"),
    ("closing the run", {"matching": "UPDATE pdpipe_runs SET finished_at"}, "sigkill"),
    ("right after validation", {"matching": STAGE}, "sigkill"),
    # The run after it acts on nothing, then issues the documents the killed one owes:
    ("recording owed documents", {"matching": "UPDATE pdpipe_ledger_head"}, "sigkill"),
    # (its own stage: validated, then documented; then the owed run's, documented)
    ("once owed documents are out", {"matching": STAGE, "at": 3}, "sigkill"),
]


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PDPIPE_TEST_PSEUDONYM_KEY", PSEUDONYM_KEY)
    monkeypatch.setenv("PDPIPE_RETRY_DELAYS", "0.1")


def _options(as_of: AsOf) -> RunOptions:
    return RunOptions(as_of=as_of, batch_size=BATCH, allow_large=True, max_fraction=1.0)


def _attempt(policy_path: Path, as_of: AsOf, faults: Faults) -> int:
    """One attempt of the job in a child process; its exit status (-9: killed)."""

    def job() -> int:
        with faults.installed():
            try:
                run_job(load_policy(policy_path), _options(as_of))
            except Interrupted:
                return INTERRUPTED_EXIT
            except PdpipeError as exc:
                return exc.exit_code
        return 0

    return in_child(job)


def _runs(url: str) -> list[dict[str, Any]]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(sa.select(tables.runs)).mappings().all()
            counted: dict[tuple[str, str], int] = {}
            for run_id, action, count in connection.execute(
                sa.select(tables.ledger.c.run_id, tables.ledger.c.action, sa.func.count())
                .where(tables.ledger.c.action.in_(ACTIONS))
                .group_by(tables.ledger.c.run_id, tables.ledger.c.action)
            ):
                counted[(str(run_id), str(action))] = int(count)
    finally:
        engine.dispose()

    def records(run_id: str, actions: tuple[str, ...]) -> int:
        return sum(counted.get((run_id, action), 0) for action in actions)

    return [
        {
            **row,
            # destroyed or depersonalized: what the documents list
            "records": records(str(row["run_id"]), ("destroy", "depersonalize")),
            "acted": records(str(row["run_id"]), ACTIONS),  # blocked ones too
        }
        for row in rows
    ]


def _documented_records(runs_folder: Path, run_id: str) -> int:
    (index,) = runs_folder.glob(f"*-{run_id}/documents/index.json")
    return sum(json_files.read(index, DocumentsIndex).records.values())


@pytest.mark.slow
def test_when_the_job_is_killed_at_moment_after_moment_then_ledger_and_acts_are_whole(
    store_url: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    import great_expectations  # noqa: F401  imported once here, not in every child

    (tmp_path / "broken").mkdir()
    (tmp_path / "twin").mkdir()
    populate(store_url, people_count=60, leads_count=45)
    policy_path = write_policy(tmp_path / "broken", store_url)
    before = snapshot(store_url)
    twin_url = twin_store(store_url, tmp_path, request)
    populate(twin_url, people_count=60, leads_count=45)
    twin = load_policy(write_policy(tmp_path / "twin", twin_url))

    for phase, as_of, kills in (("first", FIRST, FIRST_PHASE), ("second", LATER, SECOND_PHASE)):
        for moment, where, how in kills:
            faults = Faults(how=how, **{"at": 1, **where})
            status = _attempt(policy_path, as_of, faults)
            expected = INTERRUPTED_EXIT if how == "sigterm" else -9
            assert status == expected, f"{phase} phase, {moment}: exit {status}"
            problems = ledger_matches(store_url, before)
            assert not problems, f"{phase} phase, killed {moment}: {problems}"
        # Started again without a fault: the run (resumed or new) completes.
        resumed = run_job(load_policy(policy_path), _options(as_of))
        unbroken = run_job(twin, _options(as_of))
        assert snapshot(store_url) == snapshot(twin_url), f"{phase} phase"
        assert not ledger_matches(store_url, before)
        if phase == "first":
            # The resumed run counts all of its attempts, not only the last.
            assert resumed.resumed
            assert [(t.table, t.acted) for t in resumed.tables] == [
                (t.table, t.acted) for t in unbroken.tables
            ]
            summary = json_files.read(Path(resumed.folder or "") / SUMMARY, RunSummary)
            assert summary.acted == unbroken.acted > 0

    # Every run that destroyed or depersonalized has its documents, counting its records.
    runs_folder = tmp_path / "broken" / "runs"
    assert owed(load_policy(policy_path), settle=False) == []
    runs = _runs(store_url)
    acted = [run for run in runs if run["records"]]
    assert len(acted) >= 2
    for run in acted:
        assert run["stage"] == DOCUMENTED, run
        assert _documented_records(runs_folder, str(run["run_id"])) == run["records"]
    # What each closed run says it did is what its ledger holds, its killed attempts'
    # batches included.
    for run in runs:
        if run["counts"] is not None:
            counted = json.loads(run["counts"]).values()
            said = sum(n for actions in counted for by in actions.values() for n in by.values())
            assert said == run["acted"], run
