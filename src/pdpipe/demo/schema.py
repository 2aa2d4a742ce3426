"""Table definitions of the two demo stores.

`mailing` follows listmonk's schema (lists, subscribers, subscriber_lists, campaigns,
campaign_views, link_clicks) closely enough that policies written for it carry over;
`crm` is a plain contact store. The table names of the two do not collide, so both can
live in one database.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

MAILING = sa.MetaData()
CRM = sa.MetaData()

# MariaDB databases may default to latin1; Cyrillic names need utf8mb4.
_MYSQL: dict[str, Any] = {"mysql_charset": "utf8mb4", "mysql_collate": "utf8mb4_unicode_ci"}


def _one_of(column: str, values: tuple[str, ...], name: str) -> sa.CheckConstraint:
    allowed = ", ".join(f"'{v}'" for v in values)
    return sa.CheckConstraint(f"{column} IN ({allowed})", name=name)


SUBSCRIBER_STATUSES = ("enabled", "disabled", "blocklisted")
SUBSCRIPTION_STATUSES = ("unconfirmed", "confirmed", "unsubscribed")
PHONE_KINDS = ("mobile", "work", "home")
CHANNELS = ("email", "phone", "meeting")

lists = sa.Table(
    "lists",
    MAILING,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("uuid", sa.CHAR(36), nullable=False, unique=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("type", sa.String(20), nullable=False),
    sa.Column("optin", sa.String(20), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    _one_of("type", ("public", "private"), "ck_lists_type"),
    _one_of("optin", ("single", "double"), "ck_lists_optin"),
    **_MYSQL,
)

subscribers = sa.Table(
    "subscribers",
    MAILING,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("uuid", sa.CHAR(36), nullable=False, unique=True),
    sa.Column("email", sa.String(255), nullable=False, unique=True),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("attribs", sa.JSON, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    _one_of("status", SUBSCRIBER_STATUSES, "ck_subscribers_status"),
    sa.Index("ix_subscribers_status", "status"),
    **_MYSQL,
)

subscriber_lists = sa.Table(
    "subscriber_lists",
    MAILING,
    sa.Column(
        "subscriber_id",
        sa.Integer,
        sa.ForeignKey("subscribers.id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    ),
    sa.Column(
        "list_id",
        sa.Integer,
        sa.ForeignKey("lists.id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    ),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    _one_of("status", SUBSCRIPTION_STATUSES, "ck_subscriber_lists_status"),
    sa.Index("ix_subscriber_lists_list_id", "list_id"),
    **_MYSQL,
)

campaigns = sa.Table(
    "campaigns",
    MAILING,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("subject", sa.String(300), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    **_MYSQL,
)

campaign_views = sa.Table(
    "campaign_views",
    MAILING,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "campaign_id", sa.Integer, sa.ForeignKey("campaigns.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("subscriber_id", sa.Integer, sa.ForeignKey("subscribers.id", ondelete="SET NULL")),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Index("ix_campaign_views_campaign_id", "campaign_id"),
    sa.Index("ix_campaign_views_subscriber_id", "subscriber_id"),
    **_MYSQL,
)

link_clicks = sa.Table(
    "link_clicks",
    MAILING,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "campaign_id", sa.Integer, sa.ForeignKey("campaigns.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("url", sa.String(500), nullable=False),
    sa.Column("subscriber_id", sa.Integer, sa.ForeignKey("subscribers.id", ondelete="SET NULL")),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Index("ix_link_clicks_campaign_id", "campaign_id"),
    sa.Index("ix_link_clicks_subscriber_id", "subscriber_id"),
    **_MYSQL,
)

contacts = sa.Table(
    "contacts",
    CRM,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("last_name", sa.String(100), nullable=False),
    sa.Column("first_name", sa.String(100), nullable=False),
    sa.Column("patronymic", sa.String(100)),
    sa.Column("email", sa.String(255)),
    sa.Column("consent_given_at", sa.DateTime),
    sa.Column("consent_valid_until", sa.DateTime),
    sa.Column("consent_withdrawn_at", sa.DateTime),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    sa.Index("ix_contacts_email", "email"),
    **_MYSQL,
)

contact_phones = sa.Table(
    "contact_phones",
    CRM,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "contact_id", sa.Integer, sa.ForeignKey("contacts.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("phone", sa.String(32), nullable=False),
    sa.Column("kind", sa.String(10), nullable=False),
    _one_of("kind", PHONE_KINDS, "ck_contact_phones_kind"),
    sa.Index("ix_contact_phones_contact_id", "contact_id"),
    **_MYSQL,
)

interactions = sa.Table(
    "interactions",
    CRM,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "contact_id", sa.Integer, sa.ForeignKey("contacts.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("channel", sa.String(20), nullable=False),
    sa.Column("note", sa.Text),
    sa.Column("created_at", sa.DateTime, nullable=False),
    _one_of("channel", CHANNELS, "ck_interactions_channel"),
    sa.Index("ix_interactions_contact_id", "contact_id"),
    **_MYSQL,
)

STORES: dict[str, sa.MetaData] = {"mailing": MAILING, "crm": CRM}
