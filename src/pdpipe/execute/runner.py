"""The run's own steps: prepare, process a partition, finish (pdpipe.job orders them).

    prepare()            under the stores' locks: check the policy against the schema,
                         resume an unfinished run or register a new one, plan, refuse a
                         run that is too large, split each table into key-range partitions
    process_partition()  key-ordered batches within one partition; ONE transaction per
                         batch holds the decision, the changes, the ledger rows and the
                         checkpoint. Opens its own engine, so it can run in a thread, a
                         Dask worker, or again after a failure (it is idempotent)
    finish()             marks the run completed, failed or interrupted with the counts
                         its ledger holds; a completed run left nothing due of its plan

A run killed at any point leaves whole batches only; started again with the same policy
it resumes the unfinished run (same run id, same as-of, same partitions) after each
partition's last committed batch.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
import logging
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import pandas as pd
import sqlalchemy as sa

from pdpipe.errors import BadInput, StoreError
from pdpipe.execute import actions, ledger
from pdpipe.execute.batch import BATCH, Batch, stop_requested
from pdpipe.execute.context import TableContext, table_context
from pdpipe.execute.ledger_check import ledger_key
from pdpipe.execute.lock import confirm_hold, store_lock
from pdpipe.policy.models import Policy, StoreSpec, TableSpec
from pdpipe.policy.reasons import term_key
from pdpipe.policy.secrets import needed_secrets, require_secret, resolve_secret
from pdpipe.retention.decide import AsOf, decide
from pdpipe.retention.plan import Plan, build_plan, left_by_run
from pdpipe.retention.reader import DecisionReader, key_cuts, python_value
from pdpipe.stores import tables
from pdpipe.stores.engine import DOING, as_store_error
from pdpipe.stores.owner import opened_store, owned, probe_stores
from pdpipe.stores.schema_check import refuse_store_problems
from pdpipe.validation import snapshot, suites

if TYPE_CHECKING:
    from pdpipe.validation.checks import ValidationReport

log = logging.getLogger("pdpipe.execute")

ACTIONS = ledger.ACTIONS  # what a run does to records

RUNNING, COMPLETED, FAILED = "running", "completed", "failed"
FAILED_VALIDATION = "failed_validation"
INTERRUPTED = "interrupted"  # stopped between batches (SIGTERM): resumed by the next run
SUPERSEDED = "superseded"  # left unfinished, and a run for another day came after it
RESUMABLE = (RUNNING, INTERRUPTED)
# How far a run got, whatever its status: what it did is in the ledger once it has
# `acted`; its documents are issued once it is `documented` (or it acted on nothing).
PLANNED, ACTED, VALIDATED, DOCUMENTED = "planned", "acted", "validated", "documented"

# (store.table, records acted on, batches) since the last call: partitions of one table
# report from parallel tasks, so the receiver adds them up.
Progress = Callable[[str, int, int], None]


# Partitions the flow runs at once on its default (thread pool) task runner: while one
# waits on its database, another decides or hashes its ledger rows.
PARTITION_THREADS = 4


@dataclass(frozen=True)
class RunOptions:
    as_of: AsOf | None = None  # None: now, or the as-of of an unfinished run being resumed
    max_fraction: float = 0.25
    allow_large: bool = False
    batch_size: int = 5_000
    dry_run: bool = False
    partitions: int = 1  # key ranges per table (SQLite: always 1, it has one writer)
    snapshot: bool = False  # count and checksum every table first, for validation


@dataclass(frozen=True)
class Partition:
    """Keys after `low` (None: from the start) through `high` (None: to the end)."""

    store: str
    table: str
    index: int
    low: Any = None
    high: Any = None

    @property
    def label(self) -> str:
        return f"{self.store}.{self.table}#{self.index}"


@dataclass
class TableOutcome:
    store: str
    table: str
    batches: int = 0
    acted: dict[str, dict[str, int]] = field(default_factory=dict)  # action -> reason -> n

    def add(self, action: str, reason: str, count: int) -> None:
        by_reason = self.acted.setdefault(action, {})
        by_reason[reason] = by_reason.get(reason, 0) + count

    def merge(self, other: TableOutcome) -> None:
        self.batches += other.batches
        for action, reasons in other.acted.items():
            for reason, count in reasons.items():
                self.add(action, reason, count)

    @property
    def total(self) -> int:
        return sum(n for reasons in self.acted.values() for n in reasons.values())


@dataclass(frozen=True)
class PreparedRun:
    run_id: str | None  # None for a dry run
    as_of: AsOf
    resumed: bool
    before: Plan
    partitions: list[Partition]
    started: float

    @property
    def dry_run(self) -> bool:
        return self.run_id is None


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
    checks: int | None = None  # Great Expectations checks run on the result (the flow)
    checks_failed: int = 0
    data_docs: str | None = None
    documents: str | None = None  # the folder of the run's act, record and extract
    dashboard: str | None = None  # the run's page on the review dashboard
    errors: list[str] = field(default_factory=list)  # partitions that failed, described
    validation: ValidationReport | None = None
    folder: str | None = None  # the run's output folder (summary.json, checks, documents)
    recovered: list[str] = field(default_factory=list)  # earlier runs documented by this one
    stage: str | None = None  # how far it got: acted, validated, documented
    ledger_heads: dict[str, dict[str, object]] = field(default_factory=dict)  # per database

    @property
    def acted(self) -> int:
        return sum(t.total for t in self.tables)


def policy_hash(policy: Policy) -> str:
    """What makes a run the continuation of an unfinished one: the policy, with its store
    URLs as resolved but without their passwords.

    A password is a secret, not policy: rotating it between a killed run and its
    resumption must not orphan the run, nor may a digest of it sit in `pdpipe_runs`. (The
    policy holds no other secret value: `secrets:` names only where they live.) A URL
    without a password hashes as before, so runs left unfinished stay resumable."""
    hidden = {"password", "passwd", "pwd"}  # what drivers also read from the query string

    def without_password(url: str) -> str:
        try:
            parsed = sa.engine.make_url(url)
        except Exception:  # not a URL: the policy's check says so; hash it as it is
            return url
        query = {k: v for k, v in parsed.query.items() if k.lower() not in hidden}
        if parsed.password is None and len(query) == len(parsed.query):
            return url
        # URL.create, not parsed.set(password=None): set() takes None for "unchanged".
        bare = sa.engine.URL.create(
            parsed.drivername, parsed.username, None, parsed.host, parsed.port, parsed.database
        )
        return bare.set(query=query).render_as_string(hide_password=False)

    stores = [s.model_copy(update={"url": without_password(s.url)}) for s in policy.stores]
    hashed = policy.model_copy(update={"stores": stores})
    return hashlib.sha256(hashed.model_dump_json().encode()).hexdigest()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


def pseudonym_secret(policy: Policy) -> bytes:
    """The key named by `secrets.pseudonym_key`: env:VAR or prefect:block; b"" if none."""
    return resolve_secret(policy, "pseudonym_key")


@contextmanager
def held_stores(policy: Policy, options: RunOptions) -> Iterator[None]:
    """Check the policy against the stores, then hold each database's lock (not for a dry
    run, which writes nothing)."""
    probe_stores(policy.stores)  # a store that is down: transient, worth retrying
    refuse_store_problems(policy)  # before writing anything
    suites.verify(policy)  # and before checks nobody reviewed could pass it
    if options.dry_run:
        yield
        return
    with ExitStack() as held:
        stores = held.enter_context(owned())
        for store in {s.url: s for s in policy.stores}.values():  # one lock per database
            held.enter_context(store_lock(stores.engine(store), store.name, store.url))
        yield


# -- prepare ---------------------------------------------------------------------------


def prepare(policy: Policy, options: RunOptions) -> PreparedRun:
    """Plan the run and lay out its partitions; the caller holds the stores (held_stores)."""
    started = time.perf_counter()
    digest = policy_hash(policy)
    resumed = None if options.dry_run else _unfinished_run(policy, digest, options)
    as_of = (
        resumed[1]
        if resumed
        else options.as_of or AsOf.at(dt.datetime.now(dt.UTC), policy.operator.timezone)
    )
    # A run's plan also counts the child rows it would delete or change, for the guard.
    before = build_plan(policy, as_of, children=not options.dry_run and not options.allow_large)
    if options.dry_run:
        return PreparedRun(None, as_of, False, before, [], started)
    _refuse_large(before, options)
    _require_secret(policy)
    run_id = resumed[0] if resumed else str(uuid.uuid4())
    partitions: list[Partition] = []
    for store in policy.stores:
        with opened_store(store) as connection:
            with connection.begin():
                tables.ensure_tables(connection)
                _register_run(connection, run_id, as_of, digest)
            for spec in store.tables:
                with connection.begin():
                    partitions += _partitions(connection, store, spec, run_id, options)
    return PreparedRun(run_id, as_of, resumed is not None, before, partitions, started)


def too_large(plan: Plan, max_fraction: float) -> list[str]:
    """Tables the plan would touch beyond `max_fraction` of their rows, described: the
    processed tables, and the child tables whose rows their records' actions delete or
    change."""
    found = [
        f"{t.store}.{t.table}: {t.due:,} of {t.rows_total:,} ({t.due / t.rows_total:.0%})"
        for t in plan.tables
        if t.rows_total and t.due / t.rows_total > max_fraction
    ]
    found += [
        f"{t.store}.{child} (child of {t.table}): {touched:,} of {total:,} rows "
        f"({touched / total:.0%})"
        for t in plan.tables
        for child, (touched, total) in t.children.items()
        if total and touched / total > max_fraction
    ]
    return found


def _refuse_large(plan: Plan, options: RunOptions) -> None:
    if options.allow_large:
        return
    if found := too_large(plan, options.max_fraction):
        raise BadInput(
            f"the run would touch more than {options.max_fraction:.0%} of a table "
            f"({'; '.join(found)}); nothing was written. Check the plan "
            "(pdpipe plan), then raise --max-fraction or confirm with --allow-large"
        )


def _require_secret(policy: Policy) -> None:
    """A run that would need a key it does not have stops before writing."""
    for name in needed_secrets(policy, requests=False):
        require_secret(policy, name)


def _unfinished_run(policy: Policy, digest: str, options: RunOptions) -> tuple[str, AsOf] | None:
    """An earlier run of this same policy that did not finish: it is continued."""
    for store in policy.stores:
        with opened_store(store) as connection:
            if not sa.inspect(connection).has_table(tables.runs.name):
                continue
            row = connection.execute(
                sa.select(tables.runs.c.run_id, tables.runs.c.as_of)
                .where(tables.runs.c.status.in_(RESUMABLE) & (tables.runs.c.policy_hash == digest))
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
                stage=PLANNED,
            )
        )
    else:
        connection.execute(
            tables.runs.update().where(tables.runs.c.run_id == run_id).values(status=RUNNING)
        )


def _partitions(
    connection: sa.Connection, store: StoreSpec, spec: TableSpec, run_id: str, options: RunOptions
) -> list[Partition]:
    """The table's key ranges: as recorded for a resumed run, else cut now and recorded."""
    where = (tables.progress.c.run_id == run_id) & (tables.progress.c.table_name == spec.name)
    recorded = connection.execute(
        sa.select(tables.progress.c.part, tables.progress.c.low, tables.progress.c.high)
        .where(where)
        .order_by(tables.progress.c.part)
    ).all()
    if recorded:
        return [
            Partition(store.name, spec.name, int(part), _load(low), _load(high))
            for part, low, high in recorded
        ]
    parts = 1 if connection.dialect.name == "sqlite" else max(1, options.partitions)
    cuts = key_cuts(connection, spec, parts)
    lows: list[Any] = [None, *cuts]
    highs: list[Any] = [*cuts, None]  # the last range stays open for new rows
    partitions = [
        Partition(store.name, spec.name, index, low, high)
        for index, (low, high) in enumerate(zip(lows, highs, strict=True))
    ]
    connection.execute(
        tables.progress.insert(),
        [
            {
                "run_id": run_id,
                "table_name": spec.name,
                "part": p.index,
                "low": _dump(p.low),
                "high": _dump(p.high),
                "last_key": None,
                "batches": 0,
                "done": False,
                "acted": _dump({}),
            }
            for p in partitions
        ],
    )
    return partitions


