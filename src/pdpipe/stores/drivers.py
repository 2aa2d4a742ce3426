"""The settings every connection to a MariaDB store gets, whichever driver its URL
names (policy/drivers.py), and engines for URLs that are no policy's store."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from pdpipe.policy.drivers import C_DRIVER, MARIADB_BACKENDS, PURE_DRIVER, driver_url


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
