"""Faults injected at exact moments of a run, and the proof that the ledger still matches.

A *moment* is a write statement, once the database has executed it (INSERT, UPDATE,
DELETE, CREATE, DROP, ANALYZE: the statements that could commit implicitly or leave a
change behind), or a COMMIT, just before it is sent. `Faults(at=k, how=...)` counts the
moments of every engine in the process and, at the k-th, does one of:

    raise      an exception inside the statement's call, as a bug would
    kill       the server ends the connection (PostgreSQL pg_terminate_backend, MariaDB
               KILL CONNECTION; SQLite has no server: kill its process instead)
    sigkill    the process dies at once (only in a child process: see `in_child`)
    sigterm    the process is asked to stop (pdpipe stops at the next batch boundary)

`ledger_matches(url, before)` then proves the one guarantee that matters: the records
changed since `before` are exactly the records the ledger says were acted on, each once.
"""

from __future__ import annotations

import os
import signal
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from pdpipe.execute.batch import BATCH
from pdpipe.stores import tables
from tests.execute.builders import events, leads, memberships, notes, people

WRITES = ("INSERT", "UPDATE", "DELETE", "CREATE", "DROP", "ANALYZE", "ALTER", "TRUNCATE")
HOWS = ("raise", "kill", "sigkill", "sigterm")


class InjectedFault(RuntimeError):
    """What `raise` raises: never a database error, so nothing mistakes it for one."""


@dataclass
class Faults:
    at: int  # the moment to act at, counted from 1; 0: only count
    how: str = "raise"
    admin_url: str | None = None  # a server URL that may end other connections (kill)
    in_batches: bool = False  # count only the moments inside a batch's transaction
    matching: str | None = None  # count only moments that begin so ("COMMIT": commits)
    moments: list[str] = field(default_factory=list)  # what each moment was, in order
    fired: str | None = None

    def _moment(self, connection: sa.Connection, what: str) -> None:
        if self.fired is not None:
            return
        if self.in_batches and BATCH not in connection.info:
            return
        if self.matching is not None and not what.upper().startswith(self.matching.upper()):
            return
        self.moments.append(what)
        if len(self.moments) != self.at:
            return
        self.fired = what
        if self.how == "raise":
            raise InjectedFault(f"fault injected at moment {self.at}: {what}")
        if self.how == "kill":
            _kill(connection, self.admin_url)
        elif self.how == "sigkill":
            os.kill(os.getpid(), signal.SIGKILL)
        elif self.how == "sigterm":
            os.kill(os.getpid(), signal.SIGTERM)

    def _after_execute(
        self, connection: sa.Connection, _cursor: Any, statement: str, *_: Any
    ) -> None:
        verb = statement.lstrip().split(None, 1)[0].upper() if statement.strip() else ""
        if verb in WRITES:
            self._moment(connection, " ".join(statement.split()))

    def _commit(self, connection: sa.Connection) -> None:
        self._moment(connection, "COMMIT")

    @contextmanager
    def installed(self) -> Iterator[Faults]:
        sa.event.listen(sa.engine.Engine, "after_cursor_execute", self._after_execute)
        sa.event.listen(sa.engine.Engine, "commit", self._commit)
        try:
            yield self
        finally:
            sa.event.remove(sa.engine.Engine, "after_cursor_execute", self._after_execute)
            sa.event.remove(sa.engine.Engine, "commit", self._commit)


def _kill(connection: sa.Connection, admin_url: str | None) -> None:
    """End `connection` from the server's side, as an operator's KILL or a restart would."""
    raw = connection.connection.driver_connection
    assert admin_url is not None, "kill needs a server URL"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as killer:
            if connection.dialect.name == "postgresql":
                pid = raw.info.backend_pid  # type: ignore[union-attr]
                killer.execute(sa.text("SELECT pg_terminate_backend(:p)"), {"p": pid})
            else:
                # Connector/Python names the session's id connection_id; PyMySQL thread_id()
                thread = getattr(raw, "connection_id", None) or raw.thread_id()  # type: ignore[union-attr]
                killer.execute(sa.text(f"KILL CONNECTION {int(thread)}"))
    finally:
        admin.dispose()


