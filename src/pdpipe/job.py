"""The nightly job, written once: every step in order, for `pdpipe run`, the Prefect flow
and Python callers alike.

    connect    reach every store; one that refuses connections is tried again
               (PDPIPE_RETRY_DELAYS); still down, it is bad input and nothing is written
    prepare    under each database's lock: check the policy against the stores, resume an
               unfinished run or register a new one, plan, refuse a run that is too large,
               cut each table into key-range partitions
    snapshot   each table's row count and digest sums, before anything changes
    process    each partition's batches, retried on transient store errors; SIGTERM stops
               them between two batches and the run is resumed by the next
    finish     close the run: its counts are read from the ledger, so a resumed or retried
               run counts whole
    reclaim    erase what it destroyed from the databases' files, as each store's
               destruction.physical says (execute/reclaim.py)
    validate   the Great Expectations checks of the result, still under the locks
    report     summary.json and the documents (act of destruction, depersonalization
               record, event-log extract) in the run's folder, and the documents of any
               earlier run that acted and never got them (killed before it issued them);
               the dashboard

`Steps` says how a step runs: `LocalSteps` here, in threads; the flow's Prefect tasks
(flows/retention.py). What each step does is decided here only.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextvars import ContextVar, copy_context
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from pdpipe.errors import PdpipeError, RunFailed, StoreUnavailable, StoreUnreachable, is_transient
from pdpipe.execute import runner
from pdpipe.execute.batch import resumable, stopping
from pdpipe.execute.ledger_check import heads
from pdpipe.execute.reclaim import reclaim
from pdpipe.execute.runner import (
    COMPLETED,
    FAILED,
    FAILED_VALIDATION,
    INTERRUPTED,
    Partition,
    PreparedRun,
    Progress,
    RunOptions,
    RunResult,
    TableOutcome,
)
from pdpipe.policy.models import Policy
from pdpipe.retention.decide import AsOf
from pdpipe.settings import output_dir, retry_delays
from pdpipe.stores.owner import Stores, probe_stores
from pdpipe.validation import preload

if TYPE_CHECKING:
    from pdpipe.validation.checks import ValidationReport

log = logging.getLogger("pdpipe.job")

# The caller's progress display, for partitions run as an orchestrator's tasks in the
# caller's process (threads copy the context); a Dask worker elsewhere sees None.
progress_hook: ContextVar[Progress | None] = ContextVar("pdpipe_progress_hook", default=None)

T = TypeVar("T")


class Steps(Protocol):
    """How the job's steps run: in this process, or as an orchestrator's tasks."""

    def run(self, name: str, work: Callable[..., T], *args: Any, retry: bool = False) -> T:
        """`work(*args)`; with `retry`, again after a transient store error."""
        ...

    def each(
        self, name: str, work: Callable[..., T], items: Sequence[Any], *args: Any
    ) -> list[T | BaseException]:
        """`work(item, *args)` for every item, at once where possible, each retried after
        a transient store error: its result, or the error it finally failed with."""
        ...


def run_policy(policy: Policy, options: RunOptions, progress: Progress | None = None) -> RunResult:
    """The job's work without its checks and reports, one partition after another: for
    callers that check the result themselves (tests, the benchmark)."""
    return run_job(
        policy,
        options,
        steps=LocalSteps(threads=1),
        progress=progress,
        validate=False,
        report=False,
    )


class LocalSteps:
    """Steps in this process; partitions on a pool of threads (each opens its own
    connections: while one waits on its database, another decides)."""

    def __init__(
        self,
        threads: int = runner.PARTITION_THREADS,
        on_step: Callable[[str], None] | None = None,
    ) -> None:
        self.threads = threads
        self.on_step = on_step  # told each step's name as it starts: a caller's display

    def run(self, name: str, work: Callable[..., T], *args: Any, retry: bool = False) -> T:
        if self.on_step is not None:
            self.on_step(name)
        delays = retry_delays() if retry else []
        for attempt in range(len(delays) + 1):
            try:
                started = time.perf_counter()
                log.debug("step %s: started", name)
                done = work(*args)
                log.debug("step %s: done in %.2f s", name, time.perf_counter() - started)
                return done
            except PdpipeError as exc:
                if attempt == len(delays) or not is_transient(exc):
                    raise
                log.warning("%s: %s; trying again in %gs", name, exc, delays[attempt])
                time.sleep(delays[attempt])
        raise AssertionError("unreachable")

    def each(
        self, name: str, work: Callable[..., T], items: Sequence[Any], *args: Any
    ) -> list[T | BaseException]:
        def one(item: Any) -> T | BaseException:
            try:
                return self.run(name, work, item, *args, retry=True)
            except Exception as exc:  # reported per item; the others go on
                return exc

        if len(items) <= 1 or self.threads <= 1:
            return [one(item) for item in items]
        with ThreadPoolExecutor(max_workers=self.threads, thread_name_prefix="pdpipe") as pool:
            # Each thread in a copy of this context: the job's store owner goes along.
            futures = [pool.submit(copy_context().run, one, item) for item in items]
            return [future.result() for future in futures]


@dataclass(frozen=True)
class Lane:
    """Partitions processed one after another: one, or every partition of an SQLite
    database (it has one writer: two transactions that read and then write would fail
    each other at once, SQLITE_BUSY, whatever the busy timeout)."""

    partitions: tuple[Partition, ...]

    @property
    def label(self) -> str:
        return ", ".join(p.label for p in self.partitions)


def _lanes(policy: Policy, partitions: Sequence[Partition]) -> list[Lane]:
    sqlite = {s.name: s.url for s in policy.stores if s.url.startswith("sqlite")}
    lanes: dict[str, list[Partition]] = {}
    for partition in partitions:
        lane = sqlite.get(partition.store) or partition.label
        lanes.setdefault(lane, []).append(partition)
    return [Lane(tuple(group)) for group in lanes.values()]


@dataclass(frozen=True)
class Failed:
    """A partition that failed for good, beside the lane's others that went on."""

    label: str
    error: Exception


