"""The nightly retention job as a Prefect flow: thin wiring over ``execute.runner``.

    connect         task: reach every store (retried while one refuses connections)
    plan            task: check, resume or register the run, plan, cut partitions
    snapshot        task: each table's row count and digest sums, kept in the store, before
                    anything changes (each batch adds those of the records it acts on)
    process         task, mapped over partitions; retried with backoff on transient
                    store errors only (unreachable, deadlock, lock timeout)
    finish          task: close the run, plan again
    validate        task: Great Expectations checks of the result (validate/), still under
                    the locks; a failed check marks the run failed_validation and fails
                    the flow run; then the snapshot is deleted
    report          task: summary.json and the documents (act of destruction,
                    depersonalization record, event-log extract) in the run's output
                    folder, their SHA-256 in the ledger; the dashboard rebuilt; the
                    artifacts, linking both

The flow process holds the stores' locks for the whole run; partitions run on the flow's
task runner (threads, or Dask). Logs and artifacts carry counts only.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.futures import wait

from pdpipe.errors import (
    PdpipeError,
    RunFailed,
    StoreUnavailable,
    StoreUnreachable,
    is_transient,
)
from pdpipe.execute.runner import (
    FAILED,
    FAILED_VALIDATION,
    Partition,
    PreparedRun,
    RunOptions,
    RunResult,
    TableOutcome,
    finish,
    held_stores,
    mark_run,
    prepare,
    process_partition,
)
from pdpipe.flows import progress
from pdpipe.flows.parameters import RetentionParameters
from pdpipe.flows.runners import task_runner
from pdpipe.policy import Policy, load_policy
from pdpipe.report import run_summary
from pdpipe.report.dashboard import build_dashboard, default_dashboard_dir, run_page
from pdpipe.report.documents.gather import Scope
from pdpipe.report.documents.issue import Document, issue
from pdpipe.retention.decide import AsOf
from pdpipe.settings import output_dir, retry_delays
from pdpipe.stores.engine import probe_stores
from pdpipe.validate import snapshot
from pdpipe.validate.checks import ValidationReport, require_success, validate_policy

SUMMARY_ARTIFACT = "pdpipe-retention-summary"
REPORT_ARTIFACT = "pdpipe-retention-report"

progress_hook = progress.hook  # the CLI sets it; see flows/progress.py


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
    day = as_of.isoformat() if as_of else _scheduled_day(flow_run.scheduled_start_time, parameters)
    return f"retention-{day}" + ("-dry-run" if getattr(parameters, "dry_run", False) else "")


def _scheduled_day(scheduled: Any, parameters: Any) -> str:
    """The day the run was scheduled for, in the operator's timezone (02:00 in Almaty is
    the evening before in UTC)."""
    try:
        timezone = load_policy(parameters.policy_path).operator.timezone
        return str(scheduled.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d"))
    except Exception:  # a bad policy fails the run itself, with its own message
        return str(scheduled.strftime("%Y-%m-%d"))


def _options(parameters: RetentionParameters, policy: Policy) -> RunOptions:
    as_of = parameters.as_of
    return RunOptions(
        as_of=AsOf.end_of_day(as_of, policy.operator.timezone) if as_of else None,
        max_fraction=parameters.max_fraction,
        allow_large=parameters.allow_large,
        batch_size=parameters.batch_size,
        dry_run=parameters.dry_run,
        partitions=parameters.partitions,
    )


@task(name="plan")
def plan_task(policy_path: str, options: RunOptions) -> PreparedRun:
    return prepare(load_policy(policy_path), options)


@task(
    name="process-partition",
    task_run_name="process {partition.store}.{partition.table} part {partition.index}",
)
def process_task(
    policy_path: str, partition: Partition, run_id: str, as_of: AsOf, batch_size: int
) -> TableOutcome:
    return process_partition(
        load_policy(policy_path), partition, run_id, as_of, batch_size, progress.hook.get()
    )


@task(name="finish")
def finish_task(
    policy_path: str, prepared: PreparedRun, outcomes: list[TableOutcome], status: str
) -> RunResult:
    return finish(load_policy(policy_path), prepared, outcomes, status)


@task(name="connect")
def connect_task(policy_path: str) -> None:
    """Reach every store first: one that refuses connections is retried with backoff."""
    probe_stores(load_policy(policy_path).stores)


def _run(
    parameters: RetentionParameters,
) -> tuple[RunResult, list[str], ValidationReport | None]:
    policy = load_policy(parameters.policy_path)
    options = _options(parameters, policy)
    logger = get_run_logger()
    try:
        retrying(connect_task)(parameters.policy_path)
    except StoreUnavailable as exc:  # still down after the retries; nothing was written
        raise StoreUnreachable(str(exc)) from None
    with held_stores(policy, options):
        prepared = retrying(plan_task)(parameters.policy_path, options)
        if prepared.dry_run:
            return finish(policy, prepared, []), [], None
        logger.info("run %s: %d partition(s)", prepared.run_id, len(prepared.partitions))
        run_id = prepared.run_id or ""
        if not prepared.resumed:  # a resumed run keeps the snapshot of its first attempt
            retrying(snapshot_task)(parameters.policy_path, run_id)
        futures = [
            retrying(process_task).submit(
                parameters.policy_path, partition, run_id, prepared.as_of, parameters.batch_size
            )
            for partition in prepared.partitions
        ]
        wait(futures)
        outcomes: list[TableOutcome] = []
        errors: list[str] = []
        for partition, future in zip(prepared.partitions, futures, strict=True):
            state = future.state
            if state.is_completed():
                outcomes.append(future.result())
            else:
                failure = future.result(raise_on_failure=False)
                errors.append(f"{partition.label}: {type(failure).__name__}: {failure}")
        status = FAILED if errors else "completed"
        result = retrying(finish_task)(parameters.policy_path, prepared, outcomes, status)

        def validated() -> ValidationReport:
            # Still under the stores' locks: no other run can change what is checked.
            report = validate_task(
                parameters.policy_path,
                result.as_of,
                _output_folder(parameters, result) / "validation",
                result.run_id,
                expect_snapshot=not prepared.resumed,
            )
            result.checks, result.checks_failed = len(report.checks), len(report.failed)
            result.data_docs = str(report.data_docs)
            return report

        if errors:
            # The partitions that finished have committed: their result is checked all
            # the same, so that a table failing night after night hides no other's. The
            # run stays `failed`, and the snapshot stays for its resumption.
            try:
                return result, errors, validated()
            except PdpipeError as exc:  # the store that failed may fail the checks too
                logger.warning("validation could not run after the failure: %s", type(exc).__name__)
                return result, errors, None
        validation = validated()
        if not validation.success:
            mark_run(policy, run_id, FAILED_VALIDATION)
            result.status = FAILED_VALIDATION
        snapshot.drop(policy, run_id)
        return result, errors, validation


@flow(name="pdpipe-retention", flow_run_name=_run_name, task_runner=task_runner())
def retention_flow(parameters: RetentionParameters) -> RunResult:
    """Destroy, depersonalize or block what the policy says is due; record it in the ledger."""
    logger = get_run_logger()
    result, errors, validation = _run(parameters)
    result.documents, result.dashboard = report_task(parameters, result, errors, validation)
    logger.info(
        "run %s as of %s: %s; %d record(s) acted on; overdue before %d, after %s",
        result.run_id or "(dry run)",
        result.as_of.local_date.isoformat(),
        result.status,
        result.acted,
        sum(t.overdue for t in result.before.tables),
        "-" if result.after is None else sum(t.overdue for t in result.after.tables),
    )
    try:
        if errors:
            raise RunFailed(f"{len(errors)} partition(s) failed: " + "; ".join(errors))
        if validation is not None:
            require_success(validation)
    except RunFailed as failure:
        failure.summary = run_summary.summary(result, errors, validation)
        raise
    return result


@task(name="validate")
def validate_task(
    policy_path: str, as_of: AsOf, folder: Path, run_id: str | None, expect_snapshot: bool
) -> ValidationReport:
    """Great Expectations checks of the result; Data Docs into the run's folder."""
    return validate_policy(
        load_policy(policy_path), as_of, folder, run_id, expect_snapshot=expect_snapshot
    )


