"""The plan as a rich table for people (the JSON form lives on Plan itself)."""

from __future__ import annotations

import datetime as dt

from rich.console import Group
from rich.table import Table
from rich.text import Text

from pdpipe.retention.plan import Plan


def _day(day: dt.date | None) -> str:
    return day.isoformat() if day else ""


def render_plan(plan: Plan) -> Group:
    table = Table(title=None, show_lines=False, header_style="bold")
    for name, justify in (
        ("store.table", "left"),
        ("rows", "right"),
        ("reason", "left"),
        ("action", "left"),
        ("term", "left"),
        ("due", "right"),
        ("overdue", "right"),
        ("earliest deadline", "left"),
        ("next deadline", "left"),
    ):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for t in plan.tables:
        label = f"{t.store}.{t.table}"
        if not t.reasons:
            table.add_row(label, f"{t.rows_total:,}", "—", t.action, "", "0", "0", "", "")
            continue
        for index, r in enumerate(sorted(t.reasons.values(), key=lambda r: r.reason)):
            table.add_row(
                label if index == 0 else "",
                f"{t.rows_total:,}" if index == 0 else "",
                r.reason,
                r.action,
                r.term,
                f"{r.due:,}",
                Text(f"{r.overdue:,}", style="bold red" if r.overdue else ""),
                _day(r.earliest_deadline),
                _day(r.next_deadline),
            )
    totals = plan.to_json()["totals"]
    heading = Text(
        f"Plan as of {plan.as_of.local_date.isoformat()} ({plan.timezone}, {plan.jurisdiction})",
        style="bold",
    )
    summary = Text(
        f"{totals['due']:,} record(s) due of {totals['rows_total']:,}; "
        f"{totals['overdue']:,} past the statutory deadline. Nothing was written."
    )
    return Group(heading, table, summary)
