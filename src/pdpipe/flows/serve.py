"""All of pdpipe's deployments, with their schedules in the operator's timezone.

    pdpipe-retention/nightly   every day at 02:00
    pdpipe-integrity/weekly    Sundays at 03:00
    pdpipe-discovery/weekly    Sundays at 04:00
    pdpipe-requests/hourly     every hour at :15 (when the policy has `requests:`)

``pdpipe serve POLICY`` serves them from one process; prefect.yaml defines the same for
a work pool. The schedules' timezone is the policy's operator timezone.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from prefect import serve
from prefect.schedules import Cron
from prefect.types.entrypoint import EntrypointType
from pydantic import BaseModel

from pdpipe.flows.discovery import discovery_flow
from pdpipe.flows.integrity import integrity_flow
from pdpipe.flows.parameters import (
    DiscoveryParameters,
    IntegrityParameters,
    RequestsParameters,
    RetentionParameters,
)
from pdpipe.flows.requests import requests_flow
from pdpipe.flows.retention import retention_flow_with
from pdpipe.policy import load_policy
from pdpipe.settings import DASK_ADDRESS

RETENTION_CRON = "0 2 * * *"
INTEGRITY_CRON = "0 3 * * 0"
DISCOVERY_CRON = "0 4 * * 0"
REQUESTS_CRON = "15 * * * *"


def _deployment(
    flow: Any, name: str, cron: str, timezone: str, parameters: BaseModel, description: str
) -> Any:
    return flow.to_deployment(
        name=name,
        # Loaded by module path, so Dask workers can import the flow's tasks too.
        entrypoint_type=EntrypointType.MODULE_PATH,
        schedules=[Cron(cron, timezone=timezone)],
        parameters={"parameters": parameters.model_dump(mode="json")},
        description=description,
        tags=["pdpipe"],
    )


def deployments(policy_path: Path, dask: str | None = None) -> list[Any]:
    policy = load_policy(policy_path)  # a bad policy stops here, before serving
    path = str(policy_path.resolve())
    timezone = policy.operator.timezone
    found = [
        _deployment(
            retention_flow_with(dask),
            "nightly",
            RETENTION_CRON,
            timezone,
            RetentionParameters(policy_path=path),
            "Destroy, depersonalize or block what the policy says is due.",
        ),
        _deployment(
            integrity_flow,
            "weekly",
            INTEGRITY_CRON,
            timezone,
            IntegrityParameters(policy_path=path),
            "Check the policy against the stores and verify every ledger.",
        ),
        _deployment(
            discovery_flow,
            "weekly",
            DISCOVERY_CRON,
            timezone,
            DiscoveryParameters(policy_path=path),
            "Scan every store for personal data the policy does not name.",
        ),
    ]
    if policy.requests is not None:
        found.append(
            _deployment(
                requests_flow,
                "hourly",
                REQUESTS_CRON,
                timezone,
                RequestsParameters(policy_path=path),
                "Register subject requests from the mailbox, act on them, show deadlines.",
            )
        )
    return found


def serve_all(policy_path: Path, dask: str | None = None) -> None:
    if dask:
        # Each scheduled run loads the flow anew in its own process: it reads the address
        # from the environment, not from this process's objects.
        os.environ[DASK_ADDRESS] = dask
    serve(*deployments(policy_path, dask))