def _dump(key: Any) -> str | None:
    """A key as JSON, for pdpipe_progress: numbers and text as they are; a UUID, a
    decimal or a date tagged, so that it reads back as the same Python value."""
    return None if key is None else json.dumps(key, default=_tagged)


def _load(text: str | None) -> Any:
    return None if text is None else json.loads(text, object_hook=_untagged)


_TAGS: dict[str, Any] = {
    "$uuid": uuid.UUID,
    "$decimal": decimal.Decimal,
    "$datetime": dt.datetime.fromisoformat,
    "$date": dt.date.fromisoformat,
}


def _tagged(value: Any) -> dict[str, str]:
    if isinstance(value, uuid.UUID):
        return {"$uuid": str(value)}
    if isinstance(value, decimal.Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, dt.datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    raise TypeError(f"a key of type {type(value).__name__} cannot be kept in pdpipe_progress")


def _untagged(document: dict[str, Any]) -> Any:
    if len(document) == 1:
        ((tag, text),) = document.items()
        if tag in _TAGS:
            return _TAGS[tag](text)
    return document


# -- process ---------------------------------------------------------------------------


def process_partition(
    policy: Policy,
    partition: Partition,
    run_id: str,
    as_of: AsOf,
    batch_size: int,
    progress: Progress | None = None,
) -> TableOutcome:
    """Every batch of one partition, each in its own transaction; safe to run again."""
    store = next(s for s in policy.stores if s.name == partition.store)
    spec = next(t for t in store.tables if t.name == partition.table)
    secret = pseudonym_secret(policy)
    signing = ledger_key(policy)
    with opened_store(store) as connection:
        metadata = sa.MetaData()
        with connection.begin():
            context = table_context(connection, policy, store.name, spec, metadata)
            # With a snapshot to answer to, each batch reads its records' digests too.
            checked = snapshot.exists(connection, run_id, spec.name)
            reader = DecisionReader(
                connection,
                spec,
                metadata,
                state=tables.state,
                due_at=(policy, as_of),
                extra=snapshot.digest_columns if checked else None,
            )
            after, batches, done, counted = _checkpoint(connection, run_id, partition, spec)
        outcome = TableOutcome(store.name, spec.name)
        if done:
            return outcome
        after = partition.low if after is None else after
        statistics = _GrowingState.of(run_id, store.url)
        while True:
            stop_requested(partition)
            batch = Batch(store, partition, batches + 1)
            connection.info[BATCH] = batch
            doing = DOING.set(batch.label)  # named by the store's errors
            try:
                with connection.begin():
                    frame = reader.chunk(connection, after, batch_size, partition.high)
                    if frame.empty:
                        _save_checkpoint(
                            connection, run_id, partition, after, batches, True, counted
                        )
                        break
                    decisions = decide(frame, spec, policy, as_of)
                    after = python_value(frame["key"].iloc[-1])
                    batches += 1
                    _count_batch(counted, decisions)
                    confirm_hold(connection, store.url, store.name)
                    if checked:
                        snapshot.record_acted(
                            connection,
                            run_id,
                            spec.name,
                            partition.index,
                            batches,
                            frame,
                            decisions["key"],
                        )
                    _save_checkpoint(connection, run_id, partition, after, batches, False, counted)
                    # Last: the ledger's head stays locked from its append to the commit,
                    # and the other partitions' batches wait for it.
                    act(
                        connection,
                        policy,
                        context,
                        decisions,
                        run_id,
                        secret,
                        outcome,
                        ledger_key=signing,
                        at=(partition.index, batches),
                    )
            except (StoreError, sa.exc.DBAPIError) as error:
                raise batch.failed(as_store_error(store, error)) from None
            finally:
                connection.info.pop(BATCH, None)
                DOING.reset(doing)
            outcome.batches += 1
            # Only depersonalized and blocked records add state rows: counted with
            # destroyed ones, a run's statistics went stale while it depersonalized.
            marked = 0 if decisions.empty else int((decisions["action"] != "destroy").sum())
            statistics.grew(connection, marked)
            log.info(
                "%s batch %d: %d read, %d acted on",
                partition.label,
                batches,
                len(frame),
                len(decisions),
            )
            if progress is not None:
                progress(f"{store.name}.{spec.name}", len(decisions), 1)
    return outcome


class _GrowingState:
    """Refreshes the planner's statistics of pdpipe_state as a run fills it, at doubling
    sizes (a handful of ANALYZEs per run). Left with those of a near-empty table,
    PostgreSQL compared every record read against every state row of its table: reading
    a million contacts being depersonalized took 72 s instead of 5.

    One per run and database, shared by the partitions this process runs, counting the
    state rows they add (depersonalized and blocked records): counted per partition,
    each of eight partitions refreshed them at its own doublings (34 ANALYZEs at a
    million subscribers); counting destroyed records too, they went stale while the
    contacts were depersonalized (their decision reads took 26 s instead of 2)."""

    _current: ClassVar[dict[tuple[str, str], _GrowingState]] = {}  # this process's run
    _guard: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self) -> None:
        self.added = 0
        self.next = 1  # after the first batch that acts, whatever the batch size
        self.lock = threading.Lock()

    @classmethod
    def of(cls, run_id: str, url: str) -> _GrowingState:
        with cls._guard:
            if not any(run == run_id for run, _ in cls._current):
                cls._current.clear()  # a new run: the last one's counts are done with
            return cls._current.setdefault((run_id, url), cls())

    def grew(self, connection: sa.Connection, rows: int) -> None:
        with self.lock:
            self.added += rows
            if self.added < self.next:
                return
            self.next = 2 * self.added
        with connection.begin():
            tables.refresh_statistics(connection, tables.state.name)


