"""One run per store at a time.

PostgreSQL: a session advisory lock (``pg_try_advisory_lock``); MariaDB: ``GET_LOCK``.
Both belong to a connection held for the whole run and vanish with it, so a killed run
never leaves a stale lock. SQLite has neither: a row in ``pdpipe_lock`` names the owner
(host and process); a row whose process is gone on this host is taken over.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from pdpipe.errors import RunFailed
from pdpipe.execute import tables

LOCK_NAME = "pdpipe-run"


class StoreBusy(RunFailed):
    """Another pdpipe run holds the store."""

    transient = True


def _advisory_key() -> int:
    digest = hashlib.sha256(LOCK_NAME.encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _alive(owner: str) -> bool:
    host, _, pid = owner.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return True  # another machine's process: cannot tell, assume it runs
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextmanager
def store_lock(engine: sa.Engine, store_name: str) -> Iterator[None]:
    """Hold the store for the block, or raise StoreBusy at once."""
    busy = StoreBusy(
        f"store '{store_name}' is being processed by another pdpipe run; "
        "try again when it has finished"
    )
    dialect = engine.dialect.name
    if dialect == "postgresql":
        with engine.connect() as holder:
            key = _advisory_key()
            if not holder.execute(sa.text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar():
                raise busy
            holder.commit()
            try:
                yield
            finally:
                holder.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                holder.commit()
    elif dialect in ("mysql", "mariadb"):
        with engine.connect() as holder:
            name = f"{LOCK_NAME}:" + str(holder.execute(sa.text("SELECT DATABASE()")).scalar())
            name = name[:64]
            if holder.execute(sa.text("SELECT GET_LOCK(:n, 0)"), {"n": name}).scalar() != 1:
                raise busy
            try:
                yield
            finally:
                holder.execute(sa.text("SELECT RELEASE_LOCK(:n)"), {"n": name})
    else:
        with _lock_row(engine, busy):
            yield


@contextmanager
def _lock_row(engine: sa.Engine, busy: StoreBusy) -> Iterator[None]:
    owner = _owner()
    with engine.begin() as connection:
        tables.lock.create(connection, checkfirst=True)
        current = connection.execute(
            sa.select(tables.lock.c.owner).where(tables.lock.c.name == LOCK_NAME)
        ).scalar()
        if current is not None and _alive(current):
            raise busy
        connection.execute(tables.lock.delete().where(tables.lock.c.name == LOCK_NAME))
        connection.execute(
            tables.lock.insert().values(
                name=LOCK_NAME,
                owner=owner,
                acquired_at=dt.datetime.now(dt.UTC).replace(tzinfo=None),
            )
        )
    try:
        yield
    finally:
        with engine.begin() as connection:
            connection.execute(
                tables.lock.delete().where(
                    (tables.lock.c.name == LOCK_NAME) & (tables.lock.c.owner == owner)
                )
            )
