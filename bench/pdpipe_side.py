"""pdpipe's side of the benchmark, in a process of its own so its peak memory is its own.

    python -m bench.pdpipe_side POLICY --out FOLDER [--batch-size N] [--partitions N]
                                [--profile FOLDER] [--statements]

Does what the nightly flow does, without Prefect, under the stores' locks, and times
each step apart:

    plan        prepare(): check the schema, register the run, plan, lay out partitions
    snapshot    snapshot.take(): each table's count and digest sums, for the validation;
                Great Expectations starts loading on a thread, as the job does
                (validation/preload.py)
    run         process_partition() for each partition, then finish():
                the execution with its ledger, state and checkpoints; the partitions run
                at once on PARTITION_THREADS threads, as on the flow's default task
                runner (one after another with --profile: cProfile sees one thread);
                then, as the job, it waits for GX's import to end (gx_wait_s: on a
                small database the partitions are done first)
    validation  validate_policy() with the run's ledger and snapshot, then snapshot.drop()

and prints one JSON line: the times, the records acted on, and the peak resident memory
(VmHWM) after each step. ``--profile`` writes a cProfile of each step (plan.prof, ...);
``--statements`` adds, per step, the time spent waiting on each kind of SQL statement
(statement text cut short, temporary table names folded; never parameters).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import re
import resource
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench import AS_OF_DAY, BENCH_KEY, KEY_VARIABLE
from bench.policy import load
from pdpipe.execute import DEFAULT_PARTITIONS
from pdpipe.execute.runner import (
    PARTITION_THREADS,
    RunOptions,
    finish,
    held_stores,
    prepare,
    process_partition,
)
from pdpipe.retention.decide import AsOf
from pdpipe.validation import preload, snapshot
from pdpipe.validation.checks import validate_policy


def peak_rss_mb() -> float:
    """The process's peak resident set so far, in MiB.

    Linux's VmHWM: the high-water mark of this process's own memory. Not ``ru_maxrss``,
    which a child started by fork/vfork + exec inherits from its parent (the kernel folds
    the parent's peak into it at exec): under ``python -m bench`` it would report the
    harness's peak from building the data, not pdpipe's.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


class StatementClock:
    """Seconds and count per kind of statement, for every engine in the process."""

    TEMP = re.compile(r"pdpipe_tmp_[0-9a-f]+")

    def __init__(self) -> None:
        self.step = "setup"
        self.found: dict[str, dict[str, list[float]]] = defaultdict(dict)
        self.lock = threading.Lock()
        sa.event.listen(sa.engine.Engine, "before_cursor_execute", self._before)
        sa.event.listen(sa.engine.Engine, "after_cursor_execute", self._after)

    def _before(self, connection: sa.Connection, *_args: Any) -> None:
        connection.info.setdefault("bench_started", []).append(time.perf_counter())

    def _after(self, connection: sa.Connection, _cursor: Any, statement: str, *_args: Any) -> None:
        seconds = time.perf_counter() - connection.info["bench_started"].pop()
        head = self.TEMP.sub("pdpipe_tmp_*", " ".join(statement.split()))[:110]
        with self.lock:  # partitions run on threads
            entry = self.found[self.step].setdefault(head, [0, 0.0])
            entry[0] += 1
            entry[1] += seconds

    def top(self, limit: int = 12) -> dict[str, list[list[Any]]]:
        return {
            step: [
                [round(seconds, 2), int(count), head]
                for head, (count, seconds) in sorted(heads.items(), key=lambda i: -i[1][1])[:limit]
            ]
            for step, heads in self.found.items()
        }


class Steps:
    """Times each step, notes the peak memory after it, and, when asked, tells the
    statement clock which step runs and profiles the step into `profiles/<step>.prof`."""

    def __init__(self, clock: StatementClock | None, profiles: Path | None) -> None:
        self.clock, self.profiles = clock, profiles
        self.found: dict[str, Any] = {"rss_start_mb": peak_rss_mb()}

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        if self.clock is not None:
            self.clock.step = name
        profiler = cProfile.Profile() if self.profiles is not None else None
        started = time.perf_counter()
        if profiler is not None:
            profiler.enable()
        yield
        if profiler is not None:
            profiler.disable()
        self.found[f"{name}_s"] = time.perf_counter() - started
        self.found[f"rss_{name}_mb"] = peak_rss_mb()
        if profiler is not None and self.profiles is not None:
            self.profiles.mkdir(parents=True, exist_ok=True)
            profiler.dump_stats(self.profiles / f"{name}.prof")


def measure(
    policy_path: Path,
    out: Path,
    batch_size: int,
    partitions: int = DEFAULT_PARTITIONS,
    profiles: Path | None = None,
    clock: StatementClock | None = None,
) -> dict[str, Any]:
    policy = load(policy_path)
    as_of = AsOf.end_of_day(AS_OF_DAY, policy.operator.timezone)
    options = RunOptions(
        as_of=as_of, allow_large=True, batch_size=batch_size, partitions=partitions
    )
    steps = Steps(clock, profiles)
    with held_stores(policy, options):
        with steps.step("plan"):
            prepared = prepare(policy, options)
        run_id = prepared.run_id or ""
        with steps.step("snapshot"):
            preload.start()  # as the job does once it has planned
            snapshot.take(policy, run_id)
        with steps.step("run"):
            workers = 1 if profiles is not None else PARTITION_THREADS
            with ThreadPoolExecutor(max_workers=workers) as pool:
                list(
                    pool.map(
                        lambda partition: process_partition(
                            policy, partition, run_id, prepared.as_of, batch_size
                        ),
                        prepared.partitions,
                    )
                )
            waiting = time.perf_counter()
            preload.wait()  # as the job does after the partitions
            finishing = time.perf_counter()
            gx_wait_s = finishing - waiting
            result = finish(policy, prepared)
            finish_s = time.perf_counter() - finishing
        with steps.step("validation"):
            report = validate_policy(policy, result.as_of, out, run_id, expect_snapshot=True)
            snapshot.drop(policy, run_id)
    found = steps.found
    found["finish_s"] = finish_s
    found["gx_wait_s"] = gx_wait_s
    found.update(
        status=result.status,
        checks=len(report.checks),
        checks_failed=len(report.failed),
        acted=result.acted,
        acted_by_table={f"{t.store}.{t.table}": t.total for t in result.tables},
        batches=sum(t.batches for t in result.tables),
        partitions=len(prepared.partitions),
        threads=workers,
        due_before=sum(t.due for t in result.before.tables),
        due_after=None if result.after is None else sum(t.due for t in result.after.tables),
        rows_read=sum(t.rows_total for t in result.before.tables),
        peak_rss_mb=peak_rss_mb(),
    )
    if clock is not None:
        found["statements"] = clock.top()
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("policy", type=Path)
    parser.add_argument("--out", type=Path, required=True, help="folder for the Data Docs")
    parser.add_argument("--batch-size", type=int, default=RunOptions.batch_size)
    parser.add_argument("--partitions", type=int, default=DEFAULT_PARTITIONS)
    parser.add_argument(
        "--profile", type=Path, help="a cProfile of each step into this folder (<step>.prof)"
    )
    parser.add_argument(
        "--statements", action="store_true", help="time spent per kind of SQL statement"
    )
    args = parser.parse_args(argv)
    os.environ.setdefault(KEY_VARIABLE, BENCH_KEY)
    clock = StatementClock() if args.statements else None
    found = measure(args.policy, args.out, args.batch_size, args.partitions, args.profile, clock)
    sys.stdout.write(json.dumps(found) + "\n")
    return 0 if found["status"] == "completed" and not found["checks_failed"] else 1


if __name__ == "__main__":
    sys.exit(main())
