"""The checks' SQL, built from the policy with SQLAlchemy as set-based queries. The end
rules' predicate (which records' purpose has ended) is retention.ended_sql's, which the
plan after a run counts with too; tests hold it to decide()'s verdicts.

Each query selects the KEYS of rows that break a rule (never another column), so a
failing check can name records without copying personal data.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from pdpipe.operators._values import fitted
from pdpipe.operators.base import OperatorContext
from pdpipe.operators.columns import describe_column
from pdpipe.operators.registry import build_operator
from pdpipe.policy.conditions import child_rows_where
from pdpipe.policy.models import (
    ChildTable,
    ColumnRef,
    ColumnSpec,
    OperatorSpec,
    Policy,
    TableSpec,
)
from pdpipe.retention.decide import AsOf
from pdpipe.retention.ended_sql import ended_rows, overdue_moments
from pdpipe.stores import tables
from pdpipe.stores.engine import reflect
from pdpipe.stores.keys import store_key_of
from pdpipe.validation import guarantees


def overdue_rows(
    connection: sa.Connection, policy: Policy, spec: TableSpec, as_of: AsOf
) -> sa.Select[Any] | sa.CompoundSelect[Any]:
    """Keys of records whose purpose ended and whose deadline has passed, still un-acted:
    present, not depersonalized, not blocked. After a good run: none."""
    inspector = sa.inspect(connection)
    with_state = inspector.has_table(tables.state.name)
    with_holds = inspector.has_table(tables.holds.name)
    moments = overdue_moments(policy, spec, as_of)
    return ended_rows(
        connection, policy, spec, moments, with_state=with_state, with_holds=with_holds
    )


def orphaned_children(
    connection: sa.Connection,
    spec: TableSpec,
    child_spec: ChildTable,
    metadata: sa.MetaData | None = None,
) -> sa.Select[Any]:
    """Rows of a child whose reference points at no parent (NULL is allowed: set_null);
    with the child's `where:`, among its own rows only (a polymorphic table's other rows
    refer to other tables).

    On PostgreSQL the query carries a guard (guarantees.py): where an enforced foreign key
    vouches that there are none, the server skips reading the child. `metadata`: tables
    reflected already (each reflection is a dozen catalog queries)."""
    metadata = sa.MetaData() if metadata is None else metadata
    parent = reflect(connection, spec.name, metadata)
    child = reflect(connection, child_spec.table, metadata)
    fk = child.c[child_spec.fk]
    identity = list(child.primary_key.columns) or [fk]
    missing = ~sa.exists(sa.select(sa.literal(1)).where(parent.c[spec.key] == fk))
    orphans = sa.select(identity[0].label("key")).where(fk.is_not(None), missing)
    if child_spec.where is not None:
        orphans = orphans.where(own_rows(child_spec, child))
    enforced = guarantees.foreign_key(
        connection, child_spec.table, child_spec.fk, spec.name, spec.key
    )
    return orphans if enforced is None else orphans.where(~guarantees.as_condition(enforced))


def own_rows(child_spec: ChildTable, child: sa.Table) -> sa.ColumnElement[bool]:
    """The child's rows its `where:` selects."""
    assert child_spec.where is not None
    return child_rows_where(child_spec.where, child, child_spec.fk)


def _tied(
    child_spec: ChildTable, child: sa.Table, key: sa.Column[Any]
) -> list[sa.ColumnElement[bool]]:
    """The conditions of a child's rows tied to the record of `key`."""
    tied = [child.c[child_spec.fk] == key]
    return tied if child_spec.where is None else [*tied, own_rows(child_spec, child)]


# Portable patterns: PostgreSQL (~), MariaDB (REGEXP, PCRE) and SQLite (SQLAlchemy
# registers Python's re as REGEXP) all read them the same way. Names are capitalized words
# in Latin or Cyrillic letters, Kazakh ones included (the operator may be in Kazakhstan).
_UPPER = "A-ZА-ЯЁӘҒҚҢӨҰҮҺІ"
_LOWER = "a-zа-яёәғқңөұүһі"
_WORD = f"[{_UPPER}][{_LOWER}]+"
EMAIL = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
PHONE = (  # Russian and Kazakh (+7 or 8) in any grouping, or + and 9-15 digits
    r"(\+7|8)[ (-]*[0-9]{3}[ )-]*[0-9]{3}[ -]*[0-9]{2}[ -]*[0-9]{2}"
    r"|\+[0-9]([ ().-]*[0-9]){8,14}"
)
FULL_NAME = f"{_WORD} +{_WORD}"
# A column holding one part of a name (a last name alone) leaks with a single word.
NAME_PART = f"^ *{_WORD}(-{_WORD})* *$"
NAME_CATEGORIES = frozenset({"last_name", "first_name", "patronymic", "full_name"})


