"""One owner of the stores: a job opens each store's engine once, and every database error
arrives as pdpipe's, sorted by the server's codes, whichever way it was raised."""

from __future__ import annotations

import ast
import datetime as dt
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

import pdpipe
from pdpipe.demo import build_demo
from pdpipe.errors import StoreContention, StoreError
from pdpipe.execute.runner import RunOptions
from pdpipe.job import run_job
from pdpipe.policy import load_policy
from pdpipe.policy.models import StoreSpec
from pdpipe.requests.intake import ingest
from pdpipe.requests.process import process_open
from pdpipe.retention.decide import AsOf
from pdpipe.stores import owner
from pdpipe.stores.engine import create_store_engine
from pdpipe.stores.owner import Stores
from tests.execute.builders import AS_OF_DAY, PSEUDONYM_KEY, populate, write_policy

SOURCE = Path(pdpipe.__file__).parent
# Who may create engines: the owner; the demo, which creates (and clears) the databases it
# fills; and Great Expectations, which makes its own from the URL that validation/checks.py
# hands it. stores/drivers.py makes the demo's (plain_engine: a store's driver, none of its
# session settings).
ENGINE_MAKERS = {
    "stores/owner.py",
    "stores/engine.py",
    "stores/drivers.py",
    "demo/build.py",
    "demo/inbox.py",
    "demo/previous.py",
}


def _store(url: str) -> StoreSpec:
    return StoreSpec.model_construct(name="contacts", url=url, tables=[])


def test_only_the_owner_creates_store_engines() -> None:
    found = []
    for path in SOURCE.rglob("*.py"):
        where = path.relative_to(SOURCE).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute | ast.Name):
                name = node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id
                makers = {"create_engine", "create_store_engine", "plain_engine"}
                if name in makers and where not in ENGINE_MAKERS:
                    found.append(f"{where}:{node.lineno}")
    assert found == []


@pytest.fixture
def engines_made(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    made: list[str] = []

    def counted(store: StoreSpec, *, read_only: bool = False) -> sa.Engine:
        made.append(store.name)
        return create_store_engine(store, read_only=read_only)

    monkeypatch.setattr(owner, "create_store_engine", counted)
    return made


def test_a_job_opens_each_store_once(
    store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, engines_made: list[str]
) -> None:
    monkeypatch.setenv("PDPIPE_TEST_PSEUDONYM_KEY", PSEUDONYM_KEY)
    populate(store_url, people_count=60, leads_count=40)
    policy = load_policy(write_policy(tmp_path, store_url))
    as_of = AsOf.end_of_day(AS_OF_DAY, policy.operator.timezone)

    result = run_job(policy, RunOptions(as_of=as_of, allow_large=True))

    assert result.acted > 0 and result.checks_failed == 0  # the whole job ran
    assert engines_made == [s.name for s in policy.stores]  # once each, for every step


def test_processing_requests_opens_each_store_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, engines_made: list[str]
) -> None:
    """Before the owner, one request opened the same store seven times."""
    monkeypatch.setenv("PDPIPE_PSEUDONYM_KEY", "demo-only")
    monkeypatch.setenv("PDPIPE_CONTACT_KEY", "demo-contact")
    demo = build_demo(tmp_path, subjects=300, seed=4, as_of=dt.date(2026, 11, 25))
    policy = load_policy(demo.policy_path)
    ingest(policy, tmp_path / "inbox.mbox")
    engines_made.clear()

    report = process_open(policy)

    assert sum(report.closed.values()) >= 4  # several requests, in both stores
    assert sorted(engines_made) == sorted(s.name for s in policy.stores)


def test_threads_of_a_job_share_its_owner() -> None:
    seen: list[Stores] = []
    with Stores().use() as mine:
        from contextvars import copy_context

        thread = threading.Thread(target=copy_context().run, args=(_record_owner, seen))
        thread.start()
        thread.join()
    assert seen == [mine]


def _record_owner(seen: list[Stores]) -> None:
    with owner.owned() as found:
        seen.append(found)


def test_an_error_on_a_raw_connection_of_the_engine_is_pdpipes(store_url_both_drivers: str) -> None:
    """The engine's handle_error hook: no owner context manager around the statement."""
    store_url = store_url_both_drivers
    sa.create_engine(store_url).connect().close()  # an SQLite file: pdpipe makes none
    engine = create_store_engine(_store(store_url))
    try:
        with (
            pytest.raises(StoreError, match=r"^store 'contacts' .* failed \(SELECT\)"),
            engine.connect() as connection,
        ):
            connection.exec_driver_sql("SELECT * FROM no_such_table")
    finally:
        engine.dispose()


def test_after_sqlalchemy_reflects_a_table_errors_are_still_pdpipes(
    store_url_both_drivers: str,
) -> None:
    """SQLAlchemy's MySQL dialect turns the hook off for the whole connection once it has
    reflected a table (skip_user_error_events); the owner's connection maps what passes."""
    store_url = store_url_both_drivers
    with sa.create_engine(store_url).begin() as setup:
        setup.exec_driver_sql("CREATE TABLE reflected (k INTEGER PRIMARY KEY)")
    with (
        Stores() as stores,
        pytest.raises(StoreError, match=r"^store 'contacts' .* failed"),
        stores.connect(_store(store_url)) as connection,
    ):
        sa.Table("reflected", sa.MetaData(), autoload_with=connection)
        connection.exec_driver_sql("INSERT INTO reflected (k) VALUES ('not a number')")


def test_a_lock_timeout_is_contention_by_its_code_with_what_to_do(
    store_url_both_drivers: str,
) -> None:
    """Sorted by SQLSTATE 55P03 / errno 1205, so a server answering in German (MariaDB's
    lc_messages) is understood the same."""
    store_url = store_url_both_drivers
    if store_url.startswith("sqlite"):
        pytest.skip("SQLite waits out its busy timeout (SQLITE_BUSY: test_failures.py)")
    with sa.create_engine(store_url).begin() as setup:
        setup.exec_driver_sql("CREATE TABLE held (k INTEGER PRIMARY KEY)")
        setup.exec_driver_sql("INSERT INTO held (k) VALUES (1)")
    holder = sa.create_engine(store_url)
    with holder.connect() as holding, Stores() as stores:
        holding.exec_driver_sql("UPDATE held SET k = 1 WHERE k = 1")  # the row is locked
        wait = (
            "SET LOCAL lock_timeout = '200ms'"
            if store_url.startswith("postgresql")
            else "SET SESSION innodb_lock_wait_timeout = 1, lc_messages = 'de_DE'"
        )
        with (
            pytest.raises(StoreContention) as failure,
            stores.begin(_store(store_url)) as connection,
        ):
            connection.exec_driver_sql(wait)
            connection.exec_driver_sql("UPDATE held SET k = 1 WHERE k = 1")
        holding.rollback()
    holder.dispose()
    assert failure.value.transient  # the job's steps retry it
    assert "raise lock_timeout (PostgreSQL) / innodb_lock_wait_timeout (MariaDB)" in str(
        failure.value
    )