@task(name="snapshot")
def snapshot_task(policy_path: str, run_id: str) -> None:
    """Digests of every row before the run, to prove afterwards that the rest is unchanged."""
    snapshot.take(load_policy(policy_path), run_id)


def _output_folder(parameters: RetentionParameters, result: RunResult) -> Path:
    return output_dir(Path(parameters.policy_path)) / (
        f"{result.as_of.local_date.isoformat()}-{result.run_id}"
    )


@task(name="report")
def report_task(
    parameters: RetentionParameters,
    result: RunResult,
    errors: list[str],
    validation: ValidationReport | None,
) -> tuple[str | None, str | None]:
    """summary.json and the run's documents (act of destruction, depersonalization record,
    event-log extract) in its output folder, and the two artifacts (counts only)."""
    folder = _write_outputs(parameters, result, errors, validation)
    if folder is None or result.run_id is None:
        _publish(result, folder, errors, validation, [], None)
        return None, None
    policy = load_policy(Path(parameters.policy_path))
    documents = issue(policy, Scope(result.run_id), folder / "documents").documents
    page = _rebuild_dashboard(policy, Path(parameters.policy_path), result.run_id)
    _publish(result, folder, errors, validation, documents, page)
    return (str(folder / "documents") if documents else None), (str(page) if page else None)


