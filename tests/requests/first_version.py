"""A request register as pdpipe's first version wrote it: no content digests, no review
reasons, and the requester as HMAC(pseudonym_key, address), the very pseudonym the
depersonalization operators write."""

from __future__ import annotations

import datetime as dt
import hashlib

import sqlalchemy as sa

from pdpipe.requests.identity import Keys

FIRST_ID = "<en-withdraw.1@mail.example.com>"  # the Message-ID of mailboxes.en_withdraw()


def first_version_table(metadata: sa.MetaData) -> sa.Table:
    """`pdpipe_requests` as pdpipe's first version created it."""
    return sa.Table(
        "pdpipe_requests",
        metadata,
        sa.Column("request_id", sa.String(12), primary_key=True),
        sa.Column("message_key", sa.String(64), nullable=False, unique=True),
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


def first_version_register(
    url: str, keys: Keys, sender: str, requester: str, message_id: str = FIRST_ID
) -> str:
    """A first-version register holding one open withdrawal of consent from `sender`, by
    default the message mailboxes.en_withdraw(); returns its request id."""
    key = hashlib.sha256(message_id.encode()).hexdigest()
    now = dt.datetime(2025, 11, 18, 9, 0)
    engine = sa.create_engine(url)
    table = first_version_table(sa.MetaData())
    with engine.begin() as connection:
        table.create(connection)
        connection.execute(
            table.insert().values(
                request_id=key[:12],
                message_key=key,
                type="withdraw_consent",
                basis="subject",
                status="new",
                received_at=now,
                received_from="date",
                deadline=dt.date(2025, 12, 18),
                requester=requester,
                contact=keys.encrypt(sender),
                created_at=now,
                updated_at=now,
            )
        )
    engine.dispose()
    return key[:12]
