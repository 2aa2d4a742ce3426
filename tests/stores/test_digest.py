"""A row's digest tells apart rows that differ in one value, NULLs and JSON included,
and gives the same row the same digest."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import sqlalchemy as sa

from pdpipe.policy.models import StoreSpec
from pdpipe.stores.digest import digest_parts
from pdpipe.stores.engine import create_store_engine

NOON = dt.datetime(2026, 1, 1, 12, 0)
ROWS = [
    ("a", None, {"k": 1}, NOON),
    ("a", None, {"k": 1}, NOON),  # the same row again
    (None, "a", {"k": 1}, NOON),  # the value moved to the next column
    ("", None, {"k": 1}, NOON),  # '' where NULL was
    (None, None, {"k": 1}, NOON),
    ("a", None, {"k": 2}, NOON),  # inside the JSON
    ("a", None, {"k": 1}, NOON + dt.timedelta(seconds=1)),
]


def test_rows_that_differ_in_one_value_have_different_digests(store_url: str) -> None:
    metadata = sa.MetaData()
    table = sa.Table(
        "things",
        metadata,
        sa.Column("first", sa.String(20)),
        sa.Column("second", sa.String(20)),
        sa.Column("attribs", sa.JSON),
        sa.Column("seen_at", sa.DateTime),
    )
    names = [c.name for c in table.columns]
    sa.create_engine(store_url).connect().close()  # an SQLite file: pdpipe opens no new one
    engine = create_store_engine(StoreSpec.model_construct(name="s", url=store_url, tables=[]))
    try:
        with engine.begin() as connection:
            metadata.create_all(connection)
            connection.execute(table.insert(), [dict(zip(names, r, strict=True)) for r in ROWS])
            reflected = sa.Table("things", sa.MetaData(), autoload_with=connection)
            parts = digest_parts(reflected, connection.dialect)
            digests = [tuple(row) for row in connection.execute(sa.select(*parts))]
    finally:
        engine.dispose()
    assert all(isinstance(value, int) for digest in digests for value in digest)
    assert sorted(Counter(digests).values()) == [1, 1, 1, 1, 1, 2]
