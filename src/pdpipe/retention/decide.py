"""decide(): which records' processing has ended, why, and by when they must be handled.

Pure and vectorized. The store reader hands over one chunk of a table as a frame of
plain columns (see ``FrameColumns``); the rules of the policy have already been
evaluated by the database into booleans, so this module needs no SQL and no I/O.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pdpipe.policy.models import Action, Policy, Purpose, TableSpec
from pdpipe.policy.reasons import EndReason
from pdpipe.retention.calendar import deadlines

DUE = "due"
OVERDUE = "overdue"

DECISION_COLUMNS = ["key", "reason", "rule", "ended_on", "deadline", "state", "action"]


class FrameColumns:
    """Names of the columns decide() reads; the store reader produces exactly these."""

    KEY = "key"
    CLOCK = "clock"
    CONSENT_GIVEN = "consent_given"
    # The id of a record hold in force on the record (retention/record_holds.py), NULL
    # where none: read only when the store has pdpipe_holds.
    RECORD_HOLD = "record_hold"

    @staticmethod
    def match(rule: int) -> str:
        return f"end{rule}_match"

    @staticmethod
    def since(rule: int) -> str:
        return f"end{rule}_since"

    @staticmethod
    def hold(index: int) -> str:
        return f"hold{index}_match"


@dataclass(frozen=True)
class AsOf:
    """The instant decisions are taken at, and its date in the operator's timezone."""

    instant: pd.Timestamp  # tz-aware, UTC
    local_date: dt.date

    @classmethod
    def end_of_day(cls, day: dt.date, timezone: str) -> AsOf:
        """Everything that happened on `day` (operator's time) counts."""
        start_next = pd.Timestamp(day + dt.timedelta(days=1)).tz_localize(timezone)
        instant = (start_next - pd.Timedelta(microseconds=1)).tz_convert("UTC")
        return cls(instant, day)

    @classmethod
    def start_of_day(cls, day: dt.date, timezone: str) -> AsOf:
        """The first instant of `day` (operator's time): what happened before it counts."""
        instant = pd.Timestamp(day).tz_localize(timezone).tz_convert("UTC")
        return cls(instant, day)

    @classmethod
    def at(cls, instant: pd.Timestamp | dt.datetime, timezone: str) -> AsOf:
        stamp = pd.Timestamp(instant)
        stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
        return cls(stamp, stamp.tz_convert(timezone).date())

    @classmethod
    def given(cls, value: dt.date | dt.datetime, timezone: str) -> AsOf:
        """What a user's as-of means: an instant with its offset, as it is; a date-time
        without one, in the operator's zone; a bare date, the start of that day there (a
        run at 02:00 must not act on what ends at 14:00 the same day)."""
        if isinstance(value, dt.datetime):
            stamp = pd.Timestamp(value)
            return cls.at(stamp.tz_localize(timezone) if stamp.tzinfo is None else stamp, timezone)
        return cls.start_of_day(value, timezone)


def as_utc(values: pd.Series) -> pd.Series:
    """Store instants are UTC; naive ones are read as UTC, aware ones converted."""
    if values.dtype == object:
        values = pd.to_datetime(values, errors="coerce", format="ISO8601", utc=False)
    stamps = pd.to_datetime(values, errors="coerce", utc=False)
    if getattr(stamps.dt, "tz", None) is None:
        return stamps.dt.tz_localize("UTC")
    return stamps.dt.tz_convert("UTC")


def decide(frame: pd.DataFrame, table: TableSpec, policy: Policy, as_of: AsOf) -> pd.DataFrame:
    """The due records of one chunk, held ones left out (see `decide_held`)."""
    return decide_held(frame, table, policy, as_of)[0]


def decide_held(
    frame: pd.DataFrame, table: TableSpec, policy: Policy, as_of: AsOf
) -> tuple[pd.DataFrame, dict[int, int], dict[str, int]]:
    """The due records of one chunk that no hold keeps; per policy hold (its index in
    `table.holds`) how many due records it keeps; per record hold (its id) the same. A
    record two holds select counts under each; it is kept while any of them lasts."""
    return keep_held(_decide(frame, table, policy, as_of), frame, table, as_of)


def keep_held(
    due: pd.DataFrame,
    frame: pd.DataFrame,
    table: TableSpec,
    as_of: AsOf,
    weights: pd.Series | None = None,
) -> tuple[pd.DataFrame, dict[int, int], dict[str, int]]:
    """`due` without the records a hold keeps, and the counts of decide_held. `frame`
    holds each key's hold columns; `weights`, by key, how many records a row of `due`
    stands for (the plan's groups, retention/grouped.py): one each without."""
    active = [i for i, hold in enumerate(table.holds) if hold.active(as_of.local_date)]
    placed = FrameColumns.RECORD_HOLD in frame.columns
    if (not active and not placed) or due.empty:
        return due, {}, {}
    counted = (
        np.ones(len(due), dtype=np.int64)
        if weights is None
        else due["key"].map(weights).to_numpy(dtype=np.int64)
    )
    held = np.zeros(len(due), dtype=bool)
    counts: dict[int, int] = {}
    keys = frame[FrameColumns.KEY].to_numpy()
    for index in active:
        selected = frame[FrameColumns.hold(index)].fillna(0).astype(bool).to_numpy()
        mine = due["key"].isin(keys[selected]).to_numpy()
        counts[index] = int(counted[mine].sum())
        held |= mine
    by_record: dict[str, int] = {}
    if placed:
        holds = frame[FrameColumns.RECORD_HOLD]
        selected = holds.notna().to_numpy()
        hold_of = dict(zip(keys[selected], holds.to_numpy()[selected], strict=True))
        mine = due["key"].isin(keys[selected]).to_numpy()
        for key, records in zip(due.loc[mine, "key"], counted[mine], strict=True):
            hold_id = str(hold_of[key])
            by_record[hold_id] = by_record.get(hold_id, 0) + int(records)
        held |= mine
    return due[~held].reset_index(drop=True), counts, by_record