# SQLite has no REGEXP unless a connection registers one (GX's do not): GLOB patterns
# say nearly the same, in SQLite's own syntax.
_SQLITE_GLOBS = {
    "email": ["*?@?*.[A-Za-z][A-Za-z]*"],
    "phone": [
        "*[0-9][0-9][0-9]*[0-9][0-9][0-9]*[0-9][0-9]*[0-9][0-9]*",
        "*+[0-9]" + "*[0-9]" * 8 + "*",
    ],
    "full_name": [f"*[{_UPPER}][{_LOWER}]* [{_UPPER}][{_LOWER}]*"],
    "name_part": [f"[{_UPPER}][{_LOWER}]*"],
}
_REGEXES = {"email": EMAIL, "phone": PHONE, "full_name": FULL_NAME, "name_part": NAME_PART}
# MariaDB and MySQL match as the column's collation compares, case-insensitively by
# default: PCRE's and ICU's inline flag makes them read the patterns as the others do.
_CASE_SENSITIVE = {"mysql": "(?-i)", "mariadb": "(?-i)"}


def _shaped(dialect: str, kinds: list[str], value: sa.ColumnElement[Any]) -> sa.ColumnElement[bool]:
    """The value has one of the shapes: one regular expression with the shapes as its
    alternatives, so that each value is scanned once, not once per shape."""
    if dialect == "sqlite":
        globs = [pattern for kind in kinds for pattern in _SQLITE_GLOBS[kind]]
        return sa.or_(*(value.op("GLOB")(pattern) for pattern in globs))
    either = "|".join(f"(?:{_REGEXES[kind]})" for kind in kinds)
    return value.regexp_match(_CASE_SENSITIVE.get(dialect, "") + either)


def _leaks(
    table: sa.Table, columns: Mapping[str, ColumnSpec], dialect: str
) -> list[sa.ColumnElement[bool]]:
    """Per PD column (or JSON path): it holds something shaped like an email, a phone
    number or a name.

    A pseudonymous email in its own domain (u_<hex>@anon.invalid) is the operator's output,
    not a leak (and is told apart before any pattern is tried), and a pseudonym's hex may
    hold digit runs, so phones are not looked for in `pseudonym` columns; `fake` writes
    realistic names on purpose, and `scrub` keeps prose, so names are not looked for
    there. A column of names (a last name alone, say) leaks with one capitalized word.
    """
    leaks: list[sa.ColumnElement[bool]] = []
    for name, column in columns.items():
        ref = ColumnRef(name)
        value: sa.ColumnElement[Any] = table.c[ref.column]
        if ref.is_json_path:
            value = sa.type_coerce(value, sa.JSON)[ref.json_path].as_string()
        else:
            value = sa.cast(value, sa.String)
        spec_op = column.depersonalize
        operator = spec_op.name if spec_op else None
        kinds = ["email"]
        # fake writes realistic names: they are its very output. scrub keeps prose, and
        # prose has capitalized words side by side (a sentence's start, a street, a
        # company) that no pattern tells from a name: its names are the detectors' to find.
        if operator not in ("fake", "scrub"):
            kinds.append("full_name")
            if set(column.data) <= NAME_CATEGORIES:
                kinds.append("name_part")
        if operator != "pseudonym":  # its hex may hold digit runs that look like numbers
            kinds.append("phone")
        # What the operator writes is no leak, and is told apart before any pattern is
        # tried (PostgreSQL keeps the order): most values never reach the patterns.
        conditions: list[sa.ColumnElement[bool]] = [value.is_not(None)]
        if spec_op is not None and operator == "pseudonym_email":
            domain = build_operator(spec_op.name, spec_op.options).options.domain
            conditions.append(~value.like(f"u\\_%@{domain}", escape="\\"))
        if spec_op is not None and operator == "redact" and not ref.is_json_path:
            conditions.append(value != _redaction_token(table, ref.column, spec_op))
        conditions.append(_shaped(dialect, kinds, value))
        leaks.append(sa.and_(*conditions))
    return leaks


