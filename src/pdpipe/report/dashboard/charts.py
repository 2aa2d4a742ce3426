"""The dashboard's charts: Altair charts of the gathered counts, as Vega-Lite specs.

Each function takes plain data and returns a spec (a dict) the page embeds as it is; the
site's own copy of Vega renders it. Data go in as inline values, aggregated already: a
chart holds a few rows per day or per table, whatever the size of the stores.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import altair as alt

from pdpipe.report.dashboard.data import (
    DAYS_LEFT,
    REQUEST_DAYS_LEFT,
    Acted,
    Backlog,
    Discovery,
    RequestCount,
    Run,
)

Spec = dict[str, Any]

WIDTH = 640
ROW = alt.Step(26)  # the height of one table's (or status's) bar
# Counts are whole numbers: no tick at 0.5 when the largest is 2.
COUNTS = alt.Axis(tickMinStep=1, format=",d")

ACTION_COLORS = {
    "destroy": "#b2182b",
    "depersonalize": "#2166ac",
    "block": "#e08214",
    "update": "#1b7837",
    "unblock": "#762a83",
}
# Urgency from red (overdue) to calm blue; grey for requests without a deadline.
DAYS_LEFT_COLORS = ["#b2182b", "#ef8a62", "#fddbc7", "#92c5de", "#2166ac"]
REQUEST_COLORS = ["#b2182b", "#ef8a62", "#fddbc7", "#67a9cf", "#bababa"]


def _spec(chart: alt.TopLevelMixin) -> Spec:
    spec: Spec = chart.to_dict()
    return spec


def _days(title: str) -> alt.X:
    """Days as ISO dates, one band each, in order: exact labels, in any browser's zone."""
    return alt.X(
        "day:O", title=title, sort="ascending", axis=alt.Axis(labelAngle=0, labelOverlap=True)
    )


def _action_scale(actions: Sequence[str]) -> alt.Scale:
    domain = sorted(set(actions), key=lambda a: (a not in ACTION_COLORS, a))
    return alt.Scale(domain=domain, range=[ACTION_COLORS.get(a, "#999999") for a in domain])


def acted_per_day(acted: Sequence[Acted], by: str) -> Spec:
    """Records acted on per day, stacked by `by` ("action" or "reason")."""
    values = [
        {
            "day": a.day.isoformat(),
            "action": a.action,
            "reason": a.reason,
            "source": a.source,
            "records": a.records,
        }
        for a in acted
    ]
    color = (
        alt.Color("action:N", scale=_action_scale([a.action for a in acted]), title="action")
        if by == "action"
        else alt.Color("reason:N", title="reason", scale=alt.Scale(scheme="tableau10"))
    )
    chart = (
        alt.Chart({"values": values}, width=WIDTH, height=220)
        .mark_bar()
        .encode(
            x=_days("day"),
            y=alt.Y("sum(records):Q", title="records acted on", axis=COUNTS),
            color=color,
            tooltip=[
                alt.Tooltip("day:N", title="day"),
                alt.Tooltip(f"{by}:N"),
                alt.Tooltip("sum(records):Q", title="records", format=","),
            ],
        )
    )
    return _spec(chart)


def overdue_per_run(runs: Sequence[Run]) -> Spec:
    """Records past their statutory deadline before and after each run."""
    values = [
        {"day": r.as_of.isoformat(), "run": r.run_id, "when": when, "records": count}
        for r in runs
        for when, count in (("before the run", r.overdue_before), ("after", r.overdue_after))
        if count is not None
    ]
    chart = (
        alt.Chart({"values": values}, width=WIDTH, height=200)
        .mark_line(point=True)
        .encode(
            x=_days("run as of"),
            y=alt.Y("max(records):Q", title="overdue records", axis=COUNTS),
            color=alt.Color(
                "when:N",
                title="overdue",
                scale=alt.Scale(domain=["before the run", "after"], range=["#b2182b", "#1b7837"]),
            ),
            tooltip=[
                alt.Tooltip("day:N", title="as of"),
                alt.Tooltip("when:N", title="overdue"),
                alt.Tooltip("max(records):Q", title="records", format=","),
            ],
        )
    )
    return _spec(chart)


def duration_per_run(runs: Sequence[Run]) -> Spec:
    values = [
        {"day": r.as_of.isoformat(), "run": r.run_id, "seconds": round(r.seconds, 3)}
        for r in runs
        if r.seconds is not None
    ]
    chart = (
        alt.Chart({"values": values}, width=WIDTH, height=180)
        .mark_point(filled=True, size=70, color="#2166ac")
        .encode(
            x=_days("run as of"),
            y=alt.Y("seconds:Q", title="seconds"),
            tooltip=[
                alt.Tooltip("run:N", title="run"),
                alt.Tooltip("day:N", title="as of"),
                alt.Tooltip("seconds:Q", format=".1f"),
            ],
        )
    )
    return _spec(chart)


