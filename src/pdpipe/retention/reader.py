"""Reads the columns decide() needs, one key-ordered chunk at a time.

Only the key, the clock and each end rule's verdict (evaluated by the database from the
compiled condition) and date are selected: no personal data leaves the store, and memory
holds one chunk whatever the table's size. Chunks follow the key (keyset pagination), so
each query is an index range scan rather than an ever-growing OFFSET. Records pdpipe has
already depersonalized or blocked (``pdpipe_state``) are left out: nothing more is due
for them. A record hold in force on the as-of day (``pdpipe_holds``) is read as a column
of its own, for decide() to leave the record out and count it, as it does policy holds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pandas as pd
import sqlalchemy as sa

from pdpipe.policy.conditions import Condition, compile_condition
from pdpipe.policy.models import Policy, TableSpec, child_filters
from pdpipe.retention.decide import AsOf, FrameColumns
from pdpipe.retention.ended_sql import possibly_due
from pdpipe.retention.record_holds import hold_column, holds_placed
from pdpipe.stores.engine import reflect
from pdpipe.stores.instants import in_zone, naive
from pdpipe.stores.keys import same_key

DEFAULT_CHUNK = 50_000


class DecisionReader:
    """The decision columns of one table, chunk by chunk in key order."""

    def __init__(
        self,
        connection: sa.Connection,
        spec: TableSpec,
        metadata: sa.MetaData | None = None,
        state: sa.Table | None = None,
        due_at: tuple[Policy, AsOf] | None = None,
        extra: Callable[[sa.Table, sa.Dialect], list[sa.ColumnElement[Any]]] | None = None,
    ) -> None:
        self.spec = spec
        self.metadata = metadata or sa.MetaData()
        self.table = reflect(connection, spec.name, self.metadata)
        self.key = self.table.c[spec.key]
        self.columns, self.copies, sources = _decision_columns(
            connection, spec, self.table, self.metadata
        )
        # Timestamps the store writes without a zone, in a zone other than UTC: read as
        # that zone's time (policy `timestamps:`), so decide() compares instants.
        self.local: dict[str, str] = {}
        if due_at is not None:
            for name, column in sources.items():
                zone = due_at[0].timestamp_zone(spec, column)
                if zone != "UTC" and naive(self.table.c[column].type, connection.dialect):
                    self.local[name] = zone
        if due_at is not None and holds_placed(connection, spec.name):
            day = due_at[1].local_date
            held = hold_column(spec.name, self.key, connection.dialect.name, day)
            self.columns.append(held.label(FrameColumns.RECORD_HOLD))
        if extra is not None:  # labelled columns computed from the row, such as its digest
            self.columns += extra(self.table, connection.dialect)
        self.names = [c.key for c in self.columns]
        self.instant_names = set(sources)  # the frame columns that hold instants
        self.state = state
        self.dialect = connection.dialect
        # With `due_at`, rows that cannot be due then stay in the database: at a third
        # due, the plan and the run read a third of the rows into Python.
        self.candidates: sa.ColumnElement[bool] | None = None
        if due_at is not None:
            policy, as_of = due_at
            self.candidates = possibly_due(
                connection, policy, spec, self.table, self.metadata, as_of
            )

    def statement(self, after: object, limit: int, through: object = None) -> sa.Select[Any]:
        return (
            self.restrict(sa.select(*self.columns), after, through).order_by(self.key).limit(limit)
        )

    def restrict(
        self, statement: sa.Select[Any], after: object = None, through: object = None
    ) -> sa.Select[Any]:
        """`statement` over the rows this reader reads: keys after `after` up to `through`,
        that may be due, not marked in pdpipe_state."""
        if after is not None:
            statement = statement.where(self.key > after)
        if through is not None:
            statement = statement.where(self.key <= through)
        if self.candidates is not None:
            statement = statement.where(self.candidates)
        if self.state is not None:
            marked = (self.state.c.table_name == self.spec.name) & (
                same_key(self.state.c.record_key, self.key, self.dialect.name)
            )
            statement = without(statement, self.table, self.state, marked, self.dialect)
        return statement

    def chunk(
        self, connection: sa.Connection, after: object, limit: int, through: object = None
    ) -> pd.DataFrame:
        """Up to `limit` rows with keys after `after` (None: from the start) and up to
        `through` (None: to the end)."""
        result = connection.execute(self.statement(after, limit, through))
        with result:
            rows = result.cursor.fetchall() if self.unconverted(result) else result.fetchall()
        if not rows:
            return pd.DataFrame({name: [] for name in [*self.names, *self.copies]})
        # Column-wise construction: DataFrame.from_records probes each Row object, which
        # costs more than the query itself.
        frame = pd.DataFrame(dict(zip(self.names, zip(*rows, strict=True), strict=True)))
        for name, zone in self.local.items():
            frame[name] = in_zone(frame[name], zone)
        for name, same in self.copies.items():
            frame[name] = frame[same]
        return frame

    def unconverted(self, result: sa.CursorResult[Any]) -> bool:
        """Whether SQLAlchemy would hand back every value of `result` as the driver gives
        it: then the driver's rows are taken as they are, since making SQLAlchemy's Row
        objects took a fifth of the plan's CPU (2.65 against 2.12 s at 1M)."""
        dialect = self.dialect
        return not any(
            column.type.dialect_impl(dialect).result_processor(dialect, described[1])
            for column, described in zip(self.columns, result.cursor.description, strict=True)
        )

    def frames(
        self,
        connection: sa.Connection,
        chunk_size: int,
        after: object = None,
        through: object = None,
    ) -> Iterator[pd.DataFrame]:
        """Every chunk in key order, of the keys after `after` (None: from the start) up to
        `through` (None: to the end). The next chunk is read on a thread while the caller
        works on this one: the database's half of the time and the caller's overlap (the
        connection is used by one thread at a time, the reading one). SQLite connections
        stay on the thread that made them."""
        if self.dialect.name == "sqlite":
            yield from self._frames_here(connection, chunk_size, after, through)
            return
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="pdpipe-read") as reading:
            upcoming = reading.submit(self.chunk, connection, after, chunk_size, through)
            while True:
                frame = upcoming.result()
                if frame.empty:
                    return
                if len(frame) == chunk_size:
                    last = python_value(frame[FrameColumns.KEY].iloc[-1])
                    upcoming = reading.submit(self.chunk, connection, last, chunk_size, through)
                yield frame
                if len(frame) < chunk_size:
                    return

    def _frames_here(
        self, connection: sa.Connection, chunk_size: int, after: object, through: object
    ) -> Iterator[pd.DataFrame]:
        while True:
            frame = self.chunk(connection, after, chunk_size, through)
            if frame.empty:
                return
            yield frame
            if len(frame) < chunk_size:
                return
            after = python_value(frame[FrameColumns.KEY].iloc[-1])


