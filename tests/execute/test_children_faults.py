"""Faults in the batches that act on a CRM's children, and on records under a legal hold.

The store: contacts (destroyed at their purpose's end) and leads (depersonalized), each
with a dispute hold, and children of every kind pdpipe handles —

    notes           polymorphic (entity_table, entity_id): a contact's notes go with it
                    (`where: {entity_table: contact}`, on_destroy: delete), a lead's too
                    (on_depersonalize: delete); the activities' notes, numbered as the
                    contacts and leads are, stay
    contact_phones  on_destroy: depersonalize (masked, then detached)
    visits          on_destroy: set_null
    lead_phones     depersonalized with their lead (declared columns)
    lead_tags       on_depersonalize: keep

A partition is broken at each moment of its batches (each write statement and each commit,
faults.py), by an exception (`raise`), by the server ending the connection (`kill`), or by
SIGKILL of the whole process, and started again. After every broken attempt, and once the
run is resumed to its end: each record changed has exactly one ledger row, held records
and the activities' notes are untouched, every child row is as the policy says, and the
child rows the batches counted (pdpipe_child_counts) are exactly the rows changed; once
resumed, validation passes and the act gives those numbers.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from pdpipe.errors import PdpipeError, StoreError
from pdpipe.execute.runner import RunOptions, held_stores, prepare, process_partition
from pdpipe.job import run_job, run_policy
from pdpipe.policy import Policy, load_policy
from pdpipe.retention.decide import AsOf
from pdpipe.stores import tables
from tests.conftest import MARIADB_ADMIN_URL, PG_ADMIN_URL
from tests.execute.faults import Faults, InjectedFault, in_child

POLICY = """
version: 1
operator: {{name: Test Operator, jurisdiction: RU-152FZ, timezone: Asia/Almaty, contact: a@b.c}}
purposes:
  - {{id: support, title: Support, legal_ground: contract, processing: [use],
     data: [email, phone], keep_for: P1Y, on_end: destroy}}
  - {{id: marketing, title: Marketing, legal_ground: consent, processing: [use],
     data: [email, phone], keep_for: P1Y, on_end: depersonalize}}
stores:
  - name: crm
    url: {url}
    tables:
      - name: contacts
        key: id
        purpose: support
        clock: updated_at
        columns:
          email: {{data: email, depersonalize: redact}}
        holds:
          - {{ground: "a dispute (claim 17/2026)", when: {{disputed: true}}, until: 2027-06-30}}
        children:
          - {{table: notes, fk: entity_id, where: {{entity_table: contact}}, on_destroy: delete}}
          - table: contact_phones
            fk: contact_id
            on_destroy: depersonalize
            columns:
              phone: {{data: phone, depersonalize: {{mask: {{keep_last: 2}}}}}}
          - {{table: visits, fk: contact_id, on_destroy: set_null}}
      - name: leads
        key: id
        purpose: marketing
        clock: updated_at
        columns:
          email: {{data: email, depersonalize: redact}}
        holds:
          - {{ground: "a dispute (claim 18/2026)", when: {{disputed: true}}, until: 2027-06-30}}
        children:
          - table: notes
            fk: entity_id
            where: {{entity_table: lead}}
            on_destroy: delete
            on_depersonalize: delete
          - table: lead_phones
            fk: lead_id
            on_destroy: delete
            columns:
              phone: {{data: phone, depersonalize: {{mask: {{keep_last: 2}}}}}}
          - {{table: lead_tags, fk: lead_id, on_destroy: delete, on_depersonalize: keep}}
