"""Destroyed means gone from the database's files, as far as the policy asks, and the act
says exactly how far: read the data files of the touched tables after a run, on SQLite,
PostgreSQL and MariaDB.

    rewrite  no destroyed or depersonalized value remains in the tables' files
    none     the values remain (so the reading would see a residue), and the act says so
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from pdpipe.execute.runner import RunOptions
from pdpipe.job import run_job
from pdpipe.policy import load_policy
from pdpipe.retention.decide import AsOf
from tests.execute.builders import (
    AS_OF_DAY,
    PSEUDONYM_KEY,
    dump,
    leads,
    notes,
    people,
    populate,
    write_policy,
)

TOUCHED = ("people", "memberships", "events", "notes", "leads")


@pytest.fixture(autouse=True)
def pseudonym_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PDPIPE_TEST_PSEUDONYM_KEY", PSEUDONYM_KEY)


def data_files(url: str) -> list[Path]:
    """The files that hold the touched tables' rows (their indexes and TOAST included),
    once the database has written what it holds in memory."""
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            backend = connection.dialect.name
            if backend == "sqlite":
                database = sa.engine.make_url(url).database or ""
                return [p for p in (Path(database), Path(database + "-wal")) if p.exists()]
            if backend == "postgresql":
                connection.execute(sa.text("CHECKPOINT"))
                root = str(connection.execute(sa.text("SHOW data_directory")).scalar())
                relations = connection.execute(
                    sa.text(
                        "SELECT pg_relation_filepath(c.oid) FROM pg_class c "
                        "WHERE c.oid IN (SELECT unnest(ARRAY[t.oid, t.reltoastrelid]) "
                        "  FROM pg_class t WHERE t.relname = ANY(:names) "
                        "  AND t.relnamespace = 'public'::regnamespace) "
                        "OR c.oid IN (SELECT i.indexrelid FROM pg_index i JOIN pg_class t "
                        "  ON t.oid = i.indrelid WHERE t.relname = ANY(:names) "
                        "  AND t.relnamespace = 'public'::regnamespace)"
                    ),
                    {"names": list(TOUCHED)},
                ).scalars()
                # A relation's file, its 1 GB segments (.1, .2) and forks (_fsm, _vm).
                files = []
                for relation in (Path(root) / r for r in relations if r):
                    files.append(relation)
                    for more in ("*.[0-9]*", "*_*"):
                        files += relation.parent.glob(relation.name + more[1:])
                return [f for f in files if f.exists()]
            names = ", ".join(TOUCHED)
            connection.execute(sa.text(f"FLUSH TABLES {names} FOR EXPORT"))
            connection.execute(sa.text("UNLOCK TABLES"))
            root = str(connection.execute(sa.text("SELECT @@datadir")).scalar())
            database = str(connection.execute(sa.text("SELECT DATABASE()")).scalar())
            return [Path(root) / database / f"{name}.ibd" for name in TOUCHED]
    finally:
        engine.dispose()


def left_in_files(url: str, values: set[str]) -> set[str]:
    contents = b"".join(Path(path).read_bytes() for path in data_files(url))
    return {value for value in values if value.encode() in contents}


def _gone_values(before: dict[str, dict[object, dict[str, object]]], url: str) -> set[str]:
    """Every PD value the run destroyed or replaced: the emails and names of destroyed
    people, the emails, names and phones of depersonalized leads, the notes' phones."""
    after = {t.name: dump(url, t) for t in (people, leads, notes)}
    gone: set[str] = set()
    for key, row in before["people"].items():
        if key not in after["people"]:
            gone |= {str(row["email"]), str(row["full_name"])}
    for key, row in before["leads"].items():
        for column in ("email", "last_name", "phone"):
            if after["leads"][key][column] != row[column]:
                gone.add(str(row[column]))
    for key, row in before["notes"].items():
        if after["notes"][key]["phone"] != row["phone"]:
            gone.add(str(row["phone"]))
    # 'Лидов1' is gone, but 'Лидов10' is still there and holds it: a value found inside a
    # value still present proves nothing.
    present = [str(v) for table in after.values() for row in table.values() for v in row.values()]
    return {value for value in gone if not any(value in other for other in present)}


