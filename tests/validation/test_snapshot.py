"""Rows the run did not act on are what they were: proven by a count and a checksum."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from pdpipe.demo import build_demo
from pdpipe.execute.runner import RunOptions, RunResult
from pdpipe.job import run_policy
from pdpipe.policy import Policy, load_policy
from pdpipe.retention.decide import AsOf
from pdpipe.stores import digest, tables
from pdpipe.validation import snapshot
from tests.execute.builders import AS_OF_DAY, PSEUDONYM_KEY, populate, write_policy

AS_OF = AsOf.end_of_day(AS_OF_DAY, "Asia/Almaty")


@pytest.fixture(autouse=True)
def pseudonym_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PDPIPE_TEST_PSEUDONYM_KEY", PSEUDONYM_KEY)


def _differences(url: str, policy: Policy, run_id: str) -> dict[str, list[str]]:
    """Per table, the measure in which its untouched rows differ from the snapshot."""
    engine = sa.create_engine(url)
    # A plain engine, as GX's are: on SQLite the checksum query needs pdpipe's functions.
    sa.event.listen(engine, "connect", digest.register_functions)
    try:
        with engine.connect() as connection:
            return {
                spec.name: sorted(connection.execute(query).scalars())
                for store in policy.stores
                for spec in store.tables
                for query in [snapshot.checksum_query(connection, spec, run_id)]
            }
    finally:
        engine.dispose()


def _execute(url: str, *statements: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        for statement in statements:
            connection.execute(sa.text(statement))
    engine.dispose()


def _scalar(url: str, query: str) -> Any:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        found = connection.execute(sa.text(query)).scalar()
    engine.dispose()
    return found


def _column(url: str, query: str) -> list[Any]:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        found = list(connection.execute(sa.text(query)).scalars())
    engine.dispose()
    return found


def _run(policy: Policy, **options: Any) -> RunResult:
    return run_policy(policy, RunOptions(as_of=AS_OF, allow_large=True, snapshot=True, **options))


def test_when_untouched_rows_change_vanish_or_appear_then_the_checksums_say_so(
    store_url: str, tmp_path: Path
) -> None:
    populate(store_url, people_count=120, leads_count=90)
    policy = load_policy(write_policy(tmp_path, store_url))
    result = _run(policy, batch_size=7)
    run_id = result.run_id or ""
    assert result.acted > 0
    assert _differences(store_url, policy, run_id) == {"people": [], "leads": []}
    # Every batch that acted added its records' digests, and only theirs.
    acted = _scalar(
        store_url,
        f"SELECT SUM(row_count) FROM pdpipe_checksums WHERE run_id = '{run_id}' "
        f"AND kind = '{tables.ACTED}'",
    )
    assert int(acted) == result.acted

    acted_on = _column(
        store_url,
        f"SELECT record_key FROM pdpipe_ledger WHERE run_id = '{run_id}' AND table_name = 'people'",
    )
    untouched = min(set(_column(store_url, "SELECT id FROM people")) - set(map(int, acted_on)))
    _execute(store_url, f"UPDATE people SET full_name = 'X' WHERE id = {untouched}")
    _execute(
        store_url,
        "INSERT INTO leads (lead_id, email, status, updated_at) "
        "VALUES ('L99999', 'new@example.org', 'new', '2026-11-20 10:00:00')",
    )
    assert _differences(store_url, policy, run_id) == {
        "people": ["checksum"],
        "leads": ["row_count"],
    }

    snapshot.drop(policy, run_id)
    assert _scalar(store_url, "SELECT COUNT(*) FROM pdpipe_checksums") == 0


def test_a_record_kept_depersonalized_is_not_compared(store_url: str, tmp_path: Path) -> None:
    """The untouched rows are the table's rows less those the run acted on and kept: a
    depersonalized record is the leak check's to judge."""
    populate(store_url, people_count=60, leads_count=30)
    path = write_policy(tmp_path, store_url)
    kept_policy = (
        path.read_text()
        .replace("on_end: destroy", "on_end: depersonalize", 1)
        .replace("reason: consent_withdrawn", "reason: purpose_achieved")  # not destroyed by law
    )
    path.write_text(kept_policy)
    policy = load_policy(path)
    run_id = _run(policy, batch_size=7).run_id or ""
    kept = _column(
        store_url,
        f"SELECT record_key FROM pdpipe_ledger WHERE run_id = '{run_id}' "
        "AND table_name = 'people' AND action = 'depersonalize'",
    )
    assert kept
    assert _differences(store_url, policy, run_id) == {"people": [], "leads": []}
    _execute(store_url, f"UPDATE people SET status = 'changed' WHERE id = {min(map(int, kept))}")
    assert _differences(store_url, policy, run_id) == {"people": [], "leads": []}


def test_a_destroyed_record_that_is_back_is_an_extra_row(store_url: str, tmp_path: Path) -> None:
    populate(store_url, people_count=60, leads_count=30)
    policy = load_policy(write_policy(tmp_path, store_url))
    run_id = _run(policy, batch_size=7).run_id or ""
    destroyed = _column(
        store_url,
        f"SELECT record_key FROM pdpipe_ledger WHERE run_id = '{run_id}' "
        "AND table_name = 'people' AND action = 'destroy'",
    )
    assert destroyed and _differences(store_url, policy, run_id)["people"] == []
    _execute(
        store_url,
        "INSERT INTO people (id, email, full_name, status, created_at) VALUES "
        f"({min(map(int, destroyed))}, 'back@example.org', 'Back', 'active', '2026-01-01')",
    )
    assert _differences(store_url, policy, run_id)["people"] == ["row_count"]


def test_when_a_record_changes_before_its_batch_reads_it_then_the_checksum_says_so(
    tmp_path: Path,
) -> None:
    """The acted records' digests are read by the batch that acts on them; one changed
    by someone else between the snapshot and that read is not what the snapshot saw."""
    url = f"sqlite:///{tmp_path}/store.db"
    populate(url, people_count=200, leads_count=10)
    policy = load_policy(write_policy(tmp_path, url))
    # Withdrawn people are due; the last of them is acted on in the last batches.
    last_due = _scalar(url, "SELECT MAX(id) FROM people WHERE status = 'withdrawn'")
    changed: list[bool] = []

    def between_batches(_label: str, _acted: int, _batches: int) -> None:
        if not changed:
            _execute(url, f"UPDATE people SET full_name = 'X' WHERE id = {last_due}")
            changed.append(True)

    result = run_policy(
        policy,
        RunOptions(as_of=AS_OF, allow_large=True, snapshot=True, batch_size=5),
        between_batches,
    )
    run_id = result.run_id or ""
    acted_on = _scalar(
        url,
        f"SELECT COUNT(*) FROM pdpipe_ledger WHERE run_id = '{run_id}' "
        f"AND table_name = 'people' AND record_key = '{last_due}'",
    )
    assert changed and acted_on == 1
    assert _differences(url, policy, run_id) == {"people": ["checksum"], "leads": []}


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
    differences = _differences(pg_url, policy, "shared-run")
    assert differences and set(map(tuple, differences.values())) == {()}


def test_the_per_row_snapshot_of_earlier_releases_is_dropped(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/store.db"
    _execute(url, "CREATE TABLE pdpipe_snapshot (run_id TEXT, record_key TEXT, digest TEXT)")
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        tables.ensure_tables(connection)
        names = set(sa.inspect(connection).get_table_names())
    engine.dispose()
    assert "pdpipe_snapshot" not in names and "pdpipe_checksums" in names
