"""Partitions processed in parallel end exactly as one sequential run: same stores, same
ledger rows (in another order), an intact chain. On PostgreSQL and MariaDB."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest

from pdpipe.execute.ledger_check import verify_ledgers
from pdpipe.execute.runner import (
    RunOptions,
    finish,
    held_stores,
    prepare,
    process_partition,
)
from pdpipe.job import run_policy
from pdpipe.policy import Policy, load_policy
from pdpipe.retention.decide import AsOf
from tests.conftest import MARIADB_ADMIN_URL, PG_ADMIN_URL, _fresh_database
from tests.execute.builders import (
    AS_OF_DAY,
    PSEUDONYM_KEY,
    dump,
    events,
    leads,
    ledger_content,
    notes,
    people,
    populate,
    write_policy,
)

AS_OF = AsOf.end_of_day(AS_OF_DAY, "Asia/Almaty")


@pytest.fixture(params=["postgresql", "mariadb"])
def two_databases(request: pytest.FixtureRequest) -> Iterator[Callable[[], str]]:
    admin = PG_ADMIN_URL if request.param == "postgresql" else MARIADB_ADMIN_URL
    with ExitStack() as stack:
        yield lambda: stack.enter_context(contextmanager(_fresh_database)(admin, request.param))


def _store(url: str, folder: Path) -> Policy:
    populate(url, people_count=3000, leads_count=2000)
    folder.mkdir()
    return load_policy(write_policy(folder, url))


def test_when_partitions_run_in_parallel_then_same_as_sequential(
    two_databases: Callable[[], str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PDPIPE_TEST_PSEUDONYM_KEY", PSEUDONYM_KEY)
    sequential_url, parallel_url = two_databases(), two_databases()
    sequential = _store(sequential_url, tmp_path / "sequential")
    parallel = _store(parallel_url, tmp_path / "parallel")
    reference = run_policy(sequential, RunOptions(as_of=AS_OF, batch_size=100, allow_large=True))

    options = RunOptions(as_of=AS_OF, batch_size=100, allow_large=True, partitions=4)
    with held_stores(parallel, options):
        prepared = prepare(parallel, options)
        assert len(prepared.partitions) == 8  # 4 per table
        with ThreadPoolExecutor(max_workers=4) as pool:
            list(
                pool.map(
                    lambda p: process_partition(
                        parallel, p, prepared.run_id or "", prepared.as_of, 100
                    ),
                    prepared.partitions,
                )
            )
        result = finish(parallel, prepared)

    assert result.acted == reference.acted > 0
    assert [(t.table, t.acted) for t in result.tables] == [
        (t.table, t.acted) for t in reference.tables
    ]
    for table in (people, events, notes, leads):
        assert dump(parallel_url, table) == dump(sequential_url, table), table.name

    assert ledger_content(parallel_url) == ledger_content(sequential_url)
    assert all(v is not None and v.ok for _, v in verify_ledgers(parallel))
