"""Deployment entrypoint: the nightly retention flow (see prefect.yaml).

The task runner is chosen when a worker loads this file: threads, or Dask when
PDPIPE_DASK_ADDRESS is set.
"""

from pdpipe.flows.retention import retention_flow_with

retention = retention_flow_with(None)
