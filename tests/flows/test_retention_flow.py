"""The retention flow on a real Prefect API: artifacts, outputs, retries, run names."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    ArtifactFilter,
    ArtifactFilterKey,
    FlowRunFilter,
    FlowRunFilterName,
)
from pypdf import PdfReader

from pdpipe import json_files
from pdpipe.errors import StoreUnreachable
from pdpipe.flows.integrity import integrity_flow
from pdpipe.flows.parameters import IntegrityParameters, RetentionParameters
from pdpipe.flows.retention import REPORT_ARTIFACT, SUMMARY_ARTIFACT, retention_flow
from pdpipe.report.formats import RunSummary
from tests.execute.builders import PSEUDONYM_KEY, dump, leads, people, populate, write_policy


@pytest.fixture(autouse=True)
def pseudonym_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PDPIPE_TEST_PSEUDONYM_KEY", PSEUDONYM_KEY)


async def _artifacts(key: str) -> list[Any]:
    async with get_client() as client:
        return await client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key]))
        )


async def _flow_runs(name: str) -> list[Any]:
    async with get_client() as client:
        return await client.read_flow_runs(
            flow_run_filter=FlowRunFilter(name=FlowRunFilterName(any_=[name]))
        )


def _canaries(url: str) -> set[str]:
    values: set[str] = set()
    for row in dump(url, people).values():
        values |= {row["email"], row["full_name"]}
    for row in dump(url, leads).values():
        values |= {row["email"], row["last_name"], row["phone"]}
    return values


def test_when_the_flow_runs_then_outputs_and_artifacts_hold_counts_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path}/store.db"
    populate(url)
    canaries = _canaries(url)
    monkeypatch.setenv("PDPIPE_OUTPUT_DIR", str(tmp_path / "out"))
    policy = write_policy(tmp_path, url)
    result = retention_flow(
        parameters=RetentionParameters(
            policy_path=str(policy), as_of=dt.date(2026, 11, 24), allow_large=True
        )
    )
    assert result.acted > 0 and result.status == "completed"

    (summary_file,) = (tmp_path / "out").glob("2026-11-24-*/summary.json")
    docs = summary_file.parent / "validation" / "data-docs" / "index.html"
    assert docs.exists()  # the run's Great Expectations checks, next to its summary
    summary = json_files.read(summary_file, RunSummary)
    assert summary.format == "pdpipe.run/1" and summary.acted == result.acted
    assert summary.overdue_after == 0

    (table,) = [
        a for a in asyncio.run(_artifacts(SUMMARY_ARTIFACT)) if "2026-11-24" in str(a.description)
    ]
    rows = json.loads(table.data) if isinstance(table.data, str) else table.data
    people_row = next(r for r in rows if r["table"] == "people")
    # As of the start of 2026-11-24 in the operator's zone: what ends later that day waits.
    assert people_row["destroy"] == 78 and people_row["overdue_after"] == 0
    assert people_row["checks failed"] == 0 and people_row["checks passed"] >= 6
    leads_row = next(r for r in rows if r["table"] == "leads")
    assert leads_row["depersonalize"] > 0 and leads_row["block"] > 0
    (report,) = [a for a in asyncio.run(_artifacts(REPORT_ARTIFACT)) if "2026-11-24" in str(a.data)]
    assert "all deadlines met" in str(report.data) and summary_file.parent.name in str(report.data)
    assert "validation (Great Expectations): **passed**" in str(report.data)

    documents = summary_file.parent / "documents"  # Order 179's proof, issued by the run
    assert result.documents == str(documents)
    assert {p.name for p in documents.iterdir()} == {
        "destruction-act.ru.html",
        "destruction-act.ru.pdf",
        "depersonalization-record.ru.html",
        "depersonalization-record.ru.pdf",
        "event-log-extract.csv",
        "event-log-extract.json",
        "index.json",
    }
    assert "destruction-act.ru.pdf" in str(report.data)
    page = tmp_path / "out" / "dashboard" / "runs" / f"{result.run_id}.html"
    assert page.is_file() and page.as_uri() in str(report.data)  # rebuilt with this run

    assert len(asyncio.run(_flow_runs("retention-2026-11-24"))) == 1
    published = (
        str(table.data)
        + str(report.data)
        + "".join(
            p.read_text(errors="replace")
            for p in (tmp_path / "out").rglob("*")  # the run folder and the dashboard
            if p.is_file()
        )
        + "".join(  # a PDF's text is compressed: read it as a reader would
            page.extract_text() for pdf in documents.glob("*.pdf") for page in PdfReader(pdf).pages
        )
    )
    assert sorted(c for c in canaries if c in published) == []


def test_when_a_store_refuses_connections_then_retries_then_bad_input(
    tmp_path: Path,
) -> None:
    policy = write_policy(tmp_path, "postgresql+psycopg://pdpipe:secret-pw@127.0.0.1:9/contacts")
    with pytest.raises(StoreUnreachable, match=r"store 'store' .* is unreachable") as failure:
        retention_flow(
            parameters=RetentionParameters(policy_path=str(policy), as_of=dt.date(2026, 11, 23))
        )
    assert "secret-pw" not in str(failure.value)
    assert failure.value.exit_code == 2  # nothing was written: the user must fix the store

    async def connect_runs() -> list[Any]:
        async with get_client() as client:
            (run,) = await client.read_flow_runs(
                flow_run_filter=FlowRunFilter(name=FlowRunFilterName(any_=["retention-2026-11-23"]))
            )
            return [
                t
                for t in await client.read_task_runs()
                if t.flow_run_id == run.id and t.name.startswith("connect")
            ]

    (connect,) = asyncio.run(connect_runs())
    assert connect.run_count == 3  # the first try and two retries (PDPIPE_RETRY_DELAYS)
    assert connect.state.is_failed()


def test_when_bad_input_then_no_retry(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/store.db"
    populate(url)
    before = dump(url, people)
    policy = write_policy(tmp_path, url)
    with pytest.raises(Exception, match="would touch more than 10% of a table"):
        retention_flow(
            parameters=RetentionParameters(
                policy_path=str(policy), as_of=dt.date(2026, 11, 22), max_fraction=0.1
            )
        )
    assert dump(url, people) == before


def test_when_integrity_runs_then_it_reports_and_fails_on_a_broken_ledger(tmp_path: Path) -> None:
    import sqlalchemy as sa

    from pdpipe.stores import tables

    url = f"sqlite:///{tmp_path}/store.db"
    populate(url)
    policy = write_policy(tmp_path, url)
    retention_flow(
        parameters=RetentionParameters(
            policy_path=str(policy), as_of=dt.date(2026, 11, 21), allow_large=True
        )
    )
    assert integrity_flow(parameters=IntegrityParameters(policy_path=str(policy)))["problems"] == 0
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(tables.ledger.delete().where(tables.ledger.c.seq == 2))
    engine.dispose()
    with pytest.raises(Exception, match="1 broken ledger"):
        integrity_flow(parameters=IntegrityParameters(policy_path=str(policy)))