"""
AS_OF = dt.date(2026, 11, 25)
BATCH = 4
RECORDS = 12  # contacts 1-12 and leads 1-12
DUE = {i for i in range(1, RECORDS + 1) if i % 4}  # three of each batch of four
HELD = {"contacts": {2, 7}, "leads": {3, 10}}  # due, but disputed
ACTED = {table: DUE - held for table, held in HELD.items()}

metadata = sa.MetaData()
PARENTS = {
    name: sa.Table(
        name,
        metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("email", sa.String(80)),
        sa.Column("disputed", sa.Boolean, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    for name in ("contacts", "leads")
}
NOTES = sa.Table(  # no foreign key: entity_id refers to contacts, leads or activities
    "notes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("entity_table", sa.String(20), nullable=False),
    sa.Column("entity_id", sa.Integer, nullable=False),
    sa.Column("body", sa.Text),
)


def _child(name: str, fk: str, value: str) -> sa.Table:
    return sa.Table(
        name,
        metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column(fk, sa.Integer, nullable=True),  # set to NULL when its record is destroyed
        sa.Column(value, sa.String(40)),
    )


CHILDREN = {
    "contact_phones": _child("contact_phones", "contact_id", "phone"),
    "visits": _child("visits", "contact_id", "kind"),
    "lead_phones": _child("lead_phones", "lead_id", "phone"),
    "lead_tags": _child("lead_tags", "lead_id", "tag"),
}
ALL = [*PARENTS.values(), NOTES, *CHILDREN.values()]


def _fill(url: str) -> None:
    old, recent = dt.datetime(2024, 3, 1, 12), dt.datetime(2026, 10, 1, 12)
    ids = range(1, RECORDS + 1)
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        metadata.create_all(connection)
        for name, parent in PARENTS.items():
            connection.execute(
                parent.insert(),
                [
                    {
                        "id": i,
                        "email": f"{name[0]}{i}@example.org",
                        "disputed": i in HELD[name] or i == 8,
                        "updated_at": old if i in DUE else recent,
                    }
                    for i in ids
                ],
            )
        notes = [
            *({"id": 100 + i, "entity_table": "contact", "entity_id": i} for i in ids),
            *(
                {"id": 200 + i, "entity_table": "contact", "entity_id": i}
                for i in ids
                if i % 3 == 0
            ),
            *({"id": 300 + i, "entity_table": "lead", "entity_id": i} for i in ids),
            # The activities' notes, numbered as contacts and leads are, and one beyond.
            *({"id": 400 + i, "entity_table": "activity", "entity_id": i} for i in (*ids, 999)),
        ]
        connection.execute(NOTES.insert(), [{**n, "body": "called back"} for n in notes])
        phones = CHILDREN["contact_phones"]
        connection.execute(
            phones.insert(),
            [
                {"id": 10 * i + n, "contact_id": i, "phone": f"+7 701 555 {i:02d} {n}{i % 10}"}
                for i in ids
                for n in range(i % 3)  # none, one or two
            ],
        )
        connection.execute(
            CHILDREN["visits"].insert(),
            [{"id": 2 * i - k, "contact_id": i, "kind": "visit"} for i in ids for k in (0, 1)],
        )
        connection.execute(
            CHILDREN["lead_phones"].insert(),
            [
                {"id": 10 * i + n, "lead_id": i, "phone": f"+7 702 555 {i:02d} {n}{i % 10}"}
                for i in ids
                for n in range(1 + i % 2)
            ],
        )
        connection.execute(
            CHILDREN["lead_tags"].insert(), [{"id": i, "lead_id": i, "tag": "warm"} for i in ids]
        )
    engine.dispose()


Rows = dict[str, dict[Any, dict[str, Any]]]


def _store(url: str) -> tuple[Rows, list[dict[str, Any]], set[str], list[dict[str, Any]]]:
    """The store's tables by primary key, its ledger, the keys pdpipe_state marks
    depersonalized, and its pdpipe_child_counts rows: over one connection."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            data = {
                t.name: {r["id"]: dict(r) for r in connection.execute(sa.select(t)).mappings()}
                for t in ALL
            }
            has = sa.inspect(connection).has_table
            ledger = state = counts = None
            if has(tables.ledger.name):
                ledger = [dict(r) for r in connection.execute(sa.select(tables.ledger)).mappings()]
                state = {
                    str(k)
                    for k, s in connection.execute(
                        sa.select(tables.state.c.record_key, tables.state.c.state).where(
                            tables.state.c.table_name == "leads"
                        )
                    )
                    if s == tables.DEPERSONALIZED
                }
                query = sa.select(tables.child_counts)
                counts = [dict(r) for r in connection.execute(query).mappings()]
    finally:
        engine.dispose()
    return data, ledger or [], state or set(), counts or []


