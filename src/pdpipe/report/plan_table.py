"""The plan as a rich table for people (the JSON form lives on Plan itself).

One small table per store table, one row per reason.
"""

from __future__ import annotations

import datetime as dt

from rich import box
from rich.console import Group
from rich.table import Table
from rich.text import Text

from pdpipe.retention.plan import Plan, TablePlan

_COLUMNS = (
    ("reason", "left"),
    ("action", "left"),
    ("term", "left"),
    ("due", "right"),
    ("overdue", "right"),
    ("earliest", "left"),
    ("next", "left"),
)


def _day(day: dt.date | None) -> str:
    return day.isoformat() if day else ""


def render_plan(plan: Plan) -> Group:
    parts: list[Text | Table] = [
        Text(
            f"Plan as of {plan.as_of.local_date.isoformat()} "
            f"({plan.timezone}, {plan.jurisdiction})",
            style="bold",
        )
    ]
    for t in plan.tables:
        parts.append(_table(t))
    totals = plan.to_json()["totals"]
    parts.append(
        Text(
            f"{totals['due']:,} record(s) due of {totals['rows_total']:,}; "
            f"{totals['overdue']:,} past the statutory deadline. Nothing was written."
        )
    )
    parts.append(
        Text(
            "overdue: past the statutory deadline; earliest: the oldest deadline among due "
            "records; next: the earliest deadline not yet missed.",
            style="dim",
        )
    )
    return Group(*parts)


def _table(t: TablePlan) -> Table:
    title = Text.assemble(
        (f"{t.store}.{t.table}", "bold cyan"),
        f"  {t.rows_total:,} rows, purpose {t.purpose}, on end: {t.action}",
    )
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, header_style="bold")
    for name, justify in _COLUMNS:
        table.add_column(name, justify=justify, no_wrap=True)  # type: ignore[arg-type]
    if not t.reasons:
        table.add_row("nothing due", "", "", "0", "0", "", "")
    for r in sorted(t.reasons.values(), key=lambda r: r.reason):
        table.add_row(
            r.reason,
            r.action,
            r.term,
            f"{r.due:,}",
            Text(f"{r.overdue:,}", style="bold red" if r.overdue else ""),
            _day(r.earliest_deadline),
            _day(r.next_deadline),
        )
    held = _holds(t)
    if held:
        table.caption = Text("\n".join(held))  # grounds are text, never rich markup
        table.caption_justify = "left"
    return table


def _holds(t: TablePlan) -> list[str]:
    """One line per hold of the table: policy holds, then record holds by ground; each
    with its end and the due records it keeps (they are not counted above)."""
    lines = [
        f"policy hold: {ground} ({_until(until)}): {t.held.get(index, 0):,} due record(s) kept"
        for index, (ground, until) in enumerate(t.holds)
    ]
    lines += [
        f"record hold: {h.ground} ({_until(h.until)}): on {h.placed:,} record(s), "
        f"{h.records:,} due record(s) kept"
        for h in t.record_hold_groups()
    ]
    return lines


def _until(until: dt.date | None) -> str:
    return "no end set" if until is None else f"until {until.isoformat()}"