def _decide(frame: pd.DataFrame, table: TableSpec, policy: Policy, as_of: AsOf) -> pd.DataFrame:
    """The due records of one chunk: one row per record, its earliest-deadline reason.

    Returns DECISION_COLUMNS: key, reason, rule (index into table.ends, -1 for purpose
    terms), ended_on and deadline (datetime64[D]), state (due/overdue), action.
    A record whose end cannot be dated (NULL timestamps) is reported overdue: nothing
    shows its term has not run out.
    """
    purpose = policy.purpose(table.purpose)
    clock = as_utc(frame[FrameColumns.CLOCK])
    candidates = [
        candidates_of(frame[FrameColumns.KEY], reason, rule, ended_at, fired)
        for reason, rule, ended_at, fired in _fired_rules(frame, table, purpose, clock, as_of)
    ]
    return resolve(candidates, table, policy, as_of)


def resolve(
    candidates: list[pd.DataFrame], table: TableSpec, policy: Policy, as_of: AsOf
) -> pd.DataFrame:
    """One decision per key from its ended reasons (`candidates_of`), as decide() returns
    them: each reason's end day and deadline, the reason that wins, due or overdue."""
    purpose = policy.purpose(table.purpose)
    candidates = [c for c in candidates if not c.empty]
    if not candidates:
        return _empty()
    due = pd.concat(candidates, ignore_index=True)
    local = due["ended_at"].dt.tz_convert(policy.operator.timezone)
    due["ended_on"] = local.dt.tz_localize(None).to_numpy().astype("datetime64[D]")
    due["deadline"] = np.full(len(due), np.datetime64("NaT"), dtype="datetime64[D]")
    for reason in due["reason"].unique():
        rows = (due["reason"] == reason).to_numpy()
        term = policy.term(EndReason(reason))
        ended = due.loc[rows, "ended_on"].to_numpy().astype("datetime64[D]")
        due.loc[rows, "deadline"] = deadlines(ended, term, policy.calendar_country)
    actions = {reason: purpose.action_for(reason) for reason in due["reason"].unique()}
    due["action"] = due["reason"].map(actions)
    # A record an end requires destroyed is destroyed, though another, earlier end would
    # only depersonalize it: consent withdrawn after it expired (152-FZ art. 21 p.5).
    # Otherwise the earliest deadline wins; an undated end sorts first because it may
    # already be late.
    destroyed = due.loc[due["action"] == Action.DESTROY.value, "key"]
    due["yields"] = (due["action"] == Action.DEPERSONALIZE.value) & due["key"].isin(destroyed)
    due["undated"] = due["deadline"].isna()
    due = due.sort_values(
        ["key", "yields", "undated", "deadline", "order"],
        ascending=[True, True, False, True, True],
    ).drop_duplicates("key", keep="first")
    today = np.datetime64(as_of.local_date, "D")
    deadline = due["deadline"].to_numpy().astype("datetime64[D]")
    late = np.isnat(deadline) | (deadline < today)
    due["state"] = np.where(late, OVERDUE, DUE)
    return due[DECISION_COLUMNS].reset_index(drop=True)


def _fired_rules(
    frame: pd.DataFrame, table: TableSpec, purpose: Purpose, clock: pd.Series, as_of: AsOf
) -> list[tuple[EndReason, int, pd.Series, pd.Series]]:
    """(reason, rule index, instant the purpose ended, fired mask) for each rule."""
    fired: list[tuple[EndReason, int, pd.Series, pd.Series]] = []
    for index, rule in enumerate(table.ends):
        if not purpose.ends_on(rule.reason):
            continue  # consent's end, for a purpose on another ground (art. 6 p.1)
        if rule.since is not None:
            since = as_utc(frame[FrameColumns.since(index)])
        if rule.when is None:
            ended_at, matches = since, since.notna()
        else:
            matches = frame[FrameColumns.match(index)].fillna(0).astype(bool)
            ended_at = clock if rule.since is None else since.fillna(clock)
        mask = matches & (ended_at.isna() | (ended_at <= as_of.instant))
        fired.append((rule.reason, index, ended_at, mask))
    if purpose.keep_for is not None:
        ended_at = clock + purpose.keep_for.offset()
        fired.append((EndReason.RETENTION_ELAPSED, -1, ended_at, ended_at <= as_of.instant))
    if purpose.consent_valid_for is not None and purpose.ends_on(EndReason.CONSENT_EXPIRED):
        given = clock
        if table.consent_given is not None:
            given = as_utc(frame[FrameColumns.CONSENT_GIVEN]).fillna(clock)
        ended_at = given + purpose.consent_valid_for.offset()
        fired.append((EndReason.CONSENT_EXPIRED, -2, ended_at, ended_at <= as_of.instant))
    return fired


def candidates_of(
    keys: pd.Series, reason: EndReason, rule: int, ended_at: pd.Series, fired: pd.Series
) -> pd.DataFrame:
    """The keys whose purpose ended for `reason` (`fired`), with the instant it ended
    (tz-aware UTC; NaT: it cannot be dated), for resolve()."""
    rows = fired.to_numpy(dtype=bool)
    return pd.DataFrame(
        {
            "key": keys.to_numpy()[rows],
            "reason": reason.value,
            "rule": rule,
            "order": rule if rule >= 0 else 1000 - rule,
            "ended_at": ended_at[rows].reset_index(drop=True),
        }
    )


def _empty() -> pd.DataFrame:
    return pd.DataFrame({column: pd.Series(dtype=object) for column in DECISION_COLUMNS})
