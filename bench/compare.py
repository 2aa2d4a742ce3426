"""Did two contenders do the same thing? Keys and counts compared, never values.

Per table, a digest of the sorted keys that remain (subscribers, memberships), of the
keys whose reference was set to NULL (views, clicks), of the keys whose personal fields
differ from the source database (contacts, their phones), and the row counts of the tables
that keep their rows. Pseudonyms need not be byte-identical (MariaDB's SQL cannot compute
pdpipe's HMAC), only the same records changed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass

import sqlalchemy as sa

from pdpipe.stores.drivers import plain_engine

CHUNK = 50_000

# table -> (query of the keys that describe its state, ordered)
KEYS = {
    "subscribers": "SELECT id FROM subscribers ORDER BY id",
    "subscriber_lists": "SELECT subscriber_id, list_id FROM subscriber_lists "
    "ORDER BY subscriber_id, list_id",
    "campaign_views (detached)": "SELECT id FROM campaign_views WHERE subscriber_id IS NULL "
    "ORDER BY id",
    "link_clicks (detached)": "SELECT id FROM link_clicks WHERE subscriber_id IS NULL ORDER BY id",
}
UNTOUCHED = ("campaign_views", "link_clicks", "contact_phones", "interactions")
# what -> query of (key, digest of the personal fields), ordered by key
DIGESTS = {
    "contacts (changed vs source)": (
        "SELECT id, md5(concat_ws('|', last_name, first_name, patronymic, email)) "
        "FROM contacts ORDER BY id"
    ),
    "contact_phones (changed vs source)": (
        "SELECT id, md5(coalesce(phone, '')) FROM contact_phones ORDER BY id"
    ),
}


@dataclass(frozen=True)
class Fingerprint:
    tables: dict[str, tuple[int, str]]  # what -> (count, sha256 of the keys)

    def differences(self, other: Fingerprint) -> list[str]:
        return [
            f"{name}: {self.tables[name][0]:,} vs {other.tables.get(name, (0, ''))[0]:,}"
            for name in self.tables
            if self.tables[name] != other.tables.get(name)
        ]


def _rows(connection: sa.Connection, query: str) -> Iterator[tuple[object, ...]]:
    result = connection.execution_options(stream_results=True, yield_per=CHUNK).exec_driver_sql(
        query
    )
    for row in result:
        yield tuple(row)


def _digest(rows: Iterator[tuple[object, ...]]) -> tuple[int, str]:
    digest = hashlib.sha256()
    count = 0
    for row in rows:
        digest.update(repr(row).encode())
        count += 1
    return count, digest.hexdigest()


def _changed(
    source: sa.Connection, target: sa.Connection, query: str
) -> Iterator[tuple[object, ...]]:
    """Keys whose digest differs from the source's (both sorted by key)."""
    theirs = _rows(target, query)
    current = next(theirs, None)
    for key, digest in _rows(source, query):
        while current is not None and _lt(current[0], key):
            current = next(theirs, None)  # a row the source lacks: not expected
        if current is None or current[0] != key:
            yield ("missing", key)
        elif current[1] != digest:
            yield (key,)


def _lt(a: object, b: object) -> bool:
    return bool(a < b)  # type: ignore[operator]


def fingerprint(source_url: str, url: str) -> Fingerprint:
    source_engine, engine = plain_engine(source_url), plain_engine(url)
    try:
        with source_engine.connect() as source, engine.connect() as target:
            tables = {name: _digest(_rows(target, query)) for name, query in KEYS.items()}
            for name, query in DIGESTS.items():
                tables[name] = _digest(_changed(source, target, query))
            for name in UNTOUCHED:
                count = target.exec_driver_sql(f"SELECT count(*) FROM {name}").scalar_one()
                tables[f"{name} (rows)"] = (int(count), "")
    finally:
        source_engine.dispose()
        engine.dispose()
    return Fingerprint(tables)
