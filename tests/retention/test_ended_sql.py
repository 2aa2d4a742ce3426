"""The end rules as SQL pick exactly the records decide() picks on PostgreSQL and MariaDB,
and err on each use's safe side on SQLite: the plan's and the run's reads leave the
other rows in the database (never one too many), and the validation's overdue check
relies on them (never one too few). Month ends are
where they differ: a month added to January 29, 30 or 31 is February 28."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from typing import Any

import pandas as pd

# Prefect's server registers a `date_add` SQL function of its own, typed to refuse naive
# instants: the end rules must not pick it up (the flow's process imports it).
import prefect.server.utilities.database  # noqa: F401
import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from pdpipe.execute.runner import RunOptions
from pdpipe.job import run_policy
from pdpipe.policy import Policy, load_policy, parse_policy
from pdpipe.policy.durations import IsoDuration
from pdpipe.retention.decide import OVERDUE, AsOf, decide
from pdpipe.retention.ended_sql import (
    comparable_in_sql,
    due_moments,
    ended_rows,
    latest_start_possibly_ended,
    latest_start_surely_ended,
    overdue_moments,
)
from pdpipe.retention.plan import build_plan
from pdpipe.retention.reader import read_decision_frames
from pdpipe.stores import tables
from tests.execute.builders import AS_OF_DAY, PSEUDONYM_KEY, people, populate, write_policy

ZONE = "Asia/Almaty"
POLICY = """
version: 1
operator: {{name: IPM, jurisdiction: RU-152FZ, timezone: Asia/Almaty, contact: ipm@gmail.com}}
purposes:
  - id: informing
    title: Informing
    legal_ground: 149-FZ
    processing: [transfer]
    data: [email]
    keep_for: P1M
    consent_valid_for: P1Y
stores:
  - name: s
    url: {url}
    tables:
      - name: t
        key: id
        purpose: informing
        clock: created_at
        consent_given: consent_at
        ends:
          - {{reason: consent_withdrawn, when: {{status: withdrawn}}, since: withdrawn_at}}
          - {{reason: cease_demand, when: {{status: cease}}}}
