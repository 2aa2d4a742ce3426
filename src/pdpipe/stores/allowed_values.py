"""The values a store's schema lets a column hold: an enum type (PostgreSQL), an ENUM
column (MariaDB), or a CHECK constraint that lists them (all three databases).

These lists are schema, written by whoever made the table, not data: a message may
print them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa

from pdpipe.stores.sql_text import Value, allowed_values, names


@dataclass(frozen=True)
class Allowed:
    """What the schema lets one column hold, and which part of it says so."""

    values: tuple[Value, ...]
    source: str  # "enum type subscriber_status", "CHECK constraint ck_status"
    is_type: bool  # an enum type: the database refuses any other value, in any comparison
    # MariaDB compares text without regard to case (its default collations): 'Active'
    # matches an 'active' row there, and its ENUM takes it.
    ignore_case: bool = False

    def admits(self, value: str | int | float | bool | dt.date) -> bool:
        if isinstance(value, bool | dt.date):
            return True  # the type check's concern, not a list's
        if isinstance(value, int | float):
            number = Decimal(str(value))
            return any(
                v == number if isinstance(v, Decimal) else _as_number(v) == number
                for v in self.values
            )
        if self.ignore_case:
            return value.casefold() in {str(v).casefold() for v in self.values}
        return any(
            v == value if isinstance(v, str) else v == _as_number(value) for v in self.values
        )

    def shown(self, limit: int = 20) -> str:
        listed = ", ".join(_show(v) for v in self.values[:limit])
        more = len(self.values) - limit
        return f"{listed}, … ({more} more)" if more > 0 else listed


def _as_number(text: str) -> Decimal | None:
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def _show(value: Value) -> str:
    return repr(value) if isinstance(value, str) else str(value)


def allowed_by_column(
    connection: sa.Connection, inspector: sa.Inspector, table: str
) -> dict[str, Allowed]:
    """Column -> what its enum type or CHECK constraints allow, for the columns that
    have either; an enum type wins over a CHECK (it is what the database refuses by)."""
    columns = inspector.get_columns(table)
    mariadb = connection.dialect.name in ("mysql", "mariadb")
    found: dict[str, Allowed] = {}
    for name, check in _checks(connection, inspector, table):
        mentioned = names(check)
        for column in columns:
            if column["name"].lower() not in mentioned:
                continue
            values = allowed_values(check, column["name"])
            if values is None:
                continue
            earlier = found.get(column["name"])
            if earlier is not None:  # two constraints: a value must pass both
                values = tuple(v for v in values if earlier.admits(_plain(v)))
            found[column["name"]] = Allowed(values, name, is_type=False, ignore_case=mariadb)
    for column in columns:
        kind: Any = column["type"]
        if isinstance(kind, sa.Enum) and kind.enums:
            source = f"enum type {kind.name}" if kind.name else "its ENUM type"
            found[column["name"]] = Allowed(
                tuple(kind.enums), source, is_type=True, ignore_case=mariadb
            )
    return found


def _plain(value: Value) -> str | int | float:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _checks(
    connection: sa.Connection, inspector: sa.Inspector, table: str
) -> list[tuple[str, str]]:
    """(how to name it, its expression) of each CHECK constraint on `table`."""
    rows: list[tuple[str | None, str]]
    if connection.dialect.name in ("mysql", "mariadb") and getattr(
        connection.dialect, "is_mariadb", False
    ):
        # The catalog has column-level checks too (LEVEL = 'Column'), which SQLAlchemy's
        # reading of SHOW CREATE TABLE leaves out.
        query = sa.text(
            "SELECT CONSTRAINT_NAME, CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS "
            "WHERE CONSTRAINT_SCHEMA = DATABASE() AND TABLE_NAME = :t"
        )
        rows = [(str(r[0]), str(r[1])) for r in connection.execute(query, {"t": table})]
    else:
        # PostgreSQL: pg_constraint; SQLite: the CHECKs of the table's CREATE statement.
        rows = [(c.get("name"), str(c["sqltext"])) for c in inspector.get_check_constraints(table)]
    return [
        (f"CHECK constraint {name}" if name else "a CHECK constraint", text) for name, text in rows
    ]