def agreement(url: str, before: Rows) -> list[str]:
    """What breaks the run's guarantees in the store now, described; empty when none is."""
    now, ledger, marked, counts = _store(url)
    problems: list[str] = []
    rows = [r for r in ledger if r["action"] != "document"]
    twice = [
        k for k, n in Counter((r["table_name"], r["record_key"]) for r in rows).items() if n > 1
    ]
    if twice:
        problems.append(f"records in the ledger more than once: {sorted(twice)}")
    logged = {(r["table_name"], r["action"]) for r in rows}
    if logged - {("contacts", "destroy"), ("leads", "depersonalize")}:
        problems.append(f"unexpected ledger actions: {sorted(logged)}")

    destroyed = {k for k in before["contacts"] if k not in now["contacts"]}
    depersonalized = {k for k, r in now["leads"].items() if r != before["leads"][k]}
    for table, done, action in (
        ("contacts", destroyed, "destroy"),
        ("leads", depersonalized, "depersonalize"),
    ):
        said = {int(r["record_key"]) for r in rows if r["table_name"] == table}
        if done != said:
            problems.append(f"{table} {action}ed {sorted(done)}, the ledger says {sorted(said)}")
        if done - ACTED[table]:
            problems.append(f"{table} acted on beyond the due and unheld: {sorted(done)}")
    changed = [k for k, r in now["contacts"].items() if r != before["contacts"][k]]
    if changed:
        problems.append(f"contacts changed but not destroyed: {changed}")
    if marked != {str(k) for k in depersonalized}:
        problems.append(f"leads marked depersonalized: {sorted(marked)}")

    gone = {"contact": destroyed, "lead": depersonalized}
    done_to: Counter[tuple[str, str, str]] = Counter()  # (parent, child, action) -> rows
    for key, note in before["notes"].items():
        goes = note["entity_id"] in gone.get(note["entity_table"], set())
        if goes and key in now["notes"]:
            problems.append(f"note {key} of a record acted on is still there")
        if not goes and now["notes"].get(key) != note:
            problems.append(f"note {key} ({note['entity_table']}) changed")
        if goes:
            parent = "contacts" if note["entity_table"] == "contact" else "leads"
            action = "destroy" if parent == "contacts" else "depersonalize"
            done_to[(parent, "notes", action)] += 1
    for name, fk, parent, how in (
        ("contact_phones", "contact_id", "contacts", "masked, detached"),
        ("visits", "contact_id", "contacts", "detached"),
        ("lead_phones", "lead_id", "leads", "masked"),
        ("lead_tags", "lead_id", "leads", "kept"),
    ):
        acted = destroyed if parent == "contacts" else depersonalized
        action = "destroy" if parent == "contacts" else "depersonalize"
        for key, row in before[name].items():
            after = now[name].get(key)
            if row[fk] not in acted or how == "kept":
                if after != row:
                    problems.append(f"{name} {key} changed without its record")
                continue
            value = "phone" if "phone" in name else "kind"
            expected = {
                "id": key,
                fk: None if "detached" in how else row[fk],
                value: row[value] if "masked" not in how else after and after[value],
            }
            masked = after is not None and after[value] != row[value]
            if after != expected or ("masked" in how and not masked):
                problems.append(f"{name} {key} of a record acted on is not {how}")
            done_to[(parent, name, action)] += 1

    # The batches' counts: the rows really changed, and the records of the ledger.
    counted: Counter[tuple[str, str, str]] = Counter()
    records: Counter[tuple[str, str, str]] = Counter()
    for c in counts:
        counted[(c["table_name"], c["child_table"], c["action"])] += int(c["row_count"])
        records[(c["table_name"], c["child_table"], c["action"])] += int(c["records"])
    if +counted != +done_to:
        problems.append(f"child rows counted {dict(counted)}, changed {dict(done_to)}")
    if any(child == "lead_tags" for _, child, _ in counted):
        problems.append("kept children were counted as acted on")
    for (parent, _, _), n in records.items():
        if n != len(destroyed if parent == "contacts" else depersonalized):
            problems.append(f"the child counts of {parent} cover {n} records")
    return problems


