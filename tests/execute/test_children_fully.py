"""A CRM's children as real CRMs keep them: a polymorphic notes table (entity_table,
entity_id) whose rows about a contact go with the contact, whose other rows stay; and
phones that are masked when the contact is depersonalized. On every database."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa

from pdpipe.execute.runner import RunOptions, RunResult
from pdpipe.job import run_job
from pdpipe.policy import load_policy
from pdpipe.retention.decide import AsOf
from pdpipe.retention.plan import build_plan
from tests.cli import run_main

POLICY = """
version: 1
operator: {{name: Test Operator, jurisdiction: RU-152FZ, timezone: Asia/Almaty, contact: a@b.c}}
purposes:
  - {{id: support, title: Support, legal_ground: contract, processing: [use],
     data: [email, phone], keep_for: P1Y, on_end: {on_end}}}
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
        children:
          - table: notes
            fk: entity_id
            where: {{entity_table: contact}}
            on_destroy: delete
            on_depersonalize: {on_depersonalize}
          - table: contact_phones
            fk: contact_id
            on_destroy: delete
            columns:
              phone: {{data: phone, depersonalize: {{mask: {{keep_last: 2}}}}}}
"""
AS_OF = dt.date(2026, 11, 25)
CONTACTS, DUE = 10, 5  # contacts 1-5 were last updated over a year before AS_OF


def _store(url: str) -> None:
    metadata = sa.MetaData()
    contacts = sa.Table(
        "contacts",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("email", sa.String(80)),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    notes = sa.Table(  # no foreign key: entity_id refers to contacts or to activities
        "notes",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("entity_table", sa.String(20), nullable=False),
        sa.Column("entity_id", sa.Integer, nullable=False),
        sa.Column("body", sa.Text),
    )
    phones = sa.Table(
        "contact_phones",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("contact_id", sa.Integer, sa.ForeignKey("contacts.id"), nullable=False),
        sa.Column("phone", sa.String(40)),
    )
    old, recent = dt.datetime(2024, 3, 1, 12), dt.datetime(2026, 10, 1, 12)
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        metadata.create_all(connection)
        connection.execute(
            contacts.insert(),
            [
                {"id": i, "email": f"c{i}@example.org", "updated_at": old if i <= DUE else recent}
                for i in range(1, CONTACTS + 1)
            ],
        )
        about_contacts = [
            {"id": i, "entity_table": "contact", "entity_id": i, "body": "called back"}
            for i in range(1, CONTACTS + 1)
        ]
        # Activities numbered as the contacts are, and one beyond every contact id.
        about_activities = [
            {"id": 100 + i, "entity_table": "activity", "entity_id": i, "body": "meeting moved"}
            for i in (*range(1, CONTACTS + 1), 999)
        ]
        connection.execute(notes.insert(), about_contacts + about_activities)
        connection.execute(
            phones.insert(),
            [
                {"id": i, "contact_id": i, "phone": f"+7 701 555 {i:02d} {i:02d}"}
                for i in range(1, CONTACTS + 1)
            ],
        )
    engine.dispose()


def _write(url: str, folder: Path, on_end: str, on_depersonalize: str = "delete") -> Path:
    path = folder / "policy.yaml"
    text = POLICY.format(url=url, on_end=on_end, on_depersonalize=on_depersonalize)
    path.write_text(text, encoding="utf-8")
    return path


def _rows(url: str, sql: str) -> list[tuple[object, ...]]:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        rows = [tuple(row) for row in connection.execute(sa.text(sql))]
    engine.dispose()
    return rows


def _run(url: str, folder: Path, on_end: str) -> RunResult:
    _store(url)
    policy = load_policy(_write(url, folder, on_end))
    as_of = AsOf.end_of_day(AS_OF, policy.operator.timezone)
    plan = build_plan(policy, as_of, children=True)
    (contacts,) = plan.tables
    assert contacts.children["notes"] == (DUE, 2 * CONTACTS + 1)  # (touched, rows)
    return run_job(policy, RunOptions(as_of=as_of, allow_large=True))


@pytest.mark.parametrize("on_end", ["depersonalize", "destroy"])
def test_a_contacts_notes_go_with_it_and_the_activities_notes_stay(
    on_end: str, store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PDPIPE_OUTPUT_DIR", raising=False)

    result = _run(store_url, tmp_path, on_end)

    assert result.acted == DUE and result.checks_failed == 0
    # The plan the run says it left (blocked, depersonalized, rows) is planning's again.
    policy = load_policy(tmp_path / "policy.yaml")
    again = build_plan(policy, AsOf.end_of_day(AS_OF, policy.operator.timezone))
    assert result.after is not None and result.after.to_model() == again.to_model()
    notes = _rows(store_url, "SELECT entity_table, entity_id FROM notes ORDER BY id")
    assert notes == [("contact", i) for i in range(DUE + 1, CONTACTS + 1)] + [
        ("activity", i) for i in (*range(1, CONTACTS + 1), 999)
    ]


def test_a_depersonalized_contacts_phones_are_masked_not_deleted(
    store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PDPIPE_OUTPUT_DIR", raising=False)

    _run(store_url, tmp_path, "depersonalize")

    phones = _rows(store_url, "SELECT contact_id, phone FROM contact_phones ORDER BY id")
    assert len(phones) == CONTACTS
    assert all(str(phone).endswith(f"{i:02d}") for i, phone in phones)
    assert all("555" not in str(phone) for i, phone in phones if int(str(i)) <= DUE)
    assert all("555" in str(phone) for i, phone in phones if int(str(i)) > DUE)


def test_kept_children_stay_with_the_depersonalized_contact(
    store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PDPIPE_OUTPUT_DIR", raising=False)
    _store(store_url)
    policy = load_policy(_write(store_url, tmp_path, "depersonalize", on_depersonalize="keep"))

    result = run_job(
        policy,
        RunOptions(as_of=AsOf.end_of_day(AS_OF, policy.operator.timezone), allow_large=True),
    )

    assert result.acted == DUE and result.checks_failed == 0
    assert _rows(store_url, "SELECT count(*) FROM notes") == [(2 * CONTACTS + 1,)]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            (
                "on_depersonalize: delete",
                "on_depersonalize: keep\n            columns:\n"
                "              body: {data: phone, depersonalize: redact}",
            ),
            "keep would leave the PD columns",
        ),
        (("where: {entity_table: contact}", "where: {entity_kind: contact}"), "entity_kind"),
        (
            (
                "where: {entity_table: contact}",
                "where: {exists: {table: contact_phones, fk: contact_id}}",
            ),
            "'exists' is not allowed here",
        ),
    ],
)
def test_check_refuses_a_child_it_cannot_act_on_as_written(
    change: tuple[str, str],
    expected: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    sqlite_url = f"sqlite:///{tmp_path}/store.db"
    _store(sqlite_url)
    path = _write(sqlite_url, tmp_path, "depersonalize")
    path.write_text(path.read_text(encoding="utf-8").replace(*change), encoding="utf-8")

    code, _, stderr = run_main(monkeypatch, capsys, "check", str(path))

    assert code == 2
    assert expected in stderr and "policy.yaml:" in stderr
