"""Shared fixtures: real PostgreSQL and MariaDB databases, made fresh for each test.

The servers run on every development machine and in CI. A test that needs one skips when
the server is truly absent, except in CI (CI=true), where that is a failure.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa

# Each test process (and each xdist worker) gets a Prefect home of its own, set before
# anything imports Prefect: CLI runs in parallel would otherwise share ~/.prefect's SQLite
# database and trip over its lock.
os.environ["PREFECT_HOME"] = tempfile.mkdtemp(prefix="pdpipe-test-prefect-")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

PG_ADMIN_URL = os.environ.get(
    "PDPIPE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
# MariaDB through Connector/Python's C extension, the driver a `mysql://` store gets;
# PyMySQL, the fallback, in the tests that name it (mariadb_pymysql_url).
MARIADB_ADMIN_URL = os.environ.get(
    "PDPIPE_TEST_MARIADB_URL", "mysql+mysqlconnector://root@127.0.0.1:3306"
)
MARIADB_PYMYSQL_ADMIN_URL = (
    sa.engine.make_url(MARIADB_ADMIN_URL)
    .set(drivername="mysql+pymysql")
    .render_as_string(hide_password=False)
)


def _unavailable(what: str, exc: Exception) -> None:
    message = f"{what} is not reachable ({type(exc).__name__})"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message}: in CI it must run, not skip")
    pytest.skip(message)


def _fresh_database(admin_url: str, what: str) -> Iterator[str]:
    name = f"pdpipe_t_{uuid.uuid4().hex[:12]}"
    try:
        admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(sa.text(f"CREATE DATABASE {name}"))
    except sa.exc.DatabaseError as exc:  # Connector/Python: not Operational
        _unavailable(what, exc)
    url = sa.engine.make_url(admin_url).set(database=name)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            if url.get_backend_name() == "postgresql":
                connection.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            else:
                connection.execute(sa.text(f"DROP DATABASE IF EXISTS {name}"))
        admin.dispose()


@pytest.fixture
def pg_factory() -> Iterator[Callable[[], str]]:
    """Makes as many fresh PostgreSQL databases as a test needs; drops them after."""
    with ExitStack() as stack:

        def make() -> str:
            return stack.enter_context(contextmanager(_fresh_database)(PG_ADMIN_URL, "PostgreSQL"))

        yield make


@pytest.fixture
def mariadb_factory() -> Iterator[Callable[[], str]]:
    """Makes as many fresh MariaDB databases as a test needs; drops them after."""
    with ExitStack() as stack:

        def make() -> str:
            return stack.enter_context(
                contextmanager(_fresh_database)(MARIADB_ADMIN_URL, "MariaDB")
            )

        yield make


def twin_store(url: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A second, empty store of the same kind as `url` (dropped after the test)."""
    if url.startswith("sqlite"):
        return f"sqlite:///{tmp_path}/twin.db"
    factory = "pg_factory" if url.startswith("postgresql") else "mariadb_factory"
    make: Callable[[], str] = request.getfixturevalue(factory)
    return make()


@pytest.fixture
def pg_url() -> Iterator[str]:
    """URL of an empty PostgreSQL database, dropped after the test."""
    yield from _fresh_database(PG_ADMIN_URL, "PostgreSQL at 127.0.0.1:5432")


@pytest.fixture
def mariadb_url() -> Iterator[str]:
    """URL of an empty MariaDB database, dropped after the test."""
    yield from _fresh_database(MARIADB_ADMIN_URL, "MariaDB at 127.0.0.1:3306")


@pytest.fixture
def mariadb_pymysql_url() -> Iterator[str]:
    """URL of an empty MariaDB database reached through PyMySQL, dropped after the test."""
    yield from _fresh_database(MARIADB_PYMYSQL_ADMIN_URL, "MariaDB at 127.0.0.1:3306")


def _store_url(kind: str, tmp_path: object) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path}/store.db"
    elif kind == "postgresql":
        yield from _fresh_database(PG_ADMIN_URL, "PostgreSQL at 127.0.0.1:5432")
    elif kind == "mariadb-pymysql":
        yield from _fresh_database(MARIADB_PYMYSQL_ADMIN_URL, "MariaDB at 127.0.0.1:3306")
    else:
        yield from _fresh_database(MARIADB_ADMIN_URL, "MariaDB at 127.0.0.1:3306")


@pytest.fixture(params=["sqlite", "postgresql", "mariadb"])
def store_url(request: pytest.FixtureRequest, tmp_path: object) -> Iterator[str]:
    """The same test on an SQLite file, a PostgreSQL and a MariaDB database."""
    yield from _store_url(request.param, tmp_path)


@pytest.fixture(params=["sqlite", "postgresql", "mariadb", "mariadb-pymysql"])
def store_url_both_drivers(request: pytest.FixtureRequest, tmp_path: object) -> Iterator[str]:
    """As store_url, and MariaDB once more through PyMySQL, the driver it falls back to."""
    yield from _store_url(request.param, tmp_path)
