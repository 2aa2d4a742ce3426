"""The shape of a store's tables, as the catalog tells it: columns (type, NULL allowed),
primary key, declared foreign keys and unique columns. What `pdpipe init` needs beside a
scan to write a starter policy; reads the catalog only, never a row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from pdpipe.discovery.sample import OWN_PREFIX
from pdpipe.operators.columns import column_kind
from pdpipe.policy.models import StoreSpec
from pdpipe.stores.owner import Stores, owned


@dataclass(frozen=True)
class ColumnShape:
    name: str
    type: sa.types.TypeEngine[Any]
    nullable: bool

    @property
    def kind(self) -> str:
        """text, integer, float, datetime, date, json or other (operators' kinds)."""
        return column_kind(self.type)

    @property
    def is_timestamp(self) -> bool:
        return self.kind in ("datetime", "date")


@dataclass(frozen=True)
class ForeignKey:
    """A declared foreign key of one column (composite ones name no single parent)."""

    column: str
    table: str  # the table it refers to
    referred: str  # the column there


@dataclass(frozen=True)
class TableShape:
    name: str
    columns: dict[str, ColumnShape]
    primary_key: tuple[str, ...]
    foreign_keys: list[ForeignKey] = field(default_factory=list)
    unique: frozenset[str] = frozenset()  # columns in a primary key, unique constraint or index

    @property
    def key(self) -> str | None:
        """The primary key when it is one column: what a policy's `key` can name."""
        return self.primary_key[0] if len(self.primary_key) == 1 else None


def read_schema(store: StoreSpec, *, stores: Stores | None = None) -> dict[str, TableShape]:
    """Every table of the store (pdpipe's own `pdpipe_*` tables and views left out)."""
    with owned(stores, read_only=True) as owner, owner.connect(store) as connection:
        inspector = sa.inspect(connection)
        names = sorted(n for n in inspector.get_table_names() if not n.startswith(OWN_PREFIX))
        return {name: _table(inspector, name) for name in names}


def _table(inspector: sa.Inspector, name: str) -> TableShape:
    columns = {
        str(c["name"]): ColumnShape(str(c["name"]), c["type"], bool(c["nullable"]))
        for c in inspector.get_columns(name)
    }
    primary_key = tuple(inspector.get_pk_constraint(name).get("constrained_columns") or ())
    foreign_keys = [
        ForeignKey(fk["constrained_columns"][0], fk["referred_table"], fk["referred_columns"][0])
        for fk in inspector.get_foreign_keys(name)
        if len(fk["constrained_columns"]) == 1 and fk.get("referred_table")
    ]
    unique: set[str] = set(primary_key)
    for constraint in inspector.get_unique_constraints(name):
        unique.update(str(c) for c in constraint["column_names"] if c)
    for index in inspector.get_indexes(name):
        if index["unique"]:
            unique.update(str(c) for c in index["column_names"] if c)
    return TableShape(name, columns, primary_key, foreign_keys, frozenset(unique))
