"""The one owner of a job's connections to its stores.

Each store's engine is created once, on first use, with what pdpipe needs of every
connection (session settings, SQLite's pragmas, the mapping of the database's errors into
StoreError: stores/engine.py); closing the owner disposes them all. The job, a request's
processing and each command open one `Stores` and make it current (`Stores.use`): the
steps below it, on this thread or on the threads and Prefect tasks it starts (they copy
the context), find it there or are handed it. A step with no owner, say on a Dask worker
or called alone from Python, opens a short-lived one of its own (`owned`).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from types import TracebackType

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from pdpipe.policy.models import StoreSpec
from pdpipe.stores.engine import as_store_error, create_store_engine


class Stores:
    """Engines by store, created once each. `read_only` opens SQLite files read-only: an
    owner for commands that must not write (plan, check, verify)."""

    def __init__(self, *, read_only: bool = False) -> None:
        self.read_only = read_only
        self._engines: dict[tuple[str, str], sa.Engine] = {}
        self._lock = threading.Lock()  # partitions on threads share the owner

    def engine(self, store: StoreSpec) -> sa.Engine:
        # By name and URL: a policy re-read with a rotated password is another engine.
        key = (store.name, store.url)
        with self._lock:
            engine = self._engines.get(key)
            if engine is None:
                engine = create_store_engine(store, read_only=self.read_only)
                self._engines[key] = engine
            return engine

    @contextmanager
    def connect(self, store: StoreSpec) -> Iterator[sa.Connection]:
        """A connection from the store's pool; its errors arrive as StoreError."""
        try:
            with self.engine(store).connect() as connection:
                yield connection
        except sa.exc.DBAPIError as exc:
            raise as_store_error(store, exc) from None

    @contextmanager
    def begin(self, store: StoreSpec) -> Iterator[sa.Connection]:
        """A connection in a transaction, committed when the block ends without error."""
        try:
            with self.engine(store).begin() as connection:
                yield connection
        except sa.exc.DBAPIError as exc:
            raise as_store_error(store, exc) from None

    @staticmethod
    def backend(store: StoreSpec) -> str:
        """sqlite, postgresql or mysql (MariaDB too): known without connecting."""
        return make_url(store.url).get_backend_name()

    @contextmanager
    def use(self) -> Iterator[Stores]:
        """Make this the owner the steps below find (and close it after)."""
        token = _current.set(self)
        try:
            with self:
                yield self
        finally:
            _current.reset(token)

    def close(self) -> None:
        with self._lock:
            engines, self._engines = list(self._engines.values()), {}
        for engine in engines:
            engine.dispose()

    def __enter__(self) -> Stores:
        return self

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _value: BaseException | None,
        _traceback: TracebackType | None,
    ) -> None:
        self.close()


_current: ContextVar[Stores | None] = ContextVar("pdpipe_stores", default=None)


@contextmanager
def owned(stores: Stores | None = None, *, read_only: bool = False) -> Iterator[Stores]:
    """`stores` when given, else the current owner (`Stores.use`), else one for this
    call only, closed after it."""
    found = stores or _current.get()
    if found is not None:
        yield found
        return
    with Stores(read_only=read_only) as mine:
        yield mine


@contextmanager
def opened_store(store: StoreSpec, *, read_only: bool = False) -> Iterator[sa.Connection]:
    """A connection to `store` from the current owner (or one for this call)."""
    with owned(read_only=read_only) as stores, stores.connect(store) as connection:
        yield connection


def probe_stores(specs: list[StoreSpec]) -> None:
    """Connect to each store once: raises StoreUnavailable (transient) for one that is down."""
    with owned(read_only=True) as stores:
        for store in specs:
            with stores.connect(store) as connection:
                connection.execute(sa.text("SELECT 1"))
