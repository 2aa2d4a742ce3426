"""Placing and releasing holds on single records, each ledgered (`pdpipe hold …`).

A hold keeps a record whose purpose ended from being destroyed or depersonalized while
another ground requires it: a dispute, an investigation, a statutory duty to keep
(152-FZ art. 21 p.4-5). Holds live in the record's own database (pdpipe_holds), beside
the ledger, so that the run and the requests that read the record also read its hold
in the same transaction (retention/record_holds.py reads them).

Placing and releasing each append a row to the store's hash-chained ledger (actions
`hold` and `release`, reason `legal_hold`, the ground as the legal basis), under an
operation id of their own (`hold-<uuid>`), in the transaction that writes the hold: the
two cannot disagree. The ledger's documents count destroyed and depersonalized records
only, so these rows never appear in an act as records acted on.

Only the key the user typed and names are echoed: a hold never reads another column.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from pdpipe.errors import BadInput
from pdpipe.execute import ledger
from pdpipe.execute.ledger_check import ledger_key
from pdpipe.execute.lock import store_lock
from pdpipe.policy.models import Policy, StoreSpec, TableSpec
from pdpipe.retention.record_holds import HOLD, REASON, RELEASE, active_on
from pdpipe.stores import tables
from pdpipe.stores.engine import reflect
from pdpipe.stores.keys import key_text
from pdpipe.stores.owner import opened_store, owned

OPERATION = "hold-"  # the ledger run id of a hold's placing or release: hold-<hex>


def _operation() -> str:
    """An operation id that fits the ledger's run id (36 characters): 124 random bits."""
    return OPERATION + uuid.uuid4().hex[:31]


@dataclass(frozen=True)
class RecordHold:
    """One hold on one record, as pdpipe_holds keeps it (names, the key, dates; no value
    of the record's)."""

    hold_id: str
    store: str
    table: str
    record_key: str
    ground: str
    until: dt.date | None
    placed_at: dt.datetime  # naive UTC, as the database keeps it
    placed_by: str
    released_at: dt.datetime | None = None
    released_by: str | None = None
    note: str | None = None

    def in_force(self, day: dt.date) -> bool:
        return self.released_at is None and (self.until is None or day < self.until)

    def as_json(self) -> dict[str, Any]:
        def instant(value: dt.datetime | None) -> str | None:
            return None if value is None else value.replace(tzinfo=dt.UTC).isoformat()

        return {
            "hold_id": self.hold_id,
            "store": self.store,
            "table": self.table,
            "key": self.record_key,
            "ground": self.ground,
            "until": None if self.until is None else self.until.isoformat(),
            "placed_at": instant(self.placed_at),
            "placed_by": self.placed_by,
            "released_at": instant(self.released_at),
            "released_by": self.released_by,
            "note": self.note,
        }


def target(policy: Policy, name: str) -> tuple[StoreSpec, TableSpec]:
    """`STORE.TABLE` as the policy names it; BadInput listing the known ones otherwise."""
    store_name, _, table = name.partition(".")
    for store in policy.stores:
        if store.name != store_name:
            continue
        for spec in store.tables:
            if spec.name == table:
                return store, spec
    known = ", ".join(f"{s.name}.{t.name}" for s in policy.stores for t in s.tables)
    raise BadInput(f"no table '{name}' in the policy (known: {known})")


def place(
    policy: Policy,
    name: str,
    key: str,
    ground: str,
    until: dt.date | None = None,
    *,
    today: dt.date | None = None,
) -> RecordHold:
    """Hold the record `key` of `name` (STORE.TABLE) on `ground` until the start of
    `until` (None: until released). Refused (BadInput, nothing written) for a key the
    table lacks, an end not after today, or a record already held."""
    store, spec = target(policy, name)
    ground = ground.strip()
    if not ground:
        raise BadInput("--ground: say why the record is kept (a dispute, a statutory duty)")
    today = today or dt.datetime.now(policy.operator.zone).date()
    if until is not None and until <= today:
        raise BadInput(f"--until {until}: a hold ends at the start of that day; give a later day")
    operation = _operation()
    with (
        owned() as stores,
        store_lock(stores.engine(store), store.name),
        stores.begin(store) as connection,
    ):
        tables.ensure_tables(connection)
        stored_key = _stored_key(connection, store, spec, key)
        now = _now()
        entry = ledger.Entry(spec.name, stored_key, HOLD, REASON, _basis(ground, until), "")
        # The ledger's head lock orders this with every other writer of the store; the
        # check for a hold already placed comes after it, so two cannot both pass it.
        ledger.append(connection, operation, store.name, [entry], now, ledger_key(policy))
        if _open_hold(connection, spec.name, stored_key, today) is not None:
            raise BadInput(
                f"{name} {key}: already held; release that hold first (pdpipe hold list)"
            )
        hold = RecordHold(
            str(uuid.uuid4()),
            store.name,
            spec.name,
            stored_key,
            ground,
            until,
            now.replace(microsecond=0, tzinfo=None),
            operation,
        )
        connection.execute(
            tables.holds.insert().values(
                hold_id=hold.hold_id,
                store=hold.store,
                table_name=hold.table,
                record_key=hold.record_key,
                ground=hold.ground,
                held_until=hold.until,
                placed_at=hold.placed_at,
                placed_by=hold.placed_by,
            )
        )
        return hold


