"""build_demo(): generate the people, fill both stores chunk by chunk, write the policy.

Memory stays flat: people are generated `CHUNK` at a time, each chunk's rows for both
stores are loaded and committed, then dropped. Every chunk draws from its own random
streams, derived from (seed, chunk number, stream), so the data depend only on
(subjects, seed, as_of).
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from pdpipe.demo import schema
from pdpipe.demo.batch import Batch
from pdpipe.demo.crm import CrmGenerator
from pdpipe.demo.inbox import write_inbox
from pdpipe.demo.load import DRIVER_ERRORS, SUPPORTED_BACKENDS, Loader, loader_for
from pdpipe.demo.mailing import MailingGenerator
from pdpipe.demo.people import EmailBook, generate
from pdpipe.demo.period import Period
from pdpipe.demo.policy_file import PASSWORD_VARIABLE, policy_urls, write_policy
from pdpipe.demo.previous import Cleared, clear_previous_build
from pdpipe.errors import BadInput, StoreError, StoreUnavailable
from pdpipe.policy import load_policy
from pdpipe.stores.drivers import plain_engine
from pdpipe.stores.failures import Failure, failure_of
from pdpipe.validation import suites

CHUNK = 100_000
POLICY_FILE = "policy.yaml"
SQLITE_FILES = {"mailing": "mailing.db", "crm": "crm.db"}

# Random streams; a new kind of data gets a new number so existing data stay the same.
_FIXED, _PEOPLE, _MAILING, _CRM = range(4)

Progress = Callable[[str, int], None]


@dataclass(frozen=True)
class DemoResult:
    policy_path: Path
    store_urls: dict[str, str]  # store name -> SQLAlchemy URL (may hold a password)
    row_counts: dict[str, dict[str, int]]  # store -> table -> rows
    cleared: Cleared = field(default_factory=Cleared)  # the previous build's outputs


def build_demo(
    directory: Path,
    subjects: int = 2000,
    seed: int = 7,
    url: str | None = None,
    as_of: datetime.date | None = None,
    progress: Progress | None = None,
) -> DemoResult:
    """Build the `mailing` and `crm` demo stores and a policy.yaml for them in `directory`.

    Without `url` the stores are SQLite files in `directory`, replaced if present; with it,
    the tables of both go into that one database, dropping earlier demo tables first.
    The previous build's outputs go too (demo/previous.py): their documents and anchors
    belong to ledgers that no longer exist.
    `progress(stage, rows_done)` is called after every load: stage "subjects" counts people
    done out of `subjects`; stages "<store>.<table>" count rows loaded into that table.
    """
    if subjects < 1:
        raise BadInput(f"subjects must be at least 1, not {subjects}")
    if seed < 0:
        raise BadInput(f"seed must be zero or positive, not {seed}")
    directory = Path(directory)
    store_urls = _store_urls(directory, url)
    directory.mkdir(parents=True, exist_ok=True)
    period = Period.before(as_of or datetime.date.today())
    report: Progress = progress or (lambda _stage, _rows: None)

    if url is None:
        for name in SQLITE_FILES.values():
            _remove_sqlite_file(directory / name)
    cleared = clear_previous_build(directory, url)
    engines = {u: plain_engine(u) for u in dict.fromkeys(store_urls.values())}
    try:
        counts = _fill(engines, store_urls, period, subjects, seed, report)
    finally:
        for engine in engines.values():
            engine.dispose()

    policy_path = directory / POLICY_FILE
    write_policy(policy_path, *policy_urls(None if url is None else store_urls["mailing"]))
    _write_suites(policy_path, url)
    write_inbox(directory, store_urls["mailing"], store_urls["crm"], as_of or datetime.date.today())
    return DemoResult(policy_path, store_urls, counts, cleared)


def _write_suites(policy_path: Path, url: str | None) -> None:
    """The policy's expectation suites beside it, as a user would commit them."""
    environ = dict(os.environ)
    password = None if url is None else make_url(url).password
    if password is not None:
        environ[PASSWORD_VARIABLE] = str(password)
    policy = load_policy(policy_path, environ)
    suites.write(policy, policy_path.parent / suites.FOLDER)


