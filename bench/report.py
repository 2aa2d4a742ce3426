"""The benchmark's table, the targets, and the one-line summary it ends with."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from rich.console import Console
from rich.table import Table

from bench.handwritten import SqlResult
from bench.naive import NaiveResult

# Issue 24's targets: the run with its ledger against the hand-written SQL (per
# database), the plan's and the validation's (with its snapshot) share of the run.
MIN_RATIO_VS_SQL = {"postgresql": 0.9, "mariadb": 0.8}
MIN_RATIO_VS_NAIVE = 20.0
MAX_PEAK_RSS_MB = 400.0
MAX_PLAN_SHARE = 0.05
MAX_VALIDATION_SHARE = 0.10  # the snapshot and the checks together


@dataclass(frozen=True)
class Results:
    dialect: str
    version: str
    commit: str  # the last commit of src/ measured
    rows: int  # --rows: subscribers asked for
    counts: dict[str, int]  # rows per table in the source database
    pdpipe: dict[str, Any]  # bench.pdpipe_side's JSON line
    sql: SqlResult
    naive: NaiveResult
    naive_rows: int  # subscribers in the naive loop's database
    same: bool
    load: tuple[float, float, float]

    @property
    def acted(self) -> int:
        return int(self.pdpipe["acted"])

    @property
    def pdpipe_rate(self) -> float:
        return self.acted / float(self.pdpipe["run_s"])

    @property
    def sql_rate(self) -> float:
        return self.sql.acted / self.sql.seconds

    @property
    def ratio_vs_sql(self) -> float:
        return self.pdpipe_rate / self.sql_rate

    @property
    def ratio_vs_naive(self) -> float:
        return self.pdpipe_rate / self.naive.rate if self.naive.rate else float("inf")

    @property
    def peak_rss_mb(self) -> float:
        return float(self.pdpipe["peak_rss_mb"])

    def share(self, step: str) -> float:
        return float(self.pdpipe[f"{step}_s"]) / float(self.pdpipe["run_s"])

    def final_line(self) -> str:
        return (
            f"ratio_vs_sql={self.ratio_vs_sql:.2f} ratio_vs_naive={self.ratio_vs_naive:.2f} "
            f"peak_rss_mb={self.peak_rss_mb:.0f} rows={self.rows}"
        )

    def targets(self) -> list[tuple[str, bool]]:
        validation = self.share("snapshot") + self.share("validation")
        least = MIN_RATIO_VS_SQL[self.dialect]
        return [
            (
                f"run >= {least}x hand-written SQL: {self.ratio_vs_sql:.2f}x",
                self.ratio_vs_sql >= least,
            ),
            (
                f"run >= {MIN_RATIO_VS_NAIVE:.0f}x naive ORM loop: {self.ratio_vs_naive:.1f}x",
                self.ratio_vs_naive >= MIN_RATIO_VS_NAIVE,
            ),
            (
                f"peak RSS <= {MAX_PEAK_RSS_MB:.0f} MB: {self.peak_rss_mb:.0f} MB",
                self.peak_rss_mb <= MAX_PEAK_RSS_MB,
            ),
            (
                f"plan < {MAX_PLAN_SHARE:.0%} of the run: {self.share('plan'):.0%}",
                self.share("plan") < MAX_PLAN_SHARE,
            ),
            (
                f"validation (snapshot + checks) < {MAX_VALIDATION_SHARE:.0%} of the run: "
                f"{validation:.0%} (checks alone {self.share('validation'):.0%})",
                validation < MAX_VALIDATION_SHARE,
            ),
        ]


def _n(value: float) -> str:
    return f"{value:,.0f}"


def render(results: Results, console: Console) -> None:
    found = results.pdpipe
    run_s = float(found["run_s"])
    subscribers = results.counts.get("subscribers", 0)
    contacts = results.counts.get("contacts", 0)
    total = sum(results.counts.values())
    table = Table(
        title=(
            f"{results.dialect} ({results.version}): {subscribers:,} subscribers, "
            f"{contacts:,} contacts, {total:,} rows in all"
        )
    )
    table.add_column("contender / step")
    table.add_column("seconds", justify="right")
    table.add_column("rows acted on", justify="right")
    table.add_column("rows/s", justify="right")
    table.add_column("pdpipe run vs it", justify="right")
    for step, label in (("plan", "pdpipe plan"), ("snapshot", "pdpipe snapshot")):
        seconds = float(found[f"{step}_s"])
        table.add_row(label, f"{seconds:.1f}", "", "", f"{seconds / run_s:.0%} of run")
    table.add_row(
        "pdpipe run (with ledger)",
        f"{run_s:.1f}",
        _n(results.acted),
        _n(results.pdpipe_rate),
        "1.00",
    )
    validation_s = float(found["validation_s"])
    table.add_row(
        "pdpipe validation", f"{validation_s:.1f}", "", "", f"{validation_s / run_s:.0%} of run"
    )
    table.add_row(
        "hand-written SQL (no ledger)",
        f"{results.sql.seconds:.1f}",
        _n(results.sql.acted),
        _n(results.sql_rate),
        f"{results.ratio_vs_sql:.2f}",
    )
    naive = results.naive
    scaled = results.acted / naive.rate if naive.rate else float("inf")
    table.add_row(
        f"naive ORM loop ({naive.acted:,} measured, scaled)",
        f"{scaled:.0f}",
        _n(results.acted),
        _n(naive.rate),
        f"{results.ratio_vs_naive:.2f}",
    )
    console.print(table)
    acted = ", ".join(f"{k} {v:,}" for k, v in found["acted_by_table"].items())
    console.print(
        f"pdpipe: {acted}; {found['batches']:,} batches in {found.get('partitions', '?')} "
        f"partitions on {found.get('threads', 1)} thread(s); finish "
        f"{float(found['finish_s']):.1f} s of the run, waiting for Great Expectations' "
        f"import after the partitions {float(found.get('gx_wait_s', 0)):.1f} s; "
        f"checks {found['checks']} "
        f"({found['checks_failed']} failed); due after the run: {found['due_after']}"
    )
    console.print(
        "pdpipe peak RSS (MB) after plan {:.0f}, snapshot {:.0f}, run {:.0f}, "
        "validation {:.0f}".format(
            found["rss_plan_mb"],
            found["rss_snapshot_mb"],
            found["rss_run_mb"],
            found["rss_validation_mb"],
        )
    )
    console.print(
        f"hand-written SQL: {results.sql.destroyed:,} destroyed, "
        f"{results.sql.depersonalized:,} depersonalized; naive loop on "
        f"{results.naive_rows:,} subscribers: {naive.destroyed:,} destroyed, "
        f"{naive.depersonalized:,} depersonalized in {naive.seconds:.1f} s"
    )
    console.print(f"pdpipe: src/ at commit {results.commit}; {os.cpu_count()} CPUs")
    console.print(
        "load average (1, 5, 15 min) at the end: {:.2f} {:.2f} {:.2f}".format(*results.load)
    )
    for step, rows in found.get("statements", {}).items():
        if step in ("plan", "run", "validation"):
            console.print(
                f"pdpipe {step}: seconds waiting on the database, per kind of statement"
                " (summed over threads)"
            )
            for seconds, count, head in rows[:8]:
                console.print(f"  {seconds:8.2f} s {count:6,}x  {head[:80]}", markup=False)
    for text, held in results.targets():
        console.print(f"target {'met' if held else 'MISSED'}: {text}")
    console.print(f"same result: {'yes' if results.same else 'no'}")
