"""Bulk loaders: one per dialect, each writing batches over a raw DBAPI connection.

SQLAlchemy's executemany would run bind processors on every value; these loaders convert a
batch column-wise with numpy and hand the driver plain tuples: `executemany` for SQLite,
`COPY ... FROM STDIN` for PostgreSQL, and multi-row `INSERT ... VALUES` statements of about
a megabyte for MariaDB/MySQL, their literals made by the driver (execute/bulk.py).

Timestamps go in as text in the form SQLAlchemy itself uses on each dialect, so rows read
back through SQLAlchemy compare equal on all three.
"""

from __future__ import annotations

import sqlite3
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

import mysql.connector
import numpy as np
import psycopg
import pymysql
import sqlalchemy as sa

from pdpipe.demo.batch import Batch
from pdpipe.demo.vector import STR, Bools
from pdpipe.errors import BadInput
from pdpipe.execute.bulk import write_literal_rows

ROWS_PER_STATEMENT = 50_000

# What a driver may raise while loading; the builder maps these to pdpipe's StoreError.
DRIVER_ERRORS: tuple[type[Exception], ...] = (
    sqlite3.Error,
    psycopg.Error,
    pymysql.err.Error,
    mysql.connector.Error,
    sa.exc.SQLAlchemyError,
)


class Loader(ABC):
    """Writes batches into one database; nothing is visible before `commit()`."""

    fractional_seconds = False  # SQLite stores SQLAlchemy's DateTime text with microseconds
    placeholder = "?"

    def __init__(self, engine: sa.Engine) -> None:
        self._pooled = engine.raw_connection()
        self._driver: Any = self._pooled.driver_connection
        self._quote = engine.dialect.identifier_preparer.quote

    def write(self, batch: Batch) -> None:
        names = list(batch.columns)
        values = [
            _python_values(batch.columns[name], batch.nulls.get(name), self.fractional_seconds)
            for name in names
        ]
        for start in range(0, len(batch), ROWS_PER_STATEMENT):
            stop = start + ROWS_PER_STATEMENT
            rows = list(zip(*(column[start:stop] for column in values), strict=True))
            self._insert(self._quote(batch.table), [self._quote(n) for n in names], rows)

    def commit(self) -> None:
        self._driver.commit()

    def finish(self, metadata: sa.MetaData) -> None:
        """Work after the last row, such as catching sequences up; commits."""
        self.commit()

    def close(self) -> None:
        self._pooled.close()

    @abstractmethod
    def _insert(self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        """Insert `rows` into `table`; names are already quoted for the dialect."""

    def _insert_statement(self, table: str, columns: Sequence[str]) -> str:
        marks = ", ".join([self.placeholder] * len(columns))
        return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"


class SQLiteLoader(Loader):
    fractional_seconds = True

    def __init__(self, engine: sa.Engine) -> None:
        super().__init__(engine)
        # A demo store that a crash leaves half-written is simply rebuilt, so skip fsyncs.
        self._driver.execute("PRAGMA synchronous = OFF")

    def _insert(self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        self._driver.executemany(self._insert_statement(table, columns), rows)


class PostgresLoader(Loader):
    def _insert(self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        with (
            self._driver.cursor() as cursor,
            cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)

    def finish(self, metadata: sa.MetaData) -> None:
        # Rows came with explicit ids, so SERIAL sequences still stand at 1.
        with self._driver.cursor() as cursor:
            for table in metadata.sorted_tables:
                name = self._quote(table.name)
                if "id" in table.c and table.c.id.primary_key:
                    cursor.execute(
                        f"SELECT setval(pg_get_serial_sequence(%s, 'id'), max(id)) FROM {name}",
                        (name,),
                    )
                cursor.execute(f"ANALYZE {name}")
        self.commit()


class MySQLLoader(Loader):
    def __init__(self, engine: sa.Engine) -> None:
        super().__init__(engine)
        self._driver_name = engine.dialect.driver

    def _insert(self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        head = f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
        write_literal_rows(self._driver, self._driver_name, head, rows)


_LOADERS: dict[str, type[Loader]] = {
    "sqlite": SQLiteLoader,
    "postgresql": PostgresLoader,
    "mysql": MySQLLoader,
    "mariadb": MySQLLoader,
}


SUPPORTED_BACKENDS = frozenset(_LOADERS)


def loader_for(engine: sa.Engine) -> Loader:
    try:
        kind = _LOADERS[engine.dialect.name]
    except KeyError:
        raise BadInput(f"no demo loader for {engine.dialect.name}") from None
    return kind(engine)


def _python_values(values: Any, null: Bools | None, fractional_seconds: bool) -> list[Any]:
    if values.dtype.kind == "M":
        text = np.datetime_as_string(values, unit="s").astype(STR)
        text = np.strings.replace(text, "T", " ")
        values = np.strings.add(text, ".000000") if fractional_seconds else text
    if null is not None and null.any():
        boxed = values.astype(object)
        boxed[null] = None
        values = boxed
    result: list[Any] = values.tolist()
    return result
