"""Statutory deadlines of subject requests, on the jurisdiction's production calendar.

A term runs from the day after the request was received, in the operator's timezone
(Civil Code art. 191). Whether a calendar-day or month term whose last day is a day off
moves to the next working day (art. 193) is the policy's reading
(`requests.roll_to_working_day`; by default it does not: the literal day, the cautious
reading for 152-FZ's public-law duties). A term of `0 days` ("at once": blocking,
152-FZ art. 21 p.1) is due at the instant of receipt.

Some requests have a step due before their last one: unlawful processing is stopped
within 3 working days and destroyed within 10 (152-FZ art. 21 p.3). An extension, only
where the statute gives one, is counted with the first term from receipt: GDPR art. 12(3)
allows three months from receipt in all, not two months added to a rolled deadline.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from pdpipe.policy.models import Policy
from pdpipe.policy.profiles import PROFILES, TermKey
from pdpipe.policy.reasons import EndReason, RequestKind
from pdpipe.policy.terms import Term
from pdpipe.requests.classify import RequestType
from pdpipe.retention.calendar import deadlines

# Which statutory term answers each request type (legal.md).
TERM_OF: dict[RequestType, TermKey] = {
    RequestType.WITHDRAW_CONSENT: EndReason.CONSENT_WITHDRAWN,  # 152-FZ art. 21 p.5
    RequestType.DESTROY: RequestKind.DESTROY,  # art. 20 p.3
    RequestType.CEASE: EndReason.CEASE_DEMAND,  # art. 21 p.5.1
    RequestType.BLOCK: RequestKind.BLOCK,  # art. 21 p.1
    RequestType.UPDATE: RequestKind.UPDATE,  # art. 20 p.3
    RequestType.ACCESS: RequestKind.ACCESS,  # art. 14, art. 20 p.1-2
    RequestType.UNLAWFUL: EndReason.UNLAWFUL_PROCESSING,  # art. 21 p.3: destroy
}

# A step due before the request's last one, and its term.
STOP_STEP: dict[RequestType, TermKey] = {
    RequestType.UNLAWFUL: RequestKind.UNLAWFUL_STOP,  # art. 21 p.3: stop
}


@dataclass(frozen=True)
class Due:
    """A request's deadlines: days in the operator's timezone, instants in UTC."""

    deadline: dt.date  # the last day of the request's last step
    at: dt.datetime | None = None  # due at this instant, the receipt itself (a 0-day term)
    stop_by: dt.date | None = None  # the last day to stop processing (unlawful processing)

    @property
    def first(self) -> dt.date:
        """The earliest of its steps' deadlines."""
        return self.deadline if self.stop_by is None else min(self.stop_by, self.deadline)


def local_day(policy: Policy, instant_utc: dt.datetime) -> dt.date:
    stamp = pd.Timestamp(instant_utc)
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return stamp.tz_convert(policy.operator.timezone).date()


def _utc_naive(instant: dt.datetime) -> dt.datetime:
    """As the register keeps instants: UTC, without a zone."""
    if instant.tzinfo is not None:
        instant = instant.astimezone(dt.UTC).replace(tzinfo=None)
    return instant


def _after(policy: Policy, day: dt.date, term: Term) -> dt.date:
    found = deadlines(np.array([day], dtype="datetime64[D]"), term, policy.calendar_country)
    return pd.Timestamp(found[0]).date()


def rolls(policy: Policy) -> bool:
    """Whether a request's calendar-day term ending on a day off ends on the next working day."""
    chosen = policy.requests.roll_to_working_day if policy.requests else None
    return PROFILES[policy.operator.jurisdiction].roll_request_terms if chosen is None else chosen


def term_for(policy: Policy, key: TermKey) -> Term:
    """The term as requests count it: a term that says whether it rolls keeps its word;
    the others follow the policy's reading; a 0-day term never rolls (it is due at once)."""
    term = policy.term(key)
    if term.at_once:
        return term.model_copy(update={"roll_to_working_day": False})
    if term.rolls_explicitly:
        return term
    return term.model_copy(update={"roll_to_working_day": rolls(policy)})


