"""The plan's counts from the database: records grouped by all that decide() reads.

decide() needs of a record, per way its purpose can end, only whether it ended by the
as-of instant, whether that end can be dated, and the day it ended in the operator's
zone (the deadline follows from the day); then which holds select it. Records alike in
all of that get the same decision, so the database counts them per group and pandas
decides each group once: a million subscribers are a few thousand groups, where the
plan read half a million due rows into Python before (3.5 of a 27 s run).

The day an instant ended is not computed in the database, which would need the zone's
rules there (MariaDB has them only when its time-zone tables are loaded, and converts
nothing outside TIMESTAMP's range). The database groups by the UTC day and by which of a
few UTC times of day (`day_starts`) the instant is at or after: a day of the operator's
zone can only begin at one of them, so every instant of a group falls on the same local
day, and pandas finds that day from the group's first instant.

Only where the database compares the table's instants as decide() does: PostgreSQL and
MariaDB, instants stored in UTC (not in a zone of the policy's `timestamps:`).
Elsewhere the plan reads the rows and decides them (retention/plan.py).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from pdpipe.policy.models import Policy, TableSpec
from pdpipe.policy.reasons import EndReason
from pdpipe.retention.decide import AsOf, FrameColumns, candidates_of, keep_held, resolve
from pdpipe.retention.ended_sql import plus_term
from pdpipe.retention.reader import DecisionReader
from pdpipe.stores.instants import instant_columns

RECORDS = "records"  # how many records a group holds
GROUPS_AT_ONCE = 50_000  # groups decided at once: memory stays put however many there are

NOT_ENDED, ENDED, ENDED_UNDATED = 0, 1, 2
_AT = "at_"  # an instant column's label (the verdicts' labels never start so)


def groups_countable(reader: DecisionReader, dialect: str) -> bool:
    """Whether the database can group this reader's table as decide() would decide it."""
    return (
        dialect in ("postgresql", "mysql", "mariadb")
        and reader.candidates is not None  # the instants compare in SQL (comparable_in_sql)
        and not reader.local  # stored in UTC
    )


@functools.lru_cache(maxsize=16)
def day_starts(zone: str) -> tuple[dt.timedelta, ...]:
    """The UTC times of day at which a day of `zone` can begin, ascending: local midnight
    under each offset the zone has had (one in force for a day at least, as pandas knows
    the zone), and the second each offset change took effect (a change that jumps over
    midnight starts a day then)."""
    days = pd.date_range("1677-09-22", "2262-04-10", freq="D", tz="UTC")
    offsets = _offsets(days, zone)
    found = {(-offset) % dt.timedelta(days=1) for offset in set(offsets)}
    for at in np.flatnonzero(offsets[1:] != offsets[:-1]):
        low, high = days[int(at)], days[int(at) + 1]
        before = _offset(low, zone)
        while high - low > pd.Timedelta(seconds=1):  # bisect to the change's second
            middle = (low + (high - low) / 2).floor("s")
            low, high = (middle, high) if _offset(middle, zone) == before else (low, middle)
        found.add((high - high.normalize()).to_pytimedelta())
    return tuple(sorted(found))


def _starts_after_midnight(zone: str) -> list[dt.timedelta]:
    """day_starts but midnight UTC: the times of day that split a UTC day into buckets."""
    return [start for start in day_starts(zone) if start]


def _offsets(instants: pd.DatetimeIndex, zone: str) -> np.ndarray:
    local = instants.tz_convert(zone).tz_localize(None)
    return np.array((local - instants.tz_localize(None)).to_pytimedelta())


def _offset(instant: pd.Timestamp, zone: str) -> dt.timedelta | None:
    return instant.tz_convert(zone).utcoffset()


def _time(since_midnight: dt.timedelta) -> dt.time:
    return (dt.datetime(2000, 1, 1) + since_midnight).time()


@dataclass(frozen=True)
class _End:
    """One way the table's purpose can end, in SQL: whether it ended by the as-of
    instant, and when (NULL: it cannot be dated)."""

    reason: EndReason
    rule: int  # as decide(): the index into the table's ends; -1, -2 for the terms
    ended: sa.ColumnElement[bool]
    at: sa.ColumnElement[Any]


def _read_once(
    reader: DecisionReader, spec: TableSpec, after: object, through: object
) -> sa.Subquery:
    """The reader's rows with the verdicts of its rules and holds (each condition
    evaluated once per row), and its instants as stored. OFFSET 0 keeps the databases
    from merging it into the query around it: PostgreSQL then evaluated a rule's
    correlated EXISTS once for each of the five expressions that use it (4.0 s against
    1.7 s at a million subscribers)."""
    read = [column for column in reader.columns if column.key != FrameColumns.KEY]
    verdicts = [column for column in read if column.key not in reader.instant_names]
    instants = [reader.table.c[name].label(_AT + name) for name in instant_columns(spec)]
    statement = reader.restrict(sa.select(*verdicts, *instants), after, through)
    return statement.offset(0).subquery("read")


