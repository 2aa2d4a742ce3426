"""Reads the columns decide() needs, one key-ordered chunk at a time.

Only the key, the clock and each end rule's verdict (evaluated by the database from the
compiled condition) and date are selected: no personal data leaves the store, and memory
holds one chunk whatever the table's size. Chunks follow the key (keyset pagination), so
each query is an index range scan rather than an ever-growing OFFSET.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pandas as pd
import sqlalchemy as sa

from pdpipe.policy.conditions import compile_condition
from pdpipe.policy.models import TableSpec
from pdpipe.retention.decide import FrameColumns

DEFAULT_CHUNK = 50_000


def reflect(connection: sa.Connection, name: str, metadata: sa.MetaData) -> sa.Table:
    if name in metadata.tables:
        return metadata.tables[name]
    return sa.Table(name, metadata, autoload_with=connection)


def decision_columns(
    connection: sa.Connection, spec: TableSpec, metadata: sa.MetaData
) -> tuple[sa.Table, list[sa.ColumnElement[object]]]:
    table = reflect(connection, spec.name, metadata)
    instant = _instant_reader(connection)
    columns: list[sa.ColumnElement[object]] = [
        table.c[spec.key].label(FrameColumns.KEY),
        instant(table.c[spec.clock]).label(FrameColumns.CLOCK),
    ]
    if spec.consent_given is not None:
        columns.append(instant(table.c[spec.consent_given]).label(FrameColumns.CONSENT_GIVEN))
    for index, rule in enumerate(spec.ends):
        if rule.when is not None:
            verdict = compile_condition(
                rule.when, table, spec.key, lambda n: reflect(connection, n, metadata)
            )
            columns.append(sa.case((verdict, 1), else_=0).label(FrameColumns.match(index)))
        if rule.since is not None:
            columns.append(instant(table.c[rule.since]).label(FrameColumns.since(index)))
    return table, columns


def _instant_reader(
    connection: sa.Connection,
) -> Callable[[sa.ColumnElement[object]], sa.ColumnElement[object]]:
    """SQLite keeps timestamps as text, which SQLAlchemy parses one value at a time; taking
    the text as it is lets pandas parse a whole chunk at once (decide.as_utc)."""
    if connection.dialect.name != "sqlite":
        return lambda column: column
    return lambda column: sa.type_coerce(column, sa.String)


def read_decision_frames(
    connection: sa.Connection, spec: TableSpec, chunk_size: int = DEFAULT_CHUNK
) -> Iterator[pd.DataFrame]:
    """Frames of at most `chunk_size` rows with FrameColumns, in key order."""
    metadata = sa.MetaData()
    table, columns = decision_columns(connection, spec, metadata)
    key = table.c[spec.key]
    names = [c.key for c in columns]
    last: object = None
    while True:
        statement = sa.select(*columns).order_by(key).limit(chunk_size)
        if last is not None:
            statement = statement.where(key > last)
        rows = connection.execute(statement).fetchall()
        if not rows:
            return
        # Column-wise construction: DataFrame.from_records probes each Row object, which
        # costs more than the query itself.
        yield pd.DataFrame(dict(zip(names, zip(*rows, strict=True), strict=True)))
        if len(rows) < chunk_size:
            return
        last = rows[-1][0]


def count_rows(connection: sa.Connection, name: str) -> int:
    total = connection.execute(sa.select(sa.func.count()).select_from(sa.table(name))).scalar()
    return int(total or 0)