@pytest.fixture(autouse=True)
def _output(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PDPIPE_OUTPUT_DIR", raising=False)
    monkeypatch.setenv("PDPIPE_RETRY_DELAYS", "0.1")


def _url(database: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    if database == "sqlite":
        return f"sqlite:///{tmp_path}/store.db"
    make: Callable[[], str] = request.getfixturevalue(
        "pg_factory" if database == "postgresql" else "mariadb_factory"
    )
    return make()


def _policy(url: str, folder: Path) -> Policy:
    _fill(url)
    path = folder / "policy.yaml"
    path.write_text(POLICY.format(url=url), encoding="utf-8")
    return load_policy(path)


def _options(policy: Policy) -> RunOptions:
    as_of = AsOf.end_of_day(AS_OF, policy.operator.timezone)
    return RunOptions(as_of=as_of, batch_size=BATCH, allow_large=True)


def _admin(url: str) -> str | None:
    backend = sa.engine.make_url(url).get_backend_name()
    return {"postgresql": PG_ADMIN_URL, "mysql": MARIADB_ADMIN_URL}.get(backend)


def _break_each_moment(policy: Policy, url: str, how: str, before: Rows, batches: int) -> list[str]:
    """Break each partition at every moment of its first `batches` batches, one attempt
    a moment, each attempt resuming after the batches the earlier ones committed; the
    store must agree with its ledger after every one. The moments broken at."""
    broken: list[str] = []
    options = _options(policy)
    with held_stores(policy, options):
        prepared = prepare(policy, options)
        for partition in prepared.partitions:
            at, committed = 1, 0
            while committed < batches:
                faults = Faults(at=at, how=how, admin_url=_admin(url), in_batches=True)
                with faults.installed():
                    try:
                        process_partition(
                            policy, partition, prepared.run_id or "", prepared.as_of, BATCH
                        )
                    except (InjectedFault, StoreError) as failure:
                        assert faults.fired is not None, f"failed without a fault: {failure}"
                problems = agreement(url, before)
                assert not problems, f"{how} at {partition.table} moment {at}: {problems}"
                if faults.fired is None:
                    break  # the partition ran to its end
                broken.append(f"{partition.table}: {faults.fired.split()[0]}")
                # A batch committed before the fault: start again at its successor's first
                # moment, so that each batch is broken at every one of its own.
                if "COMMIT" in faults.moments[:-1]:
                    at, committed = 1, committed + 1
                else:
                    at += 1
    return broken


def _act_rows(folder: Path) -> dict[tuple[str, str, str], str]:
    """The act's dependent tables: (main table, child, column) -> the rows it gives."""
    page = (folder / "destruction-act.ru.html").read_text(encoding="utf-8")
    table = page.split("<h2>Зависимые таблицы</h2>", 1)[1].split("</table>", 1)[0]
    cells = [
        [html.unescape(c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S)
        if "<th" not in row
    ]
    return {(row[1], row[2], row[3]): row[-1] for row in cells}


def _resumed_to_the_end(policy: Policy, url: str, before: Rows) -> None:
    """The job started again without a fault: it resumes the run, acts on the rest,
    validates and issues the act, whose child rows are the rows really changed."""
    result = run_job(policy, _options(policy))
    assert result.resumed and result.status == "completed", result.errors
    assert result.checks_failed == 0 and result.checks
    _all_done(url, before)
    now = _store(url)[0]
    destroyed = ACTED["contacts"]
    notes = sum(
        1
        for n in before["notes"].values()
        if n["entity_table"] == "contact" and n["entity_id"] in destroyed
    )
    phones = sum(1 for p in before["contact_phones"].values() if p["contact_id"] in destroyed)
    visits = sum(1 for v in before["visits"].values() if v["contact_id"] in destroyed)
    assert visits == 2 * len(destroyed) and len(now["visits"]) == len(before["visits"])
    assert result.documents is not None
    assert _act_rows(Path(result.documents)) == {
        ("contacts", "notes", "вся строка"): str(notes),
        ("contacts", "contact_phones", "phone"): str(phones),
        ("contacts", "contact_phones", "contact_id"): str(phones),
        ("contacts", "visits", "contact_id"): str(visits),
    }


def _all_done(url: str, before: Rows) -> None:
    """The store as one unbroken run leaves it: every due record acted on but the held."""
    assert not agreement(url, before)
    now = _store(url)[0]
    destroyed = {k for k in before["contacts"] if k not in now["contacts"]}
    depersonalized = {k for k, r in now["leads"].items() if r != before["leads"][k]}
    assert (destroyed, depersonalized) == (ACTED["contacts"], ACTED["leads"])
    for table, held in HELD.items():
        assert all(now[table][k] == before[table][k] for k in held), table


def _killed(policy: Policy, url: str, before: Rows, where: dict[str, Any]) -> None:
    """The job, in a process of its own, killed (SIGKILL) at the moment `where` names."""
    faults = Faults(how="sigkill", in_batches=True, **where)

    def job() -> int:
        with faults.installed():
            try:
                run_job(policy, _options(policy))
            except PdpipeError as exc:
                return exc.exit_code
        return 0

    assert in_child(job) == -9, f"not killed at {where}"
    assert not agreement(url, before), where


def _broken_once(policy: Policy, url: str, how: str, before: Rows, matching: str) -> str:
    """One attempt of the partition of the table `matching` names, broken at its first
    statement that begins with `matching`; the moment it was broken at."""
    options = _options(policy)
    faults = Faults(at=1, how=how, admin_url=_admin(url), in_batches=True, matching=matching)
    with held_stores(policy, options), faults.installed():
        prepared = prepare(policy, options)
        table = {"notes": "contacts", "visits": "contacts", "lead_phones": "leads"}
        for partition in prepared.partitions:
            if partition.table != table[matching.split()[-1]]:
                continue
            try:
                process_partition(policy, partition, prepared.run_id or "", prepared.as_of, BATCH)
            except (InjectedFault, StoreError) as failure:
                assert faults.fired is not None, f"failed without a fault: {failure}"
                if how == "kill":
                    assert "the batch was rolled back; run again to resume" in str(failure)
    problems = agreement(url, before)
    assert not problems, f"{how} at {matching}: {problems}"
    assert faults.fired is not None, f"no statement began with {matching}"
    return faults.fired


@pytest.mark.parametrize("database", ["sqlite", "postgresql", "mariadb"])
def test_faults_in_the_batches_leave_children_and_held_records_as_the_policy_says(
    database: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = _url(database, tmp_path, request)
    policy = _policy(url, tmp_path)
    before = _store(url)[0]

    # An exception at every moment of each table's first batch.
    broken = _break_each_moment(policy, url, "raise", before, batches=1)
    assert {"contacts: DELETE", "contacts: UPDATE", "contacts: COMMIT"} <= set(broken), broken
    assert {"leads: DELETE", "leads: UPDATE", "leads: COMMIT"} <= set(broken), broken
    # The server ending the connection at a statement on each kind of child (SQLite has
    # no server: its process is killed below).
    if database != "sqlite":
        for statement in ("DELETE FROM notes", "UPDATE visits", "UPDATE lead_phones"):
            assert _broken_once(policy, url, "kill", before, statement).startswith(statement)
    # The whole job killed while it masks phones, and at a later batch's commit.
    _killed(policy, url, before, {"matching": "UPDATE contact_phones", "at": 2})
    _killed(policy, url, before, {"matching": "COMMIT", "at": 2})

    _resumed_to_the_end(policy, url, before)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("database", "how"), [("sqlite", "raise"), ("postgresql", "kill"), ("mariadb", "kill")]
)
def test_a_fault_at_each_moment_of_every_batch_leaves_children_and_holds_as_the_policy_says(
    database: str, how: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = _url(database, tmp_path, request)
    policy = _policy(url, tmp_path)
    before = _store(url)[0]

    broken = _break_each_moment(policy, url, how, before, batches=RECORDS)  # all

    # Each batch was broken at its commit, and at each statement before it.
    assert sum(1 for b in broken if b.endswith("COMMIT")) >= 2 * RECORDS // BATCH
    result = run_policy(policy, _options(policy))
    assert result.resumed and result.status == "completed", result.errors
    _all_done(url, before)
