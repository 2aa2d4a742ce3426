"""All of pdpipe's deployments, with their schedules in the operator's timezone.

    pdpipe-retention/nightly   every day at 02:00
    pdpipe-integrity/weekly    Sundays at 03:00

``pdpipe serve POLICY`` serves them from one process; prefect.yaml defines the same for
a work pool. The schedules' timezone is the policy's operator timezone.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import serve
from prefect.schedules import Cron

from pdpipe.flows.integrity import integrity_flow
from pdpipe.flows.parameters import IntegrityParameters, RetentionParameters
from pdpipe.flows.retention import retention_flow_with
from pdpipe.policy import load_policy

RETENTION_CRON = "0 2 * * *"
INTEGRITY_CRON = "0 3 * * 0"


def deployments(policy_path: Path, dask: str | None = None) -> list[Any]:
    policy = load_policy(policy_path)  # a bad policy stops here, before serving
    path = str(policy_path.resolve())
    timezone = policy.operator.timezone
    retention = retention_flow_with(dask).to_deployment(
        name="nightly",
        schedules=[Cron(RETENTION_CRON, timezone=timezone)],
        parameters={"parameters": RetentionParameters(policy_path=path).model_dump(mode="json")},
        description="Destroy, depersonalize or block what the policy says is due.",
        tags=["pdpipe"],
    )
    integrity = integrity_flow.to_deployment(
        name="weekly",
        schedules=[Cron(INTEGRITY_CRON, timezone=timezone)],
        parameters={"parameters": IntegrityParameters(policy_path=path).model_dump(mode="json")},
        description="Check the policy against the stores and verify every ledger.",
        tags=["pdpipe"],
    )
    return [retention, integrity]


def serve_all(policy_path: Path, dask: str | None = None) -> None:
    serve(*deployments(policy_path, dask))
