"""The nightly job as the command line runs it (`pdpipe run`, `pdpipe demo`): in this
process, or as a Prefect flow run, with the job's steps and each table's progress."""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING, Any

from rich.progress import TextColumn, TimeElapsedColumn

from pdpipe.cli_common import progress_bar

if TYPE_CHECKING:
    from pdpipe.execute.runner import RunResult
    from pdpipe.flows.parameters import RetentionParameters


def as_flow_run(prefect: bool | None, dask: str | None) -> bool:
    """A flow run when asked, when Dask runs the partitions (through Prefect's task
    runner), or when the environment names a Prefect server to report to."""
    if dask is not None:
        return True
    return bool(os.environ.get("PREFECT_API_URL")) if prefect is None else prefect


def run_with_progress(
    parameters: RetentionParameters, dask: str | None = None, *, prefect: bool = False
) -> RunResult:
    """The job in this process (pdpipe.job), or as a Prefect flow run; a progress bar per
    table either way."""
    from pdpipe.policy import load_policy

    columns = (
        TextColumn("{task.description}"),
        TextColumn("{task.fields[detail]}"),
        TimeElapsedColumn(),
    )
    with progress_bar(*columns) as bar:
        tasks: dict[str, Any] = {}
        counts: dict[str, tuple[int, int]] = {}
        counting = threading.Lock()  # partitions report from their threads

        def progress(label: str, acted: int, batches: int) -> None:
            with counting:
                if label not in tasks:
                    tasks[label] = bar.add_task(label, total=None, detail="")
                done, made = counts.get(label, (0, 0))
                counts[label] = (done + acted, made + batches)
                detail = f"{done + acted:,} acted on, {made + batches} batches"
                bar.update(tasks[label], detail=detail)

        if not prefect:
            from pdpipe.job import LocalSteps, run_job

            step = bar.add_task("starting", total=None, detail="")

            def on_step(name: str) -> None:
                bar.update(step, description=_STEPS.get(name, name))

            policy = load_policy(parameters.policy_path)
            return run_job(
                policy,
                parameters.run_options(policy),
                steps=LocalSteps(on_step=on_step),
                progress=progress,
            )

        quiet_prefect_console()
        from pdpipe.flows.retention import retention_flow_with
        from pdpipe.job import progress_hook

        token = progress_hook.set(progress)
        try:
            result: RunResult = retention_flow_with(dask)(parameters=parameters)
            return result
        finally:
            progress_hook.reset(token)


# What the job is doing, as the run's progress display says it (pdpipe.job's step names).
_STEPS = {
    "connect": "connecting to the stores",
    "plan": "planning",
    "snapshot": "taking the checksums of the rows",
    "process-partition": "acting, in batches",
    "finish": "counting what was done",
    "reclaim": "erasing what was destroyed from the stores' files",
    "validate": "validating (Great Expectations)",
    "report": "writing the summary, the documents and the dashboard",
}


def quiet_prefect_console() -> None:
    """On a terminal the rich output says what happened; Prefect's own console lines and
    tracebacks would bury it. Its API logs are untouched; PDPIPE_PREFECT_CONSOLE=1 keeps all."""
    # Prefect's temporary server takes ~20 s to start on a 2-core machine, which is also
    # Prefect's default limit: a busy machine would fail the run before it began.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
    if os.environ.get("PDPIPE_PREFECT_CONSOLE"):
        return
    os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "CRITICAL")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
