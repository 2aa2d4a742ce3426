"""The compatibility matrix: pdpipe on databases configured the way real applications and
their installers configure them, not the way pdpipe's other tests make them.

Each cell builds a store (the demo, or the execution tests' store reshaped), then runs the
acceptance a user would: plan, the job (its batches, its checks, its documents), the
ledger's verification, and a second run that finds nothing left to do.

    MariaDB     databases created in utf8mb4_general_ci, utf8mb4_unicode_ci (what
                marketing-automation installers choose) and utf8mb4_unicode_520_ci; a
                legacy utf8mb3 table; a table in another collation than its database's;
                BIGINT UNSIGNED and text keys; a session in another time zone and with
                ANSI_QUOTES; a MyISAM table (no transactions: refused by check)
    PostgreSQL  a store in a schema of its own (schema:), mixed-case quoted names, a table
                named user and a column named order, uuid and text keys, a database whose
                TimeZone is not UTC
    SQLite      WAL mode, while another process holds the files open and reads them
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from pdpipe.demo import build_demo
from pdpipe.execute import DEFAULT_PARTITIONS
from pdpipe.execute.ledger_check import verify_ledgers
from pdpipe.execute.runner import RunOptions
from pdpipe.job import run_job
from pdpipe.policy import load_policy
from pdpipe.retention.decide import AsOf
from pdpipe.retention.plan import build_plan
from tests.cli import run_main
from tests.conftest import MARIADB_ADMIN_URL, _unavailable
from tests.execute.builders import AS_OF_DAY, PSEUDONYM_KEY, populate, write_policy

DEMO_DAY = dt.date(2026, 11, 25)


@pytest.fixture(autouse=True)
def keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PDPIPE_PSEUDONYM_KEY", PSEUDONYM_KEY)
    monkeypatch.setenv("PDPIPE_TEST_PSEUDONYM_KEY", PSEUDONYM_KEY)
    monkeypatch.setenv("PDPIPE_CONTACT_KEY", "test-contact-key")


@pytest.fixture
def mariadb_created() -> Iterator[Callable[[str], str]]:
    """Makes MariaDB databases with the given CREATE DATABASE options; drops them after."""
    admin = sa.create_engine(MARIADB_ADMIN_URL, isolation_level="AUTOCOMMIT")
    made: list[str] = []

    def create(options: str) -> str:
        name = f"pdpipe_c_{uuid.uuid4().hex[:12]}"
        try:
            with admin.connect() as connection:
                connection.execute(sa.text(f"CREATE DATABASE {name} {options}"))
        except sa.exc.DatabaseError as exc:  # Connector/Python: not Operational
            _unavailable("MariaDB at 127.0.0.1:3306", exc)
        made.append(name)
        return sa.engine.make_url(MARIADB_ADMIN_URL).set(database=name).render_as_string()

    yield create
    with admin.connect() as connection:
        for name in made:
            connection.execute(sa.text(f"DROP DATABASE IF EXISTS {name}"))
    admin.dispose()


def accept(policy_path: Path, day: dt.date) -> None:
    """plan → run (checks, documents) → ledger verify → a second run that does nothing."""
    policy = load_policy(policy_path)
    as_of = AsOf.end_of_day(day, policy.operator.timezone)
    # In key ranges as `pdpipe run` cuts them: uuid and text keys by NTILE, integers by span.
    options = RunOptions(
        as_of=as_of, allow_large=True, max_fraction=1.0, partitions=DEFAULT_PARTITIONS
    )
    planned = build_plan(policy, as_of)
    assert sum(t.due for t in planned.tables) > 0
    result = run_job(policy, options)
    assert result.status == "completed", result.errors
    assert result.acted > 0 and result.checks and result.checks_failed == 0
    assert result.documents is not None
    assert all(v is None or v.ok for _, v in verify_ledgers(policy))
    assert run_job(policy, options).acted == 0


@pytest.mark.parametrize(
    "collation", ["utf8mb4_general_ci", "utf8mb4_unicode_ci", "utf8mb4_unicode_520_ci"]
)
def test_the_demo_on_a_mariadb_database_created_in_each_collation(
    collation: str, mariadb_created: Callable[[str], str], tmp_path: Path
) -> None:
    url = mariadb_created(f"CHARACTER SET utf8mb4 COLLATE {collation}")
    demo = build_demo(tmp_path, subjects=300, seed=3, url=url, as_of=DEMO_DAY)
    accept(demo.policy_path, DEMO_DAY)


def test_the_demo_on_mariadb_sessions_in_another_time_zone_with_ansi_quotes(
    mariadb_created: Callable[[str], str], tmp_path: Path
) -> None:
    url = sa.engine.make_url(mariadb_created("CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"))
    settings = "SET time_zone = '+03:00', sql_mode = CONCAT(@@sql_mode, ',ANSI_QUOTES')"
    configured = url.update_query_dict({"init_command": settings}).render_as_string()
    demo = build_demo(tmp_path, subjects=300, seed=3, url=configured, as_of=DEMO_DAY)
    accept(demo.policy_path, DEMO_DAY)


def test_legacy_tables_other_collations_and_unsigned_keys_on_mariadb(
    mariadb_created: Callable[[str], str], tmp_path: Path
) -> None:
    url = mariadb_created("CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
    populate(url, people_count=200, leads_count=150)
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        foreign_keys = connection.execute(
            sa.text(
                "SELECT table_name, constraint_name FROM "
                "information_schema.referential_constraints WHERE constraint_schema = DATABASE()"
            )
        ).all()
        for table, constraint in foreign_keys:
            connection.execute(sa.text(f"ALTER TABLE {table} DROP FOREIGN KEY {constraint}"))
        for statement in (
            # An application's legacy table, still in utf8mb3, with a text key.
            "ALTER TABLE leads CONVERT TO CHARACTER SET utf8mb3 COLLATE utf8mb3_general_ci",
            # A table in another collation than its database's, keyed BIGINT UNSIGNED.
            "ALTER TABLE people CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_520_ci",
            "ALTER TABLE people MODIFY id BIGINT UNSIGNED NOT NULL",
            "ALTER TABLE memberships MODIFY person_id BIGINT UNSIGNED NOT NULL",
            "ALTER TABLE notes MODIFY person_id BIGINT UNSIGNED NULL",
            "ALTER TABLE events MODIFY person_id BIGINT UNSIGNED NULL",
        ):
            connection.execute(sa.text(statement))
        for table, _ in foreign_keys:
            connection.execute(
                sa.text(f"ALTER TABLE {table} ADD FOREIGN KEY (person_id) REFERENCES people (id)")
            )
    engine.dispose()
    accept(write_policy(tmp_path, url), AS_OF_DAY)


def test_a_myisam_table_is_refused_by_check_and_run_writes_nothing(
    mariadb_created: Callable[[str], str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = mariadb_created("CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci")
    populate(url, people_count=50, leads_count=40)
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        (constraint,) = connection.execute(
            sa.text(
                "SELECT constraint_name FROM information_schema.referential_constraints "
                "WHERE constraint_schema = DATABASE() AND table_name = 'memberships'"
            )
        ).scalars()
        connection.execute(sa.text(f"ALTER TABLE memberships DROP FOREIGN KEY {constraint}"))
        connection.execute(sa.text("ALTER TABLE memberships ENGINE = MyISAM"))
    policy = str(write_policy(tmp_path, url))

    code, _, err = run_main(monkeypatch, capsys, "check", policy)
    assert code == 2
    assert "stores[0].tables[0].children[0].table: table 'memberships' uses the MyISAM" in err
    assert "ALTER TABLE memberships ENGINE=InnoDB" in err
    code, _, err = run_main(monkeypatch, capsys, "run", policy, "--allow-large")
    assert code == 2 and "MyISAM" in err
    with engine.connect() as connection:
        assert not sa.inspect(connection).has_table("pdpipe_runs")  # nothing written
    engine.dispose()


PG_STORE = """
CREATE SCHEMA crm;
CREATE TABLE crm."Contacts" (
    "Id" uuid PRIMARY KEY,
    "Email" text NOT NULL UNIQUE,
    "LastName" text,
    "Status" text NOT NULL,
    "UpdatedAt" timestamp NOT NULL
);
CREATE TABLE crm."user" (
    login text PRIMARY KEY,
    email text NOT NULL,
    "order" integer NOT NULL,
    created timestamptz NOT NULL,
    contact uuid REFERENCES crm."Contacts" ("Id")
);
CREATE TABLE crm."Phones" (
    id serial PRIMARY KEY,
    "ContactId" uuid NOT NULL REFERENCES crm."Contacts" ("Id"),
    "Number" text NOT NULL
);
"""

PG_POLICY = """
version: 1
operator: {{name: Test Operator, jurisdiction: RU-152FZ, timezone: Europe/Moscow, contact: a@b.c}}
secrets: {{pseudonym_key: env:PDPIPE_TEST_PSEUDONYM_KEY}}
purposes:
  - id: crm
    title: CRM
    legal_ground: consent
    ground: consent
    processing: [use]
    data: [email, last_name, phone]
    on_end: depersonalize
  - id: accounts
    title: Accounts
    legal_ground: contract
    ground: contract
    processing: [use]
    data: [email]
    keep_for: P1Y
    on_end: destroy
