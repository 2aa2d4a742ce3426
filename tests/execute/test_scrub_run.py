"""A CRM's support tickets about a customer whose purpose ended: the nightly job scrubs
the phones and e-mails out of their free text and keeps the rest, on every database."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa

from pdpipe.execute.runner import RunOptions, RunResult
from pdpipe.job import run_job
from pdpipe.policy import Policy, load_policy
from pdpipe.retention.decide import AsOf

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
            on_destroy: depersonalize
            columns:
              body: {{data: [phone, email], depersonalize: scrub}}
"""
AS_OF = dt.date(2026, 11, 25)


def _store(url: str) -> None:
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
                {"id": i, "email": f"c{i}@example.org", "updated_at": old if i <= 5 else recent}
                for i in range(1, 11)
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
                for i in range(1, 11)
            ],
        )
    engine.dispose()


def _bodies(url: str) -> dict[int, str]:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT id, body FROM tickets ORDER BY id")).all()
    engine.dispose()
    return {int(row.id): str(row.body) for row in rows}


def _run(url: str, folder: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Policy, RunResult]:
    """The store made, its policy written, and the nightly job run on AS_OF."""
    monkeypatch.delenv("PDPIPE_OUTPUT_DIR", raising=False)
    _store(url)
    path = folder / "policy.yaml"
    path.write_text(POLICY.format(url=url), encoding="utf-8")
    policy = load_policy(path)
    as_of = AsOf.end_of_day(AS_OF, policy.operator.timezone)
    return policy, run_job(policy, RunOptions(as_of=as_of, allow_large=True))


def test_the_tickets_of_depersonalized_customers_keep_their_text_without_pd(
    store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, result = _run(store_url, tmp_path, monkeypatch)

    assert result.acted == 5 and result.checks_failed == 0
    bodies = _bodies(store_url)
    for i in range(1, 6):  # their purpose ended: depersonalized, tickets scrubbed
        assert bodies[i] == (
            f"Просил перезвонить на [phone], копию письма на [email]. Заказ №{1000 + i} отгружен."
        )
    for i in range(6, 11):  # still in use: as they were
        assert f"c{i}.home@mail.ru" in bodies[i]


def test_a_phone_left_in_a_scrubbed_ticket_fails_validation(
    store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pdpipe

    policy, _ = _run(store_url, tmp_path, monkeypatch)
    engine = sa.create_engine(store_url)
    with engine.begin() as connection:  # what a detector missed, or a later edit wrote
        connection.execute(
            sa.text("UPDATE tickets SET body = :body WHERE id = 1"),
            {"body": "Новый номер: +7 912 555-01-99"},
        )
    engine.dispose()

    report = pdpipe.validate(policy, as_of=AS_OF, out=tmp_path / "checks")

    assert [(c.table, c.unexpected) for c in report.failed] == [("customers", 1)]
