"""run_policy() on SQLite, PostgreSQL and MariaDB: every action, the ledger, idempotence."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from pdpipe.errors import BadInput
from pdpipe.execute.ledger_check import verify_ledgers
from pdpipe.execute.lock import StoreBusy, store_lock
from pdpipe.execute.runner import RunOptions, RunResult
from pdpipe.execute.unblock import unblock
from pdpipe.job import run_policy
from pdpipe.policy import Policy, load_policy
from pdpipe.policy.reasons import UnblockReason
from pdpipe.retention.decide import AsOf
from pdpipe.stores import tables
from tests.execute.builders import (
    AS_OF_DAY,
    PSEUDONYM_KEY,
    dump,
    events,
    leads,
    ledger_rows,
    memberships,
    notes,
    people,
    populate,
    write_policy,
)

AS_OF = AsOf.end_of_day(AS_OF_DAY, "Asia/Almaty")


@pytest.fixture(autouse=True)
def pseudonym_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PDPIPE_TEST_PSEUDONYM_KEY", PSEUDONYM_KEY)


@pytest.fixture
def policy(store_url: str, tmp_path: Path) -> Policy:
    populate(store_url)
    return load_policy(write_policy(tmp_path, store_url))


def run(policy: Policy, **options: Any) -> RunResult:
    settings: dict[str, Any] = {"as_of": AS_OF, "batch_size": 64, "allow_large": True}
    settings.update(options)
    return run_policy(policy, RunOptions(**settings))


def test_when_run_then_every_action_is_done_and_nothing_else_changes(
    policy: Policy, store_url: str
) -> None:
    before = {t.name: dump(store_url, t) for t in (people, memberships, events, notes, leads)}
    result = run(policy)
    after = {t.name: dump(store_url, t) for t in (people, memberships, events, notes, leads)}

    withdrawn = {k for k, row in before["people"].items() if row["status"] == "withdrawn"}
    assert withdrawn and set(after["people"]) == set(before["people"]) - withdrawn
    # Children: deleted, set NULL (no declared FK), depersonalized in place.
    assert {r["person_id"] for r in after["memberships"].values()}.isdisjoint(withdrawn)
    assert len(after["events"]) == len(before["events"])
    nulled = {k for k, r in after["events"].items() if r["person_id"] is None}
    assert nulled == {k for k, r in before["events"].items() if r["person_id"] in withdrawn}
    for note_id, note in before["notes"].items():
        if note["person_id"] in withdrawn:
            assert after["notes"][note_id]["phone"] != note["phone"]
            assert after["notes"][note_id]["phone"].endswith(note["phone"][-2:])
            assert after["notes"][note_id]["person_id"] is None  # detached
        else:
            assert after["notes"][note_id] == note
    # Records not acted on are unchanged, byte for byte; the ledger lists exactly the others.
    acted = {(r["table_name"], r["record_key"]) for r in ledger_rows(store_url)}
    assert len(acted) == result.acted
    for name in ("people", "leads"):
        for key, row in before[name].items():
            if (name, str(key)) not in acted:
                assert after[name][key] == row
    assert {k for t, k in acted if t == "people"} == {str(k) for k in withdrawn}


def test_when_depersonalized_then_no_original_value_is_left_in_the_row(
    policy: Policy, store_url: str
) -> None:
    before = dump(store_url, leads)
    run(policy)
    after = dump(store_url, leads)
    engine = sa.create_engine(store_url)
    with engine.connect() as connection:
        marked = dict(
            connection.execute(
                sa.select(tables.state.c.record_key, tables.state.c.state).where(
                    tables.state.c.table_name == "leads"
                )
            ).all()
        )
    engine.dispose()
    depersonalized = {k for k, s in marked.items() if s == tables.DEPERSONALIZED}
    blocked = {k for k, s in marked.items() if s == tables.BLOCKED}
    assert depersonalized and blocked
    for key in depersonalized:
        old, new = before[key], after[key]
        originals = [old["email"], old["last_name"], old["phone"], *_values(old["attribs"])]
        text = json.dumps({k: str(v) for k, v in new.items()}, ensure_ascii=False)
        for value in originals:
            if value not in ("ru",):  # the non-PD "lang" attribute stays
                assert str(value) not in text, (key, value)
        attribs = _parsed(new["attribs"])
        assert "city" not in attribs and attribs["phone"] is None and attribs["lang"] == "ru"
        assert new["email"].startswith("u_") and new["email"].endswith("@anon.invalid")
    for key in blocked:
        assert after[key] == before[key]  # blocking suspends processing, changes nothing


def _parsed(value: Any) -> dict[str, Any]:
    return json.loads(value) if isinstance(value, str) else dict(value)


def _values(attribs: Any) -> list[str]:
    return [str(v) for v in _parsed(attribs).values()]


def test_when_run_twice_then_the_second_run_changes_nothing(policy: Policy, store_url: str) -> None:
    first = run(policy)
    state = {t.name: dump(store_url, t) for t in (people, events, notes, leads)}
    rows = len(ledger_rows(store_url))
    second = run(policy)
    assert first.acted > 0 and second.acted == 0
    assert {t.name: dump(store_url, t) for t in (people, events, notes, leads)} == state
    assert len(ledger_rows(store_url)) == rows
    assert sum(t.overdue for t in second.before.tables) == 0


def test_when_run_then_the_ledger_proves_each_action_and_catches_an_edit(
    policy: Policy, store_url: str
) -> None:
    result = run(policy)
    rows = ledger_rows(store_url)
    assert [r["seq"] for r in rows] == list(range(1, len(rows) + 1))
    assert {r["run_id"] for r in rows} == {result.run_id}
    by_action = {(r["table_name"], r["action"]) for r in rows}
    assert by_action == {("people", "destroy"), ("leads", "depersonalize"), ("leads", "block")}
    destroyed = [r for r in rows if r["action"] == "destroy"]
    assert all(r["reason"] == "consent_withdrawn" for r in destroyed)
    assert all(
        "149-FZ" in r["legal_basis"] and "art. 21 p.5" in r["legal_basis"] for r in destroyed
    )
    assert all(r["categories"] == "email,first_name,last_name,phone" for r in destroyed)
    ((_, intact),) = verify_ledgers(policy)
    assert intact is not None and intact.ok

    engine = sa.create_engine(store_url)
    with engine.begin() as connection:
        connection.execute(
            tables.ledger.update().where(tables.ledger.c.seq == 5).values(reason="purpose_achieved")
        )
    engine.dispose()
    ((_, verification),) = verify_ledgers(policy)
    assert verification is not None and not verification.ok
    assert verification.first_bad_seq == 5


def test_when_a_ledger_row_is_deleted_then_verify_names_the_gap(
    policy: Policy, store_url: str
) -> None:
    run(policy)
    engine = sa.create_engine(store_url)
    with engine.begin() as connection:
        connection.execute(tables.ledger.delete().where(tables.ledger.c.seq == 3))
    engine.dispose()
    ((_, verification),) = verify_ledgers(policy)
    assert verification is not None and verification.first_bad_seq == 3
    assert verification.problem == "row 3 is missing (next row is 4)"


def test_when_a_run_would_touch_too_much_then_it_refuses_and_writes_nothing(
    policy: Policy, store_url: str
) -> None:
    before = {t.name: dump(store_url, t) for t in (people, leads)}
    with pytest.raises(BadInput, match=r"more than 10% of a table .*people: 80 of 400 \(20%\)"):
        run(policy, allow_large=False, max_fraction=0.10)
    assert {t.name: dump(store_url, t) for t in (people, leads)} == before
    engine = sa.create_engine(store_url)
    assert not sa.inspect(engine).has_table(tables.ledger.name)
    engine.dispose()


def test_when_a_run_would_clear_most_of_a_child_table_then_it_refuses_naming_it(
    policy: Policy, store_url: str
) -> None:
    """A fifth of the people are due, but one of them owns most of the events: the guard
    counts the child rows a destruction deletes or detaches, not only the records."""
    engine = sa.create_engine(store_url)
    with engine.begin() as connection:
        connection.execute(
            events.insert(),
            [{"id": 10_000 + i, "person_id": 5, "kind": "view"} for i in range(1200)],
        )
    before = dump(store_url, events)
    with pytest.raises(BadInput) as refused:
        run(policy, allow_large=False)  # --max-fraction 0.25: people are 20% due
    message = str(refused.value)
    assert "people:" not in message
    assert "store.events (child of people): 1,360 of 2,000 rows (68%)" in message
    assert dump(store_url, events) == before
    assert not sa.inspect(engine).has_table(tables.ledger.name)
    engine.dispose()


def test_when_another_run_holds_the_store_then_a_second_refuses_at_once(
    policy: Policy, store_url: str
) -> None:
    engine = sa.create_engine(store_url)
    with store_lock(engine, "store"), pytest.raises(StoreBusy, match="store 'store' is being"):
        run(policy)
    engine.dispose()
    assert run(policy).acted > 0  # the lock is free again


def test_when_dry_run_then_nothing_is_written(policy: Policy, store_url: str) -> None:
    before = {t.name: dump(store_url, t) for t in (people, leads)}
    result = run(policy, dry_run=True)
    assert result.dry_run and result.before.tables[0].due == 80
    assert {t.name: dump(store_url, t) for t in (people, leads)} == before


def test_when_the_pseudonym_key_is_missing_then_nothing_is_written(
    policy: Policy, store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PDPIPE_TEST_PSEUDONYM_KEY")
    before = dump(store_url, leads)
    with pytest.raises(BadInput, match="PDPIPE_TEST_PSEUDONYM_KEY"):
        run(policy)
    assert dump(store_url, leads) == before


def test_when_unblocked_then_the_record_returns_to_processing_and_the_ledger_says_so(
    policy: Policy, store_url: str
) -> None:
    run(policy)
    blocked = sorted(r["record_key"] for r in ledger_rows(store_url) if r["action"] == "block")
    key = blocked[0]
    engine = sa.create_engine(store_url)
    with engine.begin() as connection:  # the subject withdrew the demand to cease
        connection.execute(leads.update().where(leads.c.lead_id == key).values(status="active"))
    engine.dispose()
    assert unblock(policy, "store", "leads", [key, "L99999"], UnblockReason.DEMAND_WITHDRAWN) == 1
    last = ledger_rows(store_url)[-1]
    assert (last["record_key"], last["action"], last["reason"]) == (
        key,
        "unblock",
        "demand_withdrawn",
    )
    assert run(policy).acted == 0  # no longer due, and no longer skipped
    plan = run(policy, dry_run=True).before.tables[1]
    assert plan.blocked == len(blocked) - 1
    ((_, intact),) = verify_ledgers(policy)
    assert intact is not None and intact.ok


def _ledger_counts(url: str, run_id: str | None) -> dict[str, dict[str, dict[str, int]]]:
    """The run's ledger rows per table, action and reason."""
    found: dict[str, dict[str, dict[str, int]]] = {}
    for row in ledger_rows(url):
        if row["run_id"] == run_id:
            by_reason = found.setdefault(row["table_name"], {}).setdefault(row["action"], {})
            by_reason[row["reason"]] = by_reason.get(row["reason"], 0) + 1
    return found


def test_when_a_run_closes_then_its_counts_are_its_ledgers(policy: Policy, store_url: str) -> None:
    result = run(policy, partitions=3)

    assert result.acted > 0
    assert {t.table: t.acted for t in result.tables if t.acted} == _ledger_counts(
        store_url, result.run_id
    )


def test_when_a_run_left_by_an_earlier_release_is_resumed_then_it_counts_from_the_ledger(
    policy: Policy, store_url: str
) -> None:
    """Releases before the checkpoints counted what their batches acted on left NULL
    there: the run they left unfinished is finished with the ledger's counts."""
    run(policy)
    engine = sa.create_engine(store_url)
    with engine.begin() as connection:
        # The run as such a release leaves it when killed after its batches committed.
        (run_id,) = connection.execute(sa.select(tables.runs.c.run_id)).scalars().all()
        connection.execute(tables.runs.update().values(status="running", finished_at=None))
        connection.execute(
            tables.progress.update()
            .where(tables.progress.c.table_name == "people")
            .values(acted=None, done=False)
        )
    engine.dispose()

    resumed = run(policy)

    assert resumed.resumed and resumed.run_id == run_id
    assert {t.table: t.acted for t in resumed.tables if t.acted} == _ledger_counts(
        store_url, run_id
    )
