"""Statutory deadlines of subject requests, on the jurisdiction's production calendar.

A term runs from the day after the request was received, in the operator's timezone, and
a deadline that falls on a day off moves to the next working day (the same counting as
the retention deadlines, retention/calendar.py).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from pdpipe.policy.models import Policy
from pdpipe.policy.profiles import Jurisdiction, TermKey
from pdpipe.policy.reasons import EndReason, RequestKind
from pdpipe.policy.terms import Term, TermUnit
from pdpipe.requests.classify import RequestType
from pdpipe.retention.calendar import deadlines

# Which statutory term answers each request type (legal.md): a demand to destroy is
# treated as a withdrawal of consent; a demand to block as a demand to cease.
TERM_OF: dict[RequestType, TermKey] = {
    RequestType.WITHDRAW_CONSENT: EndReason.CONSENT_WITHDRAWN,
    RequestType.DESTROY: EndReason.CONSENT_WITHDRAWN,
    RequestType.CEASE: EndReason.CEASE_DEMAND,
    RequestType.BLOCK: EndReason.CEASE_DEMAND,
    RequestType.UPDATE: RequestKind.UPDATE,
    RequestType.ACCESS: RequestKind.ACCESS,
}

# How far a reasoned notice extends a deadline, unless the policy says otherwise
# (152-FZ art. 14, 20: +5 working days; GDPR art. 12(3): +2 months).
_EXTENSIONS = {
    Jurisdiction.RU_152FZ: Term(amount=5, unit=TermUnit.WORKING_DAYS, source="152-FZ art. 20"),
    Jurisdiction.KZ_94V: Term(amount=5, unit=TermUnit.WORKING_DAYS, source="UNVERIFIED"),
    Jurisdiction.EU_GDPR: Term(amount=2, unit=TermUnit.MONTHS, source="GDPR art. 12(3)"),
}


def local_day(policy: Policy, instant_utc: dt.datetime) -> dt.date:
    stamp = pd.Timestamp(instant_utc)
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return stamp.tz_convert(policy.operator.timezone).date()


def _after(policy: Policy, day: dt.date, term: Term) -> dt.date:
    found = deadlines(np.array([day], dtype="datetime64[D]"), term, policy.calendar_country)
    return pd.Timestamp(found[0]).date()


def deadline(policy: Policy, kind: RequestType, received_at_utc: dt.datetime) -> dt.date:
    """The last day to answer a request of `kind` received at that instant."""
    return _after(policy, local_day(policy, received_at_utc), policy.term(TERM_OF[kind]))


def extension_term(policy: Policy) -> Term:
    configured = policy.requests.extension if policy.requests else None
    return configured or _EXTENSIONS[policy.operator.jurisdiction]


def extended(policy: Policy, current_deadline: dt.date) -> dt.date:
    """The deadline after one reasoned extension."""
    return _after(policy, current_deadline, extension_term(policy))
