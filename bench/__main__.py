"""python -m bench: pdpipe against hand-written SQL and a naive ORM loop, on the same data.

    python -m bench [--rows N] [--db postgresql|mariadb]

Loads about N subscribers (demo data: list memberships, campaign views and clicks, and a
CRM of about 0.6 N contacts with phones and interactions; about 30% due) into a source
database, copies it for each contender, then measures in one run:

    pdpipe       plan, run (execution with its ledger), validation: in a child process,
                 each timed apart, with the child's peak resident memory
    hand-written the same transformation as one SQL statement per table, no ledger
    naive        a per-row ORM loop on a small database (--naive-sample), scaled to N

checks that pdpipe and the SQL left the same records, prints a table and ends with
``ratio_vs_sql=X ratio_vs_naive=Y peak_rss_mb=Z rows=N``. Progress goes to stderr.
Method and results: docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from rich.console import Console

from bench import AS_OF_DAY, BENCH_KEY, KEY_VARIABLE, compare, handwritten, naive
from bench.load import Server
from bench.policy import load, write_policy
from bench.report import Results, render
from pdpipe.execute import DEFAULT_PARTITIONS
from pdpipe.execute.runner import RunOptions
from pdpipe.retention.decide import AsOf

ROOT = Path(__file__).resolve().parent.parent
ROLES = ("src", "sql", "pdpipe", "naivesrc", "naive")


def _log(message: str, started: float) -> None:
    sys.stderr.write(f"[{time.perf_counter() - started:7.1f} s] {message}\n")
    sys.stderr.flush()


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description=(__doc__ or "").splitlines()[0]
    )
    parser.add_argument("--rows", type=int, default=1_000_000, help="subscribers (default 1M)")
    parser.add_argument("--db", choices=("postgresql", "mariadb"), default="postgresql")
    parser.add_argument(
        "--url", help="the server's admin URL (default: 127.0.0.1, postgres / root, no password)"
    )
    parser.add_argument("--naive-sample", type=int, default=20_000, help="subscribers (20,000)")
    parser.add_argument("--batch-size", type=int, default=RunOptions.batch_size)
    parser.add_argument(
        "--partitions",
        type=int,
        default=DEFAULT_PARTITIONS,
        help=f"key ranges per table (default {DEFAULT_PARTITIONS}, as pdpipe run and the flow)",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the databases afterwards")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="reuse (and keep) the source databases built for the same sizes by an earlier run",
    )
    parser.add_argument(
        "--profile", type=Path, help="a cProfile of each of pdpipe's steps into this folder"
    )
    parser.add_argument(
        "--statements",
        action="store_true",
        help="show where pdpipe's plan, run and validation waited on the database, "
        "per kind of statement",
    )
    parser.add_argument(
        "--tag", default="", help="infix of the database names (pdpipe_bench_<tag>_src, ...)"
    )
    args = parser.parse_args(argv)
    if min(args.rows, args.naive_sample, args.batch_size, args.partitions) < 1:
        parser.error("--rows, --naive-sample, --batch-size and --partitions must be positive")
    if args.tag and not args.tag.isalnum():
        parser.error("--tag takes letters and digits only")
    return args


def run_pdpipe(policy_path: Path, out: Path, args: argparse.Namespace) -> dict[str, Any]:
    """bench.pdpipe_side in a child process: its peak RSS is pdpipe's alone."""
    command = [
        sys.executable,
        "-m",
        "bench.pdpipe_side",
        str(policy_path),
        "--out",
        str(out),
        "--batch-size",
        str(args.batch_size),
        "--partitions",
        str(args.partitions),
    ]
    if args.profile:
        command += ["--profile", str(args.profile.resolve())]
    if args.statements:
        command.append("--statements")
    env = {**os.environ, KEY_VARIABLE: BENCH_KEY}
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    lines = done.stdout.strip().splitlines()
    if not lines or not lines[-1].startswith("{"):
        sys.stderr.write(done.stderr[-4000:])
        raise SystemExit(f"bench.pdpipe_side failed (exit {done.returncode})")
    found: dict[str, Any] = json.loads(lines[-1])
    return found


def source_version() -> str:
    """The last commit that changed src/, and whether src/ has uncommitted changes."""
    try:
        commit = subprocess.run(
            ["git", "log", "-1", "--format=%h", "--", "src"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "src"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
    except OSError:
        return "unknown"
    return f"{commit or 'unknown'}{' + uncommitted changes in src/' if dirty else ''}"


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    started = time.perf_counter()
    console = Console(width=120)
    server = Server.connect(args.db, args.url)
    names = {role: server.name(args.tag, role) for role in ROLES}
    keep = set(ROLES) if args.keep else ({"src", "naivesrc"} if args.reuse else set())
    try:
        built = server.build_source(names["src"], args.rows, args.seed, args.reuse)
        _log(f"source {'built' if built else 'reused'}: about {args.rows:,} subscribers", started)
        counts = server.row_counts(names["src"])
        for role in ("sql", "pdpipe"):
            server.copy(names["src"], names[role])
        _log("copies made for the hand-written SQL and pdpipe", started)
        server.build_source(names["naivesrc"], args.naive_sample, args.seed, args.reuse)
        server.copy(names["naivesrc"], names["naive"])  # the loop changes its database
        naive_rows = server.row_counts(names["naive"])["subscribers"]
        _log(f"naive loop's database: {naive_rows:,} subscribers", started)

        with tempfile.TemporaryDirectory(prefix="pdpipe-bench-") as folder:
            policy_path = write_policy(Path(folder) / "policy", server.url(names["pdpipe"]))
            policy = load(policy_path)
            cuts = handwritten.Cuts.of(policy, AsOf.end_of_day(AS_OF_DAY, policy.operator.timezone))

            sql = handwritten.run(server.url(names["sql"]), cuts, BENCH_KEY)
            _log(f"hand-written SQL: {sql.seconds:.1f} s", started)
            server.settle(names["sql"])

            commit = source_version()  # as the child imports it
            found = run_pdpipe(policy_path, Path(folder) / "validation", args)
            _log(
                f"pdpipe: plan {found['plan_s']:.1f} s, snapshot {found['snapshot_s']:.1f} s, "
                f"run {found['run_s']:.1f} s, validation {found['validation_s']:.1f} s",
                started,
            )
            server.settle(names["pdpipe"])

            handwritten.prepare(server.url(names["naive"]))
            loop = naive.run(server.url(names["naive"]), cuts, BENCH_KEY)
            _log(f"naive loop: {loop.acted:,} records in {loop.seconds:.1f} s", started)

        theirs = compare.fingerprint(server.url(names["src"]), server.url(names["sql"]))
        ours = compare.fingerprint(server.url(names["src"]), server.url(names["pdpipe"]))
        differences = theirs.differences(ours)
        for line in differences:
            _log(f"differs (SQL vs pdpipe): {line}", started)
        results = Results(
            dialect=args.db,
            version=server.version,
            commit=commit,
            rows=args.rows,
            counts=counts,
            pdpipe=found,
            sql=sql,
            naive=loop,
            naive_rows=naive_rows,
            same=not differences and sql.acted == found["acted"],
            load=os.getloadavg(),
        )
    finally:
        for role in ROLES:
            if role not in keep:
                server.drop(names[role])
    render(results, console)
    sys.stdout.write(results.final_line() + "\n")
    return 0 if results.same else 1


if __name__ == "__main__":
    sys.exit(main())
