"""A record's key as text, compared byte for byte, whatever collations the store uses.

pdpipe keeps every store's keys as text in its own tables (pdpipe_state, pdpipe_ledger) and
compares them with the store's key columns. A text comparison needs one collation, and a
database picks it from its operands: MariaDB refuses two different ones of the same
strength ("Illegal mix of collations (utf8mb4_unicode_ci,IMPLICIT) and
(utf8mb4_general_ci,IMPLICIT)": its installers create databases in `utf8mb4_unicode_ci`
while a connection's `SET NAMES utf8mb4` speaks `utf8mb4_general_ci`), PostgreSQL cannot
choose between two columns' collations, and either could find 'A1' equal to 'a1'.

So pdpipe's key columns are created in the binary collation of each database
(`key_type`), and a store's key is cast to text in that same collation (`key_text`):
the comparison is exact, and it runs on the index of pdpipe's column.

    PostgreSQL  COLLATE "C"
    MariaDB     CHARACTER SET utf8mb4 COLLATE utf8mb4_bin
    SQLite      COLLATE BINARY
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import mysql, postgresql

KEY_LENGTH = 255
BINARY = {"postgresql": "C", "mysql": "utf8mb4_bin", "mariadb": "utf8mb4_bin"}


def key_type(length: int = KEY_LENGTH) -> sa.types.TypeEngine[str]:
    """A text column of pdpipe's that holds store keys: binary collation on each server."""
    return (
        sa.String(length)
        .with_variant(postgresql.VARCHAR(length, collation="C"), "postgresql")
        .with_variant(
            mysql.VARCHAR(length, charset="utf8mb4", collation="utf8mb4_bin"), "mysql", "mariadb"
        )
    )


def key_text(expression: sa.ColumnElement[Any], dialect: str) -> sa.ColumnElement[str]:
    """`expression` (a store's key) as text in the binary collation of pdpipe's columns:
    on MariaDB in utf8mb4, whatever the column's character set (utf8mb3, latin1)."""
    if dialect == "postgresql":
        return sa.cast(expression, sa.VARCHAR()).collate("C")
    if dialect in ("mysql", "mariadb"):
        return sa.cast(expression, mysql.CHAR(charset="utf8mb4")).collate("utf8mb4_bin")
    return sa.cast(expression, sa.String(KEY_LENGTH)).collate("BINARY")


def same_key(own: sa.ColumnElement[Any], store_key: sa.ColumnElement[Any], dialect: str) -> Any:
    """`own` (a key column of pdpipe's tables) holds `store_key`, compared exactly."""
    return own == key_text(store_key, dialect)


def found_by_cast(store_key: sa.ColumnElement[Any]) -> bool:
    """Whether pdpipe's text, cast to the store key's type, finds the store's row through
    the key's own index: a number, date or UUID key. A text key is compared as text,
    exactly, which an index in another collation cannot serve."""
    return not isinstance(store_key.type, sa.String | sa.Text | sa.Enum)


def store_key_of(own: sa.ColumnElement[Any], store_key: sa.ColumnElement[Any], dialect: str) -> Any:
    """As same_key, written for a lookup of the store's row by its key (`found_by_cast`)."""
    if not found_by_cast(store_key):
        return same_key(own, store_key, dialect)
    return store_key == sa.cast(own, store_key.type)
