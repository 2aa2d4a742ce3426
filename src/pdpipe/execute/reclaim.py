"""Erasing destroyed values from the database's own files, after a run acted.

A DELETE leaves the deleted row's bytes in the table's pages until the database reuses
them, and an UPDATE (depersonalization) leaves the row's earlier version the same way.
Measured on this project's machine (3,000 rows, a fifth deleted, the files read after a
checkpoint): PostgreSQL kept 600 of 600 deleted emails, 217 after VACUUM, 0 after VACUUM
FULL; MariaDB kept 600, 68 once InnoDB had purged, 0 after OPTIMIZE TABLE; SQLite kept
600 with secure_delete off and 0 with it on. So, per store, `destruction.physical`:

    none     nothing more: the act says the values can remain in the data files
    vacuum   PostgreSQL VACUUM of the touched tables (never blocks the application);
             MariaDB: InnoDB's own purge; SQLite: secure_delete on every connection
             (zeroes deleted content as it goes) and a WAL checkpoint. The default: it
             costs the application nothing, and the act says what can remain.
    rewrite  the touched tables rebuilt: PostgreSQL VACUUM, then VACUUM FULL (locks each
             table while it is rebuilt), MariaDB OPTIMIZE TABLE (InnoDB rebuilds online), SQLite
             VACUUM. No destroyed value remains in the data files, unless a
             transaction older than the erasure could still see it: pdpipe waits for
             those (bounded), and on PostgreSQL records how many dead row versions
             VACUUM FULL still kept, so that the act claims only what was reported.

What was done, and what the server keeps in its logs (WAL archiving, the binary log),
is recorded in `pdpipe_reclaims` for the act to state (report/documents).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import time
from dataclasses import asdict, dataclass, field

import psycopg
import sqlalchemy as sa

from pdpipe.execute.ledger import ACTIONS
from pdpipe.policy.models import Physical, Policy, StoreSpec
from pdpipe.stores import tables
from pdpipe.stores.owner import opened_store

log = logging.getLogger("pdpipe.execute")

CHANGING = tuple(a for a in ACTIONS if a != "block")  # actions that change the data


@dataclass(frozen=True)
class Reclaimed:
    """What was done to erase a run's destroyed values from one store's files."""

    store: str
    dialect: str
    physical: str
    statement: str | None  # what ran: VACUUM, VACUUM FULL, OPTIMIZE TABLE; None: nothing
    tables: list[str]
    at: str  # UTC, ISO 8601
    logs: dict[str, str] = field(default_factory=dict)  # the server's log settings
    # PostgreSQL: sessions, prepared transactions and replication slots of the database
    # that still held VACUUM's horizon before the statement when it ran, after waiting
    # for them: the row versions they could see were kept. SQLite: 1 if a reader kept
    # the WAL checkpoint from completing (the file's earlier pages were kept).
    held_back: int = 0
    # PostgreSQL VACUUM FULL: dead row versions it reported copying into the new files
    # (still visible to some transaction); 0: none of the destroyed values remains.
    # None: not counted (other statements, other databases, records made before it).
    kept: int | None = None


def reclaim(policy: Policy, run_id: str) -> list[Reclaimed]:
    """Erase, as each store's policy says, what the run destroyed or depersonalized;
    record it. A store already reclaimed for this run is left as it is (idempotent)."""
    done = []
    for store in policy.stores:
        with opened_store(store) as connection:
            if _already(connection, run_id, store.name):
                continue
            touched = _touched(connection, store, run_id)
            if not touched:
                continue
            entry = _erase(connection, store, touched)
            with connection.begin():
                tables.ensure_tables(connection)
                connection.execute(
                    tables.reclaims.insert().values(
                        run_id=run_id,
                        store=store.name,
                        done_at=dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0),
                        facts=json.dumps(asdict(entry), sort_keys=True),
                    )
                )
        log.info("%s: %s on %d table(s)", store.name, entry.statement or "nothing", len(touched))
        done.append(entry)
    return done


def recorded(policy: Policy, run_ids: list[str]) -> dict[str, list[Reclaimed]]:
    """What was recorded for these runs, per run id."""
    found: dict[str, list[Reclaimed]] = {}
    seen: set[str] = set()
    for store in policy.stores:
        if store.url in seen:
            continue
        seen.add(store.url)
        with opened_store(store, read_only=True) as connection:
            if not sa.inspect(connection).has_table(tables.reclaims.name):
                continue
            rows = connection.execute(
                sa.select(tables.reclaims.c.run_id, tables.reclaims.c.facts).where(
                    tables.reclaims.c.run_id.in_(run_ids)
                )
            ).all()
        for run_id, facts in rows:
            found.setdefault(str(run_id), []).append(Reclaimed(**json.loads(facts)))
    return found


def _already(connection: sa.Connection, run_id: str, store: str) -> bool:
    if not sa.inspect(connection).has_table(tables.reclaims.name):
        return False
    reclaims = tables.reclaims
    found = connection.execute(
        sa.select(sa.literal(1)).where((reclaims.c.run_id == run_id) & (reclaims.c.store == store))
    ).first()
    connection.rollback()
    return found is not None


def _touched(connection: sa.Connection, store: StoreSpec, run_id: str) -> list[str]:
    """The store's tables whose rows the run deleted or rewrote, children included."""
    if not sa.inspect(connection).has_table(tables.ledger.name):
        return []
    ledger = tables.ledger
    acted = {
        str(name)
        for (name,) in connection.execute(
            sa.select(ledger.c.table_name)
            .where(
                (ledger.c.run_id == run_id)
                & (ledger.c.store == store.name)
                & ledger.c.action.in_(CHANGING)
            )
            .distinct()
        )
    }
    connection.rollback()
    touched: list[str] = []
    for spec in store.tables:
        if spec.name in acted:
            touched += [spec.name, *(child.table for child in spec.children)]
    return list(dict.fromkeys(touched))


