"""Which columns of a table a unique index constrains, whatever form it takes: a primary
key, a unique constraint, a unique index on columns, on an expression of them
(`lower(email)`), on a generated column computed from them, or on part of the rows
(`WHERE status = 'active'`).

Writing a new value into any of those columns can make two rows collide. SQLAlchemy's
inspection sees the plain forms, PostgreSQL's expressions (pg_index.indexprs) and
generated columns; SQLite's expression indexes it skips, so they are read here from
PRAGMA index_list / index_xinfo and the statement sqlite_master keeps. MariaDB (up to
11.x at least) has no index on an expression: it indexes a generated column instead.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from pdpipe.stores.sql_text import names, quoted


@dataclass(frozen=True)
class UniqueIndex:
    name: str | None
    key_columns: tuple[str, ...]  # the columns it lists, as written
    columns: frozenset[str]  # every column a change to which can make two rows collide
    expressions: tuple[str, ...] = ()  # what it indexes beside plain columns
    partial: bool = False
    primary: bool = False
    generated: tuple[str, ...] = ()  # generated columns it lists, computed from others

    @property
    def plain(self) -> bool:
        """On columns only, over every row: proves those columns unique together."""
        return not self.expressions and not self.partial

    def holds_json_key(self, column: str, key: str) -> bool:
        """An expression over `column` that picks `key` out of it (`attribs->>'phone'`)."""
        return any(column.lower() in names(e) and key in quoted(e) for e in self.expressions)

    def describe(self) -> str:
        if self.primary:
            return "the primary key"
        text = f"'{self.name}'" if self.name else "a unique constraint"
        if self.expressions:
            shown = ", ".join(self.expressions)
            text += f" on {shown if len(shown) <= 80 else shown[:79] + '…'}"
        if self.generated:
            text += f" on generated column {', '.join(self.generated)}"
        if self.partial:
            text += ", partial"
        return text


def unique_indexes(
    connection: sa.Connection, inspector: sa.Inspector, table: str
) -> list[UniqueIndex]:
    reflected = inspector.get_columns(table)
    columns = {c["name"] for c in reflected}
    generated = {c["name"]: str(c["computed"]["sqltext"]) for c in reflected if c.get("computed")}

    def built(
        name: str | None,
        listed: list[str],
        expressions: list[str] | None = None,
        *,
        partial: bool = False,
        primary: bool = False,
    ) -> UniqueIndex:
        return UniqueIndex(
            name,
            tuple(listed),
            reaches(listed, expressions or []),
            tuple(expressions or []),
            partial,
            primary,
            tuple(c for c in listed if c in generated),
        )

    def reaches(listed: list[str], expressions: list[str]) -> frozenset[str]:
        """The columns named, those an expression mentions, and those each generated
        column among them is computed from (transitively)."""
        found = set(listed)
        for expression in expressions:
            found |= _columns_in(expression, columns)
        pending = [name for name in found if name in generated]
        while pending:
            for source in _columns_in(generated[pending.pop()], columns) - found:
                found.add(source)
                if source in generated:
                    pending.append(source)
        return frozenset(found)

    found: list[UniqueIndex] = []
    pk = inspector.get_pk_constraint(table)
    pk_columns = [str(c) for c in pk.get("constrained_columns") or []]
    if pk_columns:
        found.append(built(pk.get("name"), pk_columns, primary=True))
    with warnings.catch_warnings():
        # SQLite's expression indexes, which _sqlite_expression_indexes reads instead.
        warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression")
        constraints = inspector.get_unique_constraints(table)
        indexes = inspector.get_indexes(table)
    for constraint in constraints:
        listed = [str(c) for c in constraint["column_names"]]
        found.append(built(constraint.get("name"), listed))
    for index in indexes:
        if not index["unique"]:
            continue
        listed = [str(c) for c in index["column_names"] if c is not None]
        # PostgreSQL lists every part in `expressions`, plain columns as their names.
        expressions = [str(e) for e in index.get("expressions") or [] if e not in listed]
        options: dict[str, Any] = dict(index.get("dialect_options") or {})
        partial = any(options.get(f"{d}_where") is not None for d in ("postgresql", "sqlite"))
        found.append(built(index["name"], listed, expressions, partial=partial))
    if connection.dialect.name == "sqlite":
        for name, listed, expression, partial in _sqlite_expression_indexes(connection, table):
            found.append(built(name, listed, [expression], partial=partial))
    # A unique constraint is also listed as the index that enforces it (MariaDB, PostgreSQL).
    distinct: dict[tuple[object, ...], UniqueIndex] = {}
    for one in found:
        distinct.setdefault((one.name, one.key_columns, one.expressions), one)
    return list(distinct.values())


def _columns_in(expression: str, columns: set[str]) -> set[str]:
    mentioned = names(expression)
    return {c for c in columns if c.lower() in mentioned}


def _sqlite_expression_indexes(
    connection: sa.Connection, table: str
) -> list[tuple[str, list[str], str, bool]]:
    """(name, columns, the indexed list as written, partial) of each unique index with an
    expression among its parts (index_xinfo's cid -2): SQLAlchemy does not reflect them."""
    quote = connection.dialect.identifier_preparer.quote
    found = []
    for row in connection.exec_driver_sql(f"PRAGMA index_list({quote(table)})").mappings():
        if not row["unique"]:
            continue
        name = str(row["name"])
        parts = connection.exec_driver_sql(f"PRAGMA index_xinfo({quote(name)})").mappings().all()
        keys = [p for p in parts if p["key"]]
        if not any(p["cid"] == -2 for p in keys):
            continue
        sql = connection.execute(
            sa.text("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = :n"),
            {"n": name},
        ).scalar()
        listed = [str(p["name"]) for p in keys if p["cid"] >= 0]
        found.append((name, listed, _index_body(str(sql or "")), bool(row["partial"])))
    return found


def _index_body(sql: str) -> str:
    """`lower(email)` out of `CREATE UNIQUE INDEX ux ON t (lower(email)) WHERE ...`."""
    start = sql.find("(")
    if start < 0:
        return sql
    depth = 0
    for position in range(start, len(sql)):
        depth += {"(": 1, ")": -1}.get(sql[position], 0)
        if depth == 0:
            return sql[start + 1 : position].strip()
    return sql
