"""`pdpipe.plan/1`: the plan's machine form (`pdpipe plan --json`, and within summary.json
as plan_before and plan_after), documented in docs/cli.md.

Fields are in the order the file shows them. `blocked`, `depersonalized` and the
`next_deadline`s came later within version 1: a plan written before them reads as 0 and
null.
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from pydantic import Field

from pdpipe.json_files import Format, Part

PLAN_FORMAT = "pdpipe.plan/1"


class ReasonJson(Part):
    reason: str
    action: str  # destroy, depersonalize or block
    term: str  # the statutory term, as the profile words it ("30 days")
    due: int
    overdue: int
    earliest_deadline: dt.date | None
    next_deadline: dt.date | None = None  # the earliest deadline not yet missed


class HeldJson(Part):
    ground: str
    until: dt.date | None  # the hold ends at the start of this day; None: until removed
    records: int  # due records it keeps from being acted on


class RecordHeldJson(Part):
    """Holds placed on single records (`pdpipe hold add`) with one ground and end."""

    ground: str
    until: dt.date | None  # the hold ends at the start of this day; None: until released
    placed: int  # records the holds are placed on
    records: int  # of them, due records kept from being acted on


class TableJson(Part):
    store: str
    table: str
    purpose: str
    action: str  # the purpose's on_end
    rows_total: int
    blocked: int = 0  # blocked by earlier runs: skipped until unblocked
    depersonalized: int = 0  # depersonalized by earlier runs: nothing more due
    # Per hold of the table; its records are not in `due`.
    held: list[HeldJson] = Field(default_factory=list)
    # Record holds in force, per ground and end; their due records are not in `due`.
    record_holds: list[RecordHeldJson] = Field(default_factory=list)
    due: int
    overdue: int
    earliest_deadline: dt.date | None
    next_deadline: dt.date | None = None
    reasons: list[ReasonJson]


class Totals(Part):
    rows_total: int
    due: int
    overdue: int


class PlanJson(Format):
    FORMAT: ClassVar[str] = PLAN_FORMAT

    format: str = PLAN_FORMAT
    as_of: dt.date  # the operator's date the plan decided at
    as_of_instant: dt.datetime  # the same, as a UTC instant
    jurisdiction: str
    timezone: str
    totals: Totals
    tables: list[TableJson]


__all__ = ["PLAN_FORMAT", "PlanJson", "ReasonJson", "RecordHeldJson", "TableJson", "Totals"]