def without(
    query: sa.Select[Any],
    source: sa.Table,
    other: sa.Table,
    matching: sa.ColumnElement[bool],
    dialect: sa.Dialect,
) -> sa.Select[Any]:
    """`query` over the rows of `source` that no row of `other` matches: an anti-join.

    MariaDB gets LEFT JOIN … IS NULL (on `other`'s first primary-key column): it turns
    NOT EXISTS into NOT IN over a subquery it materializes again for every statement, so
    a run reading a million records in chunks spent 49 s there. Elsewhere NOT EXISTS,
    which PostgreSQL plans as an anti-join and SQLite as an index probe.
    """
    if dialect.name in ("mysql", "mariadb"):
        absent = next(iter(other.primary_key.columns))
        joined = source.outerjoin(other, matching)
        return query.select_from(joined).where(absent.is_(None))
    return query.select_from(source).where(~sa.exists(sa.select(sa.literal(1)).where(matching)))


def _decision_columns(
    connection: sa.Connection, spec: TableSpec, table: sa.Table, metadata: sa.MetaData
) -> tuple[list[sa.ColumnElement[Any]], dict[str, str], dict[str, str]]:
    """The columns to select, the frame columns that repeat a selected one (a column
    serving as the clock and as rules' `since` is read once: a third of the decision
    reads' Python time went on the same timestamps read again), and each instant frame
    column's source column."""
    instant = _instant_reader(connection)
    columns: list[sa.ColumnElement[Any]] = [table.c[spec.key].label(FrameColumns.KEY)]
    copies: dict[str, str] = {}
    read_as: dict[str, str] = {}

    def read_instant(column: str, name: str) -> None:
        if column in read_as:
            copies[name] = read_as[column]
        else:
            read_as[column] = name
            columns.append(instant(table.c[column]).label(name))

    read_instant(spec.clock, FrameColumns.CLOCK)
    if spec.consent_given is not None:
        read_instant(spec.consent_given, FrameColumns.CONSENT_GIVEN)

    def read_match(condition: Condition, name: str) -> None:
        verdict = compile_condition(
            condition,
            table,
            spec.key,
            lambda n: reflect(connection, n, metadata),
            filters=child_filters(spec),
        )
        columns.append(sa.case((verdict, 1), else_=0).label(name))

    for index, rule in enumerate(spec.ends):
        if rule.when is not None:
            read_match(rule.when, FrameColumns.match(index))
        if rule.since is not None:
            read_instant(rule.since, FrameColumns.since(index))
    for index, hold in enumerate(spec.holds):
        read_match(hold.when, FrameColumns.hold(index))
    return columns, copies, {name: column for column, name in read_as.items()}


