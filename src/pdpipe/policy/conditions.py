"""A small declarative condition language for end rules, compiled to SQLAlchemy.

No raw SQL: a condition is a mapping, read as YAML and checked before anything runs.

    {status: blocklisted}                          column equals a value
    {status: [blocklisted, disabled]}              column is one of the values
    {status: {ne: enabled}}                        eq ne lt le gt ge in not_in
    {consent_withdrawn_at: {is_null: false}}       NULL test
    {status: blocklisted, source: import}          several keys: all must hold
    {all: [...]} {any: [...]} {not: {...}}         combinations
    {exists: {table: subscriber_lists, fk: subscriber_id, where: {status: confirmed}}}
                                                   a related row of a child table exists
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

Scalar = str | int | float | bool | dt.date | None
Where = tuple[str | int, ...]

COMPARISONS = ("eq", "ne", "lt", "le", "gt", "ge", "in", "not_in", "is_null")
COMBINATORS = ("all", "any", "not", "exists")
# all/any/not/exists inside one another. A real rule needs three or four; SQLAlchemy's
# compiler recurses a dozen frames per level and failed at 64 nested nots, well inside
# what YAML's own depth limit lets through.
MAX_DEPTH = 16


class ConditionSyntaxError(ValueError):
    """A condition that cannot be read; ``where`` is the path inside the condition."""

    def __init__(self, where: Where, message: str) -> None:
        self.where = where
        self.message = message
        super().__init__(message)


@dataclass(frozen=True)
class Compare:
    column: str
    op: str
    value: Scalar | tuple[Scalar, ...]
    # Where the value is written inside the condition (a list's items are at
    # (*where, index)), for a problem found against a store to name its line and column.
    # Not part of equality: two conditions that say the same thing are equal.
    where: Where = field(default=(), compare=False, repr=False)


@dataclass(frozen=True)
class AllOf:
    items: tuple[Condition, ...]


@dataclass(frozen=True)
class AnyOf:
    items: tuple[Condition, ...]


@dataclass(frozen=True)
class Not:
    item: Condition


@dataclass(frozen=True)
class Exists:
    table: str
    fk: str
    where: Condition | None


Condition = Compare | AllOf | AnyOf | Not | Exists


def _is_scalar(value: Any) -> bool:
    # YAML reads an unquoted 2024-01-01 as a date: a value like any other.
    return value is None or isinstance(value, str | int | float | bool | dt.date)


def parse_condition(raw: Any, where: Where = (), depth: int = 0) -> Condition:
    """Read a condition mapping into a tree, or raise ConditionSyntaxError naming the spot.

    Nesting beyond MAX_DEPTH is reported at the condition's root (`where` of depth 0),
    whose line a reader finds; the innermost spot would be a path of sixteen steps."""
    if not isinstance(raw, Mapping) or not raw:
        raise ConditionSyntaxError(where, "expected a non-empty mapping such as {status: active}")
    parts = [_parse_entry(str(key), value, (*where, str(key)), depth) for key, value in raw.items()]
    return parts[0] if len(parts) == 1 else AllOf(tuple(parts))


def _parse_entry(key: str, value: Any, where: Where, depth: int) -> Condition:
    if key in COMBINATORS and depth >= MAX_DEPTH:
        raise ConditionSyntaxError(
            (),
            f"nested deeper than {MAX_DEPTH} levels of {', '.join(COMBINATORS)}: write "
            "the condition flatter (a list under 'any' or 'all' instead of nesting)",
        )
    if key in ("all", "any"):
        if not isinstance(value, list) or not value:
            raise ConditionSyntaxError(where, f"'{key}' takes a non-empty list of conditions")
        items = tuple(parse_condition(item, (*where, i), depth + 1) for i, item in enumerate(value))
        return AllOf(items) if key == "all" else AnyOf(items)
    if key == "not":
        return Not(parse_condition(value, where, depth + 1))
    if key == "exists":
        return _parse_exists(value, where, depth + 1)
    return _parse_comparison(key, value, where)


def _parse_exists(value: Any, where: Where, depth: int) -> Exists:
    if not isinstance(value, Mapping):
        raise ConditionSyntaxError(where, "'exists' takes {table: ..., fk: ..., where: {...}}")
    unknown = set(value) - {"table", "fk", "where"}
    if unknown:
        raise ConditionSyntaxError(
            where, f"unknown key(s) {sorted(unknown)} (expected table, fk, where)"
        )
    table, fk = value.get("table"), value.get("fk")
    if not isinstance(table, str) or not isinstance(fk, str):
        raise ConditionSyntaxError(where, "'exists' needs 'table' and 'fk' as names")
    inner = value.get("where")
    parsed = None if inner is None else parse_condition(inner, (*where, "where"), depth)
    return Exists(table, fk, parsed)


def _parse_comparison(column: str, value: Any, where: Where) -> Condition:
    if _is_scalar(value):
        return Compare(
            column, "is_null" if value is None else "eq", True if value is None else value, where
        )
    if isinstance(value, list):
        return Compare(column, "in", _scalars(value, where), where)
    if not isinstance(value, Mapping) or not value:
        raise ConditionSyntaxError(where, "expected a value, a list of values or {op: value}")
    parts: list[Condition] = []
    for op, operand in value.items():
        op_where = (*where, str(op))
        if op not in COMPARISONS:
            raise ConditionSyntaxError(
                op_where, f"unknown comparison '{op}' (known: {', '.join(COMPARISONS)})"
            )
        if op == "is_null":
            if not isinstance(operand, bool):
                raise ConditionSyntaxError(op_where, "is_null takes true or false")
            parts.append(Compare(column, op, operand, op_where))
        elif op in ("in", "not_in"):
            if not isinstance(operand, list) or not operand:
                raise ConditionSyntaxError(op_where, f"'{op}' takes a non-empty list of values")
            parts.append(Compare(column, op, _scalars(operand, op_where), op_where))
        else:
            if not _is_scalar(operand) or operand is None:
                raise ConditionSyntaxError(
                    op_where, f"'{op}' takes one value (use is_null to test for NULL)"
                )
            parts.append(Compare(column, op, operand, op_where))
    return parts[0] if len(parts) == 1 else AllOf(tuple(parts))


def _scalars(values: list[Any], where: Where) -> tuple[Scalar, ...]:
    for value in values:
        if not _is_scalar(value) or value is None:
            raise ConditionSyntaxError(where, "lists hold plain values (no NULL, no mappings)")
    return tuple(values)


def walk(condition: Condition) -> Iterator[Condition]:
    """Every node of a condition, depth first (Exists' inner condition included)."""
    yield condition
    if isinstance(condition, AllOf | AnyOf):
        for item in condition.items:
            yield from walk(item)
    elif isinstance(condition, Not):
        yield from walk(condition.item)
    elif isinstance(condition, Exists) and condition.where is not None:
        yield from walk(condition.where)


def referenced_columns(condition: Condition, table: str) -> set[tuple[str, str]]:
    """(table, column) pairs a condition reads, `table` being the one it is evaluated on."""
    found: set[tuple[str, str]] = set()

    def visit(node: Condition, on: str) -> None:
        if isinstance(node, Compare):
            found.add((on, node.column))
        elif isinstance(node, AllOf | AnyOf):
            for item in node.items:
                visit(item, on)
        elif isinstance(node, Not):
            visit(node.item, on)
        else:
            found.add((node.table, node.fk))
            if node.where is not None:
                visit(node.where, node.table)

    visit(condition, table)
    return found


@dataclass(frozen=True)
class Literal:
    """One value a condition compares a column with, and where it is written."""

    table: str  # the table the column is on: the rule's, or an `exists`'s child
    column: str
    op: str
    value: str | int | float | bool | dt.date
    where: Where  # inside the condition


def literals(condition: Condition, table: str) -> Iterator[Literal]:
    """Every value `condition` compares a column with (each item of a list on its own),
    `table` being the one it is evaluated on; NULL tests hold none."""
    if isinstance(condition, Compare):
        if condition.op == "is_null":
            return
        if isinstance(condition.value, tuple):
            for index, value in enumerate(condition.value):
                assert value is not None
                where = (*condition.where, index)
                yield Literal(table, condition.column, condition.op, value, where)
        else:
            assert condition.value is not None
            yield Literal(table, condition.column, condition.op, condition.value, condition.where)
    elif isinstance(condition, AllOf | AnyOf):
        for item in condition.items:
            yield from literals(item, table)
    elif isinstance(condition, Not):
        yield from literals(condition.item, table)
    elif condition.where is not None:
        yield from literals(condition.where, condition.table)


TableResolver = Callable[[str], sa.Table]


def compile_condition(
    condition: Condition,
    table: sa.Table,
    key: str,
    resolve: TableResolver,
    *,
    plain_not_exists: bool = False,
    filters: Mapping[str, Condition] | None = None,
) -> sa.ColumnElement[bool]:
    """The condition as a SQLAlchemy boolean expression over `table`.

    `resolve` gives the Table object of a child named in an `exists`; `key` is the parent's
    key column that the child's fk refers to. `filters` are the children's own `where:`
    (a polymorphic child's rows of this parent): an `exists` sees only those rows.

    With `plain_not_exists`, a negated `exists` is a bare NOT EXISTS (it is never NULL),
    which PostgreSQL can run as an anti-join; by default it gets the NULL-safe wrapper of
    every negation, since MariaDB read a bare one in the decision reads' key-ordered
    chunks seven times slower (130 s against 19 s for a million subscribers).
    """

    def compiled(item: Condition) -> sa.ColumnElement[bool]:
        return compile_condition(
            item, table, key, resolve, plain_not_exists=plain_not_exists, filters=filters
        )

    if isinstance(condition, Compare):
        return _compile_compare(condition, table)
    if isinstance(condition, AllOf):
        return sa.and_(*(compiled(c) for c in condition.items))
    if isinstance(condition, AnyOf):
        return sa.or_(*(compiled(c) for c in condition.items))
    if isinstance(condition, Not):
        inner = compiled(condition.item)
        if plain_not_exists and isinstance(condition.item, Exists):
            return sa.not_(inner)
        # NULL-safe negation: a comparison that is NULL (unknown) counts as not matching,
        # so its negation must count as matching, as a reader of the policy would expect.
        return sa.not_(sa.func.coalesce(sa.case((inner, 1), else_=0), 0) == 1)
    child = resolve(condition.table)
    where = [child.c[condition.fk] == table.c[key]]
    own = (filters or {}).get(condition.table)
    if own is not None:
        where.append(compile_condition(own, child, key, resolve))
    if condition.where is not None:
        where.append(compile_condition(condition.where, child, key, resolve))
    return sa.exists(sa.select(sa.literal(1)).select_from(child).where(*where))


def _compile_compare(cmp: Compare, table: sa.Table) -> sa.ColumnElement[bool]:
    column = table.c[cmp.column]
    value = cmp.value
    if cmp.op == "is_null":
        return column.is_(None) if value else column.is_not(None)
    if cmp.op == "in":
        assert isinstance(value, tuple)
        return column.in_(value)
    if cmp.op == "not_in":
        assert isinstance(value, tuple)
        return column.not_in(value)
    operators: dict[str, Callable[[Any, Any], sa.ColumnElement[bool]]] = {
        "eq": lambda c, v: c == v,
        "ne": lambda c, v: c != v,
        "lt": lambda c, v: c < v,
        "le": lambda c, v: c <= v,
        "gt": lambda c, v: c > v,
        "ge": lambda c, v: c >= v,
    }
    return operators[cmp.op](column, value)