def release(
    policy: Policy, name: str, key: str, note: str | None = None, *, today: dt.date | None = None
) -> RecordHold:
    """End the hold in force on the record `key` of `name`; BadInput when there is none."""
    store, spec = target(policy, name)
    today = today or dt.datetime.now(policy.operator.zone).date()
    operation = _operation()
    with (
        owned() as stores,
        store_lock(stores.engine(store), store.name),
        stores.begin(store) as connection,
    ):
        tables.ensure_tables(connection)
        hold = _open_hold(connection, spec.name, key, today)
        if hold is None:
            raise BadInput(f"{name} {key}: no hold in force on this record (pdpipe hold list)")
        now = _now()
        basis = _basis(hold.ground, hold.until) + (f"; released: {note}" if note else "")
        entry = ledger.Entry(spec.name, hold.record_key, RELEASE, REASON, basis, "")
        ledger.append(connection, operation, store.name, [entry], now, ledger_key(policy))
        released_at = now.replace(microsecond=0, tzinfo=None)
        connection.execute(
            tables.holds.update()
            .where(tables.holds.c.hold_id == hold.hold_id)
            .values(released_at=released_at, released_by=operation, note=note)
        )
        return RecordHold(
            **{
                **hold.__dict__,
                "released_at": released_at,
                "released_by": operation,
                "note": note,
            }
        )


def list_holds(
    policy: Policy,
    name: str | None = None,
    *,
    include_released: bool = False,
    today: dt.date | None = None,
) -> list[RecordHold]:
    """The holds of every processed table (or of `name`, STORE.TABLE), in force on
    `today` (with `include_released`, ended and released ones too), by store, table,
    placing. Reads each database once; a database pdpipe never wrote to holds none."""
    chosen = [target(policy, name)] if name is not None else None
    today = today or dt.datetime.now(policy.operator.zone).date()
    found: list[RecordHold] = []
    for store in {s.url: s for s in policy.stores}.values():
        sharing = {s.name for s in policy.stores if s.url == store.url}
        wanted = {
            (s.name, t.name)
            for s, t in (chosen or [(s, t) for s in policy.stores for t in s.tables])
            if s.name in sharing
        }
        if not wanted:
            continue
        with opened_store(store, read_only=True) as connection:
            if not sa.inspect(connection).has_table(tables.holds.name):
                continue
            holds = tables.holds
            query = sa.select(holds).order_by(
                holds.c.store, holds.c.table_name, holds.c.placed_at, holds.c.hold_id
            )
            if not include_released:
                query = query.where(active_on(today))
            found += [
                hold
                for hold in map(_hold, connection.execute(query))
                if (hold.store, hold.table) in wanted
            ]
    return found


def _stored_key(connection: sa.Connection, store: StoreSpec, spec: TableSpec, key: str) -> str:
    """The record's key as pdpipe's tables keep it (the store's key as text), read from
    the record itself: BadInput when the table has no such key."""
    table = reflect(connection, spec.name, sa.MetaData())
    column = table.c[spec.key]
    dialect = connection.dialect.name
    if isinstance(column.type, sa.Integer):
        # Compared as a number, on the key's index; text that is not one is no key of it.
        try:
            number = int(key)
        except ValueError:
            number = None
        matches = sa.false() if number is None or str(number) != key.strip() else column == number
    else:
        matches = key_text(column, dialect) == key
    found = connection.execute(sa.select(key_text(column, dialect)).where(matches).limit(1))
    stored = found.scalar()
    if stored is None:
        raise BadInput(f"{store.name}.{spec.name}: no record with key {key!r}; nothing held")
    return str(stored)


def _open_hold(
    connection: sa.Connection, table: str, key: str, today: dt.date
) -> RecordHold | None:
    holds = tables.holds
    row = connection.execute(
        sa.select(holds)
        .where(holds.c.table_name == table, holds.c.record_key == key, active_on(today))
        .order_by(holds.c.placed_at)
        .limit(1)
    ).first()
    return None if row is None else _hold(row)


def _hold(row: sa.Row[Any]) -> RecordHold:
    until = row.held_until
    if isinstance(until, dt.datetime):  # some drivers hand a DATE back as a datetime
        until = until.date()
    elif isinstance(until, str):
        until = dt.date.fromisoformat(until)
    return RecordHold(
        hold_id=str(row.hold_id),
        store=str(row.store),
        table=str(row.table_name),
        record_key=str(row.record_key),
        ground=str(row.ground),
        until=until,
        placed_at=row.placed_at,
        placed_by=str(row.placed_by),
        released_at=row.released_at,
        released_by=None if row.released_by is None else str(row.released_by),
        note=None if row.note is None else str(row.note),
    )


def _basis(ground: str, until: dt.date | None) -> str:
    """The ledger's legal basis of a hold: its ground, and its end when it has one."""
    return ground if until is None else f"{ground} (until {until.isoformat()})"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
