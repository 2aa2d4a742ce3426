"""The weekly discovery flow on a real Prefect API: it keeps the scan in the store, fails
while a column holds PD the policy does not name, and publishes names and counts only."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

from pdpipe.errors import RunFailed
from pdpipe.flows.discovery import DISCOVERY_ARTIFACT, discovery_flow
from pdpipe.flows.parameters import DiscoveryParameters
from tests.discovery.tickets import make_store, write_policy


async def _latest(key: str) -> str:
    async with get_client() as client:
        artifacts = await client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key]))
        )
    return str(max(artifacts, key=lambda a: a.created or 0).data)


def test_the_weekly_scan_fails_on_undeclared_pd_until_the_policy_names_it(
    store_url: str, tmp_path: Path
) -> None:
    make_store(store_url)
    write_policy(store_url, tmp_path, declared=False)
    parameters = DiscoveryParameters(policy_path=str(tmp_path / "policy.yaml"), rows=100)

    with pytest.raises(RunFailed, match="1 column"):
        discovery_flow(parameters=parameters)
    forgotten = asyncio.run(_latest(DISCOVERY_ARTIFACT))
    table = asyncio.run(_latest(DISCOVERY_ARTIFACT + "-undeclared"))
    write_policy(store_url, tmp_path, declared=True)
    result = discovery_flow(parameters=parameters)
    cleared = asyncio.run(_latest(DISCOVERY_ARTIFACT))

    assert "columns with undeclared PD: **1**" in forgotten
    assert "`crm.tickets.body`: email, phone" in forgotten
    assert json.loads(table)[0]["column"] == "crm.tickets.body"
    assert result["undeclared"] == 0
    assert "columns with undeclared PD: **0**" in cleared
    assert cleared.count("\n| 20") == 2  # the history: both scans, the first with 1 column
    for published in (forgotten, table, cleared):  # no value of the tickets, ever
        assert "+7" not in published and "@mail.ru" not in published and "912" not in published
