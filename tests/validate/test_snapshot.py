"""Rows the run did not act on are byte-for-byte what they were: proven by digests."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from pdpipe.demo import build_demo
from pdpipe.execute.runner import RunOptions, run_policy
from pdpipe.policy import Policy, load_policy
from pdpipe.retention.decide import AsOf
from pdpipe.validate import snapshot
from tests.execute.builders import AS_OF_DAY, PSEUDONYM_KEY, populate, write_policy


def _checksums_differ(url: str, policy: Policy, run_id: str) -> dict[str, bool]:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        found = {
            spec.name: bool(
                connection.execute(snapshot.checksum_query(connection, spec, run_id)).first()
            )
            for spec in policy.stores[0].tables
        }
    engine.dispose()
    return found


def _has_lookup_index(url: str) -> bool:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        names = {index["name"] for index in sa.inspect(connection).get_indexes("pdpipe_snapshot")}
    engine.dispose()
    return "ix_pdpipe_snapshot_record" in names


def test_when_an_untouched_row_changes_then_the_snapshot_says_so(
    store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PDPIPE_TEST_PSEUDONYM_KEY", PSEUDONYM_KEY)
    populate(store_url, people_count=120, leads_count=90)
    policy = load_policy(write_policy(tmp_path, store_url))
    result = run_policy(
        policy,
        RunOptions(
            as_of=AsOf.end_of_day(AS_OF_DAY, "Asia/Almaty"), allow_large=True, snapshot=True
        ),
    )
    run_id = result.run_id or ""
    assert result.acted > 0
    assert not _has_lookup_index(store_url)  # a passing run never builds it
    assert snapshot.changed_rows(policy, run_id) == {
        ("store", "people"): 0,
        ("store", "leads"): 0,
    }
    assert _checksums_differ(store_url, policy, run_id) == {"people": False, "leads": False}
    assert _has_lookup_index(store_url)  # built to name the rows behind a failed check
    engine = sa.create_engine(store_url)
    with engine.begin() as connection:  # an untouched record changed behind the run's back
        connection.execute(sa.text("UPDATE people SET full_name = 'X' WHERE id = 1"))
        connection.execute(sa.text("DELETE FROM leads WHERE lead_id = 'L00003'"))
        connection.execute(  # and one appeared
            sa.text(
                "INSERT INTO leads (lead_id, email, status, updated_at) "
                "VALUES ('L99999', 'new@example.org', 'new', '2026-11-20 10:00:00')"
            )
        )
    engine.dispose()
    assert snapshot.changed_rows(policy, run_id) == {
        ("store", "people"): 1,
        ("store", "leads"): 2,
    }
    assert _checksums_differ(store_url, policy, run_id) == {"people": True, "leads": True}
    snapshot.drop(policy, run_id)
    assert snapshot.changed_rows(policy, run_id) == {}


def test_when_two_stores_share_a_database_then_each_keeps_its_snapshot(
    pg_url: str, tmp_path: Path
) -> None:
    demo = build_demo(tmp_path, subjects=300, seed=3, as_of=AS_OF_DAY, url=pg_url)
    policy = load_policy(demo.policy_path)
    assert len({store.url for store in policy.stores}) == 1
    snapshot.take(policy, "shared-run")
    engine = sa.create_engine(pg_url)
    with engine.connect() as connection:
        for store in policy.stores:
            for spec in store.tables:
                assert snapshot.exists(connection, "shared-run", spec.name), spec.name
    engine.dispose()
    assert set(snapshot.changed_rows(policy, "shared-run").values()) == {0}