"""
# Ends of months, short and long, a leap day, and the day after a month's end.
AS_OF_DAYS = [dt.date(2026, 2, 28), dt.date(2026, 3, 1), dt.date(2026, 3, 31), dt.date(2024, 2, 29)]

offsets = st.builds(
    pd.DateOffset,
    years=st.integers(0, 3),
    months=st.integers(0, 14),
    days=st.integers(0, 40),
)
instants = st.datetimes(dt.datetime(2020, 1, 1), dt.datetime(2030, 1, 1)).map(
    lambda moment: pd.Timestamp(moment, tz="UTC")
)


@given(instants, offsets, st.integers(-4 * 86_400, 4 * 86_400))
def test_the_bounds_err_on_the_safe_side_for_each_use(
    moment: pd.Timestamp, offset: pd.DateOffset, shift_seconds: int
) -> None:
    started = moment - offset + pd.Timedelta(seconds=shift_seconds)
    ran_out = started + offset <= moment
    # The plan after a run counts up to this bound: it never misses a record.
    if ran_out:
        assert started <= latest_start_possibly_ended(moment, offset)
    # The overdue check counts up to this bound: it never accuses a record.
    if started <= latest_start_surely_ended(moment, offset):
        assert ran_out


@given(instants, offsets)
def test_the_bounds_are_tight(moment: pd.Timestamp, offset: pd.DateOffset) -> None:
    possibly = latest_start_possibly_ended(moment, offset)
    assert possibly.normalize() + offset <= moment  # a term started that day has run out
    assert possibly + pd.Timedelta(microseconds=1) + offset > moment
    surely = latest_start_surely_ended(moment, offset)
    assert surely + offset <= moment
    assert surely + pd.Timedelta(microseconds=1) + offset > moment or (
        surely.normalize() - pd.Timedelta(microseconds=1) + offset > moment
    )


@given(instants, st.sampled_from(["P30D", "P1M", "P6M", "P1Y", "P3Y"]))
def test_for_whole_days_months_or_years_the_check_counts_at_least_up_to_moment_minus_term(
    moment: pd.Timestamp, term: str
) -> None:
    offset = IsoDuration.parse(term).offset()
    assert latest_start_surely_ended(moment, offset) >= moment - offset


def test_the_plans_bound_counts_every_day_a_month_end_clamps_to() -> None:
    end_of_february = pd.Timestamp("2026-02-28 18:59:59", tz="UTC")
    # January 29, 30 and 31 plus one month are all February 28.
    bound = latest_start_possibly_ended(end_of_february, pd.DateOffset(months=1))
    assert bound == pd.Timestamp("2026-01-31 23:59:59.999999", tz="UTC")


def _table(metadata: sa.MetaData) -> sa.Table:
    return sa.Table(
        "t",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_at", sa.DateTime),
        sa.Column("consent_at", sa.DateTime),
        sa.Column("withdrawn_at", sa.DateTime),
    )


def _boundary_rows() -> list[dict[str, object]]:
    """Instants a second either side of each as-of day's limits, and random ones."""
    rng = random.Random(11)
    limits: list[pd.Timestamp] = []
    for day in AS_OF_DAYS:
        end = AsOf.end_of_day(day, ZONE).instant.floor("s")
        for days_back in range(40):
            limits.append(end - pd.Timedelta(days=days_back))
        limits.append(end - pd.DateOffset(years=1))
        limits.append(end - pd.DateOffset(years=1, days=1))
    rows: list[dict[str, object]] = []
    for limit in limits:
        for step in (-1, 0, 1, 3 * 3600):
            rows.append(_row(limit + pd.DateOffset(seconds=step), rng))
            rows.append(_row(limit - pd.DateOffset(months=1, seconds=-step), rng))
    for _ in range(300):
        rows.append(
            _row(pd.Timestamp("2022-06-01") + pd.Timedelta(seconds=rng.randrange(2 * 10**8)), rng)
        )
    for key, row in enumerate(rows, start=1):
        row["id"] = key
    return rows


def _row(moment: pd.Timestamp, rng: random.Random) -> dict[str, object]:
    naive = moment.tz_localize(None) if moment.tzinfo is not None else moment
    value = naive.to_pydatetime()

    def maybe() -> dt.datetime | None:
        return rng.choice([None, value, value - dt.timedelta(days=rng.randrange(400))])

    return {
        "status": rng.choice(["active", "withdrawn", "cease", "active"]),
        "created_at": rng.choice([value, value, None]),
        "consent_at": maybe(),
        "withdrawn_at": maybe(),
    }


def _decided(
    connection: sa.Connection, policy: Policy, as_of: AsOf, *, only_candidates: bool = False
) -> pd.DataFrame:
    spec = policy.stores[0].tables[0]
    due_at = (policy, as_of) if only_candidates else None
    frames = read_decision_frames(connection, spec, chunk_size=97, due_at=due_at)
    decided = pd.concat([decide(f, spec, policy, as_of) for f in frames], ignore_index=True)
    return decided.sort_values("key").reset_index(drop=True)


def _keys(
    connection: sa.Connection, statement: sa.Select[Any] | sa.CompoundSelect[Any]
) -> set[int]:
    return {int(key) for key in connection.execute(statement).scalars()}