def _checkpoint(
    connection: sa.Connection, run_id: str, partition: Partition, spec: TableSpec
) -> tuple[Any, int, bool, TableOutcome | None]:
    """Where the partition stands: its last committed key, batches, whether it is done,
    and what its committed batches acted on (None: a release that did not count them ran
    some of them, and finish() counts its table from the ledger)."""
    progress = tables.progress
    row = connection.execute(
        sa.select(progress.c.last_key, progress.c.batches, progress.c.done, progress.c.acted).where(
            _progress_row(run_id, partition)
        )
    ).first()
    counted: TableOutcome | None = TableOutcome(partition.store, spec.name)
    if row is None:
        return None, 0, False, counted
    batches = int(row.batches)
    if row.acted is not None:
        counted = TableOutcome(partition.store, spec.name, acted=_load(row.acted))
    elif batches:
        counted = None
    return _load(row.last_key), batches, bool(row.done), counted


def _count_batch(counted: TableOutcome | None, decisions: pd.DataFrame) -> None:
    """Add the batch's decisions, each acted on once (act()), to `counted`."""
    if counted is None:
        return
    for (action, reason), records in Counter(
        zip(decisions["action"].map(str), decisions["reason"].map(str), strict=True)
    ).items():
        counted.add(action, reason, records)