stores:
  - name: crm
    url: {url}
    schema: crm
    tables:
      - name: Contacts
        key: Id
        purpose: crm
        clock: UpdatedAt
        ends:
          - {{reason: consent_withdrawn, when: {{Status: withdrawn}}, since: UpdatedAt}}
        columns:
          Email: {{data: email, depersonalize: pseudonym_email}}
          LastName: {{data: last_name, depersonalize: redact}}
        children:
          - table: Phones
            fk: ContactId
            on_destroy: delete
            columns:
              Number: {{data: phone, depersonalize: {{mask: {{keep_last: 2}}}}}}
          # A withdrawal destroys a contact (152-FZ art. 21 p.5): the accounts referring
          # to it let go.
          - {{table: user, fk: contact, on_destroy: set_null}}
      - name: user
        key: login
        purpose: accounts
        clock: created
        ends:
          - {{reason: purpose_achieved, when: {{order: 0}}, since: created}}
        columns:
          email: {{data: email, depersonalize: pseudonym_email}}
"""


def test_a_postgresql_store_in_its_own_schema_with_quoted_and_reserved_names(
    pg_url: str, tmp_path: Path
) -> None:
    """Schema `crm`, not public; mixed-case quoted tables and columns; a table named
    `user` and a column named `order`; uuid and text keys; a database whose TimeZone is
    not UTC."""
    admin = sa.create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        database = connection.execute(sa.text("SELECT current_database()")).scalar()
        connection.execute(sa.text(f"ALTER DATABASE {database} SET timezone TO 'Asia/Tokyo'"))
    admin.dispose()
    engine = sa.create_engine(pg_url)
    now = dt.datetime(2026, 11, 25, 12, 0)
    with engine.begin() as connection:
        connection.execute(sa.text(PG_STORE))
        contacts = [
            {
                "id": uuid.UUID(int=i),
                "email": f"contact{i}@mail.ru",
                "name": f"Контактов{i}",
                "status": "withdrawn" if i % 4 == 0 else "active",
                "at": now - dt.timedelta(days=i),
            }
            for i in range(1, 81)
        ]
        connection.execute(
            sa.text('INSERT INTO crm."Contacts" VALUES (:id, :email, :name, :status, :at)'),
            contacts,
        )
        connection.execute(
            sa.text('INSERT INTO crm."Phones" ("ContactId", "Number") VALUES (:id, :number)'),
            [{"id": c["id"], "number": f"+7 916 555-{i:04d}"} for i, c in enumerate(contacts)],
        )
        connection.execute(
            sa.text('INSERT INTO crm."user" VALUES (:login, :email, :order, :created, :contact)'),
            [
                {
                    "login": f"User{i}",
                    "email": f"user{i}@yandex.ru",
                    "order": i % 3,
                    "created": dt.datetime(2025, 1, 1, tzinfo=dt.UTC) - dt.timedelta(days=i),
                    "contact": uuid.UUID(int=i),
                }
                for i in range(1, 61)
            ],
        )
    engine.dispose()
    policy_path = tmp_path / "policy.yaml"
    policy_path.write_text(PG_POLICY.format(url=pg_url), encoding="utf-8")
    accept(policy_path, DEMO_DAY)
    engine = sa.create_engine(pg_url)
    with engine.connect() as connection:
        tables = set(sa.inspect(connection).get_table_names(schema="crm"))
        public = set(sa.inspect(connection).get_table_names(schema="public"))
    engine.dispose()
    assert {"pdpipe_runs", "pdpipe_ledger"} <= tables and not public  # kept beside the store


READER = """
import sqlite3, sys, time
connections = [sqlite3.connect(path, timeout=30) for path in sys.argv[1:]]
print("open", flush=True)
while True:  # an application reading now and then, its connections never closed
    for connection in connections:
        connection.execute("SELECT count(*) FROM sqlite_master").fetchall()
    time.sleep(0.05)
