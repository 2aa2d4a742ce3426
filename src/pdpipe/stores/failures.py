"""What kind of failure a database error is, from the codes the servers give.

PostgreSQL's SQLSTATE, MariaDB/MySQL's error number and SQLite's result code name the
failure in every language and server version; a message's text does not. Text is read in
one case only: libpq refuses a connection with a message and no SQLSTATE, so a missing
database or a refused login is recognised there by libpq's own (untranslated) words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum


class Failure(Enum):
    MISSING_DATABASE = "missing database"  # the server answers; the database is not there
    UNREACHABLE = "unreachable"  # could not connect, or the connection was lost
    CONTENTION = "contention"  # deadlock, lock timeout, serialization: worth retrying
    PRIVILEGE = "privilege"  # the user may not do it
    COLLATION = "collation"  # MariaDB: keys compared across character sets
    OTHER = "other"


@dataclass(frozen=True)
class Codes:
    sqlstate: str | None = None  # PostgreSQL (psycopg)
    errno: int | None = None  # MariaDB/MySQL (Connector/Python, PyMySQL)
    sqlite: str | None = None  # SQLite's result code name: SQLITE_BUSY, ...


def codes_of(original: BaseException) -> Codes:
    """The codes a DB-API error carries, whichever driver raised it."""
    sqlite = getattr(original, "sqlite_errorname", None)
    if isinstance(sqlite, str):
        return Codes(sqlite="_".join(sqlite.split("_")[:2]))  # SQLITE_BUSY_SNAPSHOT too
    sqlstate = getattr(original, "sqlstate", None)
    args = getattr(original, "args", ())
    errno = args[0] if args and isinstance(args[0], int) else None
    # PyMySQL: (errno, message), its sqlstate derived, not sent; Connector/Python: (errno,
    # message, sqlstate), errno -1 for an error of its own with no server's code.
    if errno is not None and errno >= 0:
        return Codes(errno=errno)
    return Codes(sqlstate=sqlstate if isinstance(sqlstate, str) else None)


# PostgreSQL: class 08 connection exception; 57P01-57P03 the server shut down or is
# starting; 40P01 deadlock, 40001 serialization failure, 55P03 lock not available.
_PG_UNREACHABLE = ("08", "57P01", "57P02", "57P03")
_PG_CONTENTION = {"40P01", "40001", "55P03"}
_PG_PRIVILEGE = {"42501", "28000", "28P01"}
_PG_MISSING_DATABASE = {"3D000"}
# MariaDB/MySQL: 2002/2003 can't connect, 2005 unknown host, 2006 gone away, 2013 lost
# during query, 2055 lost at handshake, 1927 connection killed, 1053 server shutdown,
# 4031 disconnected for inactivity; 1213 deadlock, 1205 lock wait timeout; 1044/1045
# access denied, 1142/1143 command denied, 1227 needs a privilege; 1253/1267/1270/1271
# collations that do not mix; 1049 unknown database.
_MYSQL_UNREACHABLE = {2002, 2003, 2005, 2006, 2013, 2055, 1927, 1053, 4031}
_MYSQL_CONTENTION = {1213, 1205}
_MYSQL_PRIVILEGE = {1044, 1045, 1142, 1143, 1227}
_MYSQL_COLLATION = {1253, 1267, 1270, 1271}
_MYSQL_MISSING_DATABASE = {1049}
# SQLite: the file cannot be opened; the database is locked by another connection.
_SQLITE_UNREACHABLE = {"SQLITE_CANTOPEN", "SQLITE_NOTADB"}
_SQLITE_CONTENTION = {"SQLITE_BUSY", "SQLITE_LOCKED"}
_SQLITE_PRIVILEGE = {"SQLITE_READONLY", "SQLITE_PERM", "SQLITE_AUTH"}

# libpq at connection time (no SQLSTATE): its messages are not translated.
_LIBPQ_MISSING_DATABASE = re.compile(r'FATAL:\s+database "[^"]*" does not exist')
_LIBPQ_REFUSED_LOGIN = re.compile(
    r"FATAL:\s+(password authentication failed|role \"[^\"]*\" does not exist|"
    r"no pg_hba.conf entry)"
)


def failure_of(original: BaseException, *, disconnect: bool, connecting: bool) -> Failure:
    """The kind of failure: `disconnect` is SQLAlchemy's own verdict (each dialect knows
    its driver's disconnect errors), `connecting` whether no connection was made yet."""
    codes = codes_of(original)
    if codes.errno in _MYSQL_MISSING_DATABASE or codes.sqlstate in _PG_MISSING_DATABASE:
        return Failure.MISSING_DATABASE
    if connecting and codes == Codes():
        text = str(original)
        if _LIBPQ_MISSING_DATABASE.search(text):
            return Failure.MISSING_DATABASE
        if _LIBPQ_REFUSED_LOGIN.search(text):
            return Failure.PRIVILEGE
    if (
        disconnect
        or codes.errno in _MYSQL_UNREACHABLE
        or codes.sqlite in _SQLITE_UNREACHABLE
        or (codes.sqlstate or "").startswith(_PG_UNREACHABLE)
    ):
        return Failure.UNREACHABLE
    if (
        codes.sqlstate in _PG_CONTENTION
        or codes.errno in _MYSQL_CONTENTION
        or codes.sqlite in _SQLITE_CONTENTION
    ):
        return Failure.CONTENTION
    if (
        codes.sqlstate in _PG_PRIVILEGE
        or codes.errno in _MYSQL_PRIVILEGE
        or codes.sqlite in _SQLITE_PRIVILEGE
    ):
        return Failure.PRIVILEGE
    if codes.errno in _MYSQL_COLLATION:
        return Failure.COLLATION
    if connecting:
        # Refused before any SQL ran, with no code: no server answered at that address.
        return Failure.UNREACHABLE
    return Failure.OTHER


def is_lock_timeout(original: BaseException) -> bool:
    """A lock held too long by another session (not a deadlock: waiting longer helps)."""
    codes = codes_of(original)
    return codes.sqlstate == "55P03" or codes.errno == 1205 or codes.sqlite == "SQLITE_BUSY"
