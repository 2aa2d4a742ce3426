"""The nightly retention job as a Prefect flow.

The flow only wires the library: load the policy, run it (``execute.runner``), log the
counts. Values never reach a log line: the runner reports counts and table names only.
"""

from __future__ import annotations

import datetime as dt
from contextvars import ContextVar
from typing import Any

from prefect import flow, get_run_logger

from pdpipe.errors import BadInput
from pdpipe.execute.runner import Progress, RunOptions, RunResult, run_policy
from pdpipe.policy import load_policy
from pdpipe.retention.decide import AsOf

# The CLI's progress bar: not a flow parameter, since parameters must be serializable.
progress_hook: ContextVar[Progress | None] = ContextVar("pdpipe_progress_hook", default=None)


def _run_name() -> str:
    from prefect.runtime import flow_run

    as_of = flow_run.parameters.get("as_of") or dt.date.today().isoformat()
    suffix = "-dry-run" if flow_run.parameters.get("dry_run") else ""
    return f"retention-{as_of}{suffix}"


@flow(name="pdpipe-retention", flow_run_name=_run_name, log_prints=False)
def retention_flow(
    policy_path: str,
    as_of: str | None = None,
    max_fraction: float = 0.25,
    allow_large: bool = False,
    batch_size: int = 5_000,
    dry_run: bool = False,
) -> RunResult:
    """Destroy, depersonalize or block what the policy says is due; record it in the ledger."""
    logger = get_run_logger()
    policy = load_policy(policy_path)
    day = _parse_day(as_of)
    options = RunOptions(
        as_of=AsOf.end_of_day(day, policy.operator.timezone) if day else None,
        max_fraction=max_fraction,
        allow_large=allow_large,
        batch_size=batch_size,
        dry_run=dry_run,
    )
    result = run_policy(policy, options, progress=progress_hook.get())
    logger.info(
        "run %s as of %s: %s; %d record(s) acted on; overdue before %d, after %s",
        result.run_id or "(dry run)",
        result.as_of.local_date.isoformat(),
        result.status,
        result.acted,
        sum(t.overdue for t in result.before.tables),
        "-" if result.after is None else sum(t.overdue for t in result.after.tables),
    )
    for outcome in result.tables:
        for action, reasons in sorted(outcome.acted.items()):
            for reason, count in sorted(reasons.items()):
                logger.info(
                    "%s.%s: %s %d (%s)", outcome.store, outcome.table, action, count, reason
                )
    return result


def _parse_day(text: str | None) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise BadInput(f"as_of: expected a date YYYY-MM-DD, got {text!r}") from None


def summary(result: RunResult) -> dict[str, Any]:
    """Counts only: what the CLI prints as JSON and the artifacts will carry."""
    return {
        "run_id": result.run_id,
        "as_of": result.as_of.local_date.isoformat(),
        "status": result.status,
        "resumed": result.resumed,
        "acted": result.acted,
        "tables": [
            {
                "store": o.store,
                "table": o.table,
                "batches": o.batches,
                "acted": o.acted,
            }
            for o in result.tables
        ],
        "overdue_before": sum(t.overdue for t in result.before.tables),
        "overdue_after": None
        if result.after is None
        else sum(t.overdue for t in result.after.tables),
    }
