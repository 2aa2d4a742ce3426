"""A CRM whose support tickets hold phones and e-mails its policy may forget: the store
and the policy, with the tickets' body declared or not."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import sqlalchemy as sa

from pdpipe.policy import Policy, load_policy

POLICY = """
version: 1
operator: {{name: Test Operator, jurisdiction: RU-152FZ, timezone: Asia/Almaty, contact: a@b.c}}
purposes:
  - {{id: support, title: Support, legal_ground: contract, processing: [use],
     data: [email, phone], keep_for: P1Y, on_end: depersonalize}}
stores:
  - name: crm
    url: {url}
    tables:
      - name: customers
        key: id
        purpose: support
        clock: updated_at
        columns:
          email: {{data: email, depersonalize: redact}}
        children:
          - table: tickets
            fk: customer_id
            on_destroy: delete
{ticket_columns}
"""
DECLARED = """            columns:
              body: {data: [phone, email], depersonalize: scrub}
"""
AS_OF = dt.date(2026, 11, 25)
DUE = 5  # customers 1-5: their purpose ended a year after 2024-03-01


def make_store(url: str) -> None:
    metadata = sa.MetaData()
    customers = sa.Table(
        "customers",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("email", sa.String(80)),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    tickets = sa.Table(
        "tickets",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("customer_id", sa.Integer, sa.ForeignKey("customers.id"), nullable=True),
        sa.Column("body", sa.Text),
    )
    old, recent = dt.datetime(2024, 3, 1, 12), dt.datetime(2026, 10, 1, 12)
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        metadata.create_all(connection)
        connection.execute(
            customers.insert(),
            [
                {"id": i, "email": f"c{i}@example.org", "updated_at": old if i <= DUE else recent}
                for i in range(1, 21)
            ],
        )
        connection.execute(
            tickets.insert(),
            [
                {
                    "id": i,
                    "customer_id": i,
                    "body": f"Просил перезвонить на +7 912 555-{i:02d}-{i:02d}, "
                    f"копию письма на c{i}.home@mail.ru. Заказ №{1000 + i} отгружен.",
                }
                for i in range(1, 21)
            ],
        )
    engine.dispose()


def write_policy(url: str, folder: Path, *, declared: bool) -> Policy:
    path = folder / "policy.yaml"
    columns = DECLARED if declared else ""
    path.write_text(POLICY.format(url=url, ticket_columns=columns), encoding="utf-8")
    return load_policy(path)
