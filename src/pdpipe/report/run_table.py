"""What a run did, for people: per table, records acted on by action and reason."""

from __future__ import annotations

from rich import box
from rich.console import Group
from rich.table import Table
from rich.text import Text

from pdpipe.execute.runner import RunResult
from pdpipe.report.plan_table import render_plan


def render_run(result: RunResult) -> Group:
    if result.dry_run:
        return Group(
            Text("Dry run: nothing was written.", style="bold"), render_plan(result.before)
        )
    table = Table(box=box.SIMPLE_HEAD, header_style="bold")
    for name, justify in (
        ("store.table", "left"),
        ("action", "left"),
        ("reason", "left"),
        ("records", "right"),
        ("batches", "right"),
    ):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for outcome in result.tables:
        label = f"{outcome.store}.{outcome.table}"
        if not outcome.acted:
            table.add_row(label, "—", "nothing due", "0", f"{outcome.batches:,}")
        first = True
        for action, reasons in sorted(outcome.acted.items()):
            for reason, count in sorted(reasons.items()):
                table.add_row(
                    label if first else "",
                    action,
                    reason,
                    f"{count:,}",
                    f"{outcome.batches:,}" if first else "",
                )
                first = False
    before = sum(t.overdue for t in result.before.tables)
    after = sum(t.overdue for t in result.after.tables) if result.after else 0
    heading = Text(
        f"Run {result.run_id} as of {result.as_of.local_date.isoformat()}: {result.status}"
        + (" (resumed)" if result.resumed else ""),
        style="bold",
    )
    summary = Text(
        f"{result.acted:,} record(s) acted on in {result.seconds:.1f} s; overdue before: "
        f"{before:,}, after: {after:,}. "
        "Every action is in the ledger (pdpipe ledger verify)."
    )
    if result.documents:
        summary.append(f" The run's documents (acts, event-log extract): {result.documents}")
    if result.dashboard:
        summary.append(f" Dashboard: {result.dashboard}")
    if result.checks is None:
        return Group(heading, table, summary)
    verdict = (
        f"[green]all {result.checks} passed[/green]"
        if not result.checks_failed
        else f"[red]{result.checks_failed} of {result.checks} FAILED[/red]"
    )
    checks = Text.from_markup(f"Validation (Great Expectations): {verdict}.")
    checks.append(f" Data Docs: {result.data_docs}")
    return Group(heading, table, summary, checks)
