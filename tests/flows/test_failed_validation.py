"""A run whose result fails validation: the flow run fails, the run is marked
failed_validation, and no checked value reaches the artifacts or the run's folder."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path
from typing import Any, ClassVar

import pandas as pd
import pytest
import sqlalchemy as sa
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

from pdpipe.errors import ValidationFailed
from pdpipe.flows.parameters import RetentionParameters
from pdpipe.flows.retention import REPORT_ARTIFACT, SUMMARY_ARTIFACT, retention_flow
from pdpipe.operators.base import Operator, OperatorContext
from pdpipe.operators.options import OperatorOptions
from pdpipe.operators.registry import OPERATORS, register
from tests.execute.builders import POLICY, PSEUDONYM_KEY, dump, leads, populate


class BrokenOptions(OperatorOptions):
    """None."""


class LeaveInPlace(Operator[BrokenOptions]):
    """A broken operator for this test only: it leaves every value as it was."""

    name: ClassVar[str] = "test_leave_in_place"
    options_model: ClassVar[type[OperatorOptions]] = BrokenOptions
    kinds: ClassVar[frozenset[str]] = frozenset({"text", "json_value"})

    def apply(self, values: pd.Series, context: OperatorContext) -> pd.Series:
        return values


@pytest.fixture
def broken_operator() -> Any:
    if LeaveInPlace.name not in OPERATORS:
        register(LeaveInPlace)
    yield
    OPERATORS.pop(LeaveInPlace.name, None)


async def _artifact_data(key: str) -> list[str]:
    async with get_client() as client:
        found = await client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key]))
        )
    return [str(a.data) for a in found]


def test_when_an_operator_leaves_emails_then_the_run_fails_validation(
    broken_operator: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PDPIPE_TEST_PSEUDONYM_KEY", PSEUDONYM_KEY)
    monkeypatch.setenv("PDPIPE_OUTPUT_DIR", str(tmp_path / "runs"))
    url = f"sqlite:///{tmp_path}/store.db"
    populate(url)
    emails = {row["email"] for row in dump(url, leads).values()}
    policy = tmp_path / "policy.yaml"
    policy.write_text(
        POLICY.format(url=url).replace(
            "email: {data: email, depersonalize: pseudonym_email}\n          last_name",
            "email: {data: email, depersonalize: test_leave_in_place}\n          last_name",
        )
    )
    with pytest.raises(
        ValidationFailed,
        match=r"store\.leads: no email, phone or full name left in depersonalized records",
    ):
        retention_flow(
            parameters=RetentionParameters(
                policy_path=str(policy), as_of=dt.date(2026, 11, 19), allow_large=True
            )
        )
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        status = connection.execute(sa.text("SELECT status FROM pdpipe_runs")).scalar_one()
    engine.dispose()
    assert status == "failed_validation"
    (folder,) = (tmp_path / "runs").glob("2026-11-19-*")
    written = "".join(
        p.read_text(errors="replace")
        for p in folder.rglob("*")
        if p.is_file() and p.suffix != ".sqlite"
    )
    reports = asyncio.run(_artifact_data(REPORT_ARTIFACT))
    tables = asyncio.run(_artifact_data(SUMMARY_ARTIFACT))
    assert any("validation (Great Expectations): **FAILED" in r for r in reports)
    published = written + "".join(reports) + "".join(tables)
    assert sorted(e for e in emails if e in published) == []
