"""Whatever fails, wherever it fails, the records changed are exactly the ledger's records.

A partition is broken at one moment of its batches after another (each write statement
and each commit, see faults.py) on SQLite, PostgreSQL and MariaDB, and started again
each time, as a retried task is: after every broken attempt the store and its ledger must
agree, and the attempts together must end as one run that was never broken.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from pdpipe.errors import StoreError
from pdpipe.execute import lock
from pdpipe.execute.ledger_check import verify_ledgers
from pdpipe.execute.runner import RunOptions, held_stores, prepare, process_partition
from pdpipe.job import run_policy
from pdpipe.policy import Policy, load_policy
from pdpipe.retention.decide import AsOf
from pdpipe.stores import tables
from tests.conftest import twin_store
from tests.execute.builders import AS_OF_DAY, PSEUDONYM_KEY, populate, write_policy
from tests.execute.faults import Faults, InjectedFault, ledger_matches, snapshot

BATCH = 6
OPTIONS = RunOptions(
    as_of=AsOf.end_of_day(AS_OF_DAY, "Asia/Almaty"), batch_size=BATCH, allow_large=True
)


@pytest.fixture(autouse=True)
def pseudonym_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PDPIPE_TEST_PSEUDONYM_KEY", PSEUDONYM_KEY)


def admin_of(url: str) -> str | None:
    """A server URL of the same driver as `url`'s (the kill's own connection too)."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return None
    return parsed.set(database=None).render_as_string(hide_password=False)


def store_and_policy(folder: Path, url: str) -> Policy:
    folder.mkdir()
    populate(url, people_count=60, leads_count=45)
    return load_policy(write_policy(folder, url))


@pytest.mark.slow
def test_when_a_batch_breaks_at_each_of_its_moments_then_changes_and_ledger_agree(
    store_url_both_drivers: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    store_url = store_url_both_drivers
    # A server ends the connection; SQLite has no server, so its statement fails instead
    # (its process is killed in test_process_faults).
    how = "raise" if store_url.startswith("sqlite") else "kill"
    policy = store_and_policy(tmp_path / "broken", store_url)
    before = snapshot(store_url)
    broken_at: dict[str, list[str]] = {}
    with held_stores(policy, OPTIONS):
        prepared = prepare(policy, OPTIONS)
        run_id = prepared.run_id or ""
        for partition in prepared.partitions:
            # Attempt k breaks at the k-th moment inside the partition's batches, after
            # the batches the attempts before it committed: k sweeps every statement and
            # the commit of a batch, whatever the batch does.
            moments = broken_at.setdefault(partition.table, [])
            for at in range(1, 200):
                faults = Faults(at=at, how=how, admin_url=admin_of(store_url), in_batches=True)
                with faults.installed():
                    try:
                        process_partition(policy, partition, run_id, prepared.as_of, BATCH)
                    except (InjectedFault, StoreError) as failure:
                        assert faults.fired is not None, f"failed without a fault: {failure}"
                        if how == "kill":
                            assert "the batch was rolled back; run again to resume" in str(failure)
                problems = ledger_matches(store_url, before)
                assert not problems, f"after a fault at {partition.label} moment {at}: {problems}"
                if faults.fired is None:
                    break  # this attempt ran the partition to its end
                moments.append(faults.fired)

    # Every kind of statement a batch sends was broken after, in both tables.
    people, leads = ({m.split()[0] for m in broken_at[t]} for t in ("people", "leads"))
    assert {"CREATE", "DELETE", "UPDATE", "COMMIT"} <= people, broken_at["people"]
    assert {"CREATE", "UPDATE", "COMMIT"} <= leads, broken_at["leads"]
    assert len(broken_at["people"]) + len(broken_at["leads"]) >= 15
    assert all(v is not None and v.ok for _, v in verify_ledgers(policy))

    # The broken attempts together did what one unbroken run does to a twin store.
    twin = twin_store(store_url, tmp_path, request)
    run_policy(store_and_policy(tmp_path / "twin", twin), OPTIONS)
    assert snapshot(store_url) == snapshot(twin)


def test_when_the_connection_holding_the_lock_ends_then_the_run_stops_at_its_next_batch(
    store_url_both_drivers: str, tmp_path: Path
) -> None:
    store_url = store_url_both_drivers
    policy = store_and_policy(tmp_path / "store", store_url)
    before = snapshot(store_url)
    with held_stores(policy, OPTIONS):
        prepared = prepare(policy, OPTIONS)
        hold = lock._holds[store_url]
        admin = sa.create_engine(admin_of(store_url) or store_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:  # as an administrator, or a cut network, would
            if hold.dialect == "postgresql":
                connection.execute(sa.text("SELECT pg_terminate_backend(:p)"), {"p": hold.holder})
            elif hold.dialect == "sqlite":
                connection.execute(tables.lock.delete())
            else:
                connection.execute(sa.text(f"KILL CONNECTION {int(hold.holder)}"))
        admin.dispose()
        partition = prepared.partitions[0]
        with pytest.raises(lock.LockLost, match="the run lost its lock on the store"):
            process_partition(policy, partition, prepared.run_id or "", prepared.as_of, BATCH)
    assert snapshot(store_url) == before  # its first batch was rolled back
    assert not ledger_matches(store_url, before)
