"""A request register as pdpipe wrote it before request deadlines followed the statutes'
text: no `due_at`, `stop_by` or `stopped_at`, and deadlines counted the old way (a block
as a demand to cease, 10 working days; 30-day terms rolled to a working day; an extension
for every type)."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import sqlalchemy as sa

from pdpipe.requests.identity import Keys


def second_version_table(metadata: sa.MetaData) -> sa.Table:
    """`pdpipe_requests` as the version before the statutes' deadlines created it."""
    return sa.Table(
        "pdpipe_requests",
        metadata,
        sa.Column("request_id", sa.String(12), primary_key=True),
        sa.Column("message_key", sa.String(64), nullable=False, unique=True),
        sa.Column("message_id_key", sa.String(64), index=True),
        sa.Column("content_digest", sa.String(64)),
        sa.Column("review", sa.String(200)),
        sa.Column("type", sa.String(20)),
        sa.Column("basis", sa.String(60), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("received_at", sa.DateTime, nullable=False),
        sa.Column("received_from", sa.String(10), nullable=False),
        sa.Column("deadline", sa.Date),
        sa.Column("extended_until", sa.Date),
        sa.Column("extension_reason", sa.Text),
        sa.Column("requester", sa.String(64), nullable=False),
        sa.Column("contact", sa.Text, nullable=False),
        sa.Column("proposal", sa.Text),
        sa.Column("matched", sa.Text),
        sa.Column("outcome", sa.Text),
        sa.Column("note", sa.Text),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Column("closed_at", sa.DateTime),
        sa.Index("ix_pdpipe_requests_status", "status", "deadline"),
    )


def second_version_register(
    url: str, keys: Keys, rows: list[dict[str, Any]], received_at: dt.datetime
) -> list[str]:
    """A register of that version holding `rows` (type, status, deadline and, optionally,
    extended_until), each from its own sender, received at that UTC instant; returns their
    request ids."""
    engine = sa.create_engine(url)
    table = second_version_table(sa.MetaData())
    ids = []
    with engine.begin() as connection:
        table.create(connection)
        for number, row in enumerate(rows):
            key = hashlib.sha256(f"<second-{number}@example.org>".encode()).hexdigest()
            sender = f"sender{number}@example.org"
            stamp = dt.datetime(2026, 11, 21, 9, 0)
            connection.execute(
                table.insert().values(
                    request_id=key[:12],
                    message_key=key,
                    message_id_key=key,
                    basis="subject",
                    received_at=received_at,
                    received_from="date",
                    requester=keys.requester(sender),
                    contact=keys.encrypt(sender),
                    created_at=stamp,
                    updated_at=stamp,
                    **row,
                )
            )
            ids.append(key[:12])
    engine.dispose()
    return ids
