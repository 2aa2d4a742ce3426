"""Holds on single records (pdpipe_holds), as the retention readers see them.

A record hold keeps one record from being acted on, as a policy hold (`tables[].holds`)
keeps the records its condition selects: placed with `pdpipe hold add` (execute/holds.py
writes them, ledgered), it lasts until it is released or its day comes (it ends at the
start of `held_until` in the operator's zone). This module only reads: the decision
reader's column of a record's hold, the plan's list of a table's holds, the requests'
question "is this record held now?", and the validation's "never overdue".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from pdpipe.policy.conditions import compile_condition
from pdpipe.policy.models import TableSpec, child_filters
from pdpipe.stores import tables
from pdpipe.stores.engine import reflect
from pdpipe.stores.keys import key_text, same_key

HOLD = "hold"  # the ledger's action for a hold placed on a record
RELEASE = "release"  # and for its release
LEDGER_ACTIONS = (HOLD, RELEASE)  # rows that record a hold, never a record acted on
REASON = "legal_hold"


@dataclass(frozen=True)
class Ground:
    """Why records are kept and until when (None: until released or removed)."""

    ground: str
    until: dt.date | None

    def as_json(self) -> dict[str, Any]:
        return {"ground": self.ground, "until": None if self.until is None else str(self.until)}


def has_holds_table(connection: sa.Connection) -> bool:
    return sa.inspect(connection).has_table(tables.holds.name)


def active_on(day: dt.date) -> sa.ColumnElement[bool]:
    """Holds in force on `day` (the operator's date): not released, not yet ended."""
    holds = tables.holds
    return holds.c.released_at.is_(None) & (
        holds.c.held_until.is_(None) | (holds.c.held_until > day)
    )


def holds_placed(connection: sa.Connection, table: str) -> bool:
    """Whether any record of `table` has a hold not yet released. The decision reader
    looks a row's hold up only then: without one, a lookup per row is a cost on every
    plan and run for nothing (no hold can be placed while a run holds the store's lock)."""
    if not has_holds_table(connection):
        return False
    holds = tables.holds
    found = connection.execute(
        sa.select(sa.literal(1))
        .where((holds.c.table_name == table) & holds.c.released_at.is_(None))
        .limit(1)
    ).first()
    return found is not None


def hold_column(
    table: str, key: sa.ColumnElement[Any], dialect: str, day: dt.date
) -> sa.ColumnElement[Any]:
    """For the decision reader: the id of a hold in force on `day` on the row's record,
    NULL when none (a correlated lookup on the holds' index by table and key)."""
    holds = tables.holds
    return (
        sa.select(sa.func.min(holds.c.hold_id))
        .where(
            (holds.c.table_name == table) & same_key(holds.c.record_key, key, dialect),
            active_on(day),
        )
        .scalar_subquery()
    )


def unreleased(table: str, key: sa.ColumnElement[Any], dialect: str) -> sa.Exists:
    """The record has a hold not released, ended or not: validation's overdue check
    (a template SQL of no particular day) never calls it overdue, as with policy holds."""
    holds = tables.holds
    return sa.exists(
        sa.select(sa.literal(1)).where(
            (holds.c.table_name == table)
            & same_key(holds.c.record_key, key, dialect)
            & holds.c.released_at.is_(None)
        )
    )


def in_force(connection: sa.Connection, table: str, day: dt.date) -> dict[str, Ground]:
    """The holds of `table` in force on `day`, by id: what the plan's counts refer to."""
    if not has_holds_table(connection):
        return {}
    holds = tables.holds
    rows = connection.execute(
        sa.select(holds.c.hold_id, holds.c.ground, holds.c.held_until).where(
            holds.c.table_name == table, active_on(day)
        )
    )
    return {str(row[0]): Ground(str(row[1]), _day(row[2])) for row in rows}


def _day(value: object) -> dt.date | None:
    """A DATE as the driver hands it back (SQLite's as text, some as a datetime)."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


_KEYS_PER_QUERY = 10_000  # under every database's limit on parameters


def kept_now(
    connection: sa.Connection, spec: TableSpec, keys: Sequence[Any], day: dt.date
) -> dict[str, list[Ground]]:
    """Which of `keys` (a table's own keys) a hold keeps on `day`, policy holds and record
    holds alike, each with the grounds that keep it (keys as text): what a subject's
    demand to destroy must leave as it is."""
    found: dict[str, list[Ground]] = {}
    if not keys:
        return found
    dialect = connection.dialect.name
    table = reflect(connection, spec.name, sa.MetaData())
    key = table.c[spec.key]
    metadata = sa.MetaData()
    for start in range(0, len(keys), _KEYS_PER_QUERY):
        part = list(keys[start : start + _KEYS_PER_QUERY])
        for hold in spec.holds:
            if not hold.active(day):
                continue
            verdict = compile_condition(
                hold.when,
                table,
                spec.key,
                lambda name: reflect(connection, name, metadata),
                filters=child_filters(spec),
            )
            query = sa.select(key_text(key, dialect)).where(key.in_(part), verdict)
            for (text,) in connection.execute(query):
                found.setdefault(str(text), []).append(Ground(hold.ground, hold.until))
        if not has_holds_table(connection):
            continue
        holds = tables.holds
        texts = [str(k) for k in part]
        query = (
            sa.select(holds.c.record_key, holds.c.ground, holds.c.held_until)
            .where(holds.c.table_name == spec.name, holds.c.record_key.in_(texts), active_on(day))
            .order_by(holds.c.record_key, holds.c.placed_at)
        )
        for row in connection.execute(query):
            found.setdefault(str(row[0]), []).append(Ground(str(row[1]), _day(row[2])))
    return found
