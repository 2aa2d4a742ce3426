"""The SLA view of the register: open requests by type and deadline, overdue first.

Rows carry ids, types, statuses, dates and counts only: never an address or a value.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pdpipe.policy.models import Policy
from pdpipe.requests import register
from pdpipe.requests.sla import local_day


def today_for(policy: Policy) -> dt.date:
    """Today in the operator's timezone: deadlines are days there."""
    return local_day(policy, dt.datetime.now(dt.UTC))


def row(request: register.Request, today: dt.date) -> dict[str, Any]:
    due = request.due
    days_left = None if due is None else (due - today).days
    return {
        "id": request.request_id,
        "type": request.type,
        "status": request.status,
        "received": request.received_at.date().isoformat(),
        "due": None if due is None else due.isoformat(),
        "extended": request.extended_until is not None,
        "days_left": days_left if request.open or request.status == "needs_review" else None,
        "overdue": bool(
            (request.open or request.status == register.Status.NEEDS_REVIEW)
            and days_left is not None
            and days_left < 0
        ),
        "records": len(request.matched),
        "review": list(request.review),  # why it awaits a person: ReviewReason words
    }


def open_requests_rows(
    policy: Policy, today: dt.date, *, include_closed: bool = False
) -> list[dict[str, Any]]:
    """Open requests (and those awaiting review), most urgent first."""
    waiting = [*register.OPEN, register.Status.NEEDS_REVIEW]
    with register.connect(policy, write=False) as connection:
        requests = register.load_all(
            connection, None if include_closed else [s.value for s in waiting]
        )
    rows = [row(r, today) for r in requests]
    return sorted(rows, key=lambda r: (r["due"] or "9999-12-31", r["id"]))
