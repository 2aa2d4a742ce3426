"""The hourly requests flow: ingest the mailbox, act on open requests, publish the SLA view.

    ingest    task: register what is new in the mailbox (idempotent by Message-ID)
    process   task: block, destroy or depersonalize; access reports; close what is done
    report    a table artifact of open requests by type and deadline (overdue marked)

Logs and artifacts carry ids, types, dates and counts only.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact

from pdpipe.errors import BadInput
from pdpipe.flows.parameters import RequestsParameters
from pdpipe.flows.retention import retrying
from pdpipe.policy import load_policy
from pdpipe.policy.interpolation import interpolate
from pdpipe.report.documents.issue import issue_for_runs
from pdpipe.requests.intake import ingest
from pdpipe.requests.process import process_open
from pdpipe.requests.views import due_text, open_requests_rows, today_for

REQUESTS_ARTIFACT = "pdpipe-requests"


def _mailbox(parameters: RequestsParameters) -> Path:
    policy = load_policy(parameters.policy_path)
    configured = parameters.mailbox or (policy.requests.mailbox if policy.requests else None)
    if not configured:
        raise BadInput("no mailbox: set requests.mailbox in the policy or the flow's mailbox")
    path = Path(interpolate(configured, dict(os.environ)))
    return path if path.is_absolute() else Path(parameters.policy_path).parent / path


@task(name="ingest")
def ingest_task(policy_path: str, mailbox: Path) -> dict[str, Any]:
    report = ingest(load_policy(policy_path), mailbox)
    return {
        "registered": report.registered,
        "already": report.already,
        "flagged": [f.name for f in report.flagged],
    }


@task(name="process")
def process_task(policy_path: str) -> dict[str, Any]:
    policy = load_policy(policy_path)
    report = process_open(policy)
    issued = issue_for_runs(policy, report.destroying_runs)
    return {
        "acts": len(issued),
        "closed": report.closed,
        "acted": report.acted,
        "waiting": report.waiting,
        "stopped": report.stopped,
        "access_reports": len(report.access_reports),
    }


@flow(name="pdpipe-requests", flow_run_name="requests")
def requests_flow(parameters: RequestsParameters) -> dict[str, Any]:
    """Register new requests from the mailbox, act on them, and show what is due."""
    logger = get_run_logger()
    mailbox = _mailbox(parameters)
    ingested = retrying(ingest_task)(parameters.policy_path, mailbox)
    processed = retrying(process_task)(parameters.policy_path)
    policy = load_policy(parameters.policy_path)
    today = today_for(policy)
    rows = open_requests_rows(policy, today)
    late = [r for r in rows if r["overdue"]]
    create_table_artifact(
        key=REQUESTS_ARTIFACT,
        table=[{**r, "overdue": "OVERDUE" if r["overdue"] else ""} for r in rows],
        description=f"Open requests as of {today.isoformat()}: {len(rows)}, overdue {len(late)}",
    )
    lines = [
        f"# Subject requests, {today.isoformat()}",
        "",
        f"- registered now: {sum(ingested['registered'].values())} "
        f"({', '.join(f'{k}: {n}' for k, n in sorted(ingested['registered'].items())) or '-'})",
        f"- registered for review (not readable as written): {len(ingested['flagged'])}",
        f"- closed now: {sum(processed['closed'].values())}; records acted on: "
        f"{processed['acted']}; updates awaiting approval: {len(processed['waiting'])}",
        f"- unlawful processing stopped (records blocked), awaiting a decision: "
        f"{len(processed['stopped'])}",
        f"- open: {len(rows)}; **overdue: {len(late)}**",
    ]
    lines += [f"  - **{r['id']}** ({r['type']}) was due {due_text(r)}" for r in late]
    create_markdown_artifact(key=REQUESTS_ARTIFACT + "-summary", markdown="\n".join(lines))
    logger.info(
        "requests: %d registered, %d for review as written, %d closed, %d open, %d overdue",
        sum(ingested["registered"].values()),
        len(ingested["flagged"]),
        sum(processed["closed"].values()),
        len(rows),
        len(late),
    )
    return {"ingested": ingested, "processed": processed, "open": len(rows), "overdue": len(late)}
