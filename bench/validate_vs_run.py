"""How long the Great Expectations checks take next to the run they check.

Builds the demo stores (SQLite), runs the nightly job without Prefect, then the
validation with the run's ledger and a pre-run snapshot, and prints both times, the ratio
and the peak Python memory of the validation.

    .venv/bin/python bench/validate_vs_run.py --subjects 200000
    .venv/bin/python bench/validate_vs_run.py --subjects 1000000 \
        --url postgresql+psycopg://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import tempfile
import time
from pathlib import Path

from pdpipe.demo import build_demo
from pdpipe.execute.runner import RunOptions, finish, held_stores, prepare, process_partition
from pdpipe.policy import load_policy
from pdpipe.retention.decide import AsOf
from pdpipe.validation import snapshot
from pdpipe.validation.checks import validate_policy

AS_OF_DAY = dt.date(2026, 11, 25)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=200_000)
    parser.add_argument(
        "--url", help="a PostgreSQL or MariaDB database for the stores (default: SQLite files)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        demo = build_demo(
            Path(folder), subjects=args.subjects, seed=1, as_of=AS_OF_DAY, url=args.url
        )
        policy = load_policy(demo.policy_path)
        as_of = AsOf.end_of_day(AS_OF_DAY, policy.operator.timezone)
        options = RunOptions(as_of=as_of, allow_large=True)
        with held_stores(policy, options):  # as the flow does: snapshot, run, validate
            started = time.perf_counter()
            prepared = prepare(policy, options)
            run_s = time.perf_counter() - started
            started = time.perf_counter()
            snapshot.take(policy, prepared.run_id or "")
            snapshot_s = time.perf_counter() - started
            started = time.perf_counter()
            [
                process_partition(policy, p, prepared.run_id or "", prepared.as_of, 5_000)
                for p in prepared.partitions
            ]
            result = finish(policy, prepared)
            run_s += time.perf_counter() - started
            started = time.perf_counter()
            report = validate_policy(
                policy, as_of, Path(folder) / "validation", result.run_id, expect_snapshot=True
            )
        validate_s = time.perf_counter() - started
        # tracemalloc would slow GX tenfold and falsify the time: the process's peak RSS.
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rows = sum(t.rows_total for t in result.before.tables)
    print(f"rows: {rows:,}; acted on: {result.acted:,}; checks passed: {report.success}")
    print(
        f"run: {run_s:.1f} s   snapshot: {snapshot_s:.1f} s   validation: {validate_s:.1f} s   "
        f"(snapshot + validation = {(snapshot_s + validate_s) / run_s:.0%} of the run)"
    )
    print(f"peak RSS of the whole process (build, run, validation): {peak:.0f} MiB")


if __name__ == "__main__":
    main()
