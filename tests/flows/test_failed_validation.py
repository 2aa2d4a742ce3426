"""A run whose result fails validation: the flow run fails, the run is marked
failed_validation, and no checked value reaches the artifacts or the run's folder."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

from pdpipe.errors import RunFailed, ValidationFailed
from pdpipe.flows.parameters import RetentionParameters
from pdpipe.flows.retention import REPORT_ARTIFACT, SUMMARY_ARTIFACT, retention_flow
from pdpipe.report.formats import RunSummary
from tests.execute.builders import POLICY, PSEUDONYM_KEY, dump, leads, populate
from tests.validation import broken


@pytest.fixture
def broken_operator() -> Any:
    broken.ensure_registered()
    yield
    broken.unregister()


async def _artifact_data(key: str) -> list[str]:
    async with get_client() as client:
        found = await client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key]))
        )
    return [str(a.data) for a in found]


def _store_and_policy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[str, Path, set[str]]:
    """A populated store, a policy whose operator leaves the leads' emails, the emails."""
    monkeypatch.setenv("PDPIPE_TEST_PSEUDONYM_KEY", PSEUDONYM_KEY)
    monkeypatch.setenv("PDPIPE_OUTPUT_DIR", str(tmp_path / "runs"))
    url = f"sqlite:///{tmp_path}/store.db"
    populate(url)
    emails = {str(row["email"]) for row in dump(url, leads).values()}
    policy = tmp_path / "policy.yaml"
    policy.write_text(broken.policy_leaving_emails(POLICY.format(url=url)))
    return url, policy, emails


def test_when_an_operator_leaves_emails_then_the_run_fails_validation(
    broken_operator: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, policy, emails = _store_and_policy(tmp_path, monkeypatch)
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


def test_when_a_partition_fails_then_the_finished_ones_are_still_validated(
    broken_operator: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, policy, emails = _store_and_policy(tmp_path, monkeypatch)
    policy.write_text(broken.policy_failing_people(policy.read_text()))
    with pytest.raises(RunFailed, match=r"partition\(s\) failed: store\.people") as failure:
        retention_flow(
            parameters=RetentionParameters(
                policy_path=str(policy), as_of=dt.date(2026, 11, 19), allow_large=True
            )
        )
    summary = failure.value.summary
    assert isinstance(summary, RunSummary)
    assert summary.status == "failed"  # the partition's failure, not the checks'
    failed_checks = {(c.table, c.check) for c in summary.validation if not c.success}
    # The leads' partition finished and left its emails: that is found, failure or not.
    assert ("leads", "no email, phone or full name left in depersonalized records") in (
        failed_checks
    )
    (folder,) = (tmp_path / "runs").glob("2026-11-19-*")
    assert (folder / "validation" / "data-docs" / "index.html").exists()
    written = "".join(p.read_text(errors="replace") for p in folder.rglob("*") if p.is_file())
    assert sorted(e for e in emails if e in written) == []
