"""The values a policy's end-rule conditions compare columns with, against the store.

`{status: blocklist}` where the column's values are 'blacklisted' and 'active' is a
condition that never matches (SQLite, MariaDB) or a plan that fails half-way with no
line of the policy to fix (PostgreSQL refuses a value its enum type does not have). So
each value written in a condition is checked where it stands:

- its kind against the column's: text for a number, date or true/false column is an
  error (PostgreSQL refuses the comparison; MariaDB would compare 'abc' as 0);
- against the values the schema allows: a PostgreSQL enum type, a MariaDB ENUM, or a
  CHECK constraint that lists them (stores/allowed_values.py);
- by asking the database to compare it (`... WHERE col = :value LIMIT 0`, which reads no
  row): what a plan would fail on, `check` fails on, with the value's line;
- for `check` only, where the column has neither an enum nor a CHECK, against a bounded
  sample of the values the column holds: a value never seen in a column with few distinct
  values is a warning (the column may simply not hold it yet). Only counts come back
  from the database: the comparison runs there, and values seen are never printed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from pdpipe.errors import DatabaseMissing, StoreError
from pdpipe.operators.columns import column_kind
from pdpipe.policy.conditions import Compare, Literal, compile_condition, literals
from pdpipe.policy.errors import Loc, Problem
from pdpipe.policy.models import Policy, TableSpec
from pdpipe.stores.allowed_values import Allowed, allowed_by_column
from pdpipe.stores.owner import owned

# The sample behind a warning: at most SAMPLE_ROWS non-NULL rows are read (in the
# database), and a value is looked for among their FEW + 1 most frequent distinct values.
# A column with more distinct values than FEW tells nothing about a misspelling.
SAMPLE_ROWS = 100_000
FEW = 200
_EQUALITY = ("eq", "ne", "in", "not_in")
# PostgreSQL's SQLSTATEs for a value it cannot compare with a column: a data exception
# (22…: invalid input for an enum or a type), no such operator (42883: varchar = integer),
# a datatype mismatch (42804). Anything else (a missing grant) is the store's failure.
_VALUE_STATES = ("22", "42883", "42804", "42846")

ColumnTypes = Callable[[str], dict[str, sa.types.TypeEngine[Any]]]


@dataclass(frozen=True)
class _Placed:
    loc: Loc  # the value's own place in the policy
    literal: Literal
    kind: sa.types.TypeEngine[Any]

    @property
    def label(self) -> str:
        return f"'{self.literal.table}.{self.literal.column}'"


def _placed(loc: Loc, spec: TableSpec, tables: set[str], types: ColumnTypes) -> Iterator[_Placed]:
    """Each value of each rule's condition, and of each child's `where:`, whose table and
    column exist (a missing one is reported by the schema check, once)."""
    conditions = [
        ((*loc, "ends", index, "when"), rule.when, spec.name)
        for index, rule in enumerate(spec.ends)
        if rule.when is not None
    ]
    conditions += [
        ((*loc, "children", index, "where"), child.where, child.table)
        for index, child in enumerate(spec.children)
        if child.where is not None
    ]
    for place, condition, on_table in conditions:
        for literal in literals(condition, on_table):
            if literal.table not in tables:
                continue
            kind = types(literal.table).get(literal.column)
            if kind is not None:
                yield _Placed((*place, *literal.where), literal, kind)


def value_problems(
    loc: Loc, spec: TableSpec, connection: sa.Connection, inspector: sa.Inspector
) -> list[Problem]:
    """Errors: a value of the wrong kind, one the schema does not allow, one the database
    refuses to compare. Each placed at the value (line and column)."""
    tables = set(inspector.get_table_names())
    allowed: dict[str, dict[str, Allowed]] = {}
    problems: list[Problem] = []
    for placed in _placed(loc, spec, tables, _types(inspector)):
        if placed.literal.table not in allowed:
            allowed[placed.literal.table] = allowed_by_column(
                connection, inspector, placed.literal.table
            )
        message = (
            _kind_problem(placed)
            or _allowed_problem(placed, allowed[placed.literal.table])
            or _refused(placed, connection)
        )
        if message is not None:
            problems.append(Problem(placed.loc, message, at_value=True))
    return problems


def _types(inspector: sa.Inspector) -> ColumnTypes:
    return lambda table: {c["name"]: c["type"] for c in inspector.get_columns(table)}


# What a column of each kind holds, and how to write a value of it in YAML.
_HOLDS = {
    "integer": ("numbers", "write a number, unquoted (5, not '5')"),
    "float": ("numbers", "write a number, unquoted (5, not '5')"),
    "date": ("dates", "write the date unquoted (2024-01-01), which YAML reads as a date"),
    "datetime": ("dates", "write the date unquoted (2024-01-01), which YAML reads as a date"),
    "boolean": ("true or false", "write true or false, unquoted"),
}
# The kinds of value each kind of column can be compared with. true and false are numbers
# in Python, as in MariaDB (its BOOLEAN is a TINYINT), and SQLite stores them as 0 and 1;
# PostgreSQL refuses `integer = boolean`, which the database's own answer (_refused) says.
_FITS: dict[str, tuple[type, ...]] = {
    "integer": (int, float),
    "float": (int, float),
    "date": (dt.date,),
    "datetime": (dt.date,),
    "boolean": (int,),
}


def _column_kind(kind: sa.types.TypeEngine[Any]) -> str:
    return "boolean" if isinstance(kind, sa.Boolean) else column_kind(kind)


def _value_kind(value: object) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, dt.date):
        return "a date"
    return "text"


def _kind_problem(placed: _Placed) -> str | None:
    kind = _column_kind(placed.kind)
    value = placed.literal.value
    if kind not in _FITS or isinstance(value, _FITS[kind]):
        return None
    holds, hint = _HOLDS[kind]
    return (
        f"column {placed.label} holds {holds} ({placed.kind}); {value!r} is "
        f"{_value_kind(value)}: {hint}"
    )


def _allowed_problem(placed: _Placed, allowed: dict[str, Allowed]) -> str | None:
    found = allowed.get(placed.literal.column)
    if found is None or not (found.is_type or placed.literal.op in _EQUALITY):
        return None
    if found.admits(placed.literal.value):
        return None
    return (
        f"column {placed.label} takes one of {found.shown()} ({found.source}), "
        f"not {placed.literal.value!r}"
    )


def _refused(placed: _Placed, connection: sa.Connection) -> str | None:
    """Ask the database to compare the value with the column, reading no row."""
    literal = placed.literal
    table = sa.Table(literal.table, sa.MetaData(), sa.Column(literal.column, placed.kind))
    value = (literal.value,) if literal.op in ("in", "not_in") else literal.value
    condition = compile_condition(
        Compare(literal.column, literal.op, value), table, literal.column, _no_children
    )
    query = (
        sa.select(sa.literal(1))
        .select_from(table)
        .where(condition)
        .limit(0)
        # The error is the answer here: the store's error mapping leaves it as it is.
        .execution_options(skip_user_error_events=True)
    )
    try:
        if connection.dialect.name == "postgresql":
            # A failed statement ends PostgreSQL's transaction: only the savepoint goes.
            with connection.begin_nested():
                connection.execute(query).all()
        else:
            connection.execute(query).all()
    except sa.exc.DBAPIError as exc:
        state = str(getattr(exc.orig, "sqlstate", None) or "")
        if not state.startswith(_VALUE_STATES):
            raise
        cause = type(exc.orig).__name__
    except sa.exc.StatementError as exc:  # the driver's type refused it before sending
        cause = type(exc.orig).__name__
    else:
        return None
    hint = ""
    if _column_kind(placed.kind) == "text" and not isinstance(literal.value, str):
        hint = f" (quote it: '{literal.value}')"
    return (
        f"the database cannot compare column {placed.label} ({placed.kind}) with "
        f"{_value_kind(literal.value)} {literal.value!r} ({cause}): write a value of the "
        f"column's type{hint}"
    )


def _no_children(name: str) -> sa.Table:
    raise AssertionError(f"a single comparison names no child table ({name})")


def observed_value_warnings(policy: Policy) -> list[Problem]:
    """Warnings, for `check`: values compared for (in)equality with a text or integer
    column that has no enum type and no CHECK list, and that the column's sample does not
    hold, where the sample shows the column has few distinct values."""
    found: list[Problem] = []
    for s_index, store in enumerate(policy.stores):
        try:
            with owned(read_only=True) as stores, stores.connect(store) as connection:
                inspector = sa.inspect(connection)
                for t_index, spec in enumerate(store.tables):
                    if spec.name in inspector.get_table_names():
                        loc: Loc = ("stores", s_index, "tables", t_index)
                        found += _unseen(loc, spec, connection, inspector)
        except (StoreError, DatabaseMissing):
            continue  # reported by the schema check
    return found


def _unseen(
    loc: Loc, spec: TableSpec, connection: sa.Connection, inspector: sa.Inspector
) -> list[Problem]:
    tables = set(inspector.get_table_names())
    by_column: dict[tuple[str, str], list[_Placed]] = {}
    allowed: dict[str, dict[str, Allowed]] = {}
    for placed in _placed(loc, spec, tables, _types(inspector)):
        literal = placed.literal
        if literal.table not in allowed:
            allowed[literal.table] = allowed_by_column(connection, inspector, literal.table)
        if (
            literal.op in _EQUALITY
            and literal.column not in allowed[literal.table]
            and _samples(placed)
        ):
            by_column.setdefault((literal.table, literal.column), []).append(placed)
    found: list[Problem] = []
    for (table, column), placed_values in by_column.items():
        found += _sampled(connection, table, column, placed_values)
    return found


def _samples(placed: _Placed) -> bool:
    """Text compared with text, or a whole number with an integer column."""
    kind, value = _column_kind(placed.kind), placed.literal.value
    if kind == "text":
        return isinstance(value, str)
    return kind == "integer" and isinstance(value, int) and not isinstance(value, bool)


def _sampled(
    connection: sa.Connection, table: str, column: str, placed: list[_Placed]
) -> list[Problem]:
    t = sa.table(table, sa.column(column, placed[0].kind))
    value_column = t.c[column]
    sample = (
        sa.select(value_column.label("v"))
        .where(value_column.is_not(None))
        .limit(SAMPLE_ROWS)
        .subquery("sample")
    )
    top = (
        sa.select(sample.c.v, sa.func.count().label("n"))
        .group_by(sample.c.v)
        .order_by(sa.func.count().desc())
        .limit(FEW + 1)
        .subquery("top")
    )
    values = list(dict.fromkeys(p.literal.value for p in placed))
    seen = [sa.func.max(sa.case((top.c.v == value, 1), else_=0)) for value in values]
    distinct, rows, *found = connection.execute(
        sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(top.c.n), 0), *seen).select_from(
            top
        )
    ).one()
    if not distinct or distinct > FEW:
        return []  # nothing to go by, or too many values to tell a misspelling
    unseen = {value for value, hit in zip(values, found, strict=True) if not hit}
    return [
        Problem(
            p.loc,
            f"{p.literal.value!r} was not seen in column {p.label}: the {rows:,} row(s) read "
            f"hold {distinct} distinct value(s), none equal to it (not shown: they may be "
            "personal data). Misspelt? The column has no enum type or CHECK list to say "
            "for sure",
            at_value=True,
        )
        for p in placed
        if p.literal.value in unseen
    ]
