"""`plan` on our own stores in SQLite, PostgreSQL and MariaDB, checked independently."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import holidays
import pytest
import sqlalchemy as sa

from pdpipe.policy import load_policy
from pdpipe.retention import plan as plan_module
from pdpipe.retention.decide import AsOf
from pdpipe.retention.plan import build_plan
from pdpipe.retention.reader import DecisionReader, even_splits
from tests.stores.builders import AS_OF_DAY, populate, write_policy

AS_OF = AsOf.end_of_day(AS_OF_DAY, "Asia/Almaty")


def _expected_counts(url: str) -> dict[str, dict[str, int]]:
    """Due and overdue per reason, from SQL and a day-by-day deadline count."""
    cut = dt.datetime.combine(AS_OF_DAY, dt.time(18, 59, 59))  # 23:59:59 in Almaty
    queries = {
        "consent_withdrawn": "SELECT withdrawn_at FROM people "
        "WHERE status = 'withdrawn' AND withdrawn_at <= :cut",
        "consent_expired": "SELECT valid_until FROM people WHERE valid_until <= :cut",
        "purpose_achieved": "SELECT updated_at FROM people p WHERE NOT EXISTS "
        "(SELECT 1 FROM memberships m WHERE m.person_id = p.id AND m.state <> 'left') "
        "AND updated_at <= :cut",
        "retention_elapsed": "SELECT created_at FROM people WHERE created_at <= :five_years_ago",
    }
    five_years_ago = cut.replace(year=cut.year - 5)
    engine = sa.create_engine(url)
    result: dict[str, dict[str, int]] = {}
    with engine.connect() as connection:
        for reason, sql in queries.items():
            stamps = connection.execute(
                sa.text(sql), {"cut": cut, "five_years_ago": five_years_ago}
            ).scalars()
            days = [_day(stamp) for stamp in stamps]
            if reason == "retention_elapsed":
                days = [day.replace(year=day.year + 5) for day in days]
            ended = days
            overdue = sum(_deadline_30_days(day) < AS_OF_DAY for day in ended)
            result[reason] = {"due": len(ended), "overdue": overdue}
    engine.dispose()
    return result


def _day(stamp: dt.datetime | str) -> dt.date:
    """SQLite hands timestamps back as text from a plain SQL query."""
    return (dt.datetime.fromisoformat(stamp) if isinstance(stamp, str) else stamp).date()


def _deadline_30_days(day: dt.date) -> dt.date:
    calendar = holidays.country_holidays("RU", years=range(day.year, day.year + 2))
    last = day + dt.timedelta(days=30)
    while last.weekday() >= 5 or last in calendar:
        last += dt.timedelta(days=1)
    return last


def test_when_planned_then_counts_match_independent_sql(store_url: str, tmp_path: Path) -> None:
    populate(store_url)
    policy = load_policy(write_policy(tmp_path, store_url))
    plan = build_plan(policy, AS_OF, chunk_size=700)
    (table,) = plan.tables
    assert table.rows_total == 3000
    got = {r.reason: {"due": r.due, "overdue": r.overdue} for r in table.reasons.values()}
    assert got == _expected_counts(store_url)
    assert all(count["due"] > count["overdue"] > 0 for count in got.values())


def test_when_same_data_then_same_plan_on_every_dialect(
    pg_url: str, mariadb_url: str, tmp_path: Path
) -> None:
    plans = []
    for index, url in enumerate((f"sqlite:///{tmp_path}/s.db", pg_url, mariadb_url)):
        populate(url)
        folder = tmp_path / str(index)
        folder.mkdir()
        plan = build_plan(load_policy(write_policy(folder, url)), AS_OF).to_json()
        plans.append(json.dumps(plan["tables"], sort_keys=True))
    assert plans[0] == plans[1] == plans[2]


def _fingerprint(url: str) -> str:
    engine = sa.create_engine(url)
    digest = hashlib.sha256()
    with engine.connect() as connection:
        for table in ("people", "memberships"):
            for row in connection.execute(sa.text(f"SELECT * FROM {table} ORDER BY id")):
                digest.update(repr(tuple(row)).encode())
    engine.dispose()
    return digest.hexdigest()


def test_when_planned_then_store_is_unchanged(store_url: str, tmp_path: Path) -> None:
    populate(store_url)
    policy_path = write_policy(tmp_path, store_url)
    before = _fingerprint(store_url)
    sqlite_file = tmp_path / "store.db"
    file_before = sqlite_file.read_bytes() if sqlite_file.exists() else b""
    build_plan(load_policy(policy_path), AS_OF, chunk_size=500)
    assert _fingerprint(store_url) == before
    if sqlite_file.exists():
        assert sqlite_file.read_bytes() == file_before


@pytest.mark.parametrize("chunk_size", [1, 7, 3000, 100_000])
def test_when_chunk_size_varies_then_plan_is_the_same(chunk_size: int, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/s.db"
    populate(url, rows=300)
    policy = load_policy(write_policy(tmp_path, url))
    reference = build_plan(policy, AS_OF, chunk_size=300).to_json()
    assert build_plan(policy, AS_OF, chunk_size=chunk_size).to_json() == reference


@pytest.fixture(params=["postgresql", "mariadb"])
def server_url(request: pytest.FixtureRequest) -> str:
    """A fresh PostgreSQL or MariaDB database: the servers a plan reads in key ranges."""
    fixture = "pg_url" if request.param == "postgresql" else "mariadb_url"
    return str(request.getfixturevalue(fixture))


def test_when_tables_are_read_in_key_ranges_then_the_plan_is_the_same(
    server_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    populate(server_url)
    policy = load_policy(write_policy(tmp_path, server_url))
    monkeypatch.setattr(plan_module, "SLICE_ABOVE", 10**9)
    whole = build_plan(policy, AS_OF, chunk_size=700).to_json()
    ranged_reads: list[str] = []

    def note(*args: object) -> None:
        statement = str(args[2])
        if "people.id <=" in statement:
            ranged_reads.append(statement)

    monkeypatch.setattr(plan_module, "SLICE_ABOVE", 100)
    monkeypatch.setattr(plan_module, "SLICES", 3)
    sa.event.listen(sa.engine.Engine, "before_cursor_execute", note)
    try:
        sliced = build_plan(policy, AS_OF, chunk_size=700).to_json()
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", note)
    assert ranged_reads, "the table was read in one piece"
    assert sliced["tables"] == whole["tables"]  # counts, earliest dates, reasons' order


def test_when_a_table_is_cut_then_by_integer_keys_only(pg_url: str) -> None:
    engine = sa.create_engine(pg_url)
    metadata = sa.MetaData()
    numbered = sa.Table("numbered", metadata, sa.Column("id", sa.Integer, primary_key=True))
    named = sa.Table("named", metadata, sa.Column("code", sa.String(10), primary_key=True))
    empty = sa.Table("empty", metadata, sa.Column("id", sa.Integer, primary_key=True))
    metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(numbered.insert(), [{"id": n} for n in (5, 6, 50, 95)])
        connection.execute(named.insert(), [{"code": c} for c in "abcd"])
        assert even_splits(connection, numbered, "id", 3) == [35, 65]
        assert even_splits(connection, numbered, "id", 1) == []
        assert even_splits(connection, named, "code", 3) == []
        assert even_splits(connection, empty, "id", 3) == []
    engine.dispose()


def test_when_no_value_needs_converting_then_rows_come_as_the_driver_gives_them(
    store_url: str, tmp_path: Path
) -> None:
    populate(store_url, rows=50)
    policy = load_policy(write_policy(tmp_path, store_url))
    spec = policy.stores[0].tables[0]
    engine = sa.create_engine(store_url)
    with engine.connect() as connection:
        plain = DecisionReader(connection, spec)
        assert plain.unconverted(connection.execute(plain.statement(None, 10)))  # fast path

        def money(table: sa.Table, _dialect: sa.Dialect) -> list[sa.ColumnElement[Any]]:
            return [sa.cast(table.c.id, sa.Numeric(10, 2)).label("money")]

        converted = DecisionReader(connection, spec, extra=money)
        frame = converted.chunk(connection, None, 10)
        assert all(isinstance(value, Decimal) for value in frame["money"])
        if store_url.startswith("sqlite"):  # a float there, made a Decimal by SQLAlchemy
            assert not converted.unconverted(connection.execute(converted.statement(None, 10)))
        assert list(frame["key"]) == list(plain.chunk(connection, None, 10)["key"])
    engine.dispose()