def _rebuild_dashboard(policy: Policy, policy_path: Path, run_id: str) -> Path | None:
    """The review site with this run in it, so that the artifact's link leads somewhere.
    The run's work is done and recorded: a dashboard that cannot be built is a warning,
    not a failed run."""
    folder = default_dashboard_dir(policy_path)
    try:
        build_dashboard(policy, folder)
    except Exception as exc:  # named by its class only: a message may quote data
        get_run_logger().warning("the dashboard was not rebuilt: %s", type(exc).__name__)
        return None
    return run_page(folder, run_id).resolve()


def _write_outputs(
    parameters: RetentionParameters,
    result: RunResult,
    errors: list[str],
    validation: ValidationReport | None,
) -> Path | None:
    if result.dry_run:
        return None
    folder = _output_folder(parameters, result)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "summary.json").write_text(
        json.dumps(run_summary.summary(result, errors, validation), indent=2), encoding="utf-8"
    )
    return folder.resolve()


def _publish(
    result: RunResult,
    folder: Path | None,
    errors: list[str],
    validation: ValidationReport | None,
    documents: list[Document],
    dashboard_page: Path | None,
) -> None:
    link = folder.as_uri() if folder else None
    create_table_artifact(
        key=SUMMARY_ARTIFACT,
        table=run_summary.table_rows(result, errors, validation),
        description=f"Retention run {result.as_of.local_date.isoformat()}: counts per table",
    )
    linked = (
        []
        if folder is None
        else [(d.file, (folder / "documents" / d.file).as_uri()) for d in documents]
    )
    create_markdown_artifact(
        key=REPORT_ARTIFACT,
        markdown=run_summary.markdown(
            result,
            link,
            errors,
            validation,
            linked,
            dashboard_page.as_uri() if dashboard_page else None,
        ),
        description="Retention run report: deadlines met or missed",
    )


def retention_flow_with(dask: str | None) -> Any:
    """The flow with its task runner chosen now (threads, a Dask address, or 'local')."""
    return retention_flow.with_options(task_runner=task_runner(dask))
