"""Engines for the stores a policy names, with driver errors mapped at the boundary.

A driver's error text can quote the statement or its parameters, so only its class and a
scrubbed first line ever reach a message; the URL is always shown without its password.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from contextvars import ContextVar
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import make_url

from pdpipe.errors import DatabaseMissing, StoreContention, StoreError, StoreUnavailable
from pdpipe.policy.drivers import driver_url
from pdpipe.policy.models import Physical, StoreSpec
from pdpipe.stores.digest import register_functions
from pdpipe.stores.drivers import guard_driver, with_driver_settings
from pdpipe.stores.failures import Failure, failure_of, is_lock_timeout

# What to change, for the failures a user can act on.
_COLLATION_HINT = (
    "pdpipe compares keys in utf8mb4_bin (MariaDB): a key column in a character set "
    "other than utf8mb4 or latin1/utf8mb3 may need converting (docs/databases.md)"
)
_STATISTICS_HINT = (
    "grant the store's user the pg_read_all_stats role (GRANT pg_read_all_stats TO user)"
)
_GRANT_HINT = (
    "grant the store's user SELECT, INSERT, UPDATE and DELETE on the policy's tables, and "
    "CREATE where pdpipe keeps its own (docs/databases.md)"
)
_FILE_HINT = "the user running pdpipe must be able to write the store's file and its folder"
_LOCK_HINT = (
    "another session held locks on the table too long: run again when it is done, or "
    "raise lock_timeout (PostgreSQL) / innodb_lock_wait_timeout (MariaDB)"
)

# What pdpipe is doing on this thread's connections ("batch 3 of crm.contacts"): an
# error there says so. A context variable, not the connection's `info`: a connection the
# server dropped can no longer be asked anything.
DOING: ContextVar[str | None] = ContextVar("pdpipe_doing", default=None)


def create_store_engine(store: StoreSpec, *, read_only: bool = False) -> sa.Engine:
    """An engine for `store`; `read_only` opens SQLite files so that nothing can write."""
    url = make_url(store.url)
    # hide_parameters: a failed statement's message must not quote the values it carried.
    kwargs: dict[str, object] = {"pool_pre_ping": True, "hide_parameters": True}
    if url.get_backend_name() == "sqlite":
        kwargs = {"hide_parameters": True}
        database = url.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            if not Path(database).exists():
                # sqlite3 would quietly create an empty file: a store that is not there.
                raise StoreUnavailable(
                    f"store '{store.name}' ({store.safe_url}) is unreachable: "
                    "the database file does not exist"
                )
            if read_only:
                uri = f"file:{Path(database).resolve()}?mode=ro"
                kwargs["creator"] = lambda: sqlite3.connect(uri, uri=True)
    elif url.get_backend_name() in ("postgresql", "mysql", "mariadb"):
        kwargs["connect_args"] = {"connect_timeout": 10}
    url = session_url(store)
    engine = sa.create_engine(url, **kwargs)
    guard_driver(engine)
    event.listen(engine, "handle_error", _mapped(store))
    if url.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "connect", register_functions)
        if store.destruction.physical is not Physical.NONE:
            # Deleted content is overwritten with zeros as it is deleted (some builds
            # have it on by default; pdpipe does not rely on the build).
            event.listen(engine, "connect", _sqlite_secure_delete)
    return engine


def session_url(store: StoreSpec) -> sa.URL:
    """The store's URL with the session settings pdpipe needs (on PostgreSQL, in its
    `options`): what every connection to the store uses, Great Expectations' included.
    A MariaDB URL that names no driver gets one here (policy/drivers.py)."""
    url = driver_url(make_url(store.url))
    if url.get_backend_name() in ("mysql", "mariadb"):
        url = with_driver_settings(url)
        # Sessions in UTC: a TIMESTAMP column is handed back in the session's zone, and an
        # instant pdpipe compares it with is UTC (a user's own SET, say sql_mode, is kept).
        command = str(url.query.get("init_command") or "")
        utc = "time_zone = '+00:00'"
        if not command:
            return url.update_query_dict({"init_command": f"SET {utc}"})
        if command.lstrip().upper().startswith("SET "):
            return url.update_query_dict({"init_command": f"{command}, {utc}"})
        return url
    if url.get_backend_name() != "postgresql":
        return url
    # No JIT compilation in pdpipe's sessions: its statements are many and short (a
    # chunk, a batch), and PostgreSQL compiled each chunk's read anew, 130 ms of a 330 ms
    # query. Options already in the URL are kept.
    given = url.query.get("options")
    # And sessions in UTC: a naive instant compared with a timestamptz column is read in
    # the session's TimeZone, which a database may set to its own (ALTER DATABASE ... SET).
    settings = ["-c jit=off", "-c TimeZone=UTC"]
    if store.schema_ is not None:
        # Every unqualified name (the store's tables, pdpipe's own) resolves there.
        settings.append(f'-c search_path="{store.schema_}"')
    options = " ".join(
        [*(given if isinstance(given, tuple) else [given] if given else []), *settings]
    )
    return url.update_query_dict({"options": options})


def reflect(connection: sa.Connection, name: str, metadata: sa.MetaData) -> sa.Table:
    """Table `name` as the database describes it, reflected once per `metadata`."""
    if name in metadata.tables:
        return metadata.tables[name]
    return sa.Table(name, metadata, autoload_with=connection)


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _sqlite_secure_delete(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


# A database's message may quote a value ("Duplicate entry 'ivanov@mail.ru' for key
# 'email'", 'invalid input syntax for type integer: "ivanov"'): a quoted text is kept only
# where it follows a word that names a thing of the schema or the server.
_QUOTED = re.compile(r"""(?P<before>\S*\s?)(?P<quote>['"`])(?P<text>[^'"`]*)(?P=quote)""")
_NAMES_A_THING = re.compile(
    r"(?:key|constraint|relation|column|table|index|database|schema|role|user|function|"
    r"extension|field|at|server|host|socket)\s$",
    re.IGNORECASE,
)


def _without_values(message: str) -> str:
    def kept(match: re.Match[str]) -> str:
        if match["quote"] == "`" or _NAMES_A_THING.search(match["before"]):
            return match[0]  # MariaDB quotes names, never values, in backticks
        return f"{match['before']}{match['quote']}…{match['quote']}"

    return _QUOTED.sub(kept, message)


def describe_store_error(
    store: StoreSpec,
    exc: BaseException,
    *,
    during: str | None = None,
    connecting: bool = False,
) -> StoreError | DatabaseMissing:
    """A StoreError naming the store, the cause's class and, when given, the step it struck
    (`during`); never a password or a value from the data. Its kind (unreachable,
    contention, missing database) comes from the server's codes (stores/failures.py). A
    database that does not exist is bad input (exit 2) for every command."""
    original = getattr(exc, "orig", None) or exc
    raw = str(original).strip().splitlines()[0] if str(original).strip() else ""
    password = make_url(store.url).password
    if password:
        raw = raw.replace(str(password), "***")
    first_line = _without_values(re.sub(r"\[SQL:.*", "", raw))[:200]
    where = f"store '{store.name}' ({store.safe_url})"
    disconnect = bool(getattr(exc, "connection_invalidated", False))
    failure = failure_of(original, disconnect=disconnect, connecting=connecting)
    if failure is Failure.MISSING_DATABASE:
        database = make_url(store.url).database
        return DatabaseMissing(
            f"{where}: the database '{database}' does not exist on the server: create it, or "
            "fix the store's URL"
        )
    hint = _hint(store, failure, original, raw)
    statement = getattr(exc, "statement", None)
    verb = f" ({statement.split(None, 1)[0].upper()})" if statement and statement.strip() else ""
    kind = StoreContention if failure is Failure.CONTENTION else StoreError
    error: StoreError
    if failure is Failure.UNREACHABLE and during is not None:
        error = StoreUnavailable(f"{where}: connection lost during {during} ({first_line})")
    elif failure is Failure.UNREACHABLE:
        error = StoreUnavailable(f"{where} is unreachable: {first_line}")
    elif during is not None:
        error = kind(
            f"{where} failed during {during}{verb}: {type(original).__name__}: {first_line}{hint}"
        )
    else:
        error = kind(f"{where} failed{verb}: {type(original).__name__}: {first_line}{hint}")
    # The statement's text, without its values (engines hide parameters): for
    # PDPIPE_DEBUG=1, never for a message.
    error.statement = statement
    return error


def _hint(store: StoreSpec, failure: Failure, original: BaseException, raw: str) -> str:
    if failure is Failure.COLLATION:
        return f"; {_COLLATION_HINT}"
    if failure is Failure.PRIVILEGE:
        if make_url(store.url).get_backend_name() == "sqlite":
            return f"; {_FILE_HINT}"
        # The statistics views are the one object a user must be granted a role for.
        return f"; {_STATISTICS_HINT if 'pg_stat' in raw else _GRANT_HINT}"
    if failure is Failure.CONTENTION and is_lock_timeout(original):
        return f"; {_LOCK_HINT}"
    return ""


def as_store_error(store: StoreSpec, exc: BaseException) -> BaseException:
    """`exc` as pdpipe's error: a StoreError stays as it is; a database error the
    `handle_error` hook did not see becomes one (see _mapped); anything else stays."""
    if isinstance(exc, sa.exc.DBAPIError):
        return describe_store_error(store, exc, during=DOING.get())
    return exc


def _expected_by_sqlalchemy(context: sa.engine.ExceptionContext) -> bool:
    """SQLAlchemy's own probes that expect an error and catch it (MariaDB's has_table
    runs DESCRIBE and reads error 1146 as "no such table"): they say so with
    skip_user_error_events, which SQLAlchemy honours for a connection's options only,
    not for a statement's."""
    execution = context.execution_context
    options = execution.execution_options if execution is not None else {}
    return bool(options.get("skip_user_error_events"))


def _mapped(store: StoreSpec) -> Callable[[sa.engine.ExceptionContext], BaseException | None]:
    """The engine's `handle_error` hook: a database error of the store's engine becomes
    pdpipe's where it is raised; callers catch StoreError, never a driver's class.

    SQLAlchemy skips the hook on a connection it reflected a MariaDB table on (its MySQL
    dialect sets skip_user_error_events on the whole connection for its DESCRIBE, and it
    stays): the owner's connections (stores/owner.py) and a batch map what gets past it,
    with the same function (as_store_error)."""

    def mapped(context: sa.engine.ExceptionContext) -> BaseException | None:
        error = context.sqlalchemy_exception
        if (
            context.is_pre_ping
            or not isinstance(error, sa.exc.DBAPIError)
            or _expected_by_sqlalchemy(context)
        ):
            # The pool's ping of a stale connection: the pool replaces it itself. Or
            # not the database's error (a bug, an interrupt): raised as it is.
            return None
        return describe_store_error(
            store, error, during=DOING.get(), connecting=context.connection is None
        )

    return mapped
