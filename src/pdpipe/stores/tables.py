"""pdpipe's own tables, kept in every store it processes.

    pdpipe_runs      one row per run: as-of, policy hash, status, counts
    pdpipe_ledger    one row per record acted on, hash-chained (see execute/ledger.py)
    pdpipe_state     records depersonalized or blocked: later runs skip them
    pdpipe_progress  per run, table and partition: its key range, last committed key and
                     the records its batches acted on, by action and reason
    pdpipe_ledger_head  the ledger's last seq and hash: one row, locked by each append
    pdpipe_lock      SQLite only: the row that says a run holds the store
    pdpipe_checksums per run and table, the count and digest sums of its rows before
                     the run and of the records each batch acted on
                     (validation/snapshot.py); deleted once the run is validated
    pdpipe_reclaims  per run and store, how destroyed values were erased from the
                     database's files after the run (execute/reclaim.py)
    pdpipe_scans     one row per discovery scan that reached this database: when, what
                     it sampled, how many columns held undeclared PD
    pdpipe_findings  per scan, each column it judged: store, table, column, status and
                     categories (names and shares only, never a value; discovery/record.py)
    pdpipe_holds     holds placed on single records (`pdpipe hold add`): the record's key,
                     the ground, the day it ends, who placed and released it
                     (execute/holds.py); runs and requests leave held records as they are
    pdpipe_child_counts  per run, table, child table, action and batch: the child rows
                     the batch deleted, detached or depersonalized, for the documents

Keys of processed records are kept as text so one table serves integer and text keys.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import mysql
from sqlalchemy.schema import CreateColumn

from pdpipe.stores.keys import BINARY, key_type

metadata = sa.MetaData()

KEY = key_type()  # in each database's binary collation: stores/keys.py
RUN_ID = sa.String(36)
NAME = sa.String(128)

runs = sa.Table(
    "pdpipe_runs",
    metadata,
    sa.Column("run_id", RUN_ID, primary_key=True),
    sa.Column("as_of", sa.DateTime, nullable=False),
    sa.Column("as_of_date", sa.String(10), nullable=False),
    sa.Column("policy_hash", sa.String(64), nullable=False),
    sa.Column("started_at", sa.DateTime, nullable=False),
    sa.Column("finished_at", sa.DateTime),
    sa.Column("status", sa.String(24), nullable=False),
    sa.Column("counts", sa.Text),
    # How far it got (planned, acted, validated, documented); NULL for runs of releases
    # that did not say. Added to existing stores by ensure_tables.
    sa.Column("stage", sa.String(16)),
    # JSON: per table, each hold and how many due records it kept from the run (from the
    # run's plan), for the run's act to list; NULL for runs of releases before holds.
    sa.Column("held", sa.Text),
)

ledger = sa.Table(
    "pdpipe_ledger",
    metadata,
    sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("run_id", RUN_ID, nullable=False),
    sa.Column("store", NAME, nullable=False),
    sa.Column("table_name", NAME, nullable=False),
    sa.Column("record_key", KEY, nullable=False),
    sa.Column("action", sa.String(20), nullable=False),
    sa.Column("reason", sa.String(40), nullable=False),
    sa.Column("legal_basis", sa.Text, nullable=False),
    sa.Column("categories", sa.String(500), nullable=False),
    sa.Column("acted_at", sa.DateTime, nullable=False),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("row_hash", sa.String(64), nullable=False),
    # A run's rows by table and action, with their keys: validation reads the run's
    # destroyed or kept records of a table from the index alone. MariaDB fetched each of
    # a run's ledger rows to see its table and action (1.0 s at a million subscribers to
    # find that none was depersonalized; the ledger outgrows the buffer pool).
    sa.Index("ix_pdpipe_ledger_run_action", "run_id", "table_name", "action", "record_key"),
    # Validation looks records up in the ledger by table, key and run (all three: SQLite,
    # without statistics, would otherwise scan the run's rows once per record).
    sa.Index("ix_pdpipe_ledger_record_run", "table_name", "record_key", "run_id"),
)

state = sa.Table(
    "pdpipe_state",
    metadata,
    sa.Column("table_name", NAME, primary_key=True),
    sa.Column("record_key", KEY, primary_key=True),
    sa.Column("state", sa.String(20), nullable=False),
    sa.Column("reason", sa.String(40), nullable=False),
    sa.Column("run_id", RUN_ID, nullable=False),
    sa.Column("since", sa.DateTime, nullable=False),
)

progress = sa.Table(
    "pdpipe_progress",
    metadata,
    sa.Column("run_id", RUN_ID, primary_key=True),
    sa.Column("table_name", NAME, primary_key=True),
    sa.Column("part", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("low", sa.Text),  # JSON of the key the partition starts after; NULL: the start
    sa.Column("high", sa.Text),  # JSON of the last key it covers; NULL: to the end
    sa.Column("last_key", sa.Text),
    sa.Column("batches", sa.Integer, nullable=False),
    sa.Column("done", sa.Boolean, nullable=False),
    # JSON {action: {reason: records}} of the partition's committed batches, written in
    # each batch's transaction; NULL where a release before it ran batches (execute/runner.py)
    sa.Column("acted", sa.Text),
)

ledger_head = sa.Table(
    "pdpipe_ledger_head",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("seq", sa.BigInteger, nullable=False),
    sa.Column("row_hash", sa.String(64), nullable=False),
    sa.Column("signature", sa.String(64)),  # HMAC of seq and hash under secrets.ledger_key
)

lock = sa.Table(
    "pdpipe_lock",
    metadata,
    sa.Column("name", NAME, primary_key=True),
    sa.Column("owner", sa.String(200), nullable=False),
    sa.Column("acquired_at", sa.DateTime, nullable=False),
)

SUM = sa.Numeric(40, 0).with_variant(sa.BigInteger(), "sqlite")
BEFORE_RUN = "before"
ACTED = "acted"

checksums = sa.Table(
    "pdpipe_checksums",
    metadata,
    sa.Column("run_id", RUN_ID, primary_key=True),
    sa.Column("table_name", NAME, primary_key=True),
    # BEFORE_RUN: the whole table, before the run (part and batch 0); ACTED: the records
    # one batch of one partition acted on, read in the batch's own transaction.
    sa.Column("kind", sa.String(8), primary_key=True),
    sa.Column("part", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("batch", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("row_count", sa.BigInteger, nullable=False),
    sa.Column("sum0", SUM, nullable=False),
    sa.Column("sum1", SUM, nullable=False),
)

reclaims = sa.Table(
    "pdpipe_reclaims",
    metadata,
    sa.Column("run_id", sa.String(64), primary_key=True),
    sa.Column("store", NAME, primary_key=True),
    sa.Column("done_at", sa.DateTime, nullable=False),
    sa.Column("facts", sa.Text, nullable=False),  # JSON of execute.reclaim.Reclaimed
)

PRECISE_INSTANT = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")

scans = sa.Table(
    "pdpipe_scans",
    metadata,
    sa.Column("scan_id", RUN_ID, primary_key=True),
    # UTC, to the microsecond (MariaDB's DATETIME keeps whole seconds): the latest scan is
    # the one validation follows, and two scans can fall within a second.
    sa.Column("scanned_at", PRECISE_INSTANT, nullable=False),
    sa.Column("tables", sa.Integer, nullable=False),
    sa.Column("columns", sa.Integer, nullable=False),
    sa.Column("rows_sampled", sa.BigInteger, nullable=False),
    sa.Column("undeclared", sa.Integer, nullable=False),
)

findings = sa.Table(
    "pdpipe_findings",
    metadata,
    sa.Column("scan_id", RUN_ID, primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("store", NAME, nullable=False),
    sa.Column("table_name", NAME, nullable=False),
    sa.Column("column_name", sa.String(500), nullable=False),  # or a JSON key path
    sa.Column("status", sa.String(24), nullable=False),
    sa.Column("found", sa.String(500), nullable=False),  # categories, comma-separated
    sa.Column("declared", sa.String(500), nullable=False),
    sa.Column("share", sa.Float),
)

holds = sa.Table(
    "pdpipe_holds",
    metadata,
    sa.Column("hold_id", RUN_ID, primary_key=True),
    sa.Column("store", NAME, nullable=False),
    sa.Column("table_name", NAME, nullable=False),
    sa.Column("record_key", KEY, nullable=False),
    sa.Column("ground", sa.Text, nullable=False),
    # The hold ends at the start of this day (operator's zone); NULL: until released.
    sa.Column("held_until", sa.Date),
    sa.Column("placed_at", sa.DateTime, nullable=False),
    sa.Column("placed_by", RUN_ID, nullable=False),  # the operation id of its ledger row
    sa.Column("released_at", sa.DateTime),
    sa.Column("released_by", RUN_ID),
    sa.Column("note", sa.Text),  # why it was released
    # Readers look a record's holds up by table and key, once per record they decide.
    sa.Index("ix_pdpipe_holds_record", "table_name", "record_key"),
)

child_counts = sa.Table(
    "pdpipe_child_counts",
    metadata,
    sa.Column("run_id", RUN_ID, primary_key=True),
    sa.Column("store", NAME, primary_key=True),
    sa.Column("table_name", NAME, primary_key=True),  # the main table, whose records
    sa.Column("child_table", NAME, primary_key=True),
    sa.Column("action", sa.String(20), primary_key=True),  # ... were destroyed or depersonalized
    # The batch (of a partition) that acted, written in its transaction: a batch that
    # was rolled back left none, and one that committed is never done again, so a
    # retried batch cannot count twice. A request's changes count as batches of part 0.
    sa.Column("part", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("batch", sa.Integer, primary_key=True, autoincrement=False),
    # The batch's records so acted on: the documents give a child's rows only when these
    # add up to the ledger's records (a batch of an earlier release counted none).
    sa.Column("records", sa.Integer, nullable=False),
    sa.Column("row_count", sa.BigInteger, nullable=False),
    sa.Column("acted_at", sa.DateTime, nullable=False),  # the ledger rows' time
)

# Earlier releases kept one digest per row in pdpipe_snapshot; nothing reads it now.
RETIRED = ("pdpipe_snapshot",)
# Indexes of earlier releases that a wider one replaced: (table, index, its columns).
RETIRED_INDEXES = (("pdpipe_ledger", "ix_pdpipe_ledger_run", ("run_id",)),)


DEPERSONALIZED = "depersonalized"
BLOCKED = "blocked"
# The ledger's actions after which the record is still in its table.
KEPT_ACTIONS = ("depersonalize", "block")


def ensure_tables(connection: sa.Connection) -> None:
    """Create pdpipe's tables where missing (idempotent, inside the caller's transaction),
    and the ledger's head row, before any partition can race to create it."""
    metadata.create_all(connection, checkfirst=True)
    _add_missing_columns(connection)
    _binary_keys(connection)
    for table in metadata.sorted_tables:  # indexes added since a store's tables were made
        for index in table.indexes:
            index.create(connection, checkfirst=True)
    for name in RETIRED:
        sa.Table(name, sa.MetaData()).drop(connection, checkfirst=True)
    _drop_retired_indexes(connection)
    if connection.execute(sa.select(ledger_head.c.id)).first() is None:
        last = connection.execute(
            sa.select(ledger.c.seq, ledger.c.row_hash).order_by(ledger.c.seq.desc()).limit(1)
        ).first()
        seq, digest = (0, "0" * 64) if last is None else (int(last[0]), str(last[1]))
        connection.execute(ledger_head.insert().values(id=1, seq=seq, row_hash=digest))