def _progress_row(run_id: str, partition: Partition) -> sa.ColumnElement[bool]:
    return (
        (tables.progress.c.run_id == run_id)
        & (tables.progress.c.table_name == partition.table)
        & (tables.progress.c.part == partition.index)
    )


def _save_checkpoint(
    connection: sa.Connection,
    run_id: str,
    partition: Partition,
    last: Any,
    batches: int,
    done: bool,
    counted: TableOutcome | None,
) -> None:
    acted = None if counted is None else _dump(counted.acted)
    connection.execute(
        tables.progress.update()
        .where(_progress_row(run_id, partition))
        .values(last_key=_dump(last), batches=batches, done=done, acted=acted)
    )


def act(
    connection: sa.Connection,
    policy: Policy,
    context: TableContext,
    decisions: pd.DataFrame,
    run_id: str,
    secret: bytes,
    outcome: TableOutcome,
    *,
    ledger_key: bytes = b"",
    at: tuple[int, int] | None = None,
) -> None:
    """Act on the decided records in the caller's transaction, with their ledger rows and
    the counts of their child rows. `at` is the (partition, batch) under way; None for
    changes outside a run's batches (a request's), which take the next free number."""
    if decisions.empty:
        return
    now = _now()
    if at is None and context.children:
        at = (0, actions.next_batch(connection, run_id, context.store, context.spec.name))
    entries: list[ledger.Entry] = []
    for action, group in decisions.groupby("action", sort=True):
        keys = group["key"].tolist()  # plain Python values, which every driver binds
        reasons = [str(r) for r in group["reason"].tolist()]
        touched: actions.ChildRows = {}
        if action == "destroy":
            touched = actions.destroy(connection, context, keys, secret)
        elif action == "depersonalize":
            touched = actions.depersonalize(connection, context, keys, secret)
            actions.mark(connection, context, keys, reasons, tables.DEPERSONALIZED, run_id, now)
        else:
            actions.mark(connection, context, keys, reasons, tables.BLOCKED, run_id, now)
        if touched and at is not None:
            actions.count_children(
                connection, context, run_id, str(action), at, len(keys), touched, now
            )
        # Per reason, not per record: a batch of 5,000 shares two or three of them.
        counted = Counter(reasons)
        basis = {
            reason: f"{context.purpose.legal_ground}; {policy.term(term_key(reason)).source}"
            for reason in counted
        }
        categories, table_name = context.categories, context.spec.name
        entries += [
            ledger.Entry(table_name, str(key), str(action), reason, basis[reason], categories)
            for key, reason in zip(keys, reasons, strict=True)
        ]
        for reason in sorted(counted):
            outcome.add(str(action), reason, counted[reason])
    ledger.append(connection, run_id, context.store, entries, now, ledger_key)


