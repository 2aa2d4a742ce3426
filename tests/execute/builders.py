"""A store of our own for execution tests: every action, every child handling, on any dialect.

    people       purpose "informing" (on_end: destroy)
      memberships  child, on_destroy: delete (declared FK)
      events       child, on_destroy: set_null (no declared FK: pdpipe must still handle it)
      notes        child, on_destroy: depersonalize (its text column)
    leads        purpose "analytics" (on_end: depersonalize): plain, JSON-path PD columns;
                 a demand to cease blocks

Each person and lead carries canary values (emails, phones, names) that must vanish from a
depersonalized row and never appear in any output.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from pdpipe.stores import tables

AS_OF_DAY = dt.date(2026, 11, 25)
PSEUDONYM_KEY = "test-pseudonym-key-0123456789"

metadata = sa.MetaData()
people = sa.Table(
    "people",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("email", sa.String(120), nullable=False),
    sa.Column("full_name", sa.String(200), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("withdrawn_at", sa.DateTime),
)
memberships = sa.Table(
    "memberships",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("person_id", sa.Integer, sa.ForeignKey("people.id"), nullable=False),
    sa.Column("list_name", sa.String(40), nullable=False),
)
events = sa.Table(
    "events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("person_id", sa.Integer, nullable=True),  # no declared foreign key
    sa.Column("kind", sa.String(20), nullable=False),
)
notes = sa.Table(
    "notes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("person_id", sa.Integer, sa.ForeignKey("people.id"), nullable=True),
    sa.Column("phone", sa.String(40)),
)
leads = sa.Table(
    "leads",
    metadata,
    sa.Column("lead_id", sa.String(20), primary_key=True),
    sa.Column("email", sa.String(120), nullable=False),
    sa.Column("last_name", sa.String(80)),
    sa.Column("phone", sa.String(40)),
    sa.Column("attribs", sa.JSON),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    sa.Column("consent_until", sa.DateTime),
)

POLICY = """
version: 1
operator: {{name: Test Operator, jurisdiction: RU-152FZ, timezone: Asia/Almaty, contact: a@b.c}}
secrets: {{pseudonym_key: env:PDPIPE_TEST_PSEUDONYM_KEY}}
purposes:
  - id: informing
    title: Informing
    legal_ground: Federal Law No. 149-FZ
    ground: consent
    processing: [transfer]
    data: [email, last_name, first_name, phone]
    on_end: destroy
  - id: analytics
    title: Analytics
    legal_ground: consent
    ground: consent
    processing: [use]
    data: [email, last_name, phone, city]
    on_end: depersonalize
stores:
  - name: store
    url: {url}
    tables:
      - name: people
        key: id
        purpose: informing
        clock: created_at
        ends:
          - {{reason: consent_withdrawn, when: {{status: withdrawn}}, since: withdrawn_at}}
        columns:
          email: {{data: email, depersonalize: pseudonym_email}}
          full_name: {{data: [last_name, first_name], depersonalize: redact}}
        children:
          - {{table: memberships, fk: person_id, on_destroy: delete}}
          - {{table: events, fk: person_id, on_destroy: set_null}}
          - table: notes
            fk: person_id
            on_destroy: depersonalize
            columns:
              phone: {{data: phone, depersonalize: {{mask: {{keep_last: 2}}}}}}
      - name: leads
        key: lead_id
        purpose: analytics
        clock: updated_at
        ends:
          - {{reason: consent_expired, since: consent_until}}
          - {{reason: cease_demand, when: {{status: cease}}}}
        columns:
          email: {{data: email, depersonalize: pseudonym_email}}
          last_name: {{data: last_name, depersonalize: redact}}
          phone: {{data: phone, depersonalize: {{mask: {{keep_last: 2}}}}}}
          attribs.phone: {{data: phone, depersonalize: redact}}
          attribs.city: {{data: city, depersonalize: drop_key}}