class _Stores:
    """The loaders of the stores; one per database, shared when both stores share one."""

    def __init__(
        self, engines: dict[str, sa.Engine], store_urls: dict[str, str], report: Progress
    ) -> None:
        self.engines = engines
        self.store_urls = store_urls
        self.report = report
        self.counts = {
            store: {table.name: 0 for table in metadata.sorted_tables}
            for store, metadata in schema.STORES.items()
        }
        self.loaders: dict[str, Loader] = {}

    def engine(self, store: str) -> sa.Engine:
        return self.engines[self.store_urls[store]]

    def open(self, store: str) -> None:
        """Recreate the store's tables and get a loader for its database."""
        with _errors(store, self.store_urls[store]):
            _recreate(self.engine(store), schema.STORES[store])
            if self.store_urls[store] not in self.loaders:
                self.loaders[self.store_urls[store]] = loader_for(self.engine(store))

    def load(self, store: str, batches: Iterable[Batch]) -> None:
        """Write and commit `batches` into `store`."""
        loader = self.loaders[self.store_urls[store]]
        with _errors(store, self.store_urls[store]):
            for batch in batches:
                loader.write(batch)
                self.counts[store][batch.table] += len(batch)
                self.report(f"{store}.{batch.table}", self.counts[store][batch.table])
            loader.commit()

    def finish(self, store: str) -> None:
        """Dialect chores after the last row, then the indexes held back to load faster."""
        metadata = schema.STORES[store]
        with _errors(store, self.store_urls[store]):
            self.loaders[self.store_urls[store]].finish(metadata)
            with self.engine(store).begin() as connection:
                for table in metadata.sorted_tables:
                    for index in sorted(table.indexes, key=lambda i: str(i.name)):
                        index.create(connection)

    def close(self) -> None:
        for loader in self.loaders.values():
            loader.close()


def _fill(
    engines: dict[str, sa.Engine],
    store_urls: dict[str, str],
    period: Period,
    subjects: int,
    seed: int,
    report: Progress,
) -> dict[str, dict[str, int]]:
    stores = _Stores(engines, store_urls, report)
    try:
        for store in schema.STORES:
            stores.open(store)
        mailing = MailingGenerator(period, _rng(seed, _FIXED, 0))
        crm = CrmGenerator(period)
        stores.load("mailing", mailing.fixed())
        book = EmailBook()
        for number, start in enumerate(range(0, subjects, CHUNK)):
            stop = min(start + CHUNK, subjects)
            people = generate(_rng(seed, _PEOPLE, number), start, stop, subjects, book)
            stores.load("mailing", mailing.chunk(_rng(seed, _MAILING, number), people))
            stores.load("crm", crm.chunk(_rng(seed, _CRM, number), people))
            report("subjects", stop)
        for store in schema.STORES:
            stores.finish(store)
    finally:
        stores.close()
    return stores.counts


@contextmanager
def _errors(store: str, url: str) -> Iterator[None]:
    """Driver errors as pdpipe's; messages name the store, never a value or a password."""
    where = make_url(url).render_as_string(hide_password=True)
    try:
        yield
    except sa.exc.DBAPIError as error:
        # Connector/Python refuses a connection with a DatabaseError, not an
        # OperationalError: the server's code says what it was (stores/failures.py).
        failure = failure_of(
            error.orig or error, disconnect=error.connection_invalidated, connecting=False
        )
        if not isinstance(error, sa.exc.OperationalError) and failure is not Failure.UNREACHABLE:
            raise StoreError(
                f"store {store!r} at {where}: building the demo tables failed "
                f"({type(error).__name__})"
            ) from error
        raise StoreUnavailable(
            f"store {store!r} at {where} is unreachable or busy; check that the database "
            f"server runs and the URL is right ({type(error.orig).__name__})"
        ) from error
    except DRIVER_ERRORS as error:
        raise StoreError(
            f"store {store!r} at {where}: building the demo tables failed ({type(error).__name__})"
        ) from error


def _recreate(engine: sa.Engine, metadata: sa.MetaData) -> None:
    """Drop the store's tables (children first) and create them without their indexes.

    Indexes are built after the load, which is faster than maintaining them row by row.
    (MariaDB indexes foreign keys by itself meanwhile and drops those once ours exist.)
    """
    with engine.begin() as connection:
        metadata.drop_all(connection, checkfirst=True)
        for table in metadata.sorted_tables:
            connection.execute(sa.schema.CreateTable(table))


def _store_urls(directory: Path, url: str | None) -> dict[str, str]:
    if url is None:
        return {
            store: f"sqlite:///{(directory / name).resolve()}"
            for store, name in SQLITE_FILES.items()
        }
    try:
        parsed = make_url(url)
    except sa.exc.ArgumentError:
        raise BadInput(
            "the demo URL is not a database URL like postgresql+psycopg://host/db"
        ) from None
    if parsed.get_backend_name() not in SUPPORTED_BACKENDS:
        raise BadInput(
            f"demo stores can be built on {', '.join(sorted(SUPPORTED_BACKENDS))}, "
            f"not {parsed.get_backend_name()}"
        )
    database = parsed.database
    if parsed.get_backend_name() == "sqlite" and database and database != ":memory:":
        # The policy loader resolves relative SQLite paths against the policy's folder.
        parsed = parsed.set(database=str(Path(database).resolve()))
    text = parsed.render_as_string(hide_password=False)
    return dict.fromkeys(schema.STORES, text)


def _remove_sqlite_file(path: Path) -> None:
    for suffix in ("", "-journal", "-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)


def _rng(seed: int, stream: int, number: int) -> np.random.Generator:
    return np.random.default_rng([seed, stream, number])
