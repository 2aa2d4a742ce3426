"""The benchmark's databases: the demo data built once, then identical copies of it.

The source database is filled by pdpipe's own demo builder (``build_demo``), which puts
both demo stores (mailing and crm) into one database, then vacuumed and analyzed. Each
contender gets a copy of it:

    PostgreSQL  CREATE DATABASE copy TEMPLATE source   (a file copy: seconds)
    MariaDB     CREATE TABLE as SHOW CREATE TABLE gives it, INSERT ... SELECT

Every database the benchmark makes is named ``pdpipe_bench_<tag>...``; the source keeps
the size it was built for in its comment, so ``--reuse`` can take it up again.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import URL, make_url

from bench import AS_OF_DAY
from pdpipe.demo import build_demo
from pdpipe.stores.drivers import plain_engine

PREFIX = "pdpipe_bench"
SUBSCRIBERS_PER_SUBJECT = 0.8  # the demo's mix: about 0.8 subscribers and 0.5 contacts each

DEFAULT_URLS = {
    "postgresql": "postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
    "mariadb": "mysql+mysqlconnector://root@127.0.0.1:3306",
}

# Tables of the demo stores, parents first.
TABLES = (
    "lists",
    "campaigns",
    "subscribers",
    "subscriber_lists",
    "campaign_views",
    "link_clicks",
    "contacts",
    "contact_phones",
    "interactions",
)


def subjects_for(subscribers: int) -> int:
    """The demo's `subjects` that give about `subscribers` subscribers."""
    return max(1, round(subscribers / SUBSCRIBERS_PER_SUBJECT))