def process(
    lane: Lane,
    policy: Policy,
    run_id: str,
    as_of: AsOf,
    batch_size: int,
    progress: Progress | None = None,
) -> list[TableOutcome | Failed]:
    """A lane's partitions, each in its batches (the step every executor maps over the
    lanes). A transient store error stops the lane, to be tried again from where each
    partition stopped; any other failure stops its partition only."""
    done: list[TableOutcome | Failed] = []
    for partition in lane.partitions:
        try:
            done.append(
                runner.process_partition(
                    policy, partition, run_id, as_of, batch_size, progress or progress_hook.get()
                )
            )
        except Exception as exc:
            if is_transient(exc):
                raise
            done.append(Failed(partition.label, exc))
    return done


def run_job(
    policy: Policy,
    options: RunOptions,
    *,
    steps: Steps | None = None,
    progress: Progress | None = None,
    validate: bool = True,
    report: bool = True,
) -> RunResult:
    """The whole job. Returns what was done; raises RunFailed (with `summary`) when a
    partition or a check failed, after everything that could be reported was. Its steps
    share one engine per store (stores/owner.py), closed when the job ends."""
    with Stores().use():
        return _run_job(policy, options, steps or LocalSteps(), progress, validate, report)


def _run_job(
    policy: Policy,
    options: RunOptions,
    steps: Steps,
    progress: Progress | None,
    validate: bool,
    report: bool,
) -> RunResult:
    try:
        steps.run("connect", probe_stores, policy.stores, retry=True)
    except StoreUnavailable as exc:  # still down after the retries; nothing was written
        raise StoreUnreachable(str(exc)) from None
    with runner.held_stores(policy, options), stopping():
        prepared: PreparedRun = steps.run("plan", runner.prepare, policy, options, retry=True)
        if prepared.dry_run:
            return runner.finish(policy, prepared)
        run_id = prepared.run_id or ""
        log.info("run %s: %d partition(s)", run_id, len(prepared.partitions))
        if validate:  # the checks' library loads while the run waits on its databases
            preload.start()
        if (validate or options.snapshot) and not prepared.resumed:  # kept when resumed
            from pdpipe.validation import snapshot

            steps.run("snapshot", snapshot.take, policy, run_id, retry=True)
        lanes = _lanes(policy, prepared.partitions)
        done = steps.each(
            "process-partition",
            process,
            lanes,
            policy,
            run_id,
            prepared.as_of,
            options.batch_size,
            progress,
        )
        preload.wait()  # before the steps below import anything (preload.py)
        failures = [
            failed
            for lane, outcome in zip(lanes, done, strict=True)
            for failed in (
                [Failed(lane.label, outcome)]
                if isinstance(outcome, Exception)
                else [o for o in outcome if isinstance(o, Failed)]
                if isinstance(outcome, list)
                else []
            )
        ]
        errors = [f"{f.label}: {type(f.error).__name__}: {f.error}" for f in failures]
        # Stopped, or cut off from a store: nothing wrong with the work, which the next
        # run resumes (and then validates and documents whole).
        stopped = (
            failures[0].error if failures and all(resumable(f.error) for f in failures) else None
        )
        status = INTERRUPTED if stopped else FAILED if errors else COMPLETED
        result: RunResult = steps.run("finish", runner.finish, policy, prepared, status, retry=True)
        result.errors = errors
        steps.run("reclaim", reclaim, policy, run_id, retry=True)
        if stopped is not None:
            _write_summary(policy, result)
            interrupted = stopped if isinstance(stopped, RunFailed) else RunFailed(str(stopped))
            if len(failures) > 1:
                interrupted = type(interrupted)(
                    f"{len(failures)} partition(s) stopped: {_grouped(errors)}"
                )
            raise _with_summary(interrupted, result)
        if validate:
            _validate(steps, policy, prepared, result)
        if report:
            reported: RunResult = steps.run("report", _report, policy, result)
            for name in ("folder", "documents", "dashboard", "recovered", "stage", "ledger_heads"):
                setattr(result, name, getattr(reported, name))
    _raise_failures(result)
    return result


