"""Lifting a block: the records return to processing, and the ledger says so.

Blocking suspends processing (policy clause 2.2); it ends when the reason for it does —
the inaccurate data were clarified, the processing was made lawful, the demand to cease
was withdrawn. Which one is recorded as the reason.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa

from pdpipe.errors import BadInput
from pdpipe.execute import ledger
from pdpipe.execute.ledger_check import ledger_key
from pdpipe.execute.lock import store_lock
from pdpipe.policy.models import Policy
from pdpipe.policy.reasons import UnblockReason
from pdpipe.stores import tables
from pdpipe.stores.owner import owned


def unblock(
    policy: Policy, store_name: str, table: str, keys: Sequence[str], reason: UnblockReason
) -> int:
    """Unblock `keys` of `store_name`.`table`; returns how many were blocked."""
    store = next((s for s in policy.stores if s.name == store_name), None)
    if store is None or all(t.name != table for t in store.tables):
        known = ", ".join(f"{s.name}.{t.name}" for s in policy.stores for t in s.tables)
        raise BadInput(f"no table '{store_name}.{table}' in the policy (known: {known})")
    with (
        owned() as stores,
        store_lock(stores.engine(store), store.name),
        stores.begin(store) as connection,
    ):
        if not sa.inspect(connection).has_table(tables.state.name):
            return 0
        where = (
            (tables.state.c.table_name == table)
            & (tables.state.c.state == tables.BLOCKED)
            & tables.state.c.record_key.in_([str(k) for k in keys])
        )
        found = [
            str(k)
            for k in connection.execute(
                sa.select(tables.state.c.record_key)
                .where(where)
                .order_by(tables.state.c.record_key)
            ).scalars()
        ]
        connection.execute(tables.state.delete().where(where))
        entries = [
            ledger.Entry(table, key, "unblock", reason.value, "policy clause 2.2", "")
            for key in found
        ]
        ledger.append(
            connection,
            "manual",
            store.name,
            entries,
            dt.datetime.now(dt.UTC),
            ledger_key(policy),
        )
        return len(found)
