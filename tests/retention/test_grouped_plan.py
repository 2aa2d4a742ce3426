"""The plan's counts from the database's groups equal those of reading and deciding every
record, on every database and in zones whose days begin at odd UTC times: reasons,
due, overdue, the deadlines, what policy holds and record holds keep. The groups rest
on one fact, that a day of the operator's zone begins only at one of `day_starts`' UTC
times of day, which the first tests check against pandas' own conversion."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from pdpipe.execute.holds import place
from pdpipe.policy import Policy, parse_policy
from pdpipe.retention import grouped as groups_module
from pdpipe.retention import plan as plan_module
from pdpipe.retention.decide import AsOf
from pdpipe.retention.grouped import day_starts, groups_countable
from pdpipe.retention.plan import build_plan
from pdpipe.retention.reader import DecisionReader

# A day that begins at UTC 18:00 and 19:00 (Almaty moved from +6 to +5 in 2024), at half
# hours (Kolkata), at a quarter (Kathmandu), with daylight saving (New York, Lord Howe's
# half hour), after an offset change at midnight (Havana), a skipped day (Apia, 2011).
ZONES = [
    "Asia/Almaty",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "America/New_York",
    "Australia/Lord_Howe",
    "America/Havana",
    "Pacific/Apia",
    "UTC",
]


def _bucket_start(instant: pd.Timestamp, starts: tuple[dt.timedelta, ...]) -> pd.Timestamp:
    """The first instant of `instant`'s group, as grouped.py's SQL and pandas find it."""
    midnight = instant.normalize()
    passed = [start for start in starts if start and instant - midnight >= start]
    return midnight + (passed[-1] if passed else dt.timedelta(0))


@settings(max_examples=400, deadline=None)
@given(
    st.sampled_from(ZONES),
    st.datetimes(dt.datetime(1900, 1, 1), dt.datetime(2100, 1, 1)),
)
def test_every_instant_falls_on_the_local_day_of_its_groups_first_instant(
    zone: str, moment: dt.datetime
) -> None:
    instant = pd.Timestamp(moment, tz="UTC")
    first = _bucket_start(instant, day_starts(zone))
    assert first <= instant
    assert first.tz_convert(zone).date() == instant.tz_convert(zone).date()


@pytest.mark.parametrize("zone", ZONES)
def test_around_each_offset_change_instants_keep_their_local_day(zone: str) -> None:
    starts = day_starts(zone)
    hours = pd.date_range("2005-01-01", "2026-01-01", freq="h", tz="UTC")
    local = hours.tz_convert(zone)
    changes = hours[1:][
        local[1:].map(lambda t: t.utcoffset()) != local[:-1].map(lambda t: t.utcoffset())
    ]
    for change in changes:
        for seconds in (-3601, -1, 0, 1, 1799, 3599):
            instant = change + pd.Timedelta(seconds=seconds)
            first = _bucket_start(instant, starts)
            assert first.tz_convert(zone).date() == instant.tz_convert(zone).date(), instant


POLICY = """
version: 1
operator: {{name: IPM, jurisdiction: RU-152FZ, timezone: {zone}, contact: ipm@gmail.com}}
purposes:
  - id: informing
    title: Informing
    legal_ground: 149-FZ
    processing: [transfer]
    data: [email]
    keep_for: P1M
    consent_valid_for: P1Y
    on_end: depersonalize
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
          - {{reason: purpose_achieved, since: achieved_at}}
        columns:
          email: {{data: email, depersonalize: pseudonym_email}}
        holds:
          - ground: "a dispute (claim 17/2026)"
            when: {{disputed: true}}
            until: 2027-06-30