@dataclass(frozen=True)
class Server:
    """One database server and what the benchmark does on it."""

    dialect: str  # "postgresql" or "mariadb"
    admin_url: URL

    @classmethod
    def connect(cls, dialect: str, url: str | None = None) -> Server:
        return cls(dialect, make_url(url or DEFAULT_URLS[dialect]))

    @property
    def version(self) -> str:
        with self._admin() as engine, engine.connect() as connection:
            return str(connection.exec_driver_sql("SELECT version()").scalar_one()).split(" on ")[0]

    def url(self, database: str) -> str:
        return self.admin_url.set(database=database).render_as_string(hide_password=False)

    def name(self, tag: str, role: str) -> str:
        return f"{PREFIX}_{tag}_{role}" if tag else f"{PREFIX}_{role}"

    # -- databases --------------------------------------------------------------------

    def drop(self, database: str) -> None:
        _require_ours(database)
        force = " WITH (FORCE)" if self.dialect == "postgresql" else ""
        with self._admin() as engine, engine.connect() as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {database}{force}")

    def create(self, database: str) -> None:
        _require_ours(database)
        self.drop(database)
        charset = "" if self.dialect == "postgresql" else " CHARACTER SET utf8mb4"
        with self._admin() as engine, engine.connect() as connection:
            connection.exec_driver_sql(f"CREATE DATABASE {database}{charset}")

    def exists(self, database: str) -> bool:
        query = (
            "SELECT 1 FROM pg_database WHERE datname = %(n)s"
            if self.dialect == "postgresql"
            else "SELECT 1 FROM information_schema.schemata WHERE schema_name = %(n)s"
        )
        with self._admin() as engine, engine.connect() as connection:
            return connection.exec_driver_sql(query, {"n": database}).first() is not None

    def comment(self, database: str) -> str | None:
        query = (
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %(n)s"
            if self.dialect == "postgresql"
            else "SELECT schema_comment FROM information_schema.schemata WHERE schema_name = %(n)s"
        )
        with self._admin() as engine, engine.connect() as connection:
            value = connection.exec_driver_sql(query, {"n": database}).scalar()
        return None if value is None else str(value)

    def set_comment(self, database: str, text: str) -> None:
        statement = (
            f"COMMENT ON DATABASE {database} IS '{text}'"
            if self.dialect == "postgresql"
            else f"ALTER DATABASE {database} COMMENT = '{text}'"
        )
        with self._admin() as engine, engine.connect() as connection:
            connection.exec_driver_sql(statement)

    def copy(self, source: str, target: str) -> None:
        """`target` as an identical copy of `source` (tables, keys, indexes, rows)."""
        if self.dialect == "postgresql":
            self.drop(target)
            self._template_copy(source, target)
        else:
            self.create(target)
            self._table_copy(source, target)
        self.settle(target)

    def _template_copy(self, source: str, target: str) -> None:
        # CREATE DATABASE ... TEMPLATE needs the source without sessions; an autovacuum
        # worker may hold it for a moment.
        deadline = time.monotonic() + 120
        while True:
            try:
                with self._admin() as engine, engine.connect() as connection:
                    connection.exec_driver_sql(f"CREATE DATABASE {target} TEMPLATE {source}")
                return
            except sa.exc.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(2)

    def _table_copy(self, source: str, target: str) -> None:
        with self._admin() as engine, engine.connect() as connection:
            connection.exec_driver_sql(f"USE {target}")
            connection.exec_driver_sql("SET SESSION foreign_key_checks = 0, unique_checks = 0")
            for table in self.tables(source):
                ddl = connection.exec_driver_sql(f"SHOW CREATE TABLE {source}.{table}").one()[1]
                connection.exec_driver_sql(str(ddl))
                connection.exec_driver_sql(
                    f"INSERT INTO {target}.{table} SELECT * FROM {source}.{table}"
                )

    def tables(self, database: str) -> list[str]:
        with self._engine(database) as engine:
            found = set(sa.inspect(engine).get_table_names())
        return [t for t in TABLES if t in found] + sorted(found - set(TABLES))

    def settle(self, database: str) -> None:
        """Fresh statistics, no dead rows, WAL flushed: the next contender starts clean."""
        with self._engine(database) as engine, engine.connect() as connection:
            if self.dialect == "postgresql":
                connection.exec_driver_sql("VACUUM ANALYZE")
                connection.exec_driver_sql("CHECKPOINT")
            else:
                names = ", ".join(sa.inspect(connection).get_table_names())
                if names:
                    connection.exec_driver_sql(f"ANALYZE TABLE {names}").all()

    def row_counts(self, database: str) -> dict[str, int]:
        with self._engine(database) as engine, engine.connect() as connection:
            present = set(sa.inspect(connection).get_table_names())
            return {
                table: int(connection.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar_one())
                for table in TABLES
                if table in present
            }

    # -- building --------------------------------------------------------------------

    def build_source(self, database: str, subscribers: int, seed: int, reuse: bool) -> bool:
        """The demo data for about `subscribers` subscribers in `database`; returns False
        when an earlier build of the same size was reused."""
        label = f"pdpipe bench source: subjects={subjects_for(subscribers)} seed={seed}"
        if reuse and self.exists(database) and self.comment(database) == label:
            return False
        self.create(database)
        with tempfile.TemporaryDirectory() as folder:
            build_demo(
                Path(folder),
                subjects=subjects_for(subscribers),
                seed=seed,
                url=self.url(database),
                as_of=AS_OF_DAY,
            )
        self.settle(database)
        self.set_comment(database, label)
        return True

    # -- plumbing ----------------------------------------------------------------------

    def _admin(self) -> _Disposing:
        return _Disposing(plain_engine(self.admin_url, isolation_level="AUTOCOMMIT"))

    def _engine(self, database: str) -> _Disposing:
        return _Disposing(plain_engine(self.url(database), isolation_level="AUTOCOMMIT"))


class _Disposing:
    """An engine as a context: disposed (its connections closed) on the way out."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def __enter__(self) -> sa.Engine:
        return self.engine

    def __exit__(self, *_exc: object) -> None:
        self.engine.dispose()


def _require_ours(database: str) -> None:
    if not database.startswith(PREFIX) or not database.replace("_", "").isalnum():
        raise ValueError(f"the benchmark only makes and drops {PREFIX}* databases")