def _run(
    tmp_path: Path, url: str, physical: str, *, populated: bool = False
) -> tuple[set[str], str]:
    """Run the job with `physical`; the values it removed and its act's HTML."""
    if not populated:
        populate(url, people_count=300, leads_count=240)
    policy_path = write_policy(tmp_path, url)
    policy_path.write_text(
        policy_path.read_text().replace(
            "    tables:\n", f"    destruction: {{physical: {physical}}}\n    tables:\n", 1
        )
    )
    before = {t.name: dump(url, t) for t in (people, leads, notes)}
    options = RunOptions(as_of=AsOf.end_of_day(AS_OF_DAY, "Asia/Almaty"), allow_large=True)
    result = run_job(load_policy(policy_path), options)
    gone = _gone_values(before, url)
    assert len(gone) > 200
    act = Path(result.documents or "") / "destruction-act.ru.html"
    return gone, act.read_text(encoding="utf-8")


@pytest.mark.slow
def test_when_the_policy_says_rewrite_then_no_destroyed_value_is_left_in_the_files(
    store_url: str, tmp_path: Path
) -> None:
    gone, act = _run(tmp_path, store_url, "rewrite")
    assert left_in_files(store_url, gone) == set()
    assert "файлы данных базы не содержат уничтоженных значений" in act


def test_when_the_policy_says_none_then_values_remain_and_the_act_says_so(
    store_url: str, tmp_path: Path
) -> None:
    gone, act = _run(tmp_path, store_url, "none")
    if not store_url.startswith("sqlite"):  # SQLite builds differ: some zero deleted content
        assert left_in_files(store_url, gone)  # the reading sees what a DELETE leaves
    assert "значения могут оставаться в файлах данных" in act
    assert "не распространяется на резервные копии" in act  # backups: not declared


def _holding_a_snapshot(url: str) -> tuple[sa.Engine, sa.Connection]:
    """Another session of the database, in a transaction whose snapshot predates the run:
    VACUUM FULL keeps every row version it may still see."""
    engine = sa.create_engine(url, isolation_level="REPEATABLE READ")
    holder = engine.connect()
    # No table is read: a lock on one would make VACUUM FULL wait for the lock instead.
    holder.execute(sa.text("SELECT 1")).scalar()
    return engine, holder


def _writing_elsewhere(other_url: str) -> tuple[sa.Engine, sa.Connection]:
    """A session of ANOTHER database of the server, in a transaction that has an id from
    before the run's changes (as another application's write has): VACUUM FULL's own
    snapshot counts it as running, so it keeps what the run deleted. pg_stat_activity of
    the store's database does not show it."""
    engine = sa.create_engine(other_url)
    holder = engine.connect()
    holder.execute(sa.text("SELECT pg_current_xact_id()")).scalar()
    return engine, holder


def _releasing_once_the_rewrite_waits(
    url: str, holder: sa.Connection, done: threading.Event
) -> threading.Thread:
    """Closes `holder` once reclaim is seen waiting for older transactions (its query in
    pg_stat_activity), or once the run is `done` without having waited."""

    def release() -> None:
        watcher = sa.create_engine(url)
        with watcher.connect() as connection:
            while not done.is_set():
                waiting = connection.execute(
                    sa.text(
                        "SELECT count(*) FROM pg_stat_activity WHERE query LIKE "
                        "'%pg_prepared_xacts%' AND pid <> pg_backend_pid()"
                    )
                ).scalar()
                if waiting:
                    break
                connection.rollback()
                done.wait(0.1)
        watcher.dispose()
        holder.close()

    thread = threading.Thread(target=release)
    thread.start()
    return thread