def test_when_ends_fall_on_month_ends_then_sql_and_decide_pick_the_same_records(
    store_url: str,
) -> None:
    metadata = sa.MetaData()
    table = _table(metadata)
    engine = sa.create_engine(store_url)
    metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(table.insert(), _boundary_rows())
    policy = parse_policy(POLICY.format(url=store_url), Path("policy.yaml"), {})
    spec = policy.stores[0].tables[0]
    with engine.connect() as connection:
        for day in AS_OF_DAYS:
            as_of = AsOf.end_of_day(day, ZONE)
            decided = _decided(connection, policy, as_of)
            due = ended_rows(
                connection, policy, spec, due_moments(policy, spec, as_of), with_state=False
            )
            overdue = ended_rows(
                connection, policy, spec, overdue_moments(policy, spec, as_of), with_state=False
            )
            picked = set(decided["key"].astype(int))
            late = set(decided.loc[decided["state"] == OVERDUE, "key"].astype(int))
            assert len(late) > 0, day
            if store_url.startswith("sqlite"):
                # SQLite's date arithmetic does not clamp to a month's end: the terms are
                # compared through bounds, which differ on the days the end clamps to.
                assert _keys(connection, due) >= picked, day
                assert _keys(connection, overdue) <= late, day
                assert len(_keys(connection, due) - picked) < 0.05 * len(picked), day
                assert len(late - _keys(connection, overdue)) < 0.05 * len(late), day
            else:  # the database adds the terms itself, as pandas does
                assert _keys(connection, due) == picked, day
                assert _keys(connection, overdue) == late, day
            # The plan and the run read only the rows that may be due, and decide alike.
            read = sum(
                len(f) for f in read_decision_frames(connection, spec, due_at=(policy, as_of))
            )
            total = int(
                connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
            )
            if store_url.startswith("sqlite"):
                assert read == total
            else:
                assert read == _count(connection, due) < total, day
            only = _decided(connection, policy, as_of, only_candidates=True)
            pd.testing.assert_frame_equal(only, decided, check_dtype=False)
    engine.dispose()


def _count(connection: sa.Connection, statement: sa.Select[Any] | sa.CompoundSelect[Any]) -> int:
    return len(_keys(connection, statement))


def test_when_a_run_is_complete_then_the_plan_after_it_reads_almost_nothing(
    store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PDPIPE_TEST_PSEUDONYM_KEY", PSEUDONYM_KEY)
    populate(store_url, people_count=300, leads_count=300)
    policy = load_policy(write_policy(tmp_path, store_url))
    as_of = AsOf.end_of_day(AS_OF_DAY, ZONE)
    engine = sa.create_engine(store_url)
    with engine.connect() as connection:
        # SQLite keeps instants as text, which only pandas reads as decide() does.
        counted = [comparable_in_sql(connection, spec) for spec in policy.stores[0].tables]
    assert counted == [not store_url.startswith("sqlite")] * 2

    def rows_read() -> int:
        with engine.connect() as connection:
            state = tables.state if tables.has_state_table(connection) else None
            return sum(
                len(frame)
                for spec in policy.stores[0].tables
                for frame in read_decision_frames(
                    connection, spec, state=state, due_at=(policy, as_of)
                )
            )

    before = build_plan(policy, as_of)
    total = sum(t.rows_total for t in before.tables)
    expected = total if store_url.startswith("sqlite") else sum(t.due for t in before.tables)
    assert 0 < rows_read() == expected
    run_policy(policy, RunOptions(as_of=as_of, allow_large=True))
    after = build_plan(policy, as_of)
    assert sum(t.due for t in after.tables) == 0
    assert sum(t.depersonalized + t.blocked for t in after.tables) > 0
    if not store_url.startswith("sqlite"):  # where SQLite reads every row again
        assert rows_read() == 0

    # A record written after the run with an old withdrawal is due, and found.
    with engine.begin() as connection:
        withdrawn = dt.datetime(2026, 9, 1, 12)
        connection.execute(
            people.insert(),
            {
                "id": 10_000,
                "email": "late.canary@mail.ru",
                "full_name": "Late Canary",
                "status": "withdrawn",
                "created_at": withdrawn,
                "withdrawn_at": withdrawn,
            },
        )
    engine.dispose()
    assert sum(t.overdue for t in build_plan(policy, as_of).tables) == 1
