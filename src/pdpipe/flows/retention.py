"""The nightly retention job as a Prefect flow: pdpipe.job.run_job with its steps as tasks.

    connect             reach every store, retried with backoff while one refuses
    plan                check, resume or register the run, plan, cut partitions
    snapshot            each table's row count and digest sums before anything changes
    process-partition   one task per partition, on the flow's task runner (threads or
                        Dask), retried with backoff on transient store errors only
    finish              close the run with its ledger's counts and what it left
    validate            the Great Expectations checks, still under the locks
    report              summary.json, the documents (this run's and any owed by an
                        earlier run), the dashboard

Then two artifacts, counts only, link the run's folder and documents. What each step does
is the library's (pdpipe.job); this module only makes the steps Prefect tasks.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.futures import wait

from pdpipe.errors import RunFailed, is_transient
from pdpipe.execute.runner import RunResult
from pdpipe.flows.parameters import RetentionParameters
from pdpipe.flows.runners import task_runner
from pdpipe.job import run_job
from pdpipe.policy import load_policy
from pdpipe.report import run_summary
from pdpipe.settings import retry_delays

SUMMARY_ARTIFACT = "pdpipe-retention-summary"
REPORT_ARTIFACT = "pdpipe-retention-report"


def _transient(_task: Any, _run: Any, state: Any) -> bool:
    """Retry a store that was briefly away or busy; never bad input or a real failure."""
    try:
        state.result()
    except Exception as exc:  # the task's own exception, re-raised by result()
        return is_transient(exc)
    return False


def retrying(work: Any) -> Any:
    """The task retried with backoff on transient store errors only (PDPIPE_RETRY_DELAYS,
    read when the flow runs)."""
    delays = retry_delays()
    return work.with_options(
        retries=len(delays), retry_delay_seconds=delays, retry_condition_fn=_transient
    )


def _run_name() -> str:
    """`retention-2026-11-25`: the as-of date, or the day the run was scheduled for."""
    from prefect.runtime import flow_run

    parameters = flow_run.parameters.get("parameters")
    if isinstance(parameters, dict):
        parameters = RetentionParameters.model_validate(parameters)
    as_of = getattr(parameters, "as_of", None)
    day = (
        _local_day(as_of, parameters)
        if as_of
        else _scheduled_day(flow_run.scheduled_start_time, parameters)
    )
    return f"retention-{day}" + ("-dry-run" if getattr(parameters, "dry_run", False) else "")


def _local_day(as_of: Any, parameters: Any) -> str:
    """The operator's day of an as-of instant (one without an offset is local already)."""
    if as_of.tzinfo is None:
        return str(as_of.date().isoformat())
    return _scheduled_day(as_of, parameters)


def _scheduled_day(scheduled: Any, parameters: Any) -> str:
    """The day the run was scheduled for, in the operator's timezone (02:00 in Almaty is
    the evening before in UTC)."""
    try:
        timezone = load_policy(parameters.policy_path).operator.timezone
        return str(scheduled.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d"))
    except Exception:  # a bad policy fails the run itself, with its own message
        return str(scheduled.strftime("%Y-%m-%d"))


T = TypeVar("T")


class PrefectSteps:
    """The job's steps as Prefect tasks of the running flow; partitions are submitted to
    its task runner. Retries follow PDPIPE_RETRY_DELAYS, for transient store errors only."""

    def run(self, name: str, work: Callable[..., T], *args: Any, retry: bool = False) -> T:
        step = _task(name, work)
        return (retrying(step) if retry else step)(*args)  # type: ignore[no-any-return]

    def each(
        self, name: str, work: Callable[..., T], items: Sequence[Any], *args: Any
    ) -> list[T | BaseException]:
        step = retrying(_task(name, work))
        futures = [
            step.with_options(task_run_name=f"process {item.label}").submit(item, *args)
            for item in items
        ]
        wait(futures)
        return [
            future.result()
            if future.state.is_completed()
            else future.result(raise_on_failure=False)
            for future in futures
        ]


def _task(name: str, work: Callable[..., Any]) -> Any:
    """`work` as a task named `name`; never cached (every step acts on live stores)."""
    return task(name=name, cache_policy=NO_CACHE)(work)


@flow(name="pdpipe-retention", flow_run_name=_run_name, task_runner=task_runner())
def retention_flow(parameters: RetentionParameters) -> RunResult:
    """Destroy, depersonalize or block what the policy says is due; record it in the ledger."""
    logger = get_run_logger()
    policy = load_policy(parameters.policy_path)
    try:
        result = run_job(policy, parameters.run_options(policy), steps=PrefectSteps())
    except RunFailed as failure:
        if isinstance(failure.result, RunResult):
            _publish(failure.result)
        raise
    _publish(result)
    logger.info(
        "run %s as of %s: %s; %d record(s) acted on; overdue before %d, after %s",
        result.run_id or "(dry run)",
        result.as_of.local_date.isoformat(),
        result.status,
        result.acted,
        sum(t.overdue for t in result.before.tables),
        "-" if result.after is None else sum(t.overdue for t in result.after.tables),
    )
    return result


def _publish(result: RunResult) -> None:
    """The summary table and the report, linking the run's folder, documents and page."""
    folder = Path(result.folder) if result.folder else None
    documents = Path(result.documents) if result.documents else None
    linked = (
        []
        if documents is None
        else [
            (file.name, file.as_uri())
            for file in sorted(documents.iterdir())
            if file.is_file() and file.name != "index.json"
        ]
    )
    create_table_artifact(
        key=SUMMARY_ARTIFACT,
        table=run_summary.table_rows(result, result.errors, result.validation),
        description=f"Retention run {result.as_of.local_date.isoformat()}: counts per table",
    )
    create_markdown_artifact(
        key=REPORT_ARTIFACT,
        markdown=run_summary.markdown(
            result,
            folder.as_uri() if folder else None,
            result.errors,
            result.validation,
            linked,
            Path(result.dashboard).as_uri() if result.dashboard else None,
        ),
        description="Retention run report: deadlines met or missed",
    )


def retention_flow_with(dask: str | None) -> Any:
    """The flow with its task runner chosen now (threads, a Dask address, or 'local')."""
    return retention_flow.with_options(task_runner=task_runner(dask))
