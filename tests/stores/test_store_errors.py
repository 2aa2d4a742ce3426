"""A statement that fails on a value: the error names the store and what failed, and
quotes no value (MariaDB's duplicate-key message and PostgreSQL's cast errors do)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from pdpipe.errors import StoreError
from pdpipe.policy.models import StoreSpec
from pdpipe.stores.owner import opened_store

CANARY = "canary.dup@mail.ru"


def _store_with_a_unique_email(url: str) -> StoreSpec:
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE IF EXISTS dup")
        connection.exec_driver_sql("CREATE TABLE dup (email VARCHAR(80), UNIQUE (email))")
        connection.exec_driver_sql(f"INSERT INTO dup (email) VALUES ('{CANARY}')")
    engine.dispose()
    return StoreSpec.model_construct(name="contacts", url=url, tables=[])


def _failure(store: StoreSpec, statement: str) -> str:
    with pytest.raises(StoreError) as failure, opened_store(store) as connection:
        connection.exec_driver_sql(statement)
    return str(failure.value)


def test_when_a_duplicate_is_refused_then_the_error_quotes_no_value(
    store_url_both_drivers: str,
) -> None:
    store_url = store_url_both_drivers
    store = _store_with_a_unique_email(store_url)

    message = _failure(store, f"INSERT INTO dup (email) VALUES ('{CANARY}')")

    assert message.startswith("store 'contacts' (")
    assert ") failed (INSERT): " in message  # the store, and the kind of statement
    assert CANARY not in message


def test_when_postgresql_cannot_cast_a_value_then_the_error_quotes_it_not(pg_url: str) -> None:
    store = _store_with_a_unique_email(pg_url)

    message = _failure(store, "SELECT CAST(email AS INTEGER) FROM dup")

    assert "invalid input syntax for type integer" in message
    assert CANARY not in message
