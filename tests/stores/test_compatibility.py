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
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from pdpipe.demo import build_demo
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
        except sa.exc.OperationalError as exc:
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
    options = RunOptions(as_of=as_of, allow_large=True, max_fraction=1.0)
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