"""
AS_OF_DAYS = [dt.date(2026, 2, 28), dt.date(2026, 3, 31), dt.date(2024, 2, 29)]


def _table(metadata: sa.MetaData) -> sa.Table:
    return sa.Table(
        "t",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("email", sa.String(80)),
        sa.Column("disputed", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime),
        sa.Column("consent_at", sa.DateTime),
        sa.Column("withdrawn_at", sa.DateTime),
        sa.Column("achieved_at", sa.DateTime),
    )


def _rows(zone: str) -> list[dict[str, object]]:
    """Instants a second either side of each as-of day's limits and of its local
    midnights, a month and a year before them, and random ones; some undated."""
    rng = random.Random(7)
    limits: list[pd.Timestamp] = []
    for day in AS_OF_DAYS:
        end = AsOf.end_of_day(day, zone).instant.floor("s")
        limits += [end - pd.Timedelta(days=back) for back in range(0, 40, 3)]
        limits += [end - pd.DateOffset(years=1), end - pd.DateOffset(years=1, days=1)]
    moments = [
        limit + offset
        for limit in limits
        for offset in (pd.Timedelta(seconds=s) for s in (-1, 0, 1, 3 * 3600))
    ]
    # Long before and long after the nanoseconds pandas 2 counted in.
    moments += [pd.Timestamp("1500-03-01 20:00", tz="UTC"), pd.Timestamp("2400-01-01", tz="UTC")]
    moments += [
        pd.Timestamp("2022-06-01", tz="UTC") + pd.Timedelta(seconds=rng.randrange(2 * 10**8))
        for _ in range(400)
    ]

    def maybe(value: dt.datetime) -> dt.datetime | None:
        return rng.choice([None, value, value - dt.timedelta(days=rng.randrange(400))])

    rows = []
    for key, moment in enumerate(moments, start=1):
        value = moment.tz_localize(None).to_pydatetime()
        rows.append(
            {
                "id": key,
                "status": rng.choice(["active", "withdrawn", "cease", "active"]),
                "email": f"person{key}@mail.ru",
                "disputed": rng.random() < 0.1,
                "created_at": rng.choice([value, value, None]),
                "consent_at": maybe(value),
                "withdrawn_at": maybe(value),
                "achieved_at": rng.choice([None, None, value]),
            }
        )
    return rows


def _policy(url: str, zone: str) -> Policy:
    return parse_policy(POLICY.format(url=url, zone=zone), Path("policy.yaml"), {})


@pytest.mark.parametrize(
    ("zone", "small_parts"),
    [("Asia/Almaty", False), ("America/New_York", False), ("Asia/Kolkata", True)],
)
def test_the_plan_counted_in_groups_equals_the_plan_of_every_record(
    store_url: str, zone: str, small_parts: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if small_parts:  # the table in several key ranges, each range's groups in parts
        monkeypatch.setattr(plan_module, "SLICE_ABOVE", 100)
        monkeypatch.setattr(plan_module, "GROUPED_SLICE_ROWS", 150)
        monkeypatch.setattr(groups_module, "GROUPS_AT_ONCE", 7)
    metadata = sa.MetaData()
    table = _table(metadata)
    engine = sa.create_engine(store_url)
    metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(table.insert(), _rows(zone))
    policy = _policy(store_url, zone)
    spec = policy.stores[0].tables[0]
    first_day = AsOf.end_of_day(AS_OF_DAYS[0], zone)
    with engine.connect() as connection:
        reader = DecisionReader(connection, spec, due_at=(policy, first_day))
        # SQLite keeps instants as text: there the plan reads every record, as before.
        assert groups_countable(reader, connection.dialect.name) == (
            not store_url.startswith("sqlite")
        )
    engine.dispose()
    # Two records held by name, one of them due on every as-of day below.
    for key in ("3", "250"):
        place(policy, "s.t", key, "a court's request", today=dt.date(2024, 1, 1))
    for day in AS_OF_DAYS:
        as_of = AsOf.end_of_day(day, zone)
        grouped = build_plan(policy, as_of).to_json()
        decided = build_plan(policy, as_of, grouped=False).to_json()
        assert grouped == decided, day
        (counted,) = decided["tables"]
        assert {r["reason"] for r in counted["reasons"]} >= {
            "consent_withdrawn",
            "cease_demand",
            "retention_elapsed",
        }, day
        assert counted["overdue"] > 0 and counted["due"] > counted["overdue"], day
        assert counted["held"][0]["records"] > 0, day
        assert counted["record_holds"][0]["records"] > 0, day
