"""Timestamps a store writes without a zone, and the zone the policy says they are in.

Many applications keep local wall-clock time in naive columns (DATETIME, `timestamp
without time zone`), some a local and a GMT column side by side. Read as UTC, a store in
Moscow time shifts every retention clock by three hours. The policy says each store's
zone (`timestamps:`, overridable per table and column); pdpipe reads naive values in it,
in pandas (`in_zone`) and in SQL (instants given to the database converted to that zone's
wall-clock time, ended_sql). Columns that hold instants (PostgreSQL `timestamptz`,
MariaDB `TIMESTAMP`, text with an offset) are exact as they are: pdpipe's sessions run in
UTC.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from pdpipe.policy.models import Policy, TableSpec


def naive(kind: sa.types.TypeEngine[Any], dialect: sa.Dialect) -> bool:
    """Whether the database hands back this type's values without a zone, as the store
    wrote them: a date, a DATETIME, a timestamp without time zone, SQLite's text."""
    if dialect.name in ("mysql", "mariadb") and isinstance(kind, sa.TIMESTAMP):
        return False
    if isinstance(kind, sa.DateTime):
        return not kind.timezone
    return isinstance(kind, sa.Date) or dialect.name == "sqlite"


def instant_columns(spec: TableSpec) -> list[str]:
    """The columns a table's end rules and terms date records by."""
    names = [spec.clock, *(rule.since for rule in spec.ends if rule.since is not None)]
    if spec.consent_given is not None:
        names.append(spec.consent_given)
    return list(dict.fromkeys(names))


def column_zones(
    policy: Policy, spec: TableSpec, table: sa.Table, dialect: sa.Dialect
) -> dict[str, str]:
    """Each instant column's zone: the policy's for naive columns, UTC for the others."""
    return {
        name: policy.timestamp_zone(spec, name) if naive(table.c[name].type, dialect) else "UTC"
        for name in instant_columns(spec)
    }


def in_zone(values: pd.Series, zone: str) -> pd.Series:
    """Timestamps written without a zone, read as `zone`'s wall-clock time: UTC instants.
    A wall-clock time a DST change skipped moves forward; one it repeated is the later."""
    stamps = pd.to_datetime(values, errors="coerce", format="ISO8601", utc=False)
    if getattr(stamps.dt, "tz", None) is not None:  # text with its own offset: exact
        return stamps.dt.tz_convert("UTC")
    later = np.zeros(len(stamps), dtype=bool)
    localized = stamps.dt.tz_localize(zone, ambiguous=later, nonexistent="shift_forward")
    return localized.dt.tz_convert("UTC")
