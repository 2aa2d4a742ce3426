"""The validation SQL restates the engine's end rules independently: before a run it finds
exactly the records the plan calls overdue; after a run, none."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from pdpipe.execute.runner import RunOptions
from pdpipe.job import run_policy
from pdpipe.policy import load_policy, parse_policy
from pdpipe.policy.reasons import EndReason
from pdpipe.retention.decide import AsOf
from pdpipe.retention.ended_sql import latest_overdue_end
from pdpipe.retention.plan import build_plan
from pdpipe.validation.queries import (
    as_sql,
    ledger_disagrees,
    orphaned_children,
    overdue_rows,
    personal_data_left,
)
from tests.execute.builders import AS_OF_DAY, POLICY, PSEUDONYM_KEY, populate, write_policy

AS_OF = AsOf.end_of_day(AS_OF_DAY, "Asia/Almaty")


def _count(url: str, sql: str) -> int:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        found = len(connection.execute(sa.text(sql)).fetchall())
    engine.dispose()
    return found


def test_when_before_and_after_a_run_then_overdue_sql_agrees_with_the_plan(
    store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PDPIPE_TEST_PSEUDONYM_KEY", PSEUDONYM_KEY)
    populate(store_url, people_count=600, leads_count=600)
    policy = load_policy(write_policy(tmp_path, store_url))
    plan = {t.table: t for t in build_plan(policy, AS_OF).tables}
    engine = sa.create_engine(store_url)
    with engine.connect() as connection:
        queries = {
            spec.name: as_sql(overdue_rows(connection, policy, spec, AS_OF), connection)
            for spec in policy.stores[0].tables
        }
    engine.dispose()
    for table, sql in queries.items():
        assert _count(store_url, sql) == plan[table].overdue > 0, table
    run_policy(policy, RunOptions(as_of=AS_OF, allow_large=True))
    engine = sa.create_engine(store_url)
    with engine.connect() as connection:
        for spec in policy.stores[0].tables:
            sql = as_sql(overdue_rows(connection, policy, spec, AS_OF), connection)
            assert _count(store_url, sql) == 0, spec.name
            for child in spec.children:
                orphans = as_sql(orphaned_children(connection, spec, child), connection)
                assert _count(store_url, orphans) == 0, child.table
    engine.dispose()


def test_latest_overdue_end_follows_the_production_calendar() -> None:
    policy = parse_policy(POLICY.format(url="sqlite://"), Path("policy.yaml"), {})
    # 30 days: an end on Oct 25 has its deadline on Nov 24, before Nov 25; one on Oct 26
    # is due on Nov 25 itself, so not overdue yet.
    assert str(latest_overdue_end(policy, EndReason.CONSENT_WITHDRAWN, AS_OF)) == "2026-10-25"
    # 10 working days (Russia): Nov 10 + 10 working days = Nov 24; Nov 11 -> Nov 25.
    assert str(latest_overdue_end(policy, EndReason.CEASE_DEMAND, AS_OF)) == "2026-11-10"


def test_when_depersonalization_left_pd_then_the_check_names_the_records(
    store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PDPIPE_TEST_PSEUDONYM_KEY", PSEUDONYM_KEY)
    populate(store_url, people_count=100, leads_count=120)
    policy = load_policy(write_policy(tmp_path, store_url))
    run_policy(policy, RunOptions(as_of=AS_OF, allow_large=True))
    leads_spec = policy.stores[0].tables[1]

    def leaks() -> list[str]:
        engine = sa.create_engine(store_url)
        with engine.connect() as connection:
            sql = as_sql(personal_data_left(connection, policy, leads_spec), connection)
            found = sorted(str(k) for (k,) in connection.execute(sa.text(sql)))
        engine.dispose()
        return found

    assert leaks() == []  # the operators did their job
    engine = sa.create_engine(store_url)
    with engine.begin() as connection:  # a broken operator would have left these
        depersonalized = sorted(
            connection.execute(
                sa.text("SELECT record_key FROM pdpipe_state WHERE state = 'depersonalized'")
            ).scalars()
        )
        first, second, third = depersonalized[:3]
        connection.execute(
            sa.text("UPDATE leads SET email = 'canary.left@mail.ru' WHERE lead_id = :k"),
            {"k": first},
        )
        connection.execute(
            sa.text("UPDATE leads SET phone = '+7 916 123-45-67' WHERE lead_id = :k"),
            {"k": second},
        )
        connection.execute(
            sa.text("UPDATE leads SET last_name = 'Иванов Пётр' WHERE lead_id = :k"), {"k": third}
        )
    engine.dispose()
    assert leaks() == sorted([first, second, third])


def test_when_store_and_ledger_disagree_then_the_keys_are_named(
    store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PDPIPE_TEST_PSEUDONYM_KEY", PSEUDONYM_KEY)
    populate(store_url, people_count=50, leads_count=60)
    policy = load_policy(write_policy(tmp_path, store_url))
    run_id = run_policy(policy, RunOptions(as_of=AS_OF, allow_large=True)).run_id or ""
    people_spec, leads_spec = policy.stores[0].tables

    def disagreements(spec: object) -> list[str]:
        engine = sa.create_engine(store_url)
        with engine.connect() as connection:
            sql = as_sql(ledger_disagrees(connection, spec, run_id), connection)  # type: ignore[arg-type]
            found = sorted(str(k) for (k,) in connection.execute(sa.text(sql)))
        engine.dispose()
        return found

    assert disagreements(people_spec) == [] and disagreements(leads_spec) == []
    engine = sa.create_engine(store_url)
    with engine.begin() as connection:
        connection.execute(  # a destroyed record comes back (a restore from backup, say)
            sa.text(
                "INSERT INTO people (id, email, full_name, status, created_at) "
                "VALUES (5, 'x@example.org', 'X', 'active', '2024-01-01 00:00:00')"
            )
        )
        marked = connection.execute(
            sa.text("SELECT MIN(record_key) FROM pdpipe_state WHERE table_name = 'leads'")
        ).scalar_one()
        connection.execute(  # a mark lost
            sa.text("DELETE FROM pdpipe_state WHERE record_key = :k"), {"k": marked}
        )
    engine.dispose()
    assert disagreements(people_spec) == ["5"]
    assert disagreements(leads_spec) == [marked]