def _ends(
    read: sa.Subquery, policy: Policy, spec: TableSpec, as_of: AsOf, dialect: str
) -> list[_End]:
    """The table's ends as decide()'s _fired_rules states them, in its order."""
    moment = as_of.instant.tz_convert("UTC").tz_localize(None).to_pydatetime()

    def instant(name: str) -> sa.ColumnElement[Any]:
        return read.c[_AT + name]

    def verdict(name: str) -> sa.ColumnElement[bool]:
        return sa.func.coalesce(read.c[name], 0) == 1

    clock = instant(spec.clock)
    purpose = policy.purpose(spec.purpose)
    found: list[_End] = []
    for index, rule in enumerate(spec.ends):
        if not purpose.ends_on(rule.reason):
            continue
        since = None if rule.since is None else instant(rule.since)
        if rule.when is None:
            assert since is not None
            found.append(_End(rule.reason, index, since.is_not(None) & (since <= moment), since))
            continue
        at = clock if since is None else sa.func.coalesce(since, clock)
        matched = verdict(FrameColumns.match(index))
        found.append(_End(rule.reason, index, matched & (at.is_(None) | (at <= moment)), at))
    if purpose.keep_for is not None:
        at = plus_term(clock, purpose.keep_for, dialect)
        found.append(_End(EndReason.RETENTION_ELAPSED, -1, at <= moment, at))
    if purpose.consent_valid_for is not None and purpose.ends_on(EndReason.CONSENT_EXPIRED):
        given = clock
        if spec.consent_given is not None:
            given = sa.func.coalesce(instant(spec.consent_given), clock)
        at = plus_term(given, purpose.consent_valid_for, dialect)
        found.append(_End(EndReason.CONSENT_EXPIRED, -2, at <= moment, at))
    return found


def grouped_statement(
    reader: DecisionReader,
    policy: Policy,
    spec: TableSpec,
    as_of: AsOf,
    after: object = None,
    through: object = None,
) -> tuple[sa.Select[Any], list[_End]]:
    """The reader's rows (keys after `after` up to `through`) counted per group: per end,
    its state (NOT_ENDED, ENDED, ENDED_UNDATED), UTC day and time-of-day bucket; the
    hold columns as the reader reads them."""
    read = _read_once(reader, spec, after, through)
    ends = _ends(read, policy, spec, as_of, reader.dialect.name)
    starts = _starts_after_midnight(policy.operator.timezone)
    columns: list[sa.ColumnElement[Any]] = []
    for number, end in enumerate(ends):
        state = sa.case(
            (end.ended & end.at.is_(None), ENDED_UNDATED), (end.ended, ENDED), else_=NOT_ENDED
        )
        columns.append(state.label(f"s{number}"))
        dated = end.ended & end.at.is_not(None)
        columns.append(sa.case((dated, sa.cast(end.at, sa.Date))).label(f"d{number}"))
        # How many of the day's starts after midnight the instant is at or after.
        passed = [
            sa.case((sa.cast(end.at, sa.Time) >= _time(start), 1), else_=0) for start in starts
        ]
        bucket = sum(passed[1:], passed[0]) if passed else sa.literal(0)
        columns.append(sa.case((dated, bucket), else_=0).label(f"b{number}"))
    kept = [FrameColumns.hold(index) for index in range(len(spec.holds))]
    if FrameColumns.RECORD_HOLD in read.c:
        kept.append(FrameColumns.RECORD_HOLD)
    columns += [read.c[name] for name in kept]
    computed = sa.select(*columns).subquery("computed")
    grouping = [computed.c[str(column.key)] for column in columns]
    statement = sa.select(*grouping, sa.func.count().label(RECORDS)).group_by(*grouping)
    return statement, ends


@dataclass
class GroupedCounts:
    """One key range's groups decided: the due groups (decide()'s columns, `key` the
    group's number) with their records, and what the holds kept."""

    decisions: pd.DataFrame
    held: dict[int, int]
    record_held: dict[str, int]


def count_groups(
    connection: sa.Connection,
    reader: DecisionReader,
    policy: Policy,
    spec: TableSpec,
    as_of: AsOf,
    after: object = None,
    through: object = None,
) -> Iterator[GroupedCounts]:
    """The due records of a key range as decide_held() would count them, read as groups,
    GROUPS_AT_ONCE groups at a time (each part's counts add to the others')."""
    statement, ends = grouped_statement(reader, policy, spec, as_of, after, through)
    names = [*statement.selected_columns.keys()]
    # A bucket's first instant: midnight UTC, then each start after midnight.
    starts = pd.to_timedelta([dt.timedelta(0), *_starts_after_midnight(policy.operator.timezone)])
    with connection.execute(statement) as result:
        for rows in result.partitions(GROUPS_AT_ONCE):
            yield _decided(pd.DataFrame(rows, columns=names), ends, starts, policy, spec, as_of)


def _decided(
    groups: pd.DataFrame,
    ends: list[_End],
    starts: pd.TimedeltaIndex,
    policy: Policy,
    spec: TableSpec,
    as_of: AsOf,
) -> GroupedCounts:
    groups[FrameColumns.KEY] = np.arange(len(groups))
    candidates = []
    for number, end in enumerate(ends):
        state = groups[f"s{number}"]
        ended_at = _first_instants(groups[f"d{number}"], groups[f"b{number}"], starts)
        candidates.append(
            candidates_of(groups[FrameColumns.KEY], end.reason, end.rule, ended_at, state > 0)
        )
    due = resolve(candidates, spec, policy, as_of)
    weights = groups.set_index(FrameColumns.KEY)[RECORDS]
    due, held, record_held = keep_held(due, groups, spec, as_of, weights)
    due[RECORDS] = due["key"].map(weights).astype(np.int64)
    return GroupedCounts(due, held, record_held)


def _first_instants(days: pd.Series, buckets: pd.Series, starts: pd.TimedeltaIndex) -> pd.Series:
    """A group's earliest possible instant (UTC): its day at its bucket's time of day;
    NaT where the end is not dated."""
    day = pd.to_datetime(days, errors="coerce")
    index = buckets.fillna(0).to_numpy(dtype=np.int64)
    return (day + starts[index].to_numpy()).dt.tz_localize("UTC")