def backlog_days_left(backlog: Backlog) -> Spec:
    """Due records per table, by days left to their deadline."""
    values = [
        {"table": f"{store}.{table}", "days left": bucket, "order": i, "records": records}
        for (store, table), buckets in backlog.days_left.items()
        for i, (bucket, records) in enumerate(buckets.items())
        if records
    ]
    chart = (
        alt.Chart({"values": values}, width=WIDTH, height=ROW)
        .mark_bar()
        .encode(
            y=alt.Y("table:N", title=None),
            x=alt.X("sum(records):Q", title="records due", axis=COUNTS),
            color=alt.Color(
                "days left:N",
                scale=alt.Scale(domain=list(DAYS_LEFT), range=DAYS_LEFT_COLORS),
                sort=list(DAYS_LEFT),
            ),
            order=alt.Order("order:Q"),
            tooltip=[
                alt.Tooltip("table:N"),
                alt.Tooltip("days left:N"),
                alt.Tooltip("sum(records):Q", title="records", format=","),
            ],
        )
    )
    return _spec(chart)


def requests_by_status(counts: Sequence[RequestCount]) -> Spec:
    values = [{"status": c.status, "type": c.type, "requests": c.requests} for c in counts]
    chart = (
        alt.Chart({"values": values}, width=WIDTH, height=ROW)
        .mark_bar()
        .encode(
            y=alt.Y("status:N", title=None),
            x=alt.X("sum(requests):Q", title="requests", axis=COUNTS),
            color=alt.Color("type:N", title="type", scale=alt.Scale(scheme="tableau10")),
            tooltip=[
                alt.Tooltip("status:N"),
                alt.Tooltip("type:N"),
                alt.Tooltip("sum(requests):Q", title="requests"),
            ],
        )
    )
    return _spec(chart)


def requests_by_days_left(buckets: dict[str, int]) -> Spec:
    values = [
        {"days left": bucket, "requests": buckets.get(bucket, 0)} for bucket in REQUEST_DAYS_LEFT
    ]
    chart = (
        alt.Chart({"values": values}, width=WIDTH, height=ROW)
        .mark_bar()
        .encode(
            y=alt.Y("days left:N", title="days left", sort=list(REQUEST_DAYS_LEFT)),
            x=alt.X("requests:Q", title="open requests", axis=COUNTS),
            color=alt.Color(
                "days left:N",
                scale=alt.Scale(domain=list(REQUEST_DAYS_LEFT), range=REQUEST_COLORS),
                legend=None,
            ),
            tooltip=[alt.Tooltip("days left:N"), alt.Tooltip("requests:Q")],
        )
    )
    return _spec(chart)


def checks_per_run(runs: Sequence[Run]) -> Spec:
    """Great Expectations checks passed and failed, per run."""
    values = [
        {
            "day": r.as_of.isoformat(),
            "run": r.run_id,
            "result": result,
            "checks": count,
        }
        for r in runs
        if r.checks is not None
        for result, count in (
            ("passed", len(r.checks) - r.checks_failed),
            ("failed", r.checks_failed),
        )
    ]
    chart = (
        alt.Chart({"values": values}, width=WIDTH, height=200)
        .mark_bar()
        .encode(
            x=_days("run as of"),
            y=alt.Y("sum(checks):Q", title="checks", axis=COUNTS),
            color=alt.Color(
                "result:N",
                scale=alt.Scale(domain=["passed", "failed"], range=["#1b7837", "#b2182b"]),
            ),
            tooltip=[
                alt.Tooltip("day:N", title="as of"),
                alt.Tooltip("result:N"),
                alt.Tooltip("sum(checks):Q", title="checks"),
            ],
        )
    )
    return _spec(chart)


def run_acted(run: Run) -> Spec:
    """One run: records acted on per table, by action and reason."""
    values = [
        {
            "table": f"{a.store}.{a.table}",
            "action": a.action,
            "reason": a.reason,
            "records": a.records,
        }
        for a in run.acted
    ]
    chart = (
        alt.Chart({"values": values}, width=WIDTH, height=ROW)
        .mark_bar()
        .encode(
            y=alt.Y("table:N", title=None),
            x=alt.X("sum(records):Q", title="records acted on", axis=COUNTS),
            color=alt.Color("reason:N", title="reason", scale=alt.Scale(scheme="tableau10")),
            tooltip=[
                alt.Tooltip("table:N"),
                alt.Tooltip("action:N"),
                alt.Tooltip("reason:N"),
                alt.Tooltip("sum(records):Q", title="records", format=","),
            ],
        )
    )
    return _spec(chart)


def undeclared_per_scan(discovery: Discovery) -> Spec:
    """Columns holding PD the policy does not name, scan after scan."""
    values = [
        {"scan": f"{scan.scanned_at:%Y-%m-%d %H:%M}", "columns": scan.undeclared}
        for scan in discovery.scans
    ]
    chart = (
        alt.Chart({"values": values}, width=WIDTH, height=200)
        .mark_bar(color="#b2182b")
        .encode(
            x=alt.X(
                "scan:O",
                title="scanned (UTC)",
                sort="ascending",
                axis=alt.Axis(labelAngle=0, labelOverlap=True),
            ),
            y=alt.Y("columns:Q", title="columns with undeclared PD", axis=COUNTS),
            tooltip=[alt.Tooltip("scan:O"), alt.Tooltip("columns:Q")],
        )
    )
    return _spec(chart)
