"""What the database itself guarantees, so that a check need not read a table to know it.

A key with a unique index cannot repeat, and a child row under an enforced foreign key
cannot point at a missing parent. Reading a million rows to find what the server has
already refused costs seconds (in the benchmark, right after a run on PostgreSQL: 2.5 s
for the five children, 1 s for two keys, of a 14.4 s validation), so these checks put a
guard in front: the catalog's word, read at check time. Where it holds, the server skips the scan;
where it does not (no constraint, a PostgreSQL foreign key added NOT VALID, its triggers
switched off), the check reads every row as before, and fails on what it finds.

Only PostgreSQL's word is taken. MariaDB and MySQL accept rows with
`foreign_key_checks = 0` and never look at them again, and SQLite enforces foreign keys
only on connections that ask it to, so there the checks always read the rows.

Each guard is SQL text whose truth means "the server guarantees it"; the names it takes are
quoted here, so a table named like a keyword still resolves.
"""

from __future__ import annotations

import sqlalchemy as sa


def _literal(connection: sa.Connection, value: str) -> str:
    return str(
        sa.literal(str(value), sa.String()).compile(
            dialect=connection.dialect, compile_kwargs={"literal_binds": True}
        )
    )


def _regclass(connection: sa.Connection, table: str) -> str:
    quoted = connection.dialect.identifier_preparer.quote(table)
    return f"pg_catalog.to_regclass({_literal(connection, quoted)})"


def _attnum(connection: sa.Connection, relation: str, column: str) -> str:
    return (
        "(SELECT a.attnum FROM pg_catalog.pg_attribute a "
        f"WHERE a.attrelid = {relation} AND a.attname = {_literal(connection, column)})"
    )


def unique_key(connection: sa.Connection, table: str, key: str) -> str | None:
    """True when `key` is NOT NULL and alone in a valid unique index without a predicate
    or expression: then no two rows share a key. None: the dialect gives no guarantee."""
    if connection.dialect.name != "postgresql":
        return None
    # No JOIN: GX reads any JOIN in a check's query as "the query aliases the batch".
    return (
        "EXISTS (SELECT 1 FROM pg_catalog.pg_index i "
        f"WHERE i.indrelid = {_regclass(connection, table)} "
        "AND i.indisunique AND i.indisvalid AND i.indnkeyatts = 1 "
        "AND i.indpred IS NULL AND i.indexprs IS NULL "
        "AND EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a "
        "WHERE a.attrelid = i.indrelid AND a.attnum = i.indkey[0] "
        f"AND a.attname = {_literal(connection, key)} AND a.attnotnull))"
    )


def foreign_key(
    connection: sa.Connection, child: str, fk: str, parent: str, key: str
) -> str | None:
    """True when a validated foreign key from `child`.`fk` to `parent`.`key` is enforced:
    none of its triggers is disabled or set to fire only for replicas. None: the dialect
    gives no guarantee."""
    if connection.dialect.name != "postgresql":
        return None
    return (
        "EXISTS (SELECT 1 FROM pg_catalog.pg_constraint c "
        "WHERE c.contype = 'f' AND c.convalidated "
        f"AND c.conrelid = {_regclass(connection, child)} "
        f"AND c.confrelid = {_regclass(connection, parent)} "
        f"AND c.conkey = ARRAY[{_attnum(connection, 'c.conrelid', fk)}] "
        f"AND c.confkey = ARRAY[{_attnum(connection, 'c.confrelid', key)}] "
        "AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_trigger t "
        "WHERE t.tgconstraint = c.oid AND t.tgenabled NOT IN ('O', 'A')))"
    )


def as_condition(guard: str) -> sa.ColumnElement[bool]:
    """A guard as a condition for a SQLAlchemy statement."""
    return sa.literal_column(f"({guard})", sa.Boolean())
