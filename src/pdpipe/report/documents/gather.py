"""What the documents say, read from the stores' ledgers: grouped counts and, streamed,
the records' keys. Never a value from a processed table: the ledger holds none.

A scope is one run (`--run ID`, requests' own `request-<id>` runs included) or a period
of days in the operator's timezone (`--from`, `--to`), both ends included.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from pdpipe.errors import BadInput
from pdpipe.policy.models import Policy, StoreSpec
from pdpipe.stores import tables
from pdpipe.stores.owner import opened_store

DESTROY = "destroy"
DEPERSONALIZE = "depersonalize"
DOCUMENT = "document"  # the ledger's rows that record a document's SHA-256


@dataclass(frozen=True)
class Scope:
    run_id: str | None = None
    first_day: dt.date | None = None
    last_day: dt.date | None = None

    def __post_init__(self) -> None:
        by_run = self.run_id is not None
        by_period = self.first_day is not None and self.last_day is not None
        if by_run == by_period:
            raise BadInput("name one run (--run ID) or one period (--from DATE --to DATE)")
        if self.first_day and self.last_day and self.first_day > self.last_day:
            raise BadInput(f"--from {self.first_day} is after --to {self.last_day}")

    @property
    def label(self) -> str:
        """A name for the documents' folder: `run-<id>` or `<from>--<to>`."""
        if self.run_id is not None:
            return f"run-{self.run_id}"
        return f"{self.first_day}--{self.last_day}"

    def condition(self, timezone: str) -> sa.ColumnElement[bool]:
        ledger = tables.ledger
        if self.run_id is not None:
            return ledger.c.run_id == self.run_id
        assert self.first_day is not None and self.last_day is not None
        start, end = _utc_bounds(self.first_day, self.last_day, ZoneInfo(timezone))
        return (ledger.c.acted_at >= start) & (ledger.c.acted_at < end)


def _utc_bounds(first: dt.date, last: dt.date, zone: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    """The period's local midnights as the ledger's naive UTC times."""

    def utc(day: dt.date) -> dt.datetime:
        local = dt.datetime.combine(day, dt.time(), tzinfo=zone)
        return local.astimezone(dt.UTC).replace(tzinfo=None)

    return utc(first), utc(last + dt.timedelta(days=1))


@dataclass(frozen=True)
class Line:
    """Records one store table lost the same way, for the same reason, on the same basis."""

    store: str
    table: str
    action: str
    reason: str
    legal_basis: str
    categories: tuple[str, ...]
    first_at: dt.datetime  # naive UTC, as the ledger keeps it
    last_at: dt.datetime
    records: int


@dataclass(frozen=True)
class Record:
    """One row of the event-log extract."""

    seq: int
    run_id: str
    store: str
    table: str
    record_key: str
    action: str
    reason: str
    legal_basis: str
    categories: str
    acted_at: dt.datetime
    row_hash: str


def lines(policy: Policy, scope: Scope, action: str) -> list[Line]:
    """One GROUP BY per store: the act's table, whatever the number of records."""
    ledger = tables.ledger
    found: list[Line] = []
    for store in policy.stores:
        query = (
            sa.select(
                ledger.c.table_name,
                ledger.c.reason,
                ledger.c.legal_basis,
                ledger.c.categories,
                sa.func.min(ledger.c.acted_at),
                sa.func.max(ledger.c.acted_at),
                sa.func.count(),
            )
            .where(
                scope.condition(policy.operator.timezone),
                ledger.c.action == action,
                ledger.c.store == store.name,
            )
            .group_by(
                ledger.c.table_name, ledger.c.reason, ledger.c.legal_basis, ledger.c.categories
            )
            .order_by(ledger.c.table_name, ledger.c.reason)
        )
        for row in _read(store, query):
            found.append(
                Line(
                    store=store.name,
                    table=str(row[0]),
                    action=action,
                    reason=str(row[1]),
                    legal_basis=str(row[2]),
                    categories=tuple(c for c in str(row[3]).split(",") if c),
                    first_at=row[4],
                    last_at=row[5],
                    records=int(row[6]),
                )
            )
    return found


def records(
    policy: Policy, scope: Scope, actions: tuple[str, ...], limit: int | None = None
) -> Iterator[Record]:
    """The scope's ledger rows in ledger order, store by store, streamed: a run of a
    million records is written out without being held."""
    ledger = tables.ledger
    left = limit
    for store in policy.stores:
        if left is not None and left <= 0:
            return
        query = (
            sa.select(
                ledger.c.seq,
                ledger.c.run_id,
                ledger.c.store,
                ledger.c.table_name,
                ledger.c.record_key,
                ledger.c.action,
                ledger.c.reason,
                ledger.c.legal_basis,
                ledger.c.categories,
                ledger.c.acted_at,
                ledger.c.row_hash,
            )
            .where(
                scope.condition(policy.operator.timezone),
                ledger.c.action.in_(actions),
                ledger.c.store == store.name,
            )
            .order_by(ledger.c.seq)
        )
        if left is not None:
            query = query.limit(left)
        for row in _read(store, query, stream=True):
            if left is not None:
                left -= 1
            yield Record(
                int(row[0]),
                str(row[1]),
                str(row[2]),
                str(row[3]),
                str(row[4]),
                str(row[5]),
                str(row[6]),
                str(row[7]),
                str(row[8]),
                row[9],
                str(row[10]),
            )


def _read(store: StoreSpec, query: sa.Select[Any], stream: bool = False) -> Iterator[Any]:
    with opened_store(store, read_only=True) as connection:
        if not sa.inspect(connection).has_table(tables.ledger.name):
            return
        if stream:
            connection = connection.execution_options(stream_results=True, yield_per=10_000)
        yield from connection.execute(query)


def run_status(policy: Policy, run_id: str) -> str | None:
    """The run's status as pdpipe_runs holds it (None for runs it does not list, such as
    a request's)."""
    runs = tables.runs
    for store in {s.url: s for s in policy.stores}.values():
        with opened_store(store, read_only=True) as connection:
            if not sa.inspect(connection).has_table(runs.name):
                continue
            status = connection.execute(
                sa.select(runs.c.status).where(runs.c.run_id == run_id)
            ).scalar()
        if status is not None:
            return str(status)
    return None


def run_ids(policy: Policy, scope: Scope) -> list[str]:
    """The runs whose records the scope holds."""
    ledger = tables.ledger
    found: set[str] = set()
    for store in {s.url: s for s in policy.stores}.values():
        with opened_store(store, read_only=True) as connection:
            if not sa.inspect(connection).has_table(ledger.name):
                continue
            query = (
                sa.select(ledger.c.run_id)
                .where(
                    scope.condition(policy.operator.timezone)
                    & ledger.c.action.in_((DESTROY, DEPERSONALIZE))
                )
                .distinct()
            )
            found |= {str(run_id) for (run_id,) in connection.execute(query)}
    return sorted(found)