def _drop_retired_indexes(connection: sa.Connection) -> None:
    inspector = sa.inspect(connection)
    for table_name, index_name, columns in RETIRED_INDEXES:
        if any(found["name"] == index_name for found in inspector.get_indexes(table_name)):
            table = sa.Table(table_name, sa.MetaData(), *(sa.Column(c, sa.Text) for c in columns))
            sa.Index(index_name, *(table.c[c] for c in columns)).drop(connection)


def _add_missing_columns(connection: sa.Connection) -> None:
    """Columns added to pdpipe's tables since a store's were made (all nullable)."""
    inspector = sa.inspect(connection)
    for table in metadata.sorted_tables:
        present = {c["name"] for c in inspector.get_columns(table.name)}
        for column in table.columns:
            if column.name not in present:
                assert column.nullable, f"{table.name}.{column.name}: a new column must be nullable"
                ddl = CreateColumn(column).compile(dialect=connection.dialect)
                quoted = connection.dialect.identifier_preparer.quote(table.name)
                connection.execute(sa.text(f"ALTER TABLE {quoted} ADD COLUMN {ddl}"))


def _binary_keys(connection: sa.Connection) -> None:
    """Key columns of tables made by releases that left them in the database's default
    collation: put into the binary one (a one-time rebuild of their indexes)."""
    dialect = connection.dialect.name
    if dialect not in BINARY:
        return
    schema = "DATABASE()" if dialect != "postgresql" else "current_schema()"
    for table in (ledger, state):
        found = connection.execute(
            sa.text(
                "SELECT collation_name FROM information_schema.columns WHERE "
                f"table_schema = {schema} AND table_name = :t AND column_name = 'record_key'"
            ),
            {"t": table.name},
        ).scalar()
        if found == BINARY[dialect]:
            continue
        name = connection.dialect.identifier_preparer.quote(table.name)
        if dialect == "postgresql":
            connection.execute(
                sa.text(f'ALTER TABLE {name} ALTER COLUMN record_key TYPE VARCHAR(255) COLLATE "C"')
            )
        else:
            connection.execute(
                sa.text(
                    f"ALTER TABLE {name} MODIFY record_key VARCHAR(255) "
                    "CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL"
                )
            )


def has_state_table(connection: sa.Connection) -> bool:
    return sa.inspect(connection).has_table(state.name)


def refresh_statistics(connection: sa.Connection, *names: str) -> None:
    """Let the planner see tables that just grew by a run's worth of rows: PostgreSQL,
    left with the statistics of an empty table, looked keys up one by one (3 s at a
    million rows) where a hash anti-join takes a fraction of it."""
    dialect = connection.dialect.name
    for name in names:
        quoted = connection.dialect.identifier_preparer.quote(name)
        if dialect == "postgresql":
            connection.execute(sa.text(f"ANALYZE {quoted}"))
        elif dialect in ("mysql", "mariadb"):
            connection.execute(sa.text(f"ANALYZE TABLE {quoted}")).all()
