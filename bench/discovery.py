"""python -m bench.discovery: how well `pdpipe scan` finds personal data, column by column,
and what a scan of the benchmark's million subscribers costs next to a run.

    python -m bench.discovery [--corpus-rows N] [--dbs sqlite,postgresql,mariadb]
                              [--store-rows N | --no-store] [--db postgresql|mariadb]
                              [--reuse] [--keep] [--tag T] [--run-seconds S]

Two labeled corpora, each scanned in-process (`scan_policy` / `scan`) and scored per PD
category at column level (bench/column_scores.py: a column is a true positive for C when
its truth holds C and the scan reported C):

    demo   the demo stores (`build_demo`, SQLite), scanned with the demo policy; truth
           written down in bench/demo_truth.py from what the demo generates
    shop   a second schema (bench/corpus_schema.py): a shop's tables with Russian
           transliterated, English and abbreviated column names, Kazakh and English people,
           JSON documents, free text and many tempting columns that are not PD; loaded into
           each of --dbs

Then the benchmark store (`python -m bench`'s source database: the demo data for
--store-rows subscribers, both stores in one database; built, or taken up again with
--reuse) is scanned with the benchmark's policy in a child process (bench/scan_side.py:
wall time and peak resident memory), and a run of the nightly job on a copy of it is
timed the same way `python -m bench` times it (bench/pdpipe_side.py), unless
--run-seconds gives a run's time measured before. The issue's targets: recall >= 0.95 and
precision >= 0.90 per category; a scan under 10% of a run's time, in bounded memory.

Prints, per corpus and category, recall and precision with the places missed or wrongly
reported (table.column: names only, never a value), the scan against the run, and a last
line ``recall_min=… precision_min=… scan_s=… run_s=… scan_vs_run=… peak_rss_mb=… rows=N``.
Exit 0 whatever the numbers: this measures; tests/discovery/test_column_corpus.py judges.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bench import AS_OF_DAY, BENCH_KEY, KEY_VARIABLE
from bench.__main__ import run_pdpipe, source_version
from bench.column_scores import PRECISION, RECALL, Place, Score, found_by, score
from bench.corpus_schema import Corpus, generate, load
from bench.demo_truth import DEMO_TRUTH
from bench.load import Server
from bench.policy import write_policy
from pdpipe.demo import build_demo
from pdpipe.discovery.scan import scan, scan_policy
from pdpipe.discovery.store_url import bare_store
from pdpipe.execute.runner import RunOptions
from pdpipe.policy import load_policy

ROOT = Path(__file__).resolve().parent.parent
DIALECTS = ("sqlite", "postgresql", "mariadb")
MAX_SCAN_SHARE = 0.10  # of a run's time
CONTACT_KEY = "PDPIPE_CONTACT_KEY"  # the demo policy's second secret


@dataclass
class CorpusRun:
    label: str  # "demo (SQLite)", "shop (PostgreSQL)"
    scores: dict[str, Score]
    seconds: float
    columns: int


@dataclass
class StoreRun:
    rows: int
    counts: dict[str, int]
    scan: dict[str, Any]  # bench.scan_side's JSON line
    run: dict[str, Any] = field(default_factory=dict)  # bench.pdpipe_side's, or run_s alone

    @property
    def share(self) -> float:
        return float(self.scan["scan_s"]) / float(self.run["run_s"])

    @property
    def job_s(self) -> float | None:
        steps = ("plan_s", "snapshot_s", "run_s", "validation_s")
        if not all(s in self.run for s in steps):
            return None
        return sum(float(self.run[s]) for s in steps)


def _log(message: str, started: float) -> None:
    sys.stderr.write(f"[{time.perf_counter() - started:7.1f} s] {message}\n")
    sys.stderr.flush()


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.discovery", description=(__doc__ or "").splitlines()[0]
    )
    parser.add_argument("--corpus-rows", type=int, default=2000, help="rows per shop table")
    parser.add_argument("--subjects", type=int, default=2500, help="the demo's (2,500)")
    parser.add_argument("--seed", type=int, default=22, help="of the shop corpus")
    parser.add_argument(
        "--dbs", default=",".join(DIALECTS), help="databases to load the shop corpus into"
    )
    parser.add_argument("--store-rows", type=int, default=1_000_000, help="subscribers (1M)")
    parser.add_argument("--no-store", action="store_true", help="only the labeled corpora")
    parser.add_argument("--db", choices=("postgresql", "mariadb"), default="postgresql")
    parser.add_argument("--url", help="the server's admin URL (as python -m bench)")
    parser.add_argument("--reuse", action="store_true", help="reuse (and keep) the source")
    parser.add_argument("--keep", action="store_true", help="keep every database made")
    parser.add_argument("--tag", default="", help="infix of the database names")
    parser.add_argument(
        "--run-seconds", type=float, help="a run's time measured before: no run is made"
    )
    args = parser.parse_args(argv)
    dbs = [d for d in args.dbs.split(",") if d]
    if not set(dbs) <= set(DIALECTS):
        parser.error(f"--dbs takes {', '.join(DIALECTS)}")
    args.dbs = dbs
    if min(args.corpus_rows, args.subjects, args.store_rows) < 1:
        parser.error("--corpus-rows, --subjects and --store-rows must be positive")
    if args.tag and not args.tag.isalnum():
        parser.error("--tag takes letters and digits only")
    return args


# -- the labeled corpora ---------------------------------------------------------------


def measure_demo(subjects: int, folder: Path) -> CorpusRun:
    demo = build_demo(folder / "demo", subjects=subjects, seed=7, as_of=AS_OF_DAY)
    policy = load_policy(demo.policy_path, {KEY_VARIABLE: BENCH_KEY, CONTACT_KEY: BENCH_KEY})
    started = time.perf_counter()
    report = scan_policy(policy)
    seconds = time.perf_counter() - started
    return CorpusRun(
        "demo (SQLite)", score(DEMO_TRUTH, found_by(report.verdicts)), seconds, report.columns
    )


def measure_shop(corpus: Corpus, url: str, dialect: str) -> CorpusRun:
    load(corpus, url)
    started = time.perf_counter()
    report = scan([bare_store(url)], None)
    seconds = time.perf_counter() - started
    scores = score(corpus.truth, found_by(report.verdicts))
    return CorpusRun(f"shop ({_NAMES[dialect]})", scores, seconds, report.columns)


_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL", "mariadb": "MariaDB"}


def shop_runs(args: argparse.Namespace, folder: Path, started: float) -> list[CorpusRun]:
    corpus = generate(args.corpus_rows, args.seed)
    _log(f"shop corpus: {len(corpus.rows)} tables of {args.corpus_rows:,} rows", started)
    runs = []
    for dialect in args.dbs:
        if dialect == "sqlite":
            runs.append(measure_shop(corpus, f"sqlite:///{folder}/shop.db", dialect))
        else:
            server = Server.connect(dialect, args.url if dialect == args.db else None)
            name = server.name(args.tag, "shop")
            server.create(name)
            try:
                runs.append(measure_shop(corpus, server.url(name), dialect))
            finally:
                if not args.keep:
                    server.drop(name)
        _log(f"{runs[-1].label}: scanned in {runs[-1].seconds:.1f} s", started)
    return runs


# -- the benchmark store ---------------------------------------------------------------


def _child(module: str, *arguments: str) -> dict[str, Any]:
    env = {**os.environ, KEY_VARIABLE: BENCH_KEY}
    done = subprocess.run(
        [sys.executable, "-m", module, *arguments],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    lines = done.stdout.strip().splitlines()
    if not lines or not lines[-1].startswith("{"):
        sys.stderr.write(done.stderr[-4000:])
        raise SystemExit(f"{module} failed (exit {done.returncode})")
    found: dict[str, Any] = json.loads(lines[-1])
    return found


def measure_store(args: argparse.Namespace, folder: Path, started: float) -> StoreRun:
    server = Server.connect(args.db, args.url)
    source, copy = server.name(args.tag, "src"), server.name(args.tag, "pdpipe")
    try:
        built = server.build_source(source, args.store_rows, 1, args.reuse)
        _log(f"store {'built' if built else 'reused'}: {args.store_rows:,} subscribers", started)
        counts = server.row_counts(source)
        policy = write_policy(folder / "scan", server.url(source))
        scanned = _child("bench.scan_side", str(policy))
        _log(f"scan: {scanned['scan_s']:.1f} s, {scanned['peak_rss_mb']:.0f} MB", started)
        store = StoreRun(args.store_rows, counts, scanned)
        if args.run_seconds is not None:
            store.run = {"run_s": args.run_seconds}
            return store
        server.copy(source, copy)
        run_policy = write_policy(folder / "run", server.url(copy))
        options = argparse.Namespace(
            batch_size=RunOptions.batch_size, profile=None, statements=False
        )
        store.run = run_pdpipe(run_policy, folder / "validation", options)
        _log(f"run: {store.run['run_s']:.1f} s", started)
        return store
    finally:
        if not args.keep:
            server.drop(copy)
            if not args.reuse:
                server.drop(source)


# -- output ----------------------------------------------------------------------------


def _ratio(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def _places(places: list[Place]) -> str:
    return ", ".join(f"{table}.{column}" for table, column in places)


def pooled(runs: list[CorpusRun]) -> dict[str, Score]:
    total: dict[str, Score] = {}
    for run in runs:
        for category, entry in run.scores.items():
            total[category] = total[category].add(entry) if category in total else entry
    return total


def render(runs: list[CorpusRun], store: StoreRun | None, console: Console) -> None:
    table = Table(title=f"column level: recall / precision (targets {RECALL} / {PRECISION})")
    table.add_column("category")
    for run in runs:
        table.add_column(run.label, justify="right")
    table.add_column("all", justify="right")
    table.add_column("columns (all)", justify="right")
    everything = pooled(runs)
    for category, total in everything.items():
        cells = [
            f"{_ratio(r.scores[category].recall)} / {_ratio(r.scores[category].precision)}"
            for r in runs
        ]
        mark = "" if total.met else " [red]missed[/red]"
        counts = f"{len(total.hits) + len(total.misses)}"
        table.add_row(
            category, *cells, f"{_ratio(total.recall)} / {_ratio(total.precision)}{mark}", counts
        )
    console.print(table)
    for run in runs:
        for category, entry in run.scores.items():
            if entry.misses:
                console.print(f"{run.label} {category} missed: {_places(entry.misses)}")
            if entry.false:
                console.print(f"{run.label} {category} reported wrongly: {_places(entry.false)}")
    console.print(
        "scan time: "
        + ", ".join(f"{r.label} {r.seconds:.1f} s ({r.columns} columns)" for r in runs)
    )
    if store is not None:
        scanned, job = store.scan, store.job_s
        console.print(
            f"benchmark store, {store.rows:,} subscribers ({sum(store.counts.values()):,} rows, "
            f"{scanned['tables']} tables, {scanned['columns']} columns, "
            f"{scanned['rows_sampled']:,} rows sampled): scan {scanned['scan_s']:.1f} s "
            f"({scanned['scan_cpu_s']:.1f} s of CPU in its process), "
            f"run {float(store.run['run_s']):.1f} s: {store.share:.1%} of the run "
            f"(target < {MAX_SCAN_SHARE:.0%}: {'yes' if store.share < MAX_SCAN_SHARE else 'no'})"
            + (f"; {scanned['scan_s'] / job:.1%} of the whole job" if job else "")
            + f"; scan's peak RSS {scanned['peak_rss_mb']:.0f} MB"
            f" ({scanned['rss_before_mb']:.0f} MB before it)"
        )
    met = all(s.met for r in runs for s in r.scores.values())
    console.print(f"targets per category met on every corpus: {'yes' if met else 'no'}")


def final_line(runs: list[CorpusRun], store: StoreRun | None) -> str:
    everything = pooled(runs).values()
    recalls = [s.recall for s in everything if s.recall is not None]
    precisions = [s.precision for s in everything if s.precision is not None]
    line = f"recall_min={min(recalls):.2f} precision_min={min(precisions):.2f}"
    if store is not None:
        line += (
            f" scan_s={store.scan['scan_s']:.2f} run_s={float(store.run['run_s']):.2f}"
            f" scan_vs_run={store.share:.3f} peak_rss_mb={store.scan['peak_rss_mb']:.0f}"
            f" rows={store.rows}"
        )
    return line


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    started = time.perf_counter()
    console = Console(width=160)
    with tempfile.TemporaryDirectory(prefix="pdpipe-bench-discovery-") as name:
        folder = Path(name)
        runs = [measure_demo(args.subjects, folder)]
        _log(f"{runs[0].label}: scanned in {runs[0].seconds:.1f} s", started)
        runs += shop_runs(args, folder, started)
        commit = source_version()
        store = None if args.no_store else measure_store(args, folder, started)
    console.print(f"src/ at {commit}; load average {os.getloadavg()[0]:.1f}")
    render(runs, store, console)
    sys.stdout.write(final_line(runs, store) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
