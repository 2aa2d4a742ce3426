"""pdpipe's own tables, kept in every store it processes.

    pdpipe_runs      one row per run: as-of, policy hash, status, counts
    pdpipe_ledger    one row per record acted on, hash-chained (see ledger.py)
    pdpipe_state     records depersonalized or blocked: later runs skip them
    pdpipe_progress  per run and table: the last key of the last committed batch
    pdpipe_lock      SQLite only: the row that says a run holds the store

Keys of processed records are kept as text so one table serves integer and text keys.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

KEY = sa.String(255)
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
    sa.Index("ix_pdpipe_ledger_run", "run_id"),
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
    sa.Column("last_key", sa.Text),
    sa.Column("batches", sa.Integer, nullable=False),
    sa.Column("done", sa.Boolean, nullable=False),
)

lock = sa.Table(
    "pdpipe_lock",
    metadata,
    sa.Column("name", NAME, primary_key=True),
    sa.Column("owner", sa.String(200), nullable=False),
    sa.Column("acquired_at", sa.DateTime, nullable=False),
)

DEPERSONALIZED = "depersonalized"
BLOCKED = "blocked"


def ensure_tables(connection: sa.Connection) -> None:
    """Create pdpipe's tables where missing (idempotent, inside the caller's transaction)."""
    metadata.create_all(connection, checkfirst=True)


def has_state_table(connection: sa.Connection) -> bool:
    return sa.inspect(connection).has_table(state.name)