# -- finish ----------------------------------------------------------------------------


def held_by_table(plan: Plan, stores: set[str]) -> list[dict[str, Any]]:
    """The holds of `stores`' tables as the run's plan met them: each with its ground, end
    and the due records it kept from the run (pdpipe_runs.held, for the run's act)."""
    found: list[dict[str, Any]] = []
    for table in plan.to_model().tables:
        if table.store not in stores:
            continue
        place = {"store": table.store, "table": table.table}
        found += [
            {
                **place,
                "kind": "policy",
                **h.model_dump(mode="json", include={"ground", "until"}),
                "records": h.records,
            }
            for h in table.held
        ]
        found += [
            {
                **place,
                "kind": "record",
                **h.model_dump(mode="json", include={"ground", "until"}),
                "records": h.records,
                "placed": h.placed,
            }
            for h in table.record_holds
        ]
    return found


def finish(policy: Policy, prepared: PreparedRun, status: str = COMPLETED) -> RunResult:
    """Close the run with what its ledger and checkpoints say it did (every attempt of a
    resumed or retried run included), and what it left of its plan (left_by_run)."""
    if prepared.dry_run:
        return RunResult(None, prepared.as_of, "dry_run", False, True, prepared.before, None, [])
    run_id = prepared.run_id or ""
    by_table: dict[tuple[str, str], TableOutcome] = {}
    for store in policy.stores:
        for spec in store.tables:
            by_table[(store.name, spec.name)] = TableOutcome(store.name, spec.name)
    for store in {s.url: s for s in policy.stores}.values():
        sharing = {s.name: s for s in policy.stores if s.url == store.url}
        with opened_store(store) as connection, connection.begin():
            for outcome in _done_by(connection, run_id, sharing):
                by_table[(outcome.store, outcome.table)].merge(outcome)
            counts = {
                f"{o.store}.{o.table}": o.acted for o in by_table.values() if o.store in sharing
            }
            connection.execute(
                tables.runs.update()
                .where(tables.runs.c.run_id == run_id)
                .values(
                    status=status,
                    stage=ACTED,
                    finished_at=_now(),
                    counts=json.dumps(counts, sort_keys=True),
                    held=json.dumps(held_by_table(prepared.before, set(sharing))),
                )
            )
            tables.refresh_statistics(connection, tables.ledger.name, tables.state.name)
    after = left_by_run(policy, prepared.before) if status == COMPLETED else None
    return RunResult(
        prepared.run_id,
        prepared.as_of,
        status,
        prepared.resumed,
        False,
        prepared.before,
        after,
        list(by_table.values()),
        time.perf_counter() - prepared.started,
        stage=ACTED,
    )