def _checks(
    policy: Policy, as_of: AsOf, folder: Path, run_id: str, expect_snapshot: bool
) -> ValidationReport:
    from pdpipe.validation.checks import validate_policy

    return validate_policy(policy, as_of, folder, run_id, expect_snapshot=expect_snapshot)


def _validate(steps: Steps, policy: Policy, prepared: PreparedRun, result: RunResult) -> None:
    from pdpipe.validation import snapshot

    run_id = result.run_id or ""
    try:
        validation = steps.run(
            "validate",
            _checks,
            policy,
            result.as_of,
            run_folder(policy, result) / "validation",
            run_id,
            not prepared.resumed,
            retry=True,
        )
    except PdpipeError as exc:
        if not result.errors:
            raise
        # The store that failed a partition may fail the checks too: the failure is
        # reported all the same.
        log.warning("validation could not run after the failure: %s", type(exc).__name__)
        return
    result.validation = validation
    result.checks, result.checks_failed = len(validation.checks), len(validation.failed)
    result.data_docs = str(validation.data_docs)
    if not validation.success and result.status == COMPLETED:
        result.status = FAILED_VALIDATION
        runner.mark_run(policy, run_id, FAILED_VALIDATION)
    runner.mark_stage(policy, run_id, runner.VALIDATED)
    result.stage = runner.VALIDATED
    if not result.errors:  # a failed run's snapshot stays for the checks of the next
        snapshot.drop(policy, run_id)


