"""Where a flow's tasks run: threads by default, or Dask.

`--dask ADDRESS` / PDPIPE_DASK_ADDRESS: `tcp://host:8786` uses a running scheduler,
`local` starts a LocalCluster (two workers) for the flow run.
"""

from __future__ import annotations

from typing import Any

from prefect.task_runners import ThreadPoolTaskRunner

from pdpipe.execute.runner import PARTITION_THREADS
from pdpipe.settings import settings


def task_runner(dask: str | None = None) -> Any:
    address = dask or settings().dask_address or None
    if address is None:
        return ThreadPoolTaskRunner(max_workers=PARTITION_THREADS)
    from prefect_dask.task_runners import DaskTaskRunner

    if address == "local":
        return DaskTaskRunner(cluster_kwargs={"n_workers": 2, "threads_per_worker": 1})
    return DaskTaskRunner(address=address)
