"""All records of one person, in every store, found through the policy.

A table names how a subject is found in it (`subject: {email: <column>}`); without that,
every column declared with the data category `email` is searched. The comparison is made
in the database on the trimmed, lower-cased value; with plus-addressing, a stored
`user+tag@domain` is the same person as `user@domain`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from pdpipe.policy.models import ColumnRef, Policy, StoreSpec, TableSpec
from pdpipe.retention.reader import python_value
from pdpipe.stores.owner import owned


@dataclass(frozen=True, order=True)
class Record:
    store: str
    table: str
    key: str


def subject_columns(spec: TableSpec) -> list[str]:
    explicit = spec.subject.get("email")
    if explicit:
        return [explicit]
    return [name for name, column in spec.columns.items() if "email" in column.data]


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _value(table: sa.Table, name: str) -> sa.ColumnElement[Any]:
    ref = ColumnRef(name)
    value: sa.ColumnElement[Any] = table.c[ref.column]
    if ref.is_json_path:
        value = sa.type_coerce(value, sa.JSON)[ref.json_path].as_string()
    return sa.func.lower(sa.func.trim(sa.cast(value, sa.String)))


def table_matches(
    connection: sa.Connection, spec: TableSpec, address: str, plus_addressing: bool
) -> list[Any]:
    """Keys of `spec`'s rows whose subject columns hold `address` (normalized)."""
    columns = subject_columns(spec)
    if not columns:
        return []
    table = sa.Table(spec.name, sa.MetaData(), autoload_with=connection)
    local, _, domain = address.rpartition("@")
    tagged = f"{_escape_like(local)}+%@{_escape_like(domain)}"
    found: list[sa.ColumnElement[bool]] = []
    for name in columns:
        value = _value(table, name)
        found.append(value == address)
        if plus_addressing:
            found.append(value.like(tagged, escape="\\"))
    key = table.c[spec.key]
    rows = connection.execute(sa.select(key).where(sa.or_(*found)).order_by(key))
    return [python_value(k) for k in rows.scalars()]


def find_records(policy: Policy, address: str) -> list[Record]:
    """Every record of the person with this (normalized) address, store by store."""
    plus = policy.requests.plus_addressing if policy.requests else True
    records: list[Record] = []
    for store in policy.stores:
        records += _store_matches(store, address, plus)
    return sorted(records)


def _store_matches(store: StoreSpec, address: str, plus: bool) -> list[Record]:
    with owned(read_only=True) as stores, stores.connect(store) as connection:
        return [
            Record(store.name, spec.name, str(key))
            for spec in store.tables
            for key in table_matches(connection, spec, address, plus)
        ]