def _redaction_token(table: sa.Table, name: str, spec_op: OperatorSpec) -> str:
    """The token `redact` writes into this column, cut to its length as the operator cuts it."""
    column = table.c[name]
    info = describe_column(table.name, name, column.type, bool(column.nullable))
    token = str(build_operator(spec_op.name, spec_op.options).options.token)
    return fitted(token, OperatorContext(info, secret=b""))


def personal_data_left(
    connection: sa.Connection,
    policy: Policy,
    spec: TableSpec,
    *,
    with_state: bool | None = None,
    metadata: sa.MetaData | None = None,
) -> sa.Select[Any] | sa.CompoundSelect[Any]:
    """Keys of DEPERSONALIZED records where a PD column (or JSON path) still holds
    something shaped like an email, a phone number or a name (see `_leaks`), or where a
    row of a child tied to the record does, in a PD column the policy declares there."""
    metadata = sa.MetaData() if metadata is None else metadata
    dialect = connection.dialect.name
    table = reflect(connection, spec.name, metadata)
    own = _leaks(table, spec.columns, dialect)
    found = [_depersonalized_where(connection, spec, table, own, with_state)]
    # Each child's rows joined to the depersonalized records, a branch of their own: as
    # an EXISTS beside the record's own columns, PostgreSQL probed the child's index once
    # per depersonalized contact (115k probes, 1.1 s of a 1.6 s check at 1M), where the
    # join reads the phones once.
    for child_spec in spec.children:
        if not child_spec.columns:
            continue
        child = reflect(connection, child_spec.table, metadata)
        in_child = _leaks(child, child_spec.columns, dialect)
        tied = _tied(child_spec, child, table.c[spec.key])
        found.append(
            _depersonalized_where(
                connection, spec, table, [sa.or_(*in_child)], with_state, (child, sa.and_(*tied))
            )
        )
    # UNION, not UNION ALL: a record is counted once, however many of its rows leak.
    return found[0] if len(found) == 1 else sa.union(*found)


def flagged_data_left(
    connection: sa.Connection, spec: TableSpec, flagged: Mapping[str, list[str]]
) -> sa.Select[Any] | None:
    """Keys of DEPERSONALIZED records where a column a discovery scan found PD in, and the
    policy does not name, holds an email or a phone number: in the record's own table or
    in a child tied to it. `flagged` maps tables to those columns (or JSON key paths);
    None when none of them is the table's or its children's.

    Names are not looked for: a column the policy does not name is anything from prose to
    a city, where a capitalized word is no sign of a name."""
    metadata = sa.MetaData()
    dialect = connection.dialect.name
    leaks: list[sa.ColumnElement[bool]] = []
    table = sa.Table(spec.name, metadata, autoload_with=connection)
    if spec.name in flagged:
        leaks += _shaped_columns(table, flagged[spec.name], dialect)
    for child_spec in spec.children:
        if child_spec.table not in flagged:
            continue
        child = sa.Table(child_spec.table, metadata, autoload_with=connection)
        in_child = _shaped_columns(child, flagged[child_spec.table], dialect)
        if in_child:
            tied = _tied(child_spec, child, table.c[spec.key])
            leaks.append(sa.exists(sa.select(sa.literal(1)).where(*tied, sa.or_(*in_child))))
    if not leaks:
        return None
    return _depersonalized_where(connection, spec, table, leaks)


