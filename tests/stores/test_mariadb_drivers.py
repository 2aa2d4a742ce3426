"""MariaDB's drivers: a URL that names none gets Connector/Python's C extension (rows read
and values converted in C), `+pymysql` keeps PyMySQL, and both sessions get pdpipe's
settings whatever the URL asks (docs/databases.md, "MariaDB's drivers")."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from mysql.connector.connection_cext import CMySQLConnection
from pymysql.connections import Connection as PyMySQLConnection

from pdpipe.errors import StoreError
from pdpipe.execute.ledger_check import verify_ledgers
from pdpipe.execute.runner import RunOptions
from pdpipe.job import run_job
from pdpipe.policy import drivers, load_policy, semantics
from pdpipe.policy.models import StoreSpec
from pdpipe.retention.decide import AsOf
from pdpipe.stores.engine import create_store_engine
from tests.execute.builders import AS_OF_DAY, PSEUDONYM_KEY, ledger_rows, populate, write_policy


def _with_driver(url: str, drivername: str, **query: str) -> str:
    parsed = sa.engine.make_url(url).set(drivername=drivername)
    return parsed.update_query_dict(query).render_as_string(hide_password=False)


def _store(url: str) -> StoreSpec:
    return StoreSpec.model_construct(name="crm", url=url, tables=[], schema_=None)


@pytest.mark.parametrize(
    ("drivername", "dialect", "driver_class"),
    [
        ("mysql", "mysql", CMySQLConnection),
        ("mariadb", "mariadb", CMySQLConnection),
        ("mysql+mysqlconnector", "mysql", CMySQLConnection),
        ("mariadb+pymysql", "mariadb", PyMySQLConnection),
    ],
)
def test_a_url_gets_its_driver_and_pdpipes_session(
    mariadb_url: str, drivername: str, dialect: str, driver_class: type
) -> None:
    engine = create_store_engine(_store(_with_driver(mariadb_url, drivername)))
    try:
        with engine.connect() as connection:
            assert type(connection.connection.driver_connection) is driver_class
            assert connection.dialect.name == dialect
            zone, charset = connection.exec_driver_sql(
                "SELECT @@session.time_zone, @@character_set_connection"
            ).one()
    finally:
        engine.dispose()
    assert (zone, charset) == ("+00:00", "utf8mb4")


@pytest.mark.parametrize(
    ("drivername", "asks"),
    [
        ("mysql+mysqlconnector", {"allow_local_infile": "true"}),
        ("mysql+pymysql", {"local_infile": "1"}),
    ],
)
def test_a_store_url_cannot_turn_local_infile_on(
    mariadb_url: str, tmp_path: Path, drivername: str, asks: dict[str, str]
) -> None:
    """The server allows LOAD DATA LOCAL (local_infile=1 on the test server): only the
    client's refusal keeps a file of the machine running pdpipe out of the database."""
    loaded = tmp_path / "secret.txt"
    loaded.write_text("a line of a private file\n", encoding="utf-8")
    admin = sa.create_engine(mariadb_url)
    with admin.begin() as setup:
        assert setup.exec_driver_sql("SELECT @@global.local_infile").scalar() == 1
        setup.exec_driver_sql("CREATE TABLE landed (line TEXT)")
    engine = create_store_engine(_store(_with_driver(mariadb_url, drivername, **asks)))
    try:
        with pytest.raises(StoreError), engine.begin() as connection:
            connection.exec_driver_sql(f"LOAD DATA LOCAL INFILE '{loaded}' INTO TABLE landed")
    finally:
        engine.dispose()
    with admin.connect() as connection:
        assert connection.exec_driver_sql("SELECT COUNT(*) FROM landed").scalar() == 0
    admin.dispose()


def test_a_run_on_a_mariadb_url_naming_no_driver_acts_through_the_c_extension(
    mariadb_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`mariadb://`: SQLAlchemy's MariaDB dialect over Connector/Python, for the batches
    and for Great Expectations' checks, which make their engine from the same URL."""
    monkeypatch.setenv("PDPIPE_TEST_PSEUDONYM_KEY", PSEUDONYM_KEY)
    populate(mariadb_url, people_count=60, leads_count=45)
    url = _with_driver(mariadb_url, "mariadb")
    policy = load_policy(write_policy(tmp_path, url))
    drivers: set[type] = set()

    def seen(connection: object, *_: object) -> None:
        drivers.add(type(connection))

    sa.event.listen(sa.pool.Pool, "connect", seen)
    try:
        result = run_job(
            policy,
            RunOptions(as_of=AsOf.end_of_day(AS_OF_DAY, "Asia/Almaty"), allow_large=True),
            report=False,
        )
    finally:
        sa.event.remove(sa.pool.Pool, "connect", seen)
    assert drivers == {CMySQLConnection}
    assert result.status == "completed", result.errors
    assert result.acted > 0 and result.checks and result.checks_failed == 0
    acted = [r for r in ledger_rows(mariadb_url) if r["action"] != "document"]
    assert len(acted) == result.acted
    assert all(v is not None and v.ok for _, v in verify_ledgers(policy))


def test_where_the_c_extension_cannot_load_a_url_naming_no_driver_gets_pymysql(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A platform without the extension's wheel (musl, say): stated as what the import
    check answers there, since this machine has the extension."""
    monkeypatch.setattr(drivers, "c_extension_loads", lambda: False)
    monkeypatch.setattr(semantics, "c_extension_loads", lambda: False)
    semantics.driver_problem.cache_clear()
    try:
        assert drivers.driver_url(sa.make_url("mariadb://db/x")).drivername == "mariadb+pymysql"
        assert semantics.driver_problem("mysql", None) is None
        assert semantics.driver_problem("mysql", "mysqlconnector") == (
            "the C extension of mysql-connector-python does not load here "
            "(write mysql://, which uses PyMySQL then, or mysql+pymysql://)"
        )
    finally:
        semantics.driver_problem.cache_clear()
