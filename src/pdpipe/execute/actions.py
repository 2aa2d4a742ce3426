"""destroy, depersonalize and block: set-based statements for one batch of keys.

Every function works inside the caller's transaction and joins against a temporary
table of the batch's keys, so each table gets one statement per batch.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

import pandas as pd
import sqlalchemy as sa

from pdpipe.execute.bulk import drop_temp, insert_rows, temp_table
from pdpipe.execute.context import ChildContext, PdColumn, TableContext
from pdpipe.operators.base import REMOVE_KEY, OperatorContext
from pdpipe.policy.models import ChildOnDepersonalize
from pdpipe.retention.reader import python_value
from pdpipe.stores import tables


def _matching(column: sa.Column[Any], keys: sa.Table) -> sa.ColumnElement[bool]:
    """Rows whose `column` is one of the batch's keys.

    A join condition lets SQLAlchemy write DELETE ... USING / UPDATE ... FROM on
    PostgreSQL and multi-table DELETE/UPDATE on MariaDB; SQLite has no multi-table DELETE,
    so there it is an IN over the temporary table.
    """
    if _dialect_of(keys) == "sqlite":
        return column.in_(sa.select(keys.c.k))
    return column == keys.c.k


def _dialect_of(keys: sa.Table) -> str:
    return str(keys.info.get("dialect", ""))


ChildRows = dict[str, int]  # child table -> its rows the statements deleted or changed


def destroy(
    connection: sa.Connection, context: TableContext, keys: Sequence[Any], secret: bytes
) -> ChildRows:
    """Delete the records; first handle every child as the policy says. Returns how many
    rows of each child table were deleted or detached (the statements' row counts: once
    the records are gone nothing could count them)."""
    if not keys:
        return {}
    key_table = temp_table(connection, [("k", context.key.type)], [(k,) for k in keys])
    touched: ChildRows = {}
    for child in context.children:
        fk = child.table.c[child.spec.fk]
        rows = _child_rows(child, key_table)
        action = child.spec.on_destroy.value
        if action == "delete":
            done = connection.execute(sa.delete(child.table).where(rows))
        elif action == "set_null":
            done = connection.execute(sa.update(child.table).where(rows).values({fk.name: None}))
        else:
            # Depersonalized rows outlive the record, detached from it: a reference to a
            # destroyed record would itself say whose they were.
            _depersonalize_children(connection, child, key_table, secret)
            done = connection.execute(sa.update(child.table).where(rows).values({fk.name: None}))
        _add(touched, child, done.rowcount)
    connection.execute(sa.delete(context.table).where(_matching(context.key, key_table)))
    drop_temp(connection, key_table)
    return touched


UNKNOWN = -1  # a driver that did not say how many rows a statement changed


def _add(touched: ChildRows, child: ChildContext, rows: int) -> None:
    # Two entries for one child table (two fks, two `where:`) are one table to the act.
    # An unknown count stays unknown: the documents then say "—" rather than a guess.
    before = touched.get(child.spec.table, 0)
    touched[child.spec.table] = UNKNOWN if UNKNOWN in (before, rows) else before + rows


def depersonalize(
    connection: sa.Connection,
    context: TableContext,
    keys: Sequence[Any],
    secret: bytes,
) -> ChildRows:
    """Apply every column's operator to the records, and to the PD columns the policy
    declares in their children's rows, and write the results back at once.

    Each child's rows go as its `on_depersonalize` says: depersonalized (they stay tied
    to the records: a depersonalized record no longer says whose they are, but a phone
    number left beside it would), deleted (notes about the person), or kept. Returns how
    many rows of each child table were depersonalized or deleted (kept ones: none)."""
    if not keys:
        return {}
    touched: ChildRows = {}
    key_table = temp_table(connection, [("k", context.key.type)], [(k,) for k in keys])
    _rewrite(
        connection, context.table, [context.key], context.columns, key_table, context.key, secret
    )
    for child in context.children:
        handling = child.spec.when_depersonalized
        if handling is ChildOnDepersonalize.DEPERSONALIZE and child.columns:
            _add(touched, child, _depersonalize_children(connection, child, key_table, secret))
        elif handling is ChildOnDepersonalize.DELETE:
            done = connection.execute(sa.delete(child.table).where(_child_rows(child, key_table)))
            _add(touched, child, done.rowcount)
    drop_temp(connection, key_table)
    return touched


def _child_rows(child: ChildContext, key_table: sa.Table) -> sa.ColumnElement[bool]:
    """The child's rows tied to the batch's records (and, with `where:`, its own)."""
    tied = _matching(child.table.c[child.spec.fk], key_table)
    return tied if child.where is None else sa.and_(tied, child.where)


def _depersonalize_children(
    connection: sa.Connection, child: ChildContext, key_table: sa.Table, secret: bytes
) -> int:
    """The child's rows tied to the batch, depersonalized; how many there were."""
    fk = child.table.c[child.spec.fk]
    return _rewrite(
        connection,
        child.table,
        child.primary_key,
        child.columns,
        key_table,
        fk,
        secret,
        only=child.where,
    )