def _recorded(url: str) -> dict[str, object]:
    """What reclaim recorded for the run (pdpipe_reclaims)."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            facts = connection.execute(sa.text("SELECT facts FROM pdpipe_reclaims")).scalar_one()
    finally:
        engine.dispose()
    return dict(json.loads(facts))


def test_the_rewrite_waits_for_a_session_that_could_still_see_the_values(
    pg_url: str, tmp_path: Path
) -> None:
    populate(pg_url, people_count=300, leads_count=240)
    engine, holder = _holding_a_snapshot(pg_url)
    done = threading.Event()
    releaser = _releasing_once_the_rewrite_waits(pg_url, holder, done)
    try:
        gone, act = _run(tmp_path, pg_url, "rewrite", populated=True)
    finally:
        done.set()
        releaser.join(timeout=120)
        engine.dispose()

    assert left_in_files(pg_url, gone) == set()
    assert "файлы данных базы не содержат уничтоженных значений" in act
    assert _recorded(pg_url)["kept"] == 0  # VACUUM FULL's own count: no dead version kept


def test_a_write_of_another_database_open_across_the_run_keeps_no_value_in_the_files(
    pg_factory: Callable[[], str], tmp_path: Path
) -> None:
    """What made the rewrite keep every value when nothing in the store's database held
    a snapshot: another application's write on the same server, open from before the
    run's last change until after the rebuild."""
    pg_url, elsewhere = pg_factory(), pg_factory()
    populate(pg_url, people_count=300, leads_count=240)
    engine, holder = _writing_elsewhere(elsewhere)
    try:
        gone, act = _run(tmp_path, pg_url, "rewrite", populated=True)
        left = left_in_files(pg_url, gone)
    finally:
        holder.close()
        engine.dispose()

    assert left == set()
    assert "файлы данных базы не содержат уничтоженных значений" in act
    facts = _recorded(pg_url)
    assert (facts["held_back"], facts["kept"]) == (0, 0)


def test_a_session_that_outlasts_the_wait_is_named_in_the_act(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib

    reclaim = importlib.import_module("pdpipe.execute.reclaim")  # the module, not its function
    monkeypatch.setattr(reclaim, "SNAPSHOT_WAIT_SECONDS", 0.5)
    populate(pg_url, people_count=300, leads_count=240)
    engine, holder = _holding_a_snapshot(pg_url)
    try:
        gone, act = _run(tmp_path, pg_url, "rewrite", populated=True)
        left = left_in_files(pg_url, gone)
    finally:
        holder.close()
        engine.dispose()

    assert "1 сеанс(ов) базы, подготовленных транзакций или слотов репликации" in act
    assert "не содержат уничтоженных значений" not in act
    facts = _recorded(pg_url)
    assert facts["held_back"] == 1
    assert int(str(facts["kept"])) > 0  # VACUUM FULL reported copying the dead versions
    assert left  # what the act warns of: the rebuilt files kept what the session could see


def test_a_sqlite_reader_that_outlasts_the_wait_is_named_in_the_act(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In WAL mode, a connection reading since before the run keeps the checkpoint from
    copying the rebuilt pages into the database file: the file keeps the earlier ones."""
    import importlib
    import sqlite3

    reclaim = importlib.import_module("pdpipe.execute.reclaim")  # the module, not its function
    monkeypatch.setattr(reclaim, "SNAPSHOT_WAIT_SECONDS", 0.5)
    database = tmp_path / "store.db"
    url = f"sqlite:///{database}"
    populate(url, people_count=300, leads_count=240)
    reader = sqlite3.connect(database, isolation_level=None)
    try:
        reader.execute("PRAGMA journal_mode=WAL")
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM people").fetchone()
        gone, act = _run(tmp_path, url, "rewrite", populated=True)
        left = left_in_files(url, gone)
    finally:
        reader.close()

    assert "не дало перенести журнал WAL в файл базы" in act
    assert "не содержат уничтоженных значений" not in act
    assert _recorded(url)["held_back"] == 1
    assert left  # what the act warns of: the file kept the pages the reader could read