def _instant_reader(
    connection: sa.Connection,
) -> Callable[[sa.ColumnElement[Any]], sa.ColumnElement[Any]]:
    """Instants as text where the driver would parse them one value at a time, for pandas
    to parse a whole chunk at once (decide.as_utc): SQLite keeps them as text already;
    MariaDB's are cast, since PyMySQL made datetime objects in Python at 1.3 us a value
    (50,000 contacts with three instants: 0.34 s, as text 0.14 s). psycopg parses in C."""
    dialect = connection.dialect.name
    if dialect == "sqlite":
        return lambda column: sa.type_coerce(column, sa.String)
    if dialect in ("mysql", "mariadb"):
        return lambda column: (
            sa.cast(column, sa.String) if isinstance(column.type, sa.Date | sa.DateTime) else column
        )
    return lambda column: column


def read_decision_frames(
    connection: sa.Connection,
    spec: TableSpec,
    chunk_size: int = DEFAULT_CHUNK,
    state: sa.Table | None = None,
    due_at: tuple[Policy, AsOf] | None = None,
) -> Iterator[pd.DataFrame]:
    """Frames of at most `chunk_size` rows with FrameColumns, in key order (with `due_at`,
    only rows that may be due then)."""
    reader = DecisionReader(connection, spec, state=state, due_at=due_at)
    return reader.frames(connection, chunk_size)


def python_value(value: Any) -> Any:
    """numpy scalars (from a frame) as plain Python values that every driver can bind."""
    return value.item() if hasattr(value, "item") else value


def key_cuts(connection: sa.Connection, spec: TableSpec, parts: int) -> list[object]:
    """Keys cutting the table into `parts` ranges (fewer when it has too few keys): of
    equal width for an integer key (two index probes), else of about equal rows (which
    reads every key: NTILE took 0.3 s at a million rows, on every run's planning)."""
    table = reflect(connection, spec.name, sa.MetaData())
    if parts < 2:
        return []
    if isinstance(table.c[spec.key].type, sa.Integer):
        return [*even_splits(connection, table, spec.key, parts)]
    # The keys at every rows/parts-th row: row_number, not max() per NTILE tile, which
    # PostgreSQL has no function for on a uuid.
    rows = count_rows(connection, spec.name)
    if rows < parts:
        return []
    key = table.c[spec.key]
    numbered = sa.select(
        key.label("k"), sa.func.row_number().over(order_by=key).label("n")
    ).subquery()
    at = [rows * part // parts for part in range(1, parts)]
    query = sa.select(numbered.c.k).where(numbered.c.n.in_(at)).order_by(numbered.c.n)
    return [python_value(value) for value in connection.execute(query).scalars()]


def even_splits(connection: sa.Connection, table: sa.Table, key: str, parts: int) -> list[int]:
    """Upper keys cutting an integer key's span into `parts` ranges of equal width, for
    readers to share a table: two index probes, where key_ranges' NTILE reads every row.
    No cut (an empty list) for keys of other types, or too few to cut."""
    column = table.c[key]
    if parts < 2 or not isinstance(column.type, sa.Integer):
        return []
    low, high = connection.execute(sa.select(sa.func.min(column), sa.func.max(column))).one()
    if low is None or high - low < parts:
        return []
    width = (high - low) / parts
    return [int(low + width * part) for part in range(1, parts)]


def count_rows(connection: sa.Connection, name: str) -> int:
    total = connection.execute(sa.select(sa.func.count()).select_from(sa.table(name))).scalar()
    return int(total or 0)