def in_child(work: Callable[[], int]) -> int:
    """Run `work` in a forked copy of this process and return its exit status (a negative
    signal number when a signal ended it): a kill that takes a whole process, without
    paying a new interpreter's imports for every moment."""
    pid = os.fork()
    if pid == 0:  # the child: never return into pytest
        code = 1
        try:
            code = work()
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        return -os.WTERMSIG(status)
    return os.WEXITSTATUS(status)


# -- the proof -----------------------------------------------------------------------------

STORE_TABLES = (people, memberships, events, notes, leads)


def snapshot(url: str) -> dict[str, dict[Any, dict[str, Any]]]:
    """Every row of the store's own tables, by primary key."""
    return _read(url)[0]


def _read(
    url: str,
) -> tuple[dict[str, dict[Any, dict[str, Any]]], list[dict[str, Any]], list[tuple[str, str, str]]]:
    """The store's tables, its ledger and its pdpipe_state rows, over one connection."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            data = {}
            for table in STORE_TABLES:
                key = next(iter(table.primary_key.columns))
                rows = connection.execute(sa.select(table).order_by(key)).mappings().all()
                data[table.name] = {row[key.name]: dict(row) for row in rows}
            inspector = sa.inspect(connection)
            ledger: list[dict[str, Any]] = []
            if inspector.has_table(tables.ledger.name):
                query = sa.select(tables.ledger).order_by(tables.ledger.c.seq)
                ledger = [dict(row) for row in connection.execute(query).mappings()]
            state: list[tuple[str, str, str]] = []
            if inspector.has_table(tables.state.name):
                query = sa.select(
                    tables.state.c.table_name, tables.state.c.record_key, tables.state.c.state
                )
                state = [(str(t), str(k), str(s)) for t, k, s in connection.execute(query)]
    finally:
        engine.dispose()
    return data, ledger, state


def ledger_matches(url: str, before: dict[str, dict[Any, dict[str, Any]]]) -> list[str]:
    """What breaks 'every record changed has its ledger row, and every ledger row its
    change', described; empty when the store and its ledger agree."""
    now, ledger, state = _read(url)
    rows = [r for r in ledger if r["action"] != "document"]
    problems: list[str] = []
    counted = Counter((r["table_name"], r["record_key"]) for r in rows)
    twice = sorted(key for key, n in counted.items() if n > 1)
    if twice:
        problems.append(f"records in the ledger more than once: {twice[:5]}")
    logged: dict[tuple[str, str], set[str]] = {}
    for r in rows:
        logged.setdefault((r["table_name"], r["action"]), set()).add(str(r["record_key"]))

    destroyed = {str(k) for k in before["people"] if k not in now["people"]}
    changed_people = {str(k) for k, row in now["people"].items() if row != before["people"].get(k)}
    if changed_people:
        problems.append(f"people changed but not destroyed: {sorted(changed_people)[:5]}")
    _compare(problems, "people destroyed", destroyed, logged.get(("people", "destroy"), set()))
    changed_leads = {str(k) for k, row in now["leads"].items() if row != before["leads"][k]}
    _compare(
        problems,
        "leads depersonalized",
        changed_leads,
        logged.get(("leads", "depersonalize"), set()),
    )
    for table_name, action, mark in (
        ("leads", "depersonalize", tables.DEPERSONALIZED),
        ("leads", "block", tables.BLOCKED),
        ("people", "block", tables.BLOCKED),
    ):
        marked = {k for t, k, s in state if t == table_name and s == mark}
        _compare(
            problems, f"{table_name} marked {mark}", marked, logged.get((table_name, action), set())
        )

    # Children change only with their record, and all of them with it.
    for child, fk in ((memberships, "person_id"), (events, "person_id"), (notes, "person_id")):
        for key, row in before[child.name].items():
            owner = str(row[fk]) if row[fk] is not None else None
            after = now[child.name].get(key)
            if after == row:
                if owner in destroyed:
                    problems.append(f"{child.name} {key} of destroyed person {owner} untouched")
            elif owner not in destroyed:
                problems.append(f"{child.name} {key} changed without its person {owner}")
    return problems


def _compare(problems: list[str], what: str, changed: set[str], logged: set[str]) -> None:
    if changed - logged:
        problems.append(f"{what} without a ledger row: {sorted(changed - logged)[:5]}")
    if logged - changed:
        problems.append(f"{what} in the ledger but not done: {sorted(logged - changed)[:5]}")