"""


def test_the_demo_on_sqlite_in_wal_mode_while_another_process_holds_it_open(
    tmp_path: Path,
) -> None:
    demo = build_demo(tmp_path, subjects=300, seed=3, as_of=DEMO_DAY)
    files = [sa.engine.make_url(u).database or "" for u in demo.store_urls.values()]
    for file in files:
        with sqlite3.connect(file) as connection:
            assert connection.execute("PRAGMA journal_mode=WAL").fetchone() == ("wal",)
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, *files], stdout=subprocess.PIPE, text=True
    )
    try:
        assert reader.stdout is not None and reader.stdout.readline().strip() == "open"
        accept(demo.policy_path, DEMO_DAY)
        assert reader.poll() is None  # it kept reading all along
    finally:
        reader.kill()
        reader.wait()


def test_a_user_without_privileges_is_told_what_to_grant(
    pg_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A PostgreSQL user that may read the store but not create pdpipe's tables: the run
    stops naming the store, the statement's kind and the privileges to grant."""
    populate(pg_url, people_count=50, leads_count=40)
    role = f"pdpipe_reader_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f"CREATE ROLE {role} LOGIN"))
        connection.execute(sa.text(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}"))
    try:
        url = sa.engine.make_url(pg_url).set(username=role).render_as_string()
        policy = str(write_policy(tmp_path, url))
        monkeypatch.setenv("PDPIPE_DEBUG", "1")
        code, _, err = run_main(monkeypatch, capsys, "run", policy, "--allow-large")
        assert code == 1
        assert f"store 'store' (postgresql+psycopg://{role}@" in err
        assert "failed (CREATE): InsufficientPrivilege" in err
        assert "grant the store's user SELECT, INSERT, UPDATE and DELETE" in err
        assert "statement: \nCREATE TABLE pdpipe_runs" in err  # PDPIPE_DEBUG: the SQL
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f"DROP OWNED BY {role}"))
            connection.execute(sa.text(f"DROP ROLE {role}"))
        admin.dispose()
