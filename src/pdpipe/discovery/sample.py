"""A bounded random sample of every table of a store, as text, for the detectors.

Every table the database holds is sampled, those the policy names and those it does not
(pdpipe's own `pdpipe_*` tables excepted); views are not tables and are left out. A
table's rows are drawn at random in the database, spread over the whole table, not its
first rows:

    PostgreSQL  TABLESAMPLE BERNOULLI (each row with probability p)
    MariaDB     WHERE RAND() < p
    SQLite      WHERE abs(random() % 1000000) < p * 1000000

with p a little above rows/count, then cut to `rows` in Python (a LIMIT would favour the
rows stored first). Each value is read as text, cut in the database to MAX_CHARS, so
memory stays bounded whatever a column holds: at most `rows` × columns × MAX_CHARS. A JSON
column becomes one sampled column per key path inside it (`attribs.phone`,
`attribs.children[].name`; a key that is data, not a name, is `*`). Binary columns hold
no text and are left out.

The sample lives in memory only: nothing here logs, stores or returns a value outside the
objects the caller asked for.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from pdpipe.policy.models import StoreSpec
from pdpipe.stores.owner import Stores, owned

DEFAULT_ROWS = 2_000
MAX_CHARS = 10_000  # of a value as read: enough for any field, bounded for any note
OVERSAMPLE = 1.25  # p = OVERSAMPLE * rows / count: rarely fewer than `rows` drawn
OWN_PREFIX = "pdpipe_"  # pdpipe's own tables: the ledger, runs, state, the register
_RESOLUTION = 1_000_000  # SQLite: p in millionths


@dataclass(frozen=True)
class ColumnSample:
    """One column's (or one JSON key path's) sampled values, as text, NULLs left out."""

    column: str  # "email"; for a key inside a JSON column "attribs.phone"
    type: str  # the database's type as SQLAlchemy reflects it ("VARCHAR(255)", "JSON")
    values: list[str]
    sampled_rows: int  # rows drawn: the share of values that match is of these


@dataclass(frozen=True)
class TableSample:
    store: str
    table: str
    rows: int  # the table's rows when it was sampled
    columns: list[ColumnSample] = field(default_factory=list)


def sample_store(
    store: StoreSpec, *, rows: int = DEFAULT_ROWS, stores: Stores | None = None
) -> list[TableSample]:
    """Every table of `store`, each with at most `rows` random rows (read-only)."""
    with owned(stores, read_only=True) as owner, owner.connect(store) as connection:
        names = sorted(
            name
            for name in sa.inspect(connection).get_table_names()
            if not name.startswith(OWN_PREFIX)
        )
        return [sample_table(connection, store.name, name, rows) for name in names]


def sample_table(connection: sa.Connection, store: str, name: str, rows: int) -> TableSample:
    table = sa.Table(name, sa.MetaData(), autoload_with=connection)
    textual = [c for c in table.columns if not _is_binary(c.type)]
    count = int(connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())
    if not textual or count == 0:
        return TableSample(store, name, count)
    drawn = _draw(connection, table, textual, count, rows)
    columns: list[ColumnSample] = []
    for index, column in enumerate(textual):
        values = [row[index] for row in drawn]
        if _is_json(column.type) or _holds_json(values):
            values = [None if v == "null" else v for v in values]  # JSON's null is no value
            columns += _json_paths(column.name, str(column.type), values, len(drawn))
        columns.append(
            ColumnSample(
                column.name, str(column.type), [v for v in values if v is not None], len(drawn)
            )
        )
    return TableSample(store, name, count, columns)


def _draw(
    connection: sa.Connection,
    table: sa.Table,
    columns: list[sa.Column[Any]],
    count: int,
    rows: int,
) -> list[tuple[str | None, ...]]:
    dialect = connection.dialect.name
    share = min(1.0, OVERSAMPLE * rows / count)
    source: sa.FromClause = table
    if count > rows and dialect == "postgresql":
        source = sa.tablesample(table, sa.func.bernoulli(share * 100))
    query = sa.select(*[_as_text(source.c[c.name], dialect) for c in columns])
    if count > rows:
        if dialect in ("mysql", "mariadb"):
            query = query.where(sa.func.rand() < share)
        elif dialect == "sqlite":
            cut = int(share * _RESOLUTION)
            query = query.where(sa.func.abs(sa.func.random() % _RESOLUTION) < cut)
        # A stale or racing count must not let the draw grow without bound.
        query = query.limit(rows * 4)
    drawn = [tuple(row) for row in connection.execute(query)]
    return random.sample(drawn, rows) if len(drawn) > rows else drawn


def _as_text(column: sa.ColumnElement[Any], dialect: str) -> sa.ColumnElement[Any]:
    """The column's value as text, at most MAX_CHARS of it, computed in the database."""
    text_type: sa.types.TypeEngine[Any] = sa.Text()
    if dialect in ("mysql", "mariadb"):
        text_type = sa.types.CHAR()  # CAST(x AS CHAR): MariaDB's cast to text
    return sa.func.substr(sa.cast(column, text_type), 1, MAX_CHARS)


def _is_binary(kind: sa.types.TypeEngine[Any]) -> bool:
    return isinstance(kind, sa.LargeBinary | sa.BINARY | sa.VARBINARY)


def _is_json(kind: sa.types.TypeEngine[Any]) -> bool:
    return isinstance(kind, sa.JSON) or type(kind).__name__.upper() in {"JSON", "JSONB"}


def _holds_json(values: list[str | None]) -> bool:
    """JSON kept in a text column (SQLite; MariaDB's JSON is LONGTEXT): most values are
    objects or arrays."""
    present = [v for v in values if v and v != "null"]
    if not present:
        return False
    shaped = sum(1 for v in present if v.lstrip()[:1] in ("{", "["))
    return shaped >= 0.8 * len(present)


def _json_paths(name: str, kind: str, values: list[str | None], sampled: int) -> list[ColumnSample]:
    """One sample per key path found in the column's JSON values (scalars as text)."""
    found: dict[str, list[str]] = {}
    for text in values:
        if text is None:
            continue
        try:
            document = json.loads(text)
        except ValueError:
            continue  # cut at MAX_CHARS, or not JSON after all: the column's text has it
        for path, value in _leaves(document, name):
            found.setdefault(path, []).append(value)
    return [ColumnSample(path, kind, found[path], sampled) for path in sorted(found)]


# A key that names a field (`phone`, `дата_рождения`, `utm-source`). Applications also key
# objects by data (an address book keyed by e-mail, a map keyed by phone number): such a
# key is a value, and the path names it `*`, so that no output ever quotes it.
_FIELD_NAME = re.compile(r"^[^\W\d][\w\-]{0,63}$")


def _key_name(key: str) -> str:
    return key if _FIELD_NAME.match(key) and not key.isdigit() else "*"


def _leaves(document: Any, prefix: str, depth: int = 0) -> Iterator[tuple[str, str]]:
    if depth > 16:  # deeper than any real record: bounded work on a hostile document
        return
    if isinstance(document, dict):
        for key, value in document.items():
            yield from _leaves(value, f"{prefix}.{_key_name(key)}", depth + 1)
    elif isinstance(document, list):
        for item in document:
            yield from _leaves(item, f"{prefix}[]", depth + 1)
    elif isinstance(document, bool):
        # as JSON writes it: Python's "True" is also an English surname
        yield prefix, "true" if document else "false"
    elif document is not None:
        yield prefix, str(document)
