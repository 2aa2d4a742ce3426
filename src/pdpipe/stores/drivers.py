"""Which driver talks to a MariaDB store, and the settings every connection gets.

MariaDB has two drivers in pdpipe: MySQL Connector/Python with its C extension (rows are
read and values converted in C), and PyMySQL (pure Python: a million-subscriber run's
decision reads waited three times as long on it). A URL that names no driver (`mysql://`,
`mariadb://`) gets the C extension where it loads, PyMySQL where it does not (a platform
with no wheel of it); `+mysqlconnector` always means the C extension, and `+pymysql`
keeps PyMySQL.

Imports nothing from pdpipe: the policy's checks and the engines both use it.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import sqlalchemy as sa

C_DRIVER = "mysqlconnector"
PURE_DRIVER = "pymysql"
MARIADB_BACKENDS = ("mysql", "mariadb")


@cache
def c_extension_loads() -> bool:
    """Whether Connector/Python's C extension can be used in this process."""
    try:
        import mysql.connector
    except ImportError:
        return False
    return bool(mysql.connector.HAVE_CEXT)


def driver_url(url: sa.URL) -> sa.URL:
    """`url` with its MariaDB driver named: the C extension's for `mysql://` and
    `mariadb://` (PyMySQL where that cannot load); any other URL as it is."""
    if url.get_backend_name() not in MARIADB_BACKENDS or "+" in url.drivername:
        return url
    driver = C_DRIVER if c_extension_loads() else PURE_DRIVER
    return url.set(drivername=f"{url.get_backend_name()}+{driver}")


def with_driver_settings(url: sa.URL) -> sa.URL:
    """`url` with the driver settings pdpipe needs, as query arguments (so that an engine
    Great Expectations makes from the URL gets them too). What the URL already says is
    kept, except that LOCAL INFILE stays off: pdpipe never loads a client's file, and a
    server could ask the client for any file it may read."""
    driver = url.get_driver_name()
    if url.get_backend_name() not in MARIADB_BACKENDS:
        return url
    if driver == C_DRIVER:
        # use_pure=False: the C extension or an error, never the connector's pure-Python
        # protocol (no faster than PyMySQL). utf8mb4: the character set of pdpipe's keys.
        wanted = {"use_pure": "false", "charset": "utf8mb4"}
        forced = {"allow_local_infile": "false"}
    elif driver == PURE_DRIVER:
        wanted, forced = {}, {"local_infile": "false"}
    else:
        return url
    added = {name: value for name, value in wanted.items() if name not in url.query}
    return url.update_query_dict({**added, **forced})


def plain_engine(url: str | sa.URL, **kwargs: Any) -> sa.Engine:
    """An engine for a URL that is no policy's store (the demo's, the benchmark's), with
    the driver a store of that URL would get: pdpipe's own session settings are left out."""
    engine = sa.create_engine(with_driver_settings(driver_url(sa.make_url(url))), **kwargs)
    guard_driver(engine)
    return engine


def guard_driver(engine: sa.Engine) -> None:
    """What an engine of the C extension needs to fail as a DB-API driver does."""
    if engine.dialect.driver == C_DRIVER:
        sa.event.listen(engine, "connect", _db_api_errors_from_commit)


def _db_api_errors_from_commit(dbapi_connection: Any, _record: object) -> None:
    """Make the connection's commit() and rollback() raise the DB-API error of the code
    they failed with. Connector/Python (9.7) lets the C extension's own MySQLInterfaceError
    out of these two calls, where its others convert it; SQLAlchemy, seeing no DB-API
    error, neither maps it (StoreError) nor notices a lost connection: a batch whose
    connection was killed before its COMMIT ended in that raw error, its connection left
    in the pool."""
    from _mysql_connector import MySQLInterfaceError
    from mysql.connector.errors import get_mysql_exception

    def converted(call: Any) -> Any:
        def call_converting() -> None:
            try:
                call()
            except MySQLInterfaceError as error:
                raise get_mysql_exception(
                    error.errno, msg=error.msg, sqlstate=error.sqlstate
                ) from error

        return call_converting

    dbapi_connection.commit = converted(dbapi_connection.commit)
    dbapi_connection.rollback = converted(dbapi_connection.rollback)
