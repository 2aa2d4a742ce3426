"""Engines for the stores a policy names, with driver errors mapped at the boundary.

A driver's error text can quote the statement or its parameters, so only its class and a
scrubbed first line ever reach a message; the URL is always shown without its password.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import make_url

from pdpipe.errors import DatabaseMissing, StoreContention, StoreError, StoreUnavailable
from pdpipe.policy.models import Physical, StoreSpec

# Deadlocks and lock timeouts (PostgreSQL 40P01/55P03, MySQL 1213/1205) pass on retry.
_CONTENTION = re.compile(
    r"deadlock detected|deadlock found|lock wait timeout|could not obtain lock|"
    r"lock timeout|database is locked|serialization failure|could not serialize",
    re.IGNORECASE,
)

_UNREACHABLE = re.compile(
    r"connection refused|could not connect|can't connect|unable to open database|"
    r"connection reset|server closed the connection|timeout expired|name or service not known|"
    r"no such host|lost connection|is the server running",
    re.IGNORECASE,
)
# What to change, for the classes of failure a user can act on.
_HINTS: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(r"illegal mix of collations|collation .* is not valid", re.IGNORECASE),
        "pdpipe compares keys in utf8mb4_bin (MariaDB): a key column in a character set "
        "other than utf8mb4 or latin1/utf8mb3 may need converting (docs/databases.md)",
    ),
    (
        re.compile(r"pg_read_all_stats|pg_stat_", re.IGNORECASE),
        "grant the store's user the pg_read_all_stats role (GRANT pg_read_all_stats TO user)",
    ),
    (
        re.compile(
            r"permission denied|command denied|access denied|insufficient privilege",
            re.IGNORECASE,
        ),
        "grant the store's user SELECT, INSERT, UPDATE and DELETE on the policy's tables, and "
        "CREATE where pdpipe keeps its own (docs/databases.md)",
    ),
    (
        re.compile(r"lock wait timeout|lock timeout|could not obtain lock", re.IGNORECASE),
        "another session held locks on the table too long: run again when it is done, or "
        "raise lock_timeout (PostgreSQL) / innodb_lock_wait_timeout (MariaDB)",
    ),
]

# A connection that was there and is gone: ended by the server (an administrator's KILL,
# pg_terminate_backend, a restart) or closed under the run.
_LOST = re.compile(
    r"terminating connection|connection was killed|connection is closed|"
    r"closed database|server has gone away|consuming input failed|connection already closed|"
    r"the connection is lost|ssl connection has been closed",
    re.IGNORECASE,
)

# The server answers, and the database is not there: PostgreSQL at connection (no SQLSTATE
# reaches psycopg then), MariaDB/MySQL error 1049.
_NO_DATABASE = re.compile(r'database "[^"]*" does not exist|unknown database', re.IGNORECASE)
_MYSQL_UNKNOWN_DATABASE = 1049


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
    if url.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        if store.destruction.physical is not Physical.NONE:
            # Deleted content is overwritten with zeros as it is deleted (some builds
            # have it on by default; pdpipe does not rely on the build).
            event.listen(engine, "connect", _sqlite_secure_delete)
    return engine


def session_url(store: StoreSpec) -> sa.URL:
    """The store's URL with the session settings pdpipe needs (on PostgreSQL, in its
    `options`): what every connection to the store uses, Great Expectations' included."""
    url = make_url(store.url)
    if url.get_backend_name() in ("mysql", "mariadb"):
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
    then: str | None = None,
) -> StoreError | DatabaseMissing:
    """A StoreError naming the store, the cause's class and, when given, the step it struck
    (`during`) and what that means for the user (`then`); never a password or a value
    from the data. A database that does not exist is bad input (exit 2) for every
    command."""
    original = getattr(exc, "orig", None) or exc
    raw = str(original).strip().splitlines()[0] if str(original).strip() else ""
    password = make_url(store.url).password
    if password:
        raw = raw.replace(str(password), "***")
    first_line = _without_values(re.sub(r"\[SQL:.*", "", raw))[:200]
    where = f"store '{store.name}' ({store.safe_url})"
    args = getattr(original, "args", ())
    if _NO_DATABASE.search(raw) or (args and args[0] == _MYSQL_UNKNOWN_DATABASE):
        database = make_url(store.url).database
        return DatabaseMissing(
            f"{where}: the database '{database}' does not exist on the server: create it, or "
            "fix the store's URL"
        )
    # SQLAlchemy's dialects know their drivers' disconnect errors (connection_invalidated);
    # the text is only a fallback, read before values are scrubbed from it.
    lost = bool(getattr(exc, "connection_invalidated", False)) or (
        isinstance(exc, sa.exc.OperationalError | sa.exc.InterfaceError | sa.exc.ProgrammingError)
        and bool(_UNREACHABLE.search(raw) or _LOST.search(raw))
    )
    hint = next((f"; {advice}" for pattern, advice in _HINTS if pattern.search(raw)), "")
    after = f"; {then}" if then else ""
    statement = getattr(exc, "statement", None)
    verb = f" ({statement.split(None, 1)[0].upper()})" if statement and statement.strip() else ""
    error: StoreError
    if during is not None:
        if lost:
            error = StoreUnavailable(
                f"{where}: connection lost during {during} ({first_line}){after}"
            )
        else:
            kind = StoreContention if _CONTENTION.search(raw) else StoreError
            error = kind(
                f"{where} failed during {during}{verb}: {type(original).__name__}: "
                f"{first_line}{hint}{after}"
            )
    elif lost:
        error = StoreUnavailable(f"{where} is unreachable: {first_line}{after}")
    else:
        kind = StoreContention if _CONTENTION.search(raw) else StoreError
        error = kind(f"{where} failed{verb}: {type(original).__name__}: {first_line}{hint}{after}")
    # The statement's text, without its values (engines hide parameters): for
    # PDPIPE_DEBUG=1, never for a message.
    error.statement = statement
    return error


@contextmanager
def store_connection(store: StoreSpec, engine: sa.Engine) -> Iterator[sa.Connection]:
    """A connection whose failures surface as StoreError/StoreUnavailable."""
    try:
        with engine.connect() as connection:
            yield connection
    except sa.exc.DBAPIError as exc:
        raise describe_store_error(store, exc) from None


@contextmanager
def opened_store(store: StoreSpec, *, read_only: bool = False) -> Iterator[sa.Connection]:
    """A connection on its own engine, disposed after; failures as StoreError."""
    engine = create_store_engine(store, read_only=read_only)
    try:
        with store_connection(store, engine) as connection:
            yield connection
    finally:
        engine.dispose()


def probe_stores(stores: list[StoreSpec]) -> None:
    """Connect to each store once: raises StoreUnavailable (transient) for one that is down."""
    for store in stores:
        engine = create_store_engine(store, read_only=True)
        try:
            with store_connection(store, engine) as connection:
                connection.execute(sa.text("SELECT 1"))
        finally:
            engine.dispose()
