"""The key and child checks skip their scan only where the server vouches (guarantees.py):
wherever it does not, they still find repeated keys, NULL keys and orphans."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa

from pdpipe.execute.runner import RunOptions
from pdpipe.job import run_policy
from pdpipe.policy import load_policy
from pdpipe.retention.decide import AsOf
from pdpipe.validation import guarantees, suites
from pdpipe.validation.checks import validate_policy
from tests.execute import builders
from tests.execute.builders import AS_OF_DAY, PSEUDONYM_KEY, populate, write_policy

AS_OF = AsOf.end_of_day(AS_OF_DAY, "Asia/Almaty")
UNIQUE = "key id is unique"
NOT_NULL = "key id is not null"
MEMBERSHIPS = "rows of memberships reference existing people (or NULL)"
EVENTS = "rows of events reference existing people (or NULL)"


def _found(url: str, folder: Path, check: str) -> int:
    """Rows the `people` suite's check finds, run as GX runs it, on the whole table."""
    policy = load_policy(write_policy(folder, url))
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            store = policy.stores[0]
            spec = next(t for t in store.tables if t.name == "people")
            template = suites.build_template(connection, policy, store, spec)
            query = next(c.query for c in template.checks if c.description == check)
            whole = "(SELECT * FROM people WHERE 1 = 1)"
            sql = (
                query.replace("{batch} AS pdpipe_batch", f"{whole} AS pdpipe_batch")
                .replace("{batch}", f"{whole} AS batch")
                .replace("{{", "{")
                .replace("}}", "}")
            )
            return len(connection.exec_driver_sql(sql).fetchall())
    finally:
        engine.dispose()


def _loose_schema(url: str) -> None:
    """The test store's tables without a key, a NOT NULL or a foreign key."""
    loose = sa.MetaData()
    for table in builders.metadata.sorted_tables:
        sa.Table(table.name, loose, *(sa.Column(c.name, c.type) for c in table.columns))
    engine = sa.create_engine(url)
    loose.create_all(engine)
    with engine.begin() as connection:
        people = loose.tables["people"]
        row = {
            "email": "x",
            "full_name": "x",
            "status": "active",
            "created_at": dt.datetime(2020, 1, 1),
        }
        connection.execute(
            people.insert(), [{"id": 1, **row}, {"id": 1, **row}, {"id": None, **row}]
        )
        connection.execute(
            loose.tables["memberships"].insert(), [{"id": 1, "person_id": 2, "list_name": "x"}]
        )
    engine.dispose()


def test_when_no_constraint_vouches_then_repeated_and_null_keys_and_orphans_are_found(
    store_url: str, tmp_path: Path
) -> None:
    _loose_schema(store_url)
    assert _found(store_url, tmp_path, UNIQUE) == 1  # key 1, twice (NULL is the not-null check's)
    assert _found(store_url, tmp_path, NOT_NULL) == 1
    assert _found(store_url, tmp_path, MEMBERSHIPS) == 1
    assert _found(store_url, tmp_path, EVENTS) == 0


def _plant_orphan(url: str) -> None:
    """A membership of nobody, let in past the foreign key the way each server allows."""
    insert = "INSERT INTO memberships (id, person_id, list_name) VALUES (999999, 999999, 'x')"
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        dialect = connection.dialect.name
        if dialect == "postgresql":  # its triggers enforce it, and stay off
            connection.exec_driver_sql("ALTER TABLE memberships DISABLE TRIGGER ALL")
            connection.exec_driver_sql(insert)
        elif dialect == "mariadb" or dialect == "mysql":  # never looked at again
            connection.exec_driver_sql("SET foreign_key_checks = 0")
            connection.exec_driver_sql(insert)
            connection.exec_driver_sql("SET foreign_key_checks = 1")
        else:  # SQLite enforces foreign keys only on connections that ask it to
            connection.exec_driver_sql(insert)
    engine.dispose()


def test_when_a_row_got_past_the_foreign_key_then_validation_names_the_check(
    store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PDPIPE_TEST_PSEUDONYM_KEY", PSEUDONYM_KEY)
    populate(store_url, people_count=60, leads_count=40)
    policy = load_policy(write_policy(tmp_path, store_url))
    run_policy(policy, RunOptions(as_of=AS_OF, allow_large=True))
    assert validate_policy(policy, AS_OF, tmp_path / "good").success
    _plant_orphan(store_url)
    report = validate_policy(policy, AS_OF, tmp_path / "bad")
    assert [(c.table, c.check, c.unexpected) for c in report.failed] == [("people", MEMBERSHIPS, 1)]


def _guard_holds(url: str, guard: str | None) -> bool | None:
    if guard is None:
        return None
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        holds = bool(connection.exec_driver_sql(f"SELECT {guard}").scalar_one())
    engine.dispose()
    return holds


def test_postgresql_vouches_only_for_constraints_it_enforces(pg_url: str) -> None:
    populate(pg_url, people_count=20, leads_count=10)
    engine = sa.create_engine(pg_url)
    with engine.connect() as connection:
        unique = guarantees.unique_key(connection, "people", "id")
        memberships = guarantees.foreign_key(connection, "memberships", "person_id", "people", "id")
        events = guarantees.foreign_key(connection, "events", "person_id", "people", "id")
        other_column = guarantees.unique_key(connection, "people", "email")
    engine.dispose()
    assert _guard_holds(pg_url, unique) is True
    assert _guard_holds(pg_url, memberships) is True
    assert _guard_holds(pg_url, events) is False  # no foreign key declared
    assert _guard_holds(pg_url, other_column) is False  # email has no unique index
    assert memberships is not None

    statements = {
        "triggers off": ["ALTER TABLE memberships DISABLE TRIGGER ALL"],
        "not valid": [
            "ALTER TABLE memberships DROP CONSTRAINT memberships_person_id_fkey",
            "ALTER TABLE memberships ADD CONSTRAINT memberships_person_id_fkey "
            "FOREIGN KEY (person_id) REFERENCES people (id) NOT VALID",
        ],
    }
    for case, alter in statements.items():
        engine = sa.create_engine(pg_url)
        with engine.begin() as connection:
            for statement in alter:
                connection.exec_driver_sql(statement)
        engine.dispose()
        assert _guard_holds(pg_url, memberships) is False, case
        with sa.create_engine(pg_url).begin() as connection:  # back to enforced
            connection.exec_driver_sql("ALTER TABLE memberships ENABLE TRIGGER ALL")
            connection.exec_driver_sql(
                "ALTER TABLE memberships VALIDATE CONSTRAINT memberships_person_id_fkey"
            )
        assert _guard_holds(pg_url, memberships) is True, case


def test_a_guard_quotes_the_names_it_is_given(pg_url: str) -> None:
    engine = sa.create_engine(pg_url)
    with engine.begin() as connection:
        connection.exec_driver_sql('CREATE TABLE "Odd Name" ("Key" integer PRIMARY KEY)')
        guard = guarantees.unique_key(connection, "Odd Name", "Key")
    engine.dispose()
    assert _guard_holds(pg_url, guard) is True
