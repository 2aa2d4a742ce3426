"""Bulk-loading a batch into a temporary table, the way each dialect does it fastest.

The batch's statements then join against the temporary table: one UPDATE or DELETE per
table and batch, whatever the batch's size (no per-row round trips).

    PostgreSQL  CREATE TEMP TABLE ... ON COMMIT DROP, then COPY ... FROM STDIN
    MariaDB     CREATE TEMPORARY TABLE, then multi-row INSERTs of about a megabyte, their
                literals made by the driver (Connector/Python's C extension, or PyMySQL),
                a value repeated from the row before escaped once
    SQLite      CREATE TEMP TABLE, then executemany (in-process: no round trips)
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import uuid
from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.schema import CreateTable

from pdpipe.policy.drivers import C_DRIVER


def temp_table(
    connection: sa.Connection,
    columns: Sequence[tuple[str, sa.types.TypeEngine[Any]]],
    rows: Sequence[Sequence[Any]],
) -> sa.Table:
    """A temporary table holding `rows`, alive until the end of the transaction."""
    name = f"pdpipe_tmp_{uuid.uuid4().hex[:12]}"
    dialect = connection.dialect.name
    table = sa.Table(
        name,
        sa.MetaData(),
        *(sa.Column(column, _plain(kind, dialect)) for column, kind in columns),
        prefixes=["TEMPORARY"],
        postgresql_on_commit="DROP",
        info={"dialect": dialect},
    )
    connection.execute(CreateTable(table))
    if not rows:
        return table
    names = [column for column, _ in columns]
    if dialect == "postgresql":
        _copy(connection, name, names, rows)
    elif dialect in ("mysql", "mariadb"):
        _insert_escaped(connection, name, names, rows)
    else:
        connection.execute(table.insert(), [dict(zip(names, row, strict=True)) for row in rows])
    return table


def insert_rows(
    connection: sa.Connection,
    table: sa.Table,
    names: Sequence[str],
    rows: Sequence[Sequence[Any]],
) -> None:
    """INSERT many rows (values in the order of `names`) into a permanent table: COPY on
    PostgreSQL (the ledger of a million-record run took 27 s as executemany, most of the
    run's time), a multi-row INSERT elsewhere."""
    if not rows:
        return
    if connection.dialect.name == "postgresql":
        _copy(connection, table.name, list(names), rows, plain=True)
    elif connection.dialect.name in ("mysql", "mariadb"):
        _insert_escaped(connection, table.name, names, rows)
    else:
        connection.execute(table.insert(), [dict(zip(names, row, strict=True)) for row in rows])


_UNSET = object()
_STATEMENT_BYTES = 1_000_000  # as PyMySQL's executemany, well under max_allowed_packet


def _insert_escaped(
    connection: sa.Connection, name: str, names: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Multi-row INSERTs of at most about a megabyte each (the statements PyMySQL's
    executemany writes; Connector/Python's would put every row in one), with a value that
    repeats the row before's in its column escaped once: a batch's ledger rows share 8 of
    their 12 values, and escaping each in Python was most of a million-record run's 14 s
    of ledger INSERTs. The driver's own escaping makes every literal: Connector/Python's
    C extension (bytes) or PyMySQL's (text)."""
    raw: Any = connection.connection.driver_connection
    assert raw is not None
    quote = connection.dialect.identifier_preparer.quote
    head = f"INSERT INTO {quote(name)} ({', '.join(quote(n) for n in names)}) VALUES "
    try:
        write_literal_rows(raw, connection.dialect.driver, head, rows)
    except connection.dialect.loaded_dbapi.Error as error:
        raise _as_sqlalchemy_error(connection, error, head) from None


def _as_sqlalchemy_error(connection: sa.Connection, error: Any, head: str) -> sa.exc.StatementError:
    """The driver's error on the DB-API connection, as SQLAlchemy raises one of its own
    statements' (mapped by pdpipe's callers; a lost connection invalidated, so that the
    batch's rollback does not use it). The statement keeps no values: only its head."""
    dialect = connection.dialect
    lost = dialect.is_disconnect(error, connection.connection.dbapi_connection, None)
    if lost:
        connection.invalidate(error)
    mapped: sa.exc.StatementError = sa.exc.DBAPIError.instance(
        f"{head}…",
        None,
        error,
        dialect.loaded_dbapi.Error,
        hide_parameters=True,
        connection_invalidated=lost,
        dialect=dialect,
    )
    return mapped


def write_literal_rows(raw: Any, driver: str, head: str, rows: Sequence[Sequence[Any]]) -> None:
    """`head` (`INSERT INTO t (a, b) VALUES `) and the rows' literals, in statements of
    about a megabyte, over the DB-API connection `raw` of a MariaDB `driver`."""
    if driver == C_DRIVER:
        prepare = raw.prepare_for_mysql
        _write_rows(raw, head.encode(), rows, lambda value: prepare((value,))[0], b",", b"(%s)")
    else:
        _write_rows(raw, head, rows, raw.escape, ",", "(%s)")


def _write_rows(
    raw: Any, head: Any, rows: Sequence[Sequence[Any]], escape: Any, comma: Any, row_form: Any
) -> None:
    """In str or in bytes, as the driver takes them."""
    width = len(rows[0]) if rows else 0
    last: list[Any] = [_UNSET] * width
    literals: list[Any] = [comma[:0]] * width
    values: list[Any] = []
    size = 0
    cursor = raw.cursor()
    try:
        for row in rows:
            for index, value in enumerate(row):
                previous = last[index]
                if value is not previous and (
                    type(value) is not type(previous) or value != previous
                ):
                    last[index] = value
                    literals[index] = escape(value)
            text = row_form % comma.join(literals)
            values.append(text)
            size += len(text) + 1
            if size > _STATEMENT_BYTES:
                cursor.execute(head + comma.join(values))
                values, size = [], 0
        if values:
            cursor.execute(head + comma.join(values))
    finally:
        cursor.close()


def drop_temp(connection: sa.Connection, table: sa.Table) -> None:
    """MariaDB and SQLite keep temporary tables for the session: drop them with the batch.

    MariaDB commits the open transaction before a plain `DROP TABLE`, even of a temporary
    table: the batch's changes would then outlive a failure before its ledger rows
    (tests/execute/test_faults.py). `DROP TEMPORARY TABLE` is the one form that does not.
    """
    dialect = connection.dialect.name
    if dialect in ("mysql", "mariadb"):
        connection.execute(sa.text(f"DROP TEMPORARY TABLE {table.name}"))
    elif dialect != "postgresql":
        connection.execute(sa.text(f"DROP TABLE temp.{table.name}"))


def _plain(kind: sa.types.TypeEngine[Any], dialect: str) -> sa.types.TypeEngine[Any]:
    """The column type without constraints or server defaults, fit for a scratch table."""
    if isinstance(kind, sa.JSON) and dialect != "postgresql":
        return sa.Text()
    if isinstance(kind, sa.Enum):
        return sa.String(255)
    return kind


def _copy(
    connection: sa.Connection,
    name: str,
    names: list[str],
    rows: Sequence[Sequence[Any]],
    plain: bool = False,
) -> None:
    """`plain`: no value is a dict or a list, so none needs turning into JSON text first."""
    text = copy_text(rows, len(names))
    if text is not None:
        copy_in(connection, name, names, text)
        return
    raw = connection.connection.driver_connection
    assert raw is not None
    statement = f"COPY {name} ({', '.join(names)}) FROM STDIN"
    with raw.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row if plain else [_copy_value(value) for value in row])


def _copy_value(value: Any) -> Any:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return value


# COPY's text format: a backslash, tab, newline or carriage return inside a value is
# escaped; \N is NULL. https://www.postgresql.org/docs/current/sql-copy.html
_SPECIAL = ("\\", "\t", "\n", "\r")
_NULL = "\\N"


def copy_text(rows: Sequence[Sequence[Any]], width: int) -> str | None:
    """`rows` in COPY's text format, written column by column; None when a column holds a
    value this does not know how to write exactly as psycopg would (a float, bytes, a
    zoned instant, a numpy scalar): then psycopg writes the rows one by one.

    psycopg's write_row adapts value by value, a few microseconds a row: the ledger's,
    the keys' and the new values' rows of a million-record run took 6 s of it."""
    if not rows:
        return ""
    lines = copy_lines(rows) if width > 1 else _column_text([row[0] for row in rows])
    return None if lines is None else "\n".join(lines) + "\n"


def copy_lines(rows: Sequence[Sequence[Any]]) -> list[str] | None:
    """Each row's line of COPY's text format, without its newline (see copy_text)."""
    columns: list[list[str]] = []
    for values in zip(*rows, strict=True):
        written = _column_text(values)
        if written is None:
            return None
        columns.append(written)
    return list(map("\t".join, zip(*columns, strict=True)))


def copy_in(connection: sa.Connection, name: str, names: Sequence[str], text: str) -> None:
    """COPY `text`, rows already in COPY's text format, into table `name`'s `names`."""
    raw = connection.connection.driver_connection
    assert raw is not None
    statement = f"COPY {name} ({', '.join(names)}) FROM STDIN"
    with raw.cursor() as cursor, cursor.copy(statement) as copy:
        copy.write(text)


def _column_text(values: Sequence[Any]) -> list[str] | None:
    kinds = set(map(type, values))
    nullable = type(None) in kinds
    kinds.discard(type(None))
    if not kinds:
        return [_NULL] * len(values)
    if len(kinds) > 1:
        return None
    (kind,) = kinds
    write: Callable[[Any], str]
    if kind is int or kind is decimal.Decimal or kind is uuid.UUID:
        write = str
    elif kind is str:
        present = [v for v in values if v is not None] if nullable else values
        joined = "".join(present)  # one scan in C: most columns (keys, hashes) need none
        write = _escaped if any(special in joined for special in _SPECIAL) else str
    elif kind is dt.datetime:
        if any(v is not None and v.tzinfo is not None for v in values):
            return None  # psycopg converts a zoned instant for the column; keep its way
        write = _instant
    elif kind is dt.date:
        write = dt.date.isoformat
    elif kind is bool:
        write = _boolean
    elif kind is dict or kind is list:
        return [_NULL if v is None else _json(v) for v in values]  # not hashable
    else:
        return None
    # Equal values written alike (a decimal's 1.0 and 1.00 are equal, not alike).
    distinct = set() if kind is decimal.Decimal else set(values)
    if distinct and 2 * len(distinct) < len(values):
        # A batch's run, time, reason, in each of its rows: each written once.
        written = {v: _NULL if v is None else write(v) for v in distinct}
        return [written[v] for v in values]
    if nullable:
        return [_NULL if v is None else write(v) for v in values]
    return list(map(write, values))


def _escaped(value: str) -> str:
    # Chained replace, not str.translate: a translation table took 1.5 µs a value.
    return (
        value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    )


def _instant(value: dt.datetime) -> str:
    return value.isoformat(sep=" ")


def _boolean(value: bool) -> str:
    return "t" if value else "f"


def _json(value: Any) -> str:
    return _escaped(json.dumps(value, ensure_ascii=False))
