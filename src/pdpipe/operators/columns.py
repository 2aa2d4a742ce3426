"""How a database column looks to an operator: its kind, length and nullability."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from pdpipe.operators.base import ColumnInfo


def column_kind(kind: sa.types.TypeEngine[Any]) -> str:
    if isinstance(kind, sa.JSON):
        return "json"
    if isinstance(kind, sa.DateTime):
        return "datetime"
    if isinstance(kind, sa.Date):
        return "date"
    if isinstance(kind, sa.Integer):
        return "integer"
    if isinstance(kind, sa.Float | sa.Numeric):
        return "float"
    if isinstance(kind, sa.String):
        return "text"
    return "other"


def describe_column(
    table: str, name: str, kind: sa.types.TypeEngine[Any], nullable: bool
) -> ColumnInfo:
    """`name` is a column, or `column.key` for the value at a key inside a JSON column."""
    if "." in name:
        return ColumnInfo(table, name, "json_value", None, True)
    found = column_kind(kind)
    length = getattr(kind, "length", None) if found == "text" else None
    return ColumnInfo(table, name, found, length, nullable)