def _erase(connection: sa.Connection, store: StoreSpec, touched: list[str]) -> Reclaimed:
    dialect = connection.dialect.name
    physical = store.destruction.physical
    quote = connection.dialect.identifier_preparer.quote
    names = [quote(name) for name in touched]
    statement: str | None = None
    autocommit = connection.execution_options(isolation_level="AUTOCOMMIT")
    held_back = 0
    kept: int | None = None
    if dialect == "postgresql" and physical is not Physical.NONE:
        full = physical is Physical.REWRITE
        statement = "VACUUM FULL" if full else "VACUUM"
        held_back = _horizon_passed(autocommit)
        autocommit.execute(sa.text(f"VACUUM {', '.join(names)}"))
        if full:
            # After the VACUUM, not instead of it: VACUUM FULL copies every row version
            # its own snapshot may see, and a snapshot counts the transactions running
            # in ANY database of the server; VACUUM ignores those of other databases
            # (procarray.c, ComputeXidHorizons) and removes the dead versions first.
            kept = _vacuum_full(autocommit, names)
    elif dialect in ("mysql", "mariadb") and physical is Physical.REWRITE:
        statement = "OPTIMIZE TABLE"
        autocommit.execute(sa.text(f"OPTIMIZE TABLE {', '.join(names)}")).all()
    elif dialect == "sqlite" and physical is not Physical.NONE:
        if physical is Physical.REWRITE:
            statement = "VACUUM"
            autocommit.execute(sa.text("VACUUM"))
        else:
            statement = "secure_delete"
        held_back = _checkpointed(autocommit)
    return Reclaimed(
        store=store.name,
        dialect=dialect,
        physical=physical.value,
        statement=statement,
        tables=touched,
        at=dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        logs=_log_settings(connection),
        held_back=held_back,
        kept=kept,
    )


SNAPSHOT_WAIT_SECONDS = 60.0

# What holds VACUUM's horizon (procarray.c, ComputeXidHorizons) for a table of this
# database below `before`, the first transaction id after the run's changes, so that it
# keeps the dead row versions the run left: a session of this database with an older
# snapshot (backend_xmin) or transaction (backend_xid), a prepared transaction of this
# database, a replication slot's xmin, a standby's feedback (a walsender's xmin).
# Transactions of other databases do not hold VACUUM; they do hold VACUUM FULL, whose own
# snapshot counts them: measured, another database's write open for 0.6 s across the end
# of a run left all 296 destroyed values in the files VACUUM FULL wrote (_erase).
_HOLDING = sa.text(
    "SELECT (SELECT count(*) FROM pg_stat_activity a WHERE a.pid <> pg_backend_pid() AND ("
    "    ((a.datname = current_database() OR a.backend_type = 'walsender')"
    "      AND age(a.backend_xmin) > age(xid(CAST(:before AS xid8))))"
    "    OR (a.datname = current_database()"
    "      AND age(a.backend_xid) > age(xid(CAST(:before AS xid8))))))"
    "  + (SELECT count(*) FROM pg_prepared_xacts p WHERE p.database = current_database()"
    "      AND age(p.transaction) > age(xid(CAST(:before AS xid8))))"
    "  + (SELECT count(*) FROM pg_replication_slots s"
    "      WHERE age(s.xmin) > age(xid(CAST(:before AS xid8))))"
)