def _done_by(
    connection: sa.Connection, run_id: str, stores: dict[str, StoreSpec]
) -> Iterator[TableOutcome]:
    """Per partition of the stores' tables in this database: its committed batches and
    the records they acted on, by action and reason, as its checkpoint holds them (each
    batch's transaction writes them with its ledger rows, so they are the ledger's counts
    without reading it: counting a ten-million-subscriber run's ledger took 25 s). A
    table some of whose batches ran on a release that did not count them is counted from
    the ledger."""
    progress = tables.progress
    owner: dict[str, str] = {}
    for store in stores.values():
        for spec in store.tables:
            owner.setdefault(spec.name, store.name)
    rows = connection.execute(
        sa.select(progress.c.table_name, progress.c.batches, progress.c.acted).where(
            progress.c.run_id == run_id
        )
    ).all()
    rows = [row for row in rows if row.table_name in owner]
    uncounted = {str(row.table_name) for row in rows if row.acted is None and row.batches}
    for table_name, batches, acted in rows:
        counted = {} if table_name in uncounted else _load(acted) or {}
        yield TableOutcome(owner[table_name], str(table_name), int(batches), counted)
    if uncounted:
        yield from _counted_in_ledger(connection, run_id, uncounted)


def _counted_in_ledger(
    connection: sa.Connection, run_id: str, table_names: set[str]
) -> Iterator[TableOutcome]:
    """The run's ledger rows of `table_names` by action and reason."""
    ledger_table = tables.ledger
    grouped = [
        ledger_table.c.store,
        ledger_table.c.table_name,
        ledger_table.c.action,
        ledger_table.c.reason,
    ]
    rows = connection.execute(
        sa.select(*grouped, sa.func.count())
        .where(
            (ledger_table.c.run_id == run_id)
            & ledger_table.c.table_name.in_(sorted(table_names))
            & ledger_table.c.action.in_(ACTIONS)
        )
        .group_by(*grouped)
    ).all()
    for row in rows:
        outcome = TableOutcome(str(row.store), str(row.table_name))
        outcome.add(str(row.action), str(row.reason), int(row[-1]))
        yield outcome


def mark_stage(policy: Policy, run_id: str, stage: str) -> None:
    """Record in every store how far the run got (ACTED, VALIDATED, DOCUMENTED)."""
    for store in {s.url: s for s in policy.stores}.values():
        with opened_store(store) as connection, connection.begin():
            if not sa.inspect(connection).has_table(tables.runs.name):
                continue
            connection.execute(
                tables.runs.update().where(tables.runs.c.run_id == run_id).values(stage=stage)
            )


def mark_run(policy: Policy, run_id: str, status: str) -> None:
    """Set a finished run's status (e.g. failed_validation) in every store."""
    for store in {s.url: s for s in policy.stores}.values():
        with opened_store(store) as connection, connection.begin():
            connection.execute(
                tables.runs.update().where(tables.runs.c.run_id == run_id).values(status=status)
            )