"""


def noon(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(7, 0))


def populate(url: str, people_count: int = 400, leads_count: int = 300, seed: int = 5) -> None:
    """Rows where roughly a fifth of each table is due as of AS_OF_DAY."""
    engine = sa.create_engine(url)
    metadata.drop_all(engine)
    metadata.create_all(engine)
    rng = random.Random(seed)
    person_rows, membership_rows, event_rows, note_rows = [], [], [], []
    for i in range(1, people_count + 1):
        withdrawn = i % 5 == 0
        person_rows.append(
            {
                "id": i,
                "email": f"canary.person{i}@mail.ru",
                "full_name": f"Канарейкин{i} Пётр",
                "status": "withdrawn" if withdrawn else "active",
                "created_at": noon(AS_OF_DAY - dt.timedelta(days=900 + rng.randrange(300))),
                "withdrawn_at": noon(AS_OF_DAY - dt.timedelta(days=rng.randrange(1, 90)))
                if withdrawn
                else None,
            }
        )
        membership_rows.append({"id": i, "person_id": i, "list_name": "news"})
        event_rows += [
            {"id": 2 * i - 1, "person_id": i, "kind": "view"},
            {"id": 2 * i, "person_id": i, "kind": "click"},
        ]
        note_rows.append({"id": i, "person_id": i, "phone": f"+7 916 555-{i:04d}"})
    lead_rows: list[dict[str, Any]] = []
    for i in range(1, leads_count + 1):
        kind = i % 6
        consent_until = noon(AS_OF_DAY + dt.timedelta(days=rng.randrange(10, 400)))
        if kind == 1:
            consent_until = noon(AS_OF_DAY - dt.timedelta(days=rng.randrange(1, 200)))
        lead_rows.append(
            {
                "lead_id": f"L{i:05d}",
                "email": f"Canary.Lead{i}@Yandex.ru",
                "last_name": f"Лидов{i}",
                "phone": f"+7 701 {i:03d}-44-{i % 100:02d}",
                "attribs": {"phone": f"8-777-{i:04d}-99", "city": f"Алматы-{i}", "lang": "ru"},
                "status": "cease" if kind == 2 else "active",
                "updated_at": noon(AS_OF_DAY - dt.timedelta(days=rng.randrange(1, 300))),
                "consent_until": consent_until,
            }
        )
    with engine.begin() as connection:
        connection.execute(people.insert(), person_rows)
        connection.execute(memberships.insert(), membership_rows)
        connection.execute(events.insert(), event_rows)
        connection.execute(notes.insert(), note_rows)
        connection.execute(leads.insert(), lead_rows)
    engine.dispose()


def write_policy(directory: Path, url: str) -> Path:
    path = directory / "policy.yaml"
    path.write_text(POLICY.format(url=url), encoding="utf-8")
    return path


def dump(url: str, table: sa.Table) -> dict[Any, dict[str, Any]]:
    """Every row of `table` by primary key, values as text (JSON parsed first)."""
    engine = sa.create_engine(url)
    key = next(iter(table.primary_key.columns))
    with engine.connect() as connection:
        rows = connection.execute(sa.select(table).order_by(key)).mappings().all()
    engine.dispose()
    return {row[key.name]: dict(row) for row in rows}


def ledger_rows(url: str) -> list[dict[str, Any]]:
    """The ledger of the store at `url`, in order."""
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(sa.select(tables.ledger).order_by(tables.ledger.c.seq))
        result = [dict(row) for row in rows.mappings()]
    engine.dispose()
    return result


LEDGER_CONTENT = (
    "store",
    "table_name",
    "record_key",
    "action",
    "reason",
    "legal_basis",
    "categories",
)


def ledger_content(url: str) -> Counter[tuple[Any, ...]]:
    """What the ledger says was done to records, in any order: runs in parallel append in
    any order. The rows recording documents (acts) are left out: each issue has its own."""
    return Counter(
        tuple(row[f] for f in LEDGER_CONTENT)
        for row in ledger_rows(url)
        if row["action"] != "document"
    )
