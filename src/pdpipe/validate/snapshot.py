"""Rows not acted on are unchanged: a digest of every row before the run, compared after.

Before the run each processed table is read once, key-ordered and chunk by chunk, and a
SHA-256 digest of every row is kept with its key in a small SQLite file in the run's
folder (bounded memory; digests only, never values). After the run the table is read
again: every row the run's ledger does not name must be there with the same digest, and
the count of such rows must not have changed.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from pdpipe.execute import tables
from pdpipe.policy.models import Policy, StoreSpec, TableSpec
from pdpipe.stores.engine import create_store_engine, describe_store_error
from pdpipe.stores.reader import python_value

CHUNK = 20_000


def _rows(connection: sa.Connection, spec: TableSpec) -> Iterator[tuple[str, bytes]]:
    table = sa.Table(spec.name, sa.MetaData(), autoload_with=connection)
    key = table.c[spec.key]
    after: Any = None
    while True:
        statement = sa.select(table).order_by(key).limit(CHUNK)
        if after is not None:
            statement = statement.where(key > after)
        rows = connection.execute(statement).fetchall()
        for row in rows:
            record = row._mapping
            yield str(record[spec.key]), hashlib.sha256(repr(tuple(row)).encode()).digest()
        if len(rows) < CHUNK:
            return
        after = python_value(rows[-1]._mapping[spec.key])


LOOKUP = 5_000  # keys per snapshot lookup, well under SQLite's limit of bound variables


def _chunks(rows: Iterator[tuple[str, bytes]], size: int) -> Iterator[list[tuple[str, bytes]]]:
    chunk: list[tuple[str, bytes]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _digests(
    snapshot: sqlite3.Connection, store: str, table: str, keys: list[str]
) -> dict[str, bytes]:
    """The snapshot's digests of `keys`, in one query."""
    if not keys:
        return {}
    marks = ",".join("?" * len(keys))
    found = snapshot.execute(
        f"SELECT k, digest FROM rows WHERE store=? AND tbl=? AND k IN ({marks})",
        (store, table, *keys),
    )
    return dict(found.fetchall())


def _each_table(policy: Policy) -> Iterator[tuple[StoreSpec, TableSpec]]:
    for store in policy.stores:
        for spec in store.tables:
            yield store, spec


def take(policy: Policy, path: Path) -> None:
    """Digest every row of every processed table into `path` (a new SQLite file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    with closing(sqlite3.connect(path)) as snapshot:
        snapshot.execute("CREATE TABLE rows (store TEXT, tbl TEXT, k TEXT, digest BLOB)")
        for store, spec in _each_table(policy):
            engine = create_store_engine(store, read_only=True)
            try:
                with engine.connect() as connection:
                    batch: list[tuple[str, str, str, bytes]] = []
                    for key, digest in _rows(connection, spec):
                        batch.append((store.name, spec.name, key, digest))
                        if len(batch) >= CHUNK:
                            snapshot.executemany("INSERT INTO rows VALUES (?,?,?,?)", batch)
                            batch.clear()
                    snapshot.executemany("INSERT INTO rows VALUES (?,?,?,?)", batch)
            except sa.exc.DBAPIError as exc:
                raise describe_store_error(store, exc) from None
            finally:
                engine.dispose()
        snapshot.execute("CREATE UNIQUE INDEX rows_key ON rows (store, tbl, k)")
        snapshot.commit()


def changed_rows(policy: Policy, path: Path, run_id: str) -> dict[tuple[str, str], int]:
    """Per (store, table): rows the run did not act on that changed or vanished."""
    found: dict[tuple[str, str], int] = {}
    with closing(sqlite3.connect(path)) as snapshot:
        for store, spec in _each_table(policy):
            engine = create_store_engine(store, read_only=True)
            try:
                with engine.connect() as connection:
                    acted = {
                        str(k)
                        for k in connection.execute(
                            sa.select(tables.ledger.c.record_key).where(
                                (tables.ledger.c.run_id == run_id)
                                & (tables.ledger.c.table_name == spec.name)
                            )
                        ).scalars()
                    }
                    changed, untouched_after = 0, 0
                    for chunk in _chunks(_rows(connection, spec), LOOKUP):
                        current = {k: d for k, d in chunk if k not in acted}
                        untouched_after += len(current)
                        before = _digests(snapshot, store.name, spec.name, list(current))
                        changed += sum(before.get(k) != d for k, d in current.items())
                    untouched_before = sum(
                        1
                        for (key,) in snapshot.execute(
                            "SELECT k FROM rows WHERE store=? AND tbl=?", (store.name, spec.name)
                        )
                        if key not in acted
                    )
                    found[(store.name, spec.name)] = changed + abs(
                        untouched_before - untouched_after
                    )
            except sa.exc.DBAPIError as exc:
                raise describe_store_error(store, exc) from None
            finally:
                engine.dispose()
    return found