def _shaped_columns(
    table: sa.Table, names: list[str], dialect: str
) -> list[sa.ColumnElement[bool]]:
    """An email or a phone number in each named column or JSON key path. A path through
    an array or a data-like key (`tags[].phone`, `*`) has no SQL address: the whole JSON
    text is looked at. A column gone since the scan is passed over (check reports it)."""
    found: list[sa.ColumnElement[bool]] = []
    for name in names:
        ref = ColumnRef(name)
        column = ref.column.removesuffix("[]")
        if column not in table.c:
            continue
        value: sa.ColumnElement[Any] = table.c[column]
        addressable = column == ref.column and all(
            part != "*" and not part.endswith("[]") for part in ref.json_path
        )
        if ref.is_json_path and addressable:
            value = sa.type_coerce(value, sa.JSON)[ref.json_path].as_string()
        else:
            value = sa.cast(value, sa.String)
        found.append(sa.and_(value.is_not(None), _shaped(dialect, ["email", "phone"], value)))
    return found


def _depersonalized_where(
    connection: sa.Connection,
    spec: TableSpec,
    table: sa.Table,
    leaks: list[sa.ColumnElement[bool]],
    with_state: bool | None = None,
    child: tuple[sa.Table, sa.ColumnElement[bool]] | None = None,
) -> sa.Select[Any]:
    """Keys of the table's depersonalized records where any of `leaks` holds; with
    `child` (a child table and how its rows are tied to the record), over the records
    joined to their rows there."""
    dialect = connection.dialect.name
    key = table.c[spec.key]
    if with_state is None:
        with_state = sa.inspect(connection).has_table(tables.state.name)
    if not leaks or not with_state:
        return sa.select(key.label("key")).where(sa.false())
    # From the depersonalized records' state rows to the table's primary key, not from
    # every row of the table to the state: MariaDB probed pdpipe_state once per row of a
    # million contacts (12.9 s, 361 s at 3M) to find the 178k it had to look at.
    state = tables.state
    depersonalized = state.join(table, store_key_of(state.c.record_key, key, dialect))
    if child is not None:
        depersonalized = depersonalized.join(child[0], child[1])
    # The patterns go in a CASE on the state row, which keeps them at the join: as a plain
    # condition on the table, PostgreSQL pushed them into its scan of the whole table and
    # ran them over every contact, not only the depersonalized (2.6 s against 1.1 s).
    leaked = sa.case((state.c.record_key.is_not(None), sa.or_(*leaks)), else_=sa.false())
    return (
        sa.select(key.label("key"))
        .select_from(depersonalized)
        .where(state.c.table_name == spec.name, state.c.state == tables.DEPERSONALIZED)
        .where(leaked)
    )


def ledger_disagrees(
    connection: sa.Connection, spec: TableSpec, run_id: str, metadata: sa.MetaData | None = None
) -> sa.Select[Any]:
    """Keys where the run's ledger and the store disagree: a record the ledger says was
    destroyed is still there; one it says was depersonalized or blocked is not marked so;
    one marked by the run has no ledger row."""
    metadata = sa.MetaData() if metadata is None else metadata
    table = reflect(connection, spec.name, metadata)
    ledger, state = tables.ledger, tables.state
    key = table.c[spec.key]
    of_run = (ledger.c.run_id == run_id) & (ledger.c.table_name == spec.name)
    # The ledger's text key is cast to the table's key type, not the other way round, so
    # the lookup uses the table's primary key index.
    still_there = sa.select(ledger.c.record_key.label("key")).where(
        of_run,
        ledger.c.action == "destroy",
        sa.exists(
            sa.select(sa.literal(1)).where(
                store_key_of(ledger.c.record_key, key, connection.dialect.name)
            )
        ),
    )
    unmarked = sa.select(ledger.c.record_key.label("key")).where(
        of_run,
        ledger.c.action.in_(tables.KEPT_ACTIONS),
        ~sa.exists(
            sa.select(sa.literal(1)).where(
                (state.c.table_name == spec.name) & (state.c.record_key == ledger.c.record_key)
            )
        ),
    )
    unrecorded = sa.select(state.c.record_key.label("key")).where(
        (state.c.run_id == run_id) & (state.c.table_name == spec.name),
        ~sa.exists(
            sa.select(sa.literal(1)).where(of_run & (ledger.c.record_key == state.c.record_key))
        ),
    )
    return sa.union_all(still_there, unmarked, unrecorded)  # type: ignore[return-value]


def as_sql(statement: sa.Select[Any] | sa.CompoundSelect[Any], connection: sa.Connection) -> str:
    """The statement as literal SQL for the connection's dialect (GX takes SQL text)."""
    compiled = statement.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True})
    return str(compiled)
