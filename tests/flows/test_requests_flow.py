"""The hourly requests flow on a real Prefect API: it registers and closes requests, and
its artifacts and logs name requests by id, never by address or value."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey, LogFilter
from prefect.logging.handlers import APILogWorker

from pdpipe.flows.parameters import RequestsParameters
from pdpipe.flows.requests import REQUESTS_ARTIFACT, requests_flow
from tests.requests.scenario import (
    requests_scenario,
)


async def _published(keys: list[str]) -> str:
    async with get_client() as client:
        artifacts = await client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=keys))
        )
        logs = await client.read_logs(log_filter=LogFilter())
    return json.dumps([str(a.data) for a in artifacts]) + "\n".join(line.message for line in logs)


def test_the_hourly_flow_ingests_acts_and_publishes_counts_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    policy, mailbox = requests_scenario(tmp_path, monkeypatch, 30, 30)

    result: dict[str, Any] = requests_flow(
        parameters=RequestsParameters(policy_path=str(policy), mailbox=str(mailbox))
    )
    # The message without a Message-ID is registered for review, named by place and digest.
    assert sum(result["ingested"]["registered"].values()) == 6
    (flagged,) = result["ingested"]["flagged"]
    assert re.fullmatch(r"inbox\.mbox#6 \[[0-9a-f]{12}\]", flagged)
    assert result["processed"]["closed"] == {"access": 1, "cease": 1, "withdraw_consent": 1}
    assert result["open"] == 3  # the update awaiting approval; the spam and the one without
    # a Message-ID awaiting review

    APILogWorker.drain_all(timeout=30)  # the flow's log lines are sent in the background
    published = asyncio.run(_published([REQUESTS_ARTIFACT, REQUESTS_ARTIFACT + "-summary"]))
    assert "update" in published and "needs_review" in published
    # A message awaiting review may be a demand to block, due at its receipt (152-FZ
    # art. 21 p.1): the table carries the instant, the summary says "at once".
    assert "due_at" in published and "2026-11-20T04:30:00Z" in published
    assert "was due 2026-11-20 at once" in published
    assert (
        "requests: 6 registered, 1 for review as written, 3 closed, 3 open" in published
    )  # the log
    assert not re.search(r"canary|@mail\.ru|@yandex|Канарейкин|\+7 701", published, re.I)
