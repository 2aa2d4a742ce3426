"""A small contact store of our own, on any dialect, with a policy for it.

Every row is built to trigger at most one end rule, so the expected plan can be
computed independently: in SQL for the counts, and day by day with `holidays` for the
deadlines.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import sqlalchemy as sa

AS_OF_DAY = dt.date(2026, 11, 25)
CANARY_EMAIL = "canary.kanareikin@mail.ru"
CANARY_PHONE = "+7 916 555-01-99"

metadata = sa.MetaData()
people = sa.Table(
    "people",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("email", sa.String(200), nullable=False, unique=True),
    sa.Column("phone", sa.String(40)),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    sa.Column("withdrawn_at", sa.DateTime),
    sa.Column("valid_until", sa.DateTime),
)
memberships = sa.Table(
    "memberships",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("person_id", sa.Integer, sa.ForeignKey("people.id"), nullable=False),
    sa.Column("state", sa.String(20), nullable=False),
)


def policy_text(url: str, extra_table: str = "") -> str:
    return f"""
version: 1
operator: {{name: Test Operator, jurisdiction: RU-152FZ, timezone: Asia/Almaty, contact: a@b.c}}
purposes:
  - id: informing
    title: Informing
    legal_ground: 149-FZ
    ground: consent
    processing: [transfer]
    data: [email, phone]
    keep_for: P5Y
stores:
  - name: contacts
    url: {url}
    tables:
      - name: people
        key: id
        purpose: informing
        subject: {{email: email}}
        clock: created_at
        ends:
          - {{reason: consent_withdrawn, when: {{status: withdrawn}}, since: withdrawn_at}}
          - {{reason: consent_expired, since: valid_until}}
          - reason: purpose_achieved
            when: {{not: {{exists: {{table: memberships, fk: person_id,
                                   where: {{state: {{ne: left}}}}}}}}}}
            since: updated_at
        columns:
          email: {{data: email, depersonalize: pseudonym_email}}
          phone: {{data: phone, depersonalize: {{mask: {{keep_last: 2}}}}}}
        children:
          - {{table: memberships, fk: person_id, on_destroy: delete}}
{extra_table}"""


def noon(day: dt.date) -> dt.datetime:
    """07:00 UTC is noon in Almaty: the same calendar day in both zones."""
    return dt.datetime.combine(day, dt.time(7, 0))


def populate(url: str, rows: int = 3000, seed: int = 3) -> None:
    engine = sa.create_engine(url)
    metadata.create_all(engine)
    rng = random.Random(seed)
    person_rows: list[dict[str, object]] = []
    membership_rows: list[dict[str, object]] = []
    recent = AS_OF_DAY - dt.timedelta(days=400)
    for i in range(1, rows + 1):
        kind = i % 5
        created = recent + dt.timedelta(days=rng.randrange(0, 300))
        updated = created + dt.timedelta(days=rng.randrange(0, 60))
        withdrawn = None
        valid_until = noon(AS_OF_DAY + dt.timedelta(days=rng.randrange(1, 700)))
        status = "active"
        states = ["member"]
        if kind == 0:
            status = "withdrawn"
            withdrawn = noon(AS_OF_DAY - dt.timedelta(days=rng.randrange(-20, 200)))
        elif kind == 1:
            valid_until = noon(AS_OF_DAY - dt.timedelta(days=rng.randrange(-30, 200)))
        elif kind == 2:
            states = ["left", "left"]
            updated = AS_OF_DAY - dt.timedelta(days=rng.randrange(-10, 100))
        elif kind == 3:
            created = AS_OF_DAY - dt.timedelta(days=5 * 366 + rng.randrange(0, 100))
        email = CANARY_EMAIL if i == 7 else f"person{i}@example.org"
        person_rows.append(
            {
                "id": i,
                "email": email,
                "phone": CANARY_PHONE if i == 7 else None,
                "status": status,
                "created_at": noon(created),
                "updated_at": noon(updated),
                "withdrawn_at": withdrawn,
                "valid_until": valid_until,
            }
        )
        for state in states:
            membership_rows.append({"id": len(membership_rows) + 1, "person_id": i, "state": state})
    with engine.begin() as connection:
        connection.execute(people.insert(), person_rows)
        connection.execute(memberships.insert(), membership_rows)
    engine.dispose()


def write_policy(directory: Path, url: str, extra_table: str = "") -> Path:
    path = directory / "policy.yaml"
    path.write_text(policy_text(url, extra_table), encoding="utf-8")
    return path