def _rewrite(
    connection: sa.Connection,
    table: sa.Table,
    identity: list[sa.Column[Any]],
    columns: list[PdColumn],
    key_table: sa.Table,
    link: sa.Column[Any],
    secret: bytes,
    *,
    only: sa.ColumnElement[bool] | None = None,
) -> int:
    """Read the PD columns of the rows `link` ties to the batch (those of them `only`
    selects), transform, write back; returns how many rows were rewritten."""
    base_names = list(dict.fromkeys(c.ref.column for c in columns))
    selected = [*identity, *(table.c[name] for name in base_names)]
    tied = _matching(link, key_table)
    if only is not None:
        tied = sa.and_(tied, only)
    rows = connection.execute(sa.select(*selected).where(tied)).fetchall()
    if not rows:
        return 0
    names = [c.name for c in identity] + base_names
    frame = pd.DataFrame(dict(zip(names, zip(*rows, strict=True), strict=True)))
    for column in columns:
        assert column.operator is not None  # checked when the policy was loaded
        context = OperatorContext(column.info, secret)
        if column.ref.is_json_path:
            _apply_at_path(frame, column, context)
        else:
            frame[column.ref.column] = column.operator.apply(frame[column.ref.column], context)
    json_columns = {c.ref.column for c in columns if c.ref.is_json_path}
    # Column by column: to_dict("records") built a dict per row, a second per million.
    cells = [
        [_cell(value, name in json_columns) for value in frame[name].tolist()] for name in names
    ]
    values = list(zip(*cells, strict=True))
    scratch = temp_table(
        connection,
        [(f"i{i}", c.type) for i, c in enumerate(identity)]
        + [(f"v{i}", table.c[name].type) for i, name in enumerate(base_names)],
        values,
    )
    match = sa.and_(*(c == scratch.c[f"i{i}"] for i, c in enumerate(identity)))
    connection.execute(
        sa.update(table)
        .where(match)
        .values({name: scratch.c[f"v{i}"] for i, name in enumerate(base_names)})
    )
    drop_temp(connection, scratch)
    return len(rows)


def _apply_at_path(frame: pd.DataFrame, column: PdColumn, context: OperatorContext) -> None:
    """The operator sees the values at the path; the documents are then edited in place."""
    assert column.operator is not None
    documents = frame[column.ref.column].map(_document)
    path = column.ref.json_path
    present = documents.map(lambda d: _get(d, path) is not _MISSING)
    if not present.any():
        frame[column.ref.column] = documents
        return
    values = documents[present].map(lambda d: _get(d, path))
    results = column.operator.apply(values, context)
    for index, result in zip(results.index, results.to_numpy(dtype=object), strict=True):
        _set(documents.loc[index], path, result)
    frame[column.ref.column] = documents


_MISSING = object()


def _document(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _get(document: Any, path: tuple[str, ...]) -> Any:
    for part in path:
        if not isinstance(document, dict) or part not in document:
            return _MISSING
        document = document[part]
    return document


def _set(document: Any, path: tuple[str, ...], value: Any) -> None:
    for part in path[:-1]:
        document = document[part]
    if value is REMOVE_KEY:
        document.pop(path[-1], None)
    else:
        document[path[-1]] = None if _is_null(value) else python_value(value)


def _is_null(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _cell(value: Any, is_json: bool) -> Any:
    if is_json:
        return None if value is None else json.dumps(value, ensure_ascii=False)
    if _is_null(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return python_value(value)


def mark(
    connection: sa.Connection,
    context: TableContext,
    keys: Sequence[Any],
    reasons: Sequence[str],
    state: str,
    run_id: str,
    now: dt.datetime,
) -> None:
    """Record that these records are depersonalized or blocked: later runs skip them."""
    if not keys:
        return
    table_name = context.spec.name
    insert_rows(
        connection,
        tables.state,
        ("table_name", "record_key", "state", "reason", "run_id", "since"),
        [
            (table_name, str(key), state, reason, run_id, now)
            for key, reason in zip(keys, reasons, strict=True)
        ],
    )


def count_children(
    connection: sa.Connection,
    context: TableContext,
    run_id: str,
    action: str,
    at: tuple[int, int],
    records: int,
    touched: ChildRows,
    now: dt.datetime,
) -> None:
    """Keep, in the batch's own transaction, how many rows of each child table the batch's
    `action` on `records` records deleted or changed: the ledger has a row per record of
    the main table only, and the rows of a destroyed record's children cannot be counted
    once it is gone. Every child acted on gets its row, zero rows included, so that the
    documents can tell a batch that counted from one that did not."""
    if not touched:
        return
    part, batch = at
    insert_rows(
        connection,
        tables.child_counts,
        (
            "run_id",
            "store",
            "table_name",
            "child_table",
            "action",
            "part",
            "batch",
            "records",
            "row_count",
            "acted_at",
        ),
        [
            (
                run_id,
                context.store,
                context.spec.name,
                child,
                action,
                part,
                batch,
                records,
                rows,
                now,
            )
            for child, rows in sorted(touched.items())
            if rows != UNKNOWN  # left out: its records then fall short of the ledger's
        ],
    )


def next_batch(connection: sa.Connection, run_id: str, store: str, table_name: str) -> int:
    """The number a run's changes that are not a partition's batch (a request's) count
    under in pdpipe_child_counts: one more than any before, read in the same transaction."""
    counts = tables.child_counts
    last = connection.execute(
        sa.select(sa.func.max(counts.c.batch)).where(
            (counts.c.run_id == run_id)
            & (counts.c.store == store)
            & (counts.c.table_name == table_name)
            & (counts.c.part == 0)
        )
    ).scalar()
    return int(last or 0) + 1
