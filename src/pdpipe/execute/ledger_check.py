"""`pdpipe ledger verify`: the chain of every store's ledger, read-only."""

from __future__ import annotations

from collections.abc import Iterator

import sqlalchemy as sa

from pdpipe.execute import ledger, tables
from pdpipe.policy.models import Policy
from pdpipe.stores.engine import create_store_engine, describe_store_error


def verify_ledgers(policy: Policy) -> Iterator[tuple[str, ledger.Verification | None]]:
    """(store name, verification or None when the store has no ledger), one per database."""
    seen: set[str] = set()
    for store in policy.stores:
        if store.url in seen:
            continue
        seen.add(store.url)
        engine = create_store_engine(store, read_only=True)
        try:
            with engine.connect() as connection:
                if not sa.inspect(connection).has_table(tables.ledger.name):
                    yield store.name, None
                    continue
                yield store.name, ledger.verify(connection)
        except sa.exc.DBAPIError as exc:
            raise describe_store_error(store, exc) from None
        finally:
            engine.dispose()
