"""One run per store at a time.

PostgreSQL: a session advisory lock (``pg_try_advisory_lock``); MariaDB: ``GET_LOCK``.
Both belong to a connection held for the whole run and vanish with it, so a killed run
never leaves a stale lock. SQLite has neither: a row in ``pdpipe_lock`` names the owner
(host and process); a row whose process is gone on this host is taken over.

A lock that vanishes with its connection also vanishes when only that connection is
ended (an administrator's KILL, a network cut): the run would go on unprotected while
another could start. So every batch asks, in its own transaction, whether the lock is
still this run's (`confirm_hold`), and stops the run when it is not.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import sqlalchemy as sa

from pdpipe.errors import RunFailed, StoreError
from pdpipe.stores import tables

LOCK_NAME = "pdpipe-run"


class StoreBusy(RunFailed):
    """Another pdpipe run holds the store."""

    transient = True


class LockLost(RunFailed):
    """The connection that held the run's lock on a store is gone: the run stops."""


@dataclass(frozen=True)
class Hold:
    """Who holds a store's lock in this process: the lock's name and its connection."""

    dialect: str
    name: str | int  # the advisory key (PostgreSQL), the lock's name (MariaDB), the row's
    holder: str | int  # the holding session's pid, thread id, or this process's owner


_holds: dict[str, Hold] = {}  # by store URL: partitions in threads of this process look here


def confirm_hold(connection: sa.Connection, url: str, store_name: str) -> None:
    """Raise LockLost unless the lock taken for `url` in this process is still held. A
    partition in another process (a Dask worker) has no record of it and is not checked."""
    hold = _holds.get(url)
    if hold is None:
        return
    if hold.dialect == "postgresql":
        held = connection.execute(
            sa.text(
                "SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted "
                "AND pid = :pid LIMIT 1"
            ),
            {"pid": hold.holder},
        ).first()
    elif hold.dialect in ("mysql", "mariadb"):
        held = connection.execute(
            sa.text("SELECT 1 FROM DUAL WHERE IS_USED_LOCK(:name) = :holder"),
            {"name": hold.name, "holder": hold.holder},
        ).first()
    else:
        held = connection.execute(
            sa.select(sa.literal(1)).where(
                (tables.lock.c.name == LOCK_NAME) & (tables.lock.c.owner == hold.holder)
            )
        ).first()
    if held is None:
        raise LockLost(
            f"store '{store_name}': the run lost its lock on the store (the connection "
            "holding it ended, or its row was removed); the batch was rolled back and the "
            "run stopped, so that no other run can overlap it; run again to resume"
        )


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
def store_lock(engine: sa.Engine, store_name: str, url: str | None = None) -> Iterator[None]:
    """Hold the store for the block, or raise StoreBusy at once. With `url` (the store's,
    as the policy gives it), batches of this process can confirm the hold."""
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
            pid = holder.execute(sa.text("SELECT pg_backend_pid()")).scalar()
            holder.commit()
            with _held(url, Hold(dialect, key, int(pid or 0))):
                yield
            _release(holder, "SELECT pg_advisory_unlock(:k)", {"k": key})
    elif dialect in ("mysql", "mariadb"):
        with engine.connect() as holder:
            name = f"{LOCK_NAME}:" + str(holder.execute(sa.text("SELECT DATABASE()")).scalar())
            name = name[:64]
            if holder.execute(sa.text("SELECT GET_LOCK(:n, 0)"), {"n": name}).scalar() != 1:
                raise busy
            thread = holder.execute(sa.text("SELECT CONNECTION_ID()")).scalar()
            with _held(url, Hold(dialect, name, int(thread or 0))):
                yield
            _release(holder, "SELECT RELEASE_LOCK(:n)", {"n": name})
    else:
        with _lock_row(engine, busy), _held(url, Hold(dialect, LOCK_NAME, _owner())):
            yield


@contextmanager
def _held(url: str | None, hold: Hold) -> Iterator[None]:
    if url is not None:
        _holds[url] = hold
    try:
        yield
    finally:
        if url is not None:
            _holds.pop(url, None)


def _release(holder: sa.Connection, statement: str, parameters: dict[str, object]) -> None:
    """Give the lock back; a lock whose connection is already gone went with it."""
    try:
        holder.execute(sa.text(statement), parameters)
        holder.commit()
    except (StoreError, sa.exc.DBAPIError):
        pass


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
