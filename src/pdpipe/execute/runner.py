"""run_policy(): the nightly job without Prefect — plan, refuse or act, batch by batch.

For every store: take the store's lock, check the policy against the schema, then for
every table read key-ordered batches and, in ONE transaction per batch, decide, act
(destroy / depersonalize / block), write the ledger rows and the checkpoint. A run killed
at any point leaves whole batches only; started again with the same policy it resumes
the unfinished run (same run id, same as-of) after its last committed batch, and ends as
one uninterrupted run would have.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import time
import uuid
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import sqlalchemy as sa

from pdpipe.errors import BadInput
from pdpipe.execute import actions, ledger, tables
from pdpipe.execute.context import TableContext, table_context
from pdpipe.execute.lock import store_lock
from pdpipe.policy.errors import PolicyError
from pdpipe.policy.models import Policy, StoreSpec
from pdpipe.policy.reasons import EndReason
from pdpipe.retention.decide import AsOf, decide
from pdpipe.retention.plan import Plan, build_plan
from pdpipe.stores.engine import create_store_engine, describe_store_error
from pdpipe.stores.reader import DecisionReader, python_value
from pdpipe.stores.schema_check import store_problems

log = logging.getLogger("pdpipe.execute")

RUNNING, COMPLETED, FAILED = "running", "completed", "failed"

Progress = Callable[[str, int, int], None]  # (store.table, records acted on, batches)


@dataclass(frozen=True)
class RunOptions:
    as_of: AsOf | None = None  # None: now, or the as-of of an unfinished run being resumed
    max_fraction: float = 0.25
    allow_large: bool = False
    batch_size: int = 5_000
    dry_run: bool = False


@dataclass
class TableOutcome:
    store: str
    table: str
    batches: int = 0
    acted: dict[str, dict[str, int]] = field(default_factory=dict)  # action -> reason -> n

    def add(self, action: str, reason: str, count: int) -> None:
        by_reason = self.acted.setdefault(action, {})
        by_reason[reason] = by_reason.get(reason, 0) + count

    @property
    def total(self) -> int:
        return sum(n for reasons in self.acted.values() for n in reasons.values())


@dataclass
class RunResult:
    run_id: str | None
    as_of: AsOf
    status: str
    resumed: bool
    dry_run: bool
    before: Plan
    after: Plan | None
    tables: list[TableOutcome]
    seconds: float = 0.0

    @property
    def acted(self) -> int:
        return sum(t.total for t in self.tables)


def policy_hash(policy: Policy) -> str:
    return hashlib.sha256(policy.model_dump_json().encode()).hexdigest()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


def pseudonym_secret(policy: Policy) -> bytes:
    """The key named by `secrets.pseudonym_key` (env:VAR), or b"" when there is none."""
    reference = policy.secrets.get("pseudonym_key")
    if reference is None:
        return b""
    kind, _, name = reference.partition(":")
    if kind != "env":
        raise BadInput(f"secrets.pseudonym_key: {kind}: secrets are read by the Prefect flows")
    value = os.environ.get(name, "")
    return value.encode()


def run_policy(policy: Policy, options: RunOptions, progress: Progress | None = None) -> RunResult:
    started = time.perf_counter()
    PolicyError.collect(store_problems(policy))  # refuse before writing anything
    secret = pseudonym_secret(policy)
    digest = policy_hash(policy)
    engines = {store.name: create_store_engine(store) for store in policy.stores}
    try:
        with ExitStack() as held:
            if not options.dry_run:
                # One lock per database: two stores of a policy may share one.
                for store in {s.url: s for s in policy.stores}.values():
                    held.enter_context(_mapped(store, store_lock(engines[store.name], store.name)))
            resumed = None if options.dry_run else _unfinished_run(policy, engines, digest, options)
            as_of = resumed[1] if resumed else options.as_of or _as_of_now(policy)
            before = build_plan(policy, as_of)
            if options.dry_run:
                return RunResult(None, as_of, "dry_run", False, True, before, None, [])
            _refuse_large(before, options)
            run_id = resumed[0] if resumed else str(uuid.uuid4())
            contexts = _contexts(policy, engines, secret)
            outcomes = []
            for store in policy.stores:
                outcomes += _run_store(
                    policy,
                    store,
                    engines[store.name],
                    contexts[store.name],
                    run_id,
                    as_of,
                    digest,
                    options,
                    secret,
                    progress,
                    resumed is not None,
                )
            after = build_plan(policy, as_of)
            return RunResult(
                run_id,
                as_of,
                COMPLETED,
                resumed is not None,
                False,
                before,
                after,
                outcomes,
                time.perf_counter() - started,
            )
    finally:
        for engine in engines.values():
            engine.dispose()


def _as_of_now(policy: Policy) -> AsOf:
    return AsOf.at(dt.datetime.now(dt.UTC), policy.operator.timezone)


class _mapped:
    """Enter a context, turning driver errors into StoreError naming the store."""

    def __init__(self, store: StoreSpec, inner: Any) -> None:
        self.store, self.inner = store, inner

    def __enter__(self) -> Any:
        try:
            return self.inner.__enter__()
        except sa.exc.DBAPIError as exc:
            raise describe_store_error(self.store, exc) from None

    def __exit__(self, *exc: Any) -> Any:
        return self.inner.__exit__(*exc)


def too_large(plan: Plan, max_fraction: float) -> list[str]:
    """Tables the plan would touch beyond `max_fraction` of their rows, described."""
    return [
        f"{t.store}.{t.table}: {t.due:,} of {t.rows_total:,} ({t.due / t.rows_total:.0%})"
        for t in plan.tables
        if t.rows_total and t.due / t.rows_total > max_fraction
    ]


def _refuse_large(plan: Plan, options: RunOptions) -> None:
    if options.allow_large:
        return
    if found := too_large(plan, options.max_fraction):
        raise BadInput(
            f"the run would touch more than {options.max_fraction:.0%} of a table "
            f"({'; '.join(found)}); nothing was written. Check the plan "
            "(pdpipe plan), then raise --max-fraction or confirm with --allow-large"
        )


def _unfinished_run(
    policy: Policy, engines: dict[str, sa.Engine], digest: str, options: RunOptions
) -> tuple[str, AsOf] | None:
    """An earlier run of this same policy that did not finish: it is continued."""
    for store in policy.stores:
        with engines[store.name].connect() as connection:
            if not sa.inspect(connection).has_table(tables.runs.name):
                continue
            row = connection.execute(
                sa.select(tables.runs.c.run_id, tables.runs.c.as_of)
                .where((tables.runs.c.status == RUNNING) & (tables.runs.c.policy_hash == digest))
                .order_by(tables.runs.c.started_at.desc())
                .limit(1)
            ).first()
        if row is None:
            continue
        as_of = AsOf.at(pd.Timestamp(row.as_of), policy.operator.timezone)
        if options.as_of is not None and options.as_of.local_date != as_of.local_date:
            continue  # the user asked for another day: a new run
        return str(row.run_id), as_of
    return None


def _contexts(
    policy: Policy, engines: dict[str, sa.Engine], secret: bytes
) -> dict[str, list[TableContext]]:
    contexts: dict[str, list[TableContext]] = {}
    for store in policy.stores:
        metadata = sa.MetaData()
        with engines[store.name].connect() as connection:
            contexts[store.name] = [
                table_context(connection, policy, store.name, spec, metadata)
                for spec in store.tables
            ]
        needs_key = any(
            column.operator is not None and column.operator.needs_secret
            for context in contexts[store.name]
            for column in context.applied_columns()
        )
        if needs_key and not secret:
            raise BadInput(
                "the policy's operators need the pseudonym key: set the environment variable "
                f"named by secrets.pseudonym_key ({policy.secrets.get('pseudonym_key', 'none')})"
            )
    return contexts


def _run_store(
    policy: Policy,
    store: StoreSpec,
    engine: sa.Engine,
    contexts: list[TableContext],
    run_id: str,
    as_of: AsOf,
    digest: str,
    options: RunOptions,
    secret: bytes,
    progress: Progress | None,
    resumed: bool,
) -> list[TableOutcome]:
    outcomes = []
    try:
        with engine.connect() as connection:
            with connection.begin():
                tables.ensure_tables(connection)
                _register_run(connection, run_id, as_of, digest)
            try:
                for context in contexts:
                    outcomes.append(
                        _run_table(
                            policy, connection, context, run_id, as_of, options, secret, progress
                        )
                    )
            except BaseException:
                with connection.begin():
                    _finish(connection, run_id, FAILED, outcomes)
                raise
            with connection.begin():
                _finish(connection, run_id, COMPLETED, outcomes)
    except sa.exc.DBAPIError as exc:
        raise describe_store_error(store, exc) from None
    return outcomes


def _register_run(connection: sa.Connection, run_id: str, as_of: AsOf, digest: str) -> None:
    exists = connection.execute(
        sa.select(tables.runs.c.run_id).where(tables.runs.c.run_id == run_id)
    ).first()
    if exists is None:
        connection.execute(
            tables.runs.insert().values(
                run_id=run_id,
                as_of=as_of.instant.tz_convert(None).to_pydatetime(),
                as_of_date=as_of.local_date.isoformat(),
                policy_hash=digest,
                started_at=_now(),
                status=RUNNING,
            )
        )
    else:
        connection.execute(
            tables.runs.update().where(tables.runs.c.run_id == run_id).values(status=RUNNING)
        )


def _finish(
    connection: sa.Connection, run_id: str, status: str, outcomes: list[TableOutcome]
) -> None:
    counts = {f"{o.table}": o.acted for o in outcomes}
    connection.execute(
        tables.runs.update()
        .where(tables.runs.c.run_id == run_id)
        .values(status=status, finished_at=_now(), counts=json.dumps(counts, sort_keys=True))
    )


def _checkpoint(connection: sa.Connection, run_id: str, table: str) -> tuple[Any, int, bool]:
    row = connection.execute(
        sa.select(
            tables.progress.c.last_key, tables.progress.c.batches, tables.progress.c.done
        ).where((tables.progress.c.run_id == run_id) & (tables.progress.c.table_name == table))
    ).first()
    if row is None:
        return None, 0, False
    last = None if row.last_key is None else json.loads(row.last_key)
    return last, int(row.batches), bool(row.done)


def _save_checkpoint(
    connection: sa.Connection, run_id: str, table: str, last: Any, batches: int, done: bool
) -> None:
    values = {
        "last_key": None if last is None else json.dumps(last),
        "batches": batches,
        "done": done,
    }
    where = (tables.progress.c.run_id == run_id) & (tables.progress.c.table_name == table)
    if connection.execute(tables.progress.update().where(where).values(values)).rowcount == 0:
        connection.execute(
            tables.progress.insert().values(run_id=run_id, table_name=table, **values)
        )


def _run_table(
    policy: Policy,
    connection: sa.Connection,
    context: TableContext,
    run_id: str,
    as_of: AsOf,
    options: RunOptions,
    secret: bytes,
    progress: Progress | None,
) -> TableOutcome:
    spec = context.spec
    outcome = TableOutcome(context.store, spec.name)
    with connection.begin():
        after, batches, done = _checkpoint(connection, run_id, spec.name)
        reader = DecisionReader(connection, spec, state=tables.state)
    if done:
        return outcome
    label = f"{context.store}.{spec.name}"
    while True:
        with connection.begin():
            frame = reader.chunk(connection, after, options.batch_size)
            if frame.empty:
                _save_checkpoint(connection, run_id, spec.name, after, batches, True)
                break
            decisions = decide(frame, spec, policy, as_of)
            _act(connection, policy, context, decisions, run_id, secret, outcome)
            after = python_value(frame["key"].iloc[-1])
            batches += 1
            _save_checkpoint(connection, run_id, spec.name, after, batches, False)
        outcome.batches += 1
        log.info("%s batch %d: %d read, %d acted on", label, batches, len(frame), len(decisions))
        if progress is not None:
            progress(label, outcome.total, outcome.batches)
    return outcome


def _act(
    connection: sa.Connection,
    policy: Policy,
    context: TableContext,
    decisions: pd.DataFrame,
    run_id: str,
    secret: bytes,
    outcome: TableOutcome,
) -> None:
    if decisions.empty:
        return
    now = _now()
    entries: list[ledger.Entry] = []
    for action, group in decisions.groupby("action", sort=True):
        keys = [python_value(k) for k in group["key"]]
        reasons = [str(r) for r in group["reason"]]
        if action == "destroy":
            actions.destroy(connection, context, keys, secret)
        elif action == "depersonalize":
            actions.depersonalize(connection, context, keys, secret)
            actions.mark(connection, context, keys, reasons, tables.DEPERSONALIZED, run_id, now)
        else:
            actions.mark(connection, context, keys, reasons, tables.BLOCKED, run_id, now)
        for key, reason in zip(keys, reasons, strict=True):
            term = policy.term(EndReason(reason))
            entries.append(
                ledger.Entry(
                    context.spec.name,
                    str(key),
                    str(action),
                    reason,
                    f"{context.purpose.legal_ground}; {term.source}",
                    context.categories,
                )
            )
        for reason in sorted(set(reasons)):
            outcome.add(str(action), reason, reasons.count(reason))
    ledger.append(connection, run_id, context.store, entries, now)
