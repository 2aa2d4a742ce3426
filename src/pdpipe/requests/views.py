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


def _iso(day: dt.date | None) -> str | None:
    return None if day is None else day.isoformat()


def row(request: register.Request, today: dt.date) -> dict[str, Any]:
    due = request.due
    days_left = None if due is None else (due - today).days
    instant = request.due_instant
    return {
        "id": request.request_id,
        "type": request.type,
        "status": request.status,
        "received": request.received_at.date().isoformat(),
        "due": _iso(due),  # the next step's day
        # Due at this instant, its receipt (UTC): blocking starts at the request.
        "due_at": None if instant is None else instant.isoformat() + "Z",
        "deadline": _iso(request.last_due),  # the last step's day
        "stop_by": _iso(request.stop_by),  # unlawful processing: the day to stop by
        "stopped": None if request.stop_by is None else request.stopped_at is not None,
        "extended": request.extended_until is not None,
        "days_left": days_left if request.open or request.status == "needs_review" else None,
        "overdue": bool(
            (request.open or request.status == register.Status.NEEDS_REVIEW)
            and days_left is not None
            and days_left < 0
        ),
        "records": len(request.matched),
        # For a reviewer to lead back to the mail and the person, without either in clear:
        "subject": request.subject_digest,  # a keyed digest of the requester's address
        "message_id_sha256": request.message_id_key,  # SHA-256 of the Message-ID
        # Its Date lay after the ingest: `received` (and the deadline) are the ingest's.
        "date_in_future": request.date_in_future,
        "review": list(request.review),  # why it awaits a person: ReviewReason words
    }


def open_requests_rows(
    policy: Policy, today: dt.date, *, include_closed: bool = False
) -> list[dict[str, Any]]:
    """Open requests (and those awaiting review), most urgent first."""
    with register.connect(policy, write=False) as connection:
        requests = register.load_all(
            connection, None if include_closed else [s.value for s in register.WAITING], policy
        )
    rows = [row(r, today) for r in requests]
    return sorted(rows, key=lambda r: (r["due"] or "9999-12-31", r["id"]))


def review_words(listed: dict[str, Any]) -> list[str]:
    """What a person should look at in a row: its review reasons, and `date_in_future`
    when its Date lay after the ingest (received, and the deadline, are the ingest's)."""
    return [*listed["review"], *(["date_in_future"] if listed["date_in_future"] else [])]


def due_text(listed: dict[str, Any]) -> str:
    """A row's deadline for people: the day, "at once" when it is due at receipt, and the
    stop step of unlawful processing while it is pending."""
    if listed["due"] is None:
        return ""
    if listed["due_at"] is not None:
        return f"{listed['due']} at once"
    if listed["stop_by"] is not None and not listed["stopped"]:
        return f"stop by {listed['stop_by']}; {listed['deadline']}"
    return str(listed["due"])
