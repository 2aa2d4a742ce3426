"""The same job on PostgreSQL with a real Dask LocalCluster (2 workers) and with threads:
identical stores and identical ledger contents."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from distributed import LocalCluster
from prefect_dask.task_runners import DaskTaskRunner

from pdpipe.flows.parameters import RetentionParameters
from pdpipe.flows.retention import retention_flow
from tests.execute.builders import (
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


def test_when_run_on_dask_then_same_as_on_threads(
    pg_factory: Callable[[], str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PDPIPE_TEST_PSEUDONYM_KEY", PSEUDONYM_KEY)
    results = {}
    urls = {}
    for runner in ("threads", "dask"):
        url = urls[runner] = pg_factory()
        populate(url, people_count=2000, leads_count=1500)
        folder = tmp_path / runner
        folder.mkdir()
        parameters = RetentionParameters(
            policy_path=str(write_policy(folder, url)),
            as_of=dt.date(2026, 11, 25),
            allow_large=True,
            batch_size=100,
            partitions=4,
        )
        if runner == "dask":
            cluster = LocalCluster(  # type: ignore[no-untyped-call]
                n_workers=2, threads_per_worker=1, processes=True
            )
            with cluster:
                runner_on_dask: Any = DaskTaskRunner(address=cluster.scheduler_address)
                flow = retention_flow.with_options(task_runner=runner_on_dask)
                results[runner] = flow(parameters=parameters)
        else:
            results[runner] = retention_flow(parameters=parameters)
    assert results["dask"].acted == results["threads"].acted > 0
    for table in (people, events, notes, leads):
        assert dump(urls["dask"], table) == dump(urls["threads"], table), table.name
    assert ledger_content(urls["dask"]) == ledger_content(urls["threads"])