def _horizon_passed(autocommit: sa.Connection, timeout: float | None = None) -> int:
    """Wait, up to `timeout` (SNAPSHOT_WAIT_SECONDS), until nothing holds VACUUM's
    horizon before now (_HOLDING); returns how many sessions, prepared transactions and
    slots still did (0: none kept VACUUM from removing what the run deleted). Once
    passed, the horizon stays passed: a transaction begun later has a later id, and a
    snapshot taken later a later xmin."""
    timeout = SNAPSHOT_WAIT_SECONDS if timeout is None else timeout
    before = autocommit.execute(
        sa.text("SELECT CAST(pg_snapshot_xmax(pg_current_snapshot()) AS text)")
    ).scalar_one()
    deadline = time.monotonic() + timeout
    while True:
        holding = int(autocommit.execute(_HOLDING, {"before": before}).scalar_one())
        if holding == 0 or time.monotonic() >= deadline:
            if holding:
                log.warning(
                    "%d session(s) or transaction(s) older than the erasure still ran after "
                    "%.0f s: the row versions they could see remain in the data files",
                    holding,
                    timeout,
                )
            return holding
        time.sleep(0.2)


def _checkpointed(autocommit: sa.Connection, timeout: float | None = None) -> int:
    """SQLite: copy the WAL into the database file and empty it, retrying up to `timeout`
    (SNAPSHOT_WAIT_SECONDS); returns 1 if a reader kept it from completing, else 0.
    A connection reading since before the erasure needs the file's earlier pages, so
    the checkpoint leaves them (destroyed values and all) while it reads; measured: 200
    of 200 deleted values were still in the file after VACUUM and a busy checkpoint."""
    timeout = SNAPSHOT_WAIT_SECONDS if timeout is None else timeout
    deadline = time.monotonic() + timeout
    # Short busy waits, so that the deadline, not the connection's 10 s, bounds it.
    previous = autocommit.execute(sa.text("PRAGMA busy_timeout")).scalar()
    autocommit.execute(sa.text("PRAGMA busy_timeout=200"))
    try:
        while True:
            busy = autocommit.execute(sa.text("PRAGMA wal_checkpoint(TRUNCATE)")).one()[0]
            if not busy:  # done, or no WAL (journal_mode other than wal): (0, -1, -1)
                return 0
            if time.monotonic() >= deadline:
                log.warning(
                    "a reader kept the WAL from being checkpointed after %.0f s: earlier "
                    "pages remain in the database file",
                    timeout,
                )
                return 1
            time.sleep(0.2)
    finally:
        autocommit.execute(sa.text(f"PRAGMA busy_timeout={int(previous or 0)}"))


def _vacuum_full(autocommit: sa.Connection, names: list[str]) -> int | None:
    """VACUUM FULL of the tables; returns how many dead row versions it had to copy into
    the new files as still visible to some transaction (its VERBOSE report per table:
    "N dead row versions cannot be removed yet"), None if that was not reported for
    every table. The count, not the wait before it, is what the act may rely on."""
    reported: list[int] = []

    def notice(diagnostic: psycopg.errors.Diagnostic) -> None:
        # The table's summary, told apart by where the server raised it, not by its
        # wording (lc_messages translates it); the count is the detail's first number.
        if diagnostic.source_function == "copy_table_data" and diagnostic.message_detail:
            found = re.match(r"\s*(\d+)", diagnostic.message_detail)
            if found:
                reported.append(int(found.group(1)))

    driver = autocommit.connection.driver_connection
    if not isinstance(driver, psycopg.Connection):
        autocommit.execute(sa.text(f"VACUUM FULL {', '.join(names)}"))
        return None
    driver.add_notice_handler(notice)
    try:
        autocommit.execute(sa.text(f"VACUUM (FULL, VERBOSE) {', '.join(names)}"))
    finally:
        driver.remove_notice_handler(notice)
    return sum(reported) if len(reported) == len(names) else None


def _log_settings(connection: sa.Connection) -> dict[str, str]:
    """Where the server itself keeps earlier versions of rows, as it is configured."""
    dialect = connection.dialect.name
    try:
        if dialect == "postgresql":
            return {
                "archive_mode": str(connection.execute(sa.text("SHOW archive_mode")).scalar()),
                "wal_level": str(connection.execute(sa.text("SHOW wal_level")).scalar()),
            }
        if dialect in ("mysql", "mariadb"):
            row = connection.execute(
                sa.text("SELECT @@log_bin, @@binlog_format, @@expire_logs_days")
            ).one()
            return {
                "log_bin": "on" if int(row[0] or 0) else "off",
                "binlog_format": str(row[1]),
                "expire_logs_days": str(row[2]),
            }
        mode = connection.execute(sa.text("PRAGMA journal_mode")).scalar()
        return {"journal_mode": str(mode)}
    finally:
        connection.rollback()