def run_folder(policy: Policy, result: RunResult) -> Path:
    """Where a run's summary, checks and documents go: `<as-of>-<run id>` under the
    output folder (PDPIPE_OUTPUT_DIR, or runs/ beside the policy)."""
    return _outputs(policy) / f"{result.as_of.local_date.isoformat()}-{result.run_id}"


def _outputs(policy: Policy) -> Path:
    base = policy.file if policy.file is not None else Path("policy.yaml")
    return output_dir(base)


def _report(policy: Policy, result: RunResult) -> RunResult:
    """summary.json, this run's documents and those owed by earlier runs, the dashboard;
    the result with where they went (a task's argument may be a copy: it is returned)."""
    from pdpipe.report.documents.backlog import owed
    from pdpipe.report.documents.gather import Scope
    from pdpipe.report.documents.issue import issue

    folder = _write_summary(policy, result)
    run_id = result.run_id or ""
    issued = issue(policy, Scope(run_id), folder / "documents")
    result.documents = str(issued.folder) if issued.documents else None
    runner.mark_stage(policy, run_id, runner.DOCUMENTED)
    result.stage = runner.DOCUMENTED
    for earlier in owed(policy, exclude=run_id):
        reclaim(policy, earlier.run_id)  # killed before it could: done now, then stated
        late = issue(policy, Scope(earlier.run_id), _outputs(policy) / earlier.folder / "documents")
        runner.mark_stage(policy, earlier.run_id, runner.DOCUMENTED)
        result.recovered.append(earlier.run_id)
        log.warning(
            "run %s acted and had no documents: issued now (%d file(s))",
            earlier.run_id,
            len(late.documents),
        )
    result.ledger_heads = {store: head.as_json() for store, head in heads(policy).items()}
    _write_summary(policy, result)
    result.dashboard = _rebuild_dashboard(policy, run_id)
    return result


def _write_summary(policy: Policy, result: RunResult) -> Path:
    from pdpipe import json_files
    from pdpipe.report import run_summary
    from pdpipe.report.formats import SUMMARY

    folder = run_folder(policy, result)
    folder.mkdir(parents=True, exist_ok=True)
    summary = run_summary.summary(result, result.errors, result.validation)
    json_files.write(folder / SUMMARY, summary)
    result.folder = str(folder.resolve())
    return folder


def _rebuild_dashboard(policy: Policy, run_id: str) -> str | None:
    """The review site with this run in it. The run's work is done and recorded: a
    dashboard that cannot be built is a warning, not a failed run."""
    from pdpipe.report.dashboard import build_dashboard, default_dashboard_dir, run_page

    if policy.file is None:
        return None
    folder = default_dashboard_dir(policy.file)
    try:
        build_dashboard(policy, folder)
    except Exception as exc:  # named by its class only: a message may quote data
        log.warning("the dashboard was not rebuilt: %s", type(exc).__name__)
        return None
    return str(run_page(folder, run_id).resolve())


def _with_summary(failure: RunFailed, result: RunResult) -> RunFailed:
    from pdpipe.report import run_summary

    failure.summary = run_summary.summary(result, result.errors, result.validation)
    failure.result = result
    return failure


def _grouped(errors: list[str]) -> str:
    """Partitions that failed the same way, named together: four partitions that lost
    one connection make one line, not four copies of it."""
    groups: dict[str, list[str]] = {}
    for error in errors:
        label, _, message = error.partition(": ")
        same = re.sub(r"batch \d+ of [\w.]+( \(partition \d+\))?", "a batch", message)
        groups.setdefault(same, []).append(label)
    return "; ".join(f"{', '.join(labels)}: {message}" for message, labels in groups.items())


def _raise_failures(result: RunResult) -> None:
    from pdpipe.validation.checks import require_success

    try:
        if result.errors:
            raise RunFailed(f"{len(result.errors)} partition(s) failed: " + _grouped(result.errors))
        if result.validation is not None:
            require_success(result.validation)
    except RunFailed as failure:
        raise _with_summary(failure, result) from None
