"""What the documents say, read from the stores' ledgers: grouped counts and, streamed,
the records' keys. Never a value from a processed table: the ledger holds none.

A scope is one run (`--run ID`, requests' own `request-<id>` runs included) or a period
of days in the operator's timezone (`--from`, `--to`), both ends included.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from pdpipe.errors import BadInput
from pdpipe.policy.conditions import child_rows_where
from pdpipe.policy.models import ChildTable, Policy, StoreSpec
from pdpipe.report.documents import grounds
from pdpipe.requests.register import register_store
from pdpipe.requests.register import requests as register_table
from pdpipe.stores import tables
from pdpipe.stores.keys import key_text
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

    def condition(self, timezone: str, table: sa.Table = tables.ledger) -> sa.ColumnElement[bool]:
        """The scope's rows of the ledger (or of a table with its run_id and acted_at)."""
        if self.run_id is not None:
            return table.c.run_id == self.run_id
        assert self.first_day is not None and self.last_day is not None
        start, end = _utc_bounds(self.first_day, self.last_day, ZoneInfo(timezone))
        return (table.c.acted_at >= start) & (table.c.acted_at < end)


def _utc_bounds(first: dt.date, last: dt.date, zone: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    """The period's local midnights as the ledger's naive UTC times."""

    def utc(day: dt.date) -> dt.datetime:
        local = dt.datetime.combine(day, dt.time(), tzinfo=zone)
        return local.astimezone(dt.UTC).replace(tzinfo=None)

    return utc(first), utc(last + dt.timedelta(days=1))


@dataclass(frozen=True)
class Line:
    """Records of one store table that ended the same way, on the same ground, with the
    same categories."""

    store: str
    table: str
    action: str
    reason: str  # the ledger's
    ground: str  # grounds.key: the reason, or the subject's demand behind it
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
    """One GROUP BY per store: the act's table, whatever the number of records. A request's
    run is a group of its own until its ground is known (one register query)."""
    ledger = tables.ledger
    request_run = sa.case(
        (ledger.c.run_id.like(f"{grounds.REQUEST_RUN}%"), ledger.c.run_id), else_=sa.literal("")
    )
    grouped: list[tuple[str, Any]] = []
    for store in policy.stores:
        query = (
            sa.select(
                ledger.c.table_name,
                ledger.c.reason,
                ledger.c.categories,
                request_run,
                sa.func.min(ledger.c.acted_at),
                sa.func.max(ledger.c.acted_at),
                sa.func.count(),
            )
            .where(
                scope.condition(policy.operator.timezone),
                ledger.c.action == action,
                ledger.c.store == store.name,
            )
            .group_by(ledger.c.table_name, ledger.c.reason, ledger.c.categories, request_run)
        )
        grouped += [(store.name, row) for row in _read(store, query)]
    types = request_types(policy, [str(row[3]) for _, row in grouped if row[3]])
    merged: dict[tuple[str, str, str, str, str], Line] = {}
    for store_name, row in grouped:
        table, reason, categories = str(row[0]), str(row[1]), str(row[2])
        ground = grounds.key(reason, types.get(str(row[3])))
        line = Line(
            store=store_name,
            table=table,
            action=action,
            reason=reason,
            ground=ground,
            categories=tuple(c for c in categories.split(",") if c),
            first_at=row[4],
            last_at=row[5],
            records=int(row[6]),
        )
        same = (store_name, table, reason, ground, categories)
        earlier = merged.get(same)
        if earlier is not None:
            line = replace(
                earlier,
                first_at=min(earlier.first_at, line.first_at),
                last_at=max(earlier.last_at, line.last_at),
                records=earlier.records + line.records,
            )
        merged[same] = line
    return [merged[k] for k in sorted(merged)]


def request_types(policy: Policy, run_ids: Iterable[str]) -> dict[str, str | None]:
    """The type (withdraw_consent, destroy, ...) of the request behind each request run, as
    the register keeps it; runs it does not know are left out."""
    ids = {grounds.request_id(run_id): run_id for run_id in run_ids}
    ids.pop(None, None)
    if not ids or policy.requests is None:
        return {}
    store = register_store(policy)
    found: dict[str, str | None] = {}
    register = register_table
    with opened_store(store, read_only=True) as connection:
        if not sa.inspect(connection).has_table(register.name):
            return {}
        chosen = sorted(str(i) for i in ids)
        for start in range(0, len(chosen), 1_000):  # an IN list of bounded length
            query = sa.select(register.c.request_id, register.c.type).where(
                register.c.request_id.in_(chosen[start : start + 1_000])
            )
            for request_id, kind in connection.execute(query):
                found[ids[str(request_id)]] = None if kind is None else str(kind)
    return found


def records(
    policy: Policy, scope: Scope, actions: tuple[str, ...], limit: int | None = None
) -> Iterator[Record]:
    """The scope's ledger rows in ledger order, store by store, a page at a time: a run
    of a million records is written out without being held."""
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
        for row in _pages(store, query, left):
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


def _read(store: StoreSpec, query: sa.Select[Any]) -> Iterator[Any]:
    with opened_store(store, read_only=True) as connection:
        if not sa.inspect(connection).has_table(tables.ledger.name):
            return
        yield from connection.execute(query)


LEDGER_PAGE = 10_000


def _pages(store: StoreSpec, query: sa.Select[Any], limit: int | None) -> Iterator[Any]:
    """The first `limit` rows of `query` (all without it), which selects the ledger's seq
    first and is ordered by it, one page per statement after the last seq read. Not a
    streamed result: Connector/Python reads a whole result into memory (SQLAlchemy gives
    it no server-side cursor), and a page is the same bound on every driver."""
    with opened_store(store, read_only=True) as connection:
        if not sa.inspect(connection).has_table(tables.ledger.name):
            return
        after: int | None = None
        while limit is None or limit > 0:
            size = LEDGER_PAGE if limit is None else min(LEDGER_PAGE, limit)
            page = query if after is None else query.where(tables.ledger.c.seq > after)
            rows = connection.execute(page.limit(size)).fetchall()
            yield from rows
            if len(rows) < size:
                return
            after = int(rows[-1][0])
            if limit is not None:
                limit -= size


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


def counted_child_rows(
    policy: Policy, scope: Scope, store: StoreSpec, action: str
) -> dict[tuple[str, str], tuple[int, int]]:
    """Per (main table, child table) of the store: the records the scope's batches acted
    on with `action` and the child rows they deleted or changed, as the batches counted
    them in their own transactions (pdpipe_child_counts). Runs of releases before it
    counted nothing: the caller compares the records with the ledger's."""
    counts = tables.child_counts
    with opened_store(store, read_only=True) as connection:
        if not sa.inspect(connection).has_table(counts.name):
            return {}
        query = (
            sa.select(
                counts.c.table_name,
                counts.c.child_table,
                sa.func.sum(counts.c.records),
                sa.func.sum(counts.c.row_count),
            )
            .where(
                scope.condition(policy.operator.timezone, counts),
                counts.c.store == store.name,
                counts.c.action == action,
            )
            .group_by(counts.c.table_name, counts.c.child_table)
        )
        return {
            (str(table), str(child)): (int(records or 0), int(rows or 0))
            for table, child, records, rows in connection.execute(query)
        }


def child_rows(
    policy: Policy, scope: Scope, store: StoreSpec, parent: str, child: ChildTable, action: str
) -> int | None:
    """Rows of `child` tied, by its `fk`, to the records of `parent` the scope's ledger
    says were acted on with `action`, counted now; None when the child table is gone.

    The ledger keeps one row per record of the parent table, none per child row. What was
    done to the children of depersonalized records can be counted afterwards because they
    stay tied to them; the children of destroyed records were deleted or detached with
    them and cannot be (the caller does not ask). The batches count both as they act
    (counted_child_rows); this is for runs of the releases before them."""
    ledger = tables.ledger
    with opened_store(store, read_only=True) as connection:
        inspector = sa.inspect(connection)
        if not inspector.has_table(child.table) or not inspector.has_table(ledger.name):
            return None
        table = sa.Table(child.table, sa.MetaData(), autoload_with=connection)
        if child.fk not in table.c:
            return None
        fk = table.c[child.fk]
        acted = (
            scope.condition(policy.operator.timezone)
            & (ledger.c.store == store.name)
            & (ledger.c.table_name == parent)
            & (ledger.c.action == action)
        )
        dialect = connection.dialect.name
        # The ledger's text keys against the child's column: as text in the keys' binary
        # collation for a text column, else cast to the column's type (its index serves).
        if isinstance(fk.type, sa.String | sa.Text | sa.Enum):
            tied = key_text(fk, dialect).in_(sa.select(ledger.c.record_key).where(acted))
        else:
            tied = fk.in_(sa.select(sa.cast(ledger.c.record_key, fk.type)).where(acted))
        own = [] if child.where is None else [child_rows_where(child.where, table, child.fk)]
        count = connection.execute(sa.select(sa.func.count()).select_from(table).where(tied, *own))
        return int(count.scalar_one())


@dataclass(frozen=True)
class HeldLine:
    """One hold of one table as the scope's run met it: its ground and end, and the due
    records it kept from being destroyed or depersonalized."""

    store: str
    table: str
    kind: str  # "policy" (tables[].holds) or "record" (pdpipe hold add)
    ground: str
    until: dt.date | None
    records: int


def held(policy: Policy, scope: Scope) -> list[HeldLine]:
    """The holds the scope's run kept records under (pdpipe_runs.held, from the run's
    plan); for a period, those of the last run started in it. A request's run and runs
    of releases before holds have none."""
    runs = tables.runs
    found: list[HeldLine] = []
    for store in {s.url: s for s in policy.stores}.values():
        with opened_store(store, read_only=True) as connection:
            inspector = sa.inspect(connection)
            if not inspector.has_table(runs.name) or "held" not in {
                c["name"] for c in inspector.get_columns(runs.name)
            }:
                continue
            query = sa.select(runs.c.held).where(runs.c.held.is_not(None))
            if scope.run_id is not None:
                query = query.where(runs.c.run_id == scope.run_id)
            else:
                assert scope.first_day is not None and scope.last_day is not None
                start, end = _utc_bounds(
                    scope.first_day, scope.last_day, ZoneInfo(policy.operator.timezone)
                )
                query = query.where(runs.c.started_at >= start, runs.c.started_at < end)
            text = connection.execute(query.order_by(runs.c.started_at.desc()).limit(1)).scalar()
        for entry in json.loads(text) if text else []:
            until = entry.get("until")
            found.append(
                HeldLine(
                    str(entry["store"]),
                    str(entry["table"]),
                    str(entry["kind"]),
                    str(entry["ground"]),
                    None if until is None else dt.date.fromisoformat(until),
                    int(entry["records"]),
                )
            )
    return found