def due(policy: Policy, kind: RequestType, received_at_utc: dt.datetime) -> Due:
    """The deadlines of a request of `kind` received at that instant."""
    day = local_day(policy, received_at_utc)
    term = term_for(policy, TERM_OF[kind])
    stop_key = STOP_STEP.get(kind)
    stop = None if stop_key is None else term_for(policy, stop_key)
    at_once = term.at_once or (stop is not None and stop.at_once)
    return Due(
        deadline=_after(policy, day, term),
        at=_utc_naive(received_at_utc) if at_once else None,
        stop_by=None if stop is None else _after(policy, day, stop),
    )


def earliest(policy: Policy, received_at_utc: dt.datetime) -> Due:
    """For a message not read yet: the earliest deadline any request type could have (the
    clock runs from receipt whatever it turns out to be)."""
    each = [due(policy, kind, received_at_utc) for kind in RequestType]
    first = min(d.first for d in each)
    at_once = any(d.at is not None and d.first == first for d in each)
    return Due(deadline=first, at=_utc_naive(received_at_utc) if at_once else None)


def deadline(policy: Policy, kind: RequestType, received_at_utc: dt.datetime) -> dt.date:
    """The last day of a request of `kind` received at that instant."""
    return due(policy, kind, received_at_utc).deadline


def extension_term(policy: Policy) -> Term | None:
    configured = policy.requests.extension if policy.requests else None
    return configured or PROFILES[policy.operator.jurisdiction].extension


def extendable(policy: Policy, kind: RequestType) -> bool:
    """Whether a reasoned notice may extend a request of `kind`: only where the statute
    grants it (the profile), or the policy says so (`requests.extendable`)."""
    named = policy.requests.extendable if policy.requests else None
    key = TERM_OF[kind]
    if named is not None:
        return key.value in named and extension_term(policy) is not None
    profile = PROFILES[policy.operator.jurisdiction]
    return key in profile.extendable and extension_term(policy) is not None


def extended(policy: Policy, kind: RequestType, received_at_utc: dt.datetime) -> dt.date:
    """The last day after one reasoned extension, counted from receipt: the first term and
    the extension as one term when their units agree (10 + 5 working days; 1 + 2 months:
    received 2027-01-31, due 2027-04-30), else the extension from the first term's literal
    last day. Only for a kind that is `extendable`."""
    extension = extension_term(policy)
    if extension is None or not extendable(policy, kind):
        raise ValueError(f"a {kind.value} request has no extension")
    day = local_day(policy, received_at_utc)
    term = term_for(policy, TERM_OF[kind])
    roll = extension.roll_to_working_day if extension.rolls_explicitly else rolls(policy)
    if term.unit is extension.unit and not term.at_once:
        # Built without validation: the sum of two bounded terms may pass a single term's
        # bound, and stays inside the calendar's span (retention/calendar.py).
        total = Term.model_construct(
            amount=term.amount + extension.amount,
            unit=term.unit,
            roll_to_working_day=term.roll_to_working_day,
            source=term.source,
        )
        return _after(policy, day, total)
    literal = _after(policy, day, term.model_copy(update={"roll_to_working_day": False}))
    return _after(policy, literal, extension.model_copy(update={"roll_to_working_day": roll}))


def recount(
    policy: Policy,
    kind: str | None,
    received_at_utc: dt.datetime,
    extended_until: dt.date | None,
) -> dict[str, Any]:
    """The deadline columns of a register row as these rules count them (for rows written
    under earlier rules): an extension the statute does not grant no longer counts."""
    if kind is None:
        found = earliest(policy, received_at_utc)
        return {"deadline": found.deadline, "due_at": found.at, "stop_by": None}
    request_type = RequestType(kind)
    found = due(policy, request_type, received_at_utc)
    values: dict[str, Any] = {
        "deadline": found.deadline,
        "due_at": found.at,
        "stop_by": found.stop_by,
    }
    if extended_until is not None:
        values["extended_until"] = (
            extended(policy, request_type, received_at_utc)
            if extendable(policy, request_type)
            else None
        )
    return values
