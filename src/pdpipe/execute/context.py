"""Everything a batch needs to know about one table, resolved once per run."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from pdpipe.operators.base import ColumnInfo, Operator, OperatorError
from pdpipe.operators.columns import describe_column
from pdpipe.operators.registry import build_operator
from pdpipe.policy.conditions import compile_condition
from pdpipe.policy.models import (
    ChildTable,
    ColumnRef,
    ColumnSpec,
    Policy,
    Purpose,
    TableSpec,
)
from pdpipe.stores.engine import reflect


@dataclass(frozen=True)
class PdColumn:
    """A PD column (or JSON path) with the operator that depersonalizes it."""

    ref: ColumnRef
    spec: ColumnSpec
    operator: Operator[Any] | None
    info: ColumnInfo


@dataclass
class ChildContext:
    spec: ChildTable
    table: sa.Table
    primary_key: list[sa.Column[Any]]
    columns: list[PdColumn]
    # The child's `where:`, compiled: the rows of this parent in a polymorphic table.
    where: sa.ColumnElement[bool] | None = None


@dataclass
class TableContext:
    store: str
    spec: TableSpec
    purpose: Purpose
    table: sa.Table
    columns: list[PdColumn]
    children: list[ChildContext] = field(default_factory=list)

    @property
    def key(self) -> sa.Column[Any]:
        return self.table.c[self.spec.key]

    @property
    def categories(self) -> str:
        found = {c for column in self.columns for c in column.spec.data}
        found |= {
            c for child in self.children for column in child.columns for c in column.spec.data
        }
        return ",".join(sorted(found))


def _pd_columns(table: sa.Table, specs: dict[str, ColumnSpec]) -> list[PdColumn]:
    columns = []
    for name, spec in specs.items():
        ref = ColumnRef(name)
        reflected = table.c[ref.column]
        info = describe_column(table.name, name, reflected.type, bool(reflected.nullable))
        operator = None
        if spec.depersonalize is not None:
            operator = build_operator(spec.depersonalize.name, spec.depersonalize.options)
        columns.append(PdColumn(ref, spec, operator, info))
    return columns


def table_context(
    connection: sa.Connection, policy: Policy, store: str, spec: TableSpec, metadata: sa.MetaData
) -> TableContext:
    table = reflect(connection, spec.name, metadata)
    context = TableContext(
        store, spec, policy.purpose(spec.purpose), table, _pd_columns(table, spec.columns)
    )
    for child in spec.children:
        child_table = reflect(connection, child.table, metadata)
        primary_key = list(child_table.primary_key.columns)
        if child.columns and not primary_key:
            raise OperatorError(
                f"{child.table}: on_destroy: depersonalize needs a primary key on the child "
                "table to write the depersonalized rows back"
            )
        where = None
        if child.where is not None:
            where = compile_condition(
                child.where, child_table, child.fk, lambda n: reflect(connection, n, metadata)
            )
        context.children.append(
            ChildContext(
                child, child_table, primary_key, _pd_columns(child_table, child.columns), where
            )
        )
    return context
