"""The naive way: an ORM loop that loads, changes and flushes one record at a time.

SQLAlchemy's automap reflects the demo tables into classes (no relationships: the loop
handles children itself, as such scripts do). The due records are selected with the same
conditions as the hand-written SQL; then, per due subscriber: load it, delete its list
memberships, detach its views and clicks, delete it, flush; per contact who withdrew
consent: delete its phones and interactions and it (a withdrawal destroys, 152-FZ art. 21
p.5), flush; per other due contact: load it, redact, mask and pseudonymize its fields in
Python (HMAC from hashlib), load its phones and mask them, flush. One commit
at the end. It runs on a small database of its own (``--naive-sample`` subscribers) and
its rate is scaled to the full size.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.automap import automap_base
from sqlalchemy.orm import Session

from bench.handwritten import (
    CONTACTS_DUE,
    CONTACTS_WITHDRAWN,
    PSEUDONYM_DOMAIN,
    PSEUDONYM_HEX,
    REDACTED,
    SUBSCRIBERS_DUE,
    Cuts,
)
from pdpipe.stores.drivers import plain_engine

_HIDDEN = re.compile(r"[^ +().@-]")


@dataclass(frozen=True)
class NaiveResult:
    seconds: float
    destroyed: int
    depersonalized: int

    @property
    def acted(self) -> int:
        return self.destroyed + self.depersonalized

    @property
    def rate(self) -> float:
        return self.acted / self.seconds if self.seconds else 0.0


def _no_relationship(*_args: Any, **_kwargs: Any) -> None:
    return None


def pseudonym_email(email: str | None, key: bytes) -> str | None:
    if email is None:
        return None
    text = email.strip().lower()
    if not text:
        return ""
    digest = hmac.new(key, text.encode(), hashlib.sha256).hexdigest()
    return f"u_{digest[:PSEUDONYM_HEX]}{PSEUDONYM_DOMAIN}"


def mask_first(name: str) -> str:
    return name[:1] + _HIDDEN.sub("*", name[1:])


def mask_last_two(phone: str | None) -> str | None:
    return None if phone is None else _HIDDEN.sub("*", phone[:-2]) + phone[-2:]


def run(url: str, cuts: Cuts, key: str) -> NaiveResult:
    engine = plain_engine(url)
    try:
        base = automap_base()
        base.prepare(autoload_with=engine, generate_relationship=_no_relationship)
        subscriber_cls = base.classes.subscribers
        membership_cls = base.classes.subscriber_lists
        view_cls = base.classes.campaign_views
        click_cls = base.classes.link_clicks
        contact_cls = base.classes.contacts
        phone_cls = base.classes.contact_phones
        interaction_cls = base.classes.interactions
        secret = key.encode()
        started = time.perf_counter()
        with Session(engine) as session:
            due = session.execute(sa.text(SUBSCRIBERS_DUE), cuts.params()).scalars().all()
            for key_value in due:
                subscriber = session.get(subscriber_cls, key_value)
                for membership in session.scalars(
                    sa.select(membership_cls).where(membership_cls.subscriber_id == key_value)
                ):
                    session.delete(membership)
                for child_cls in (view_cls, click_cls):
                    for child in session.scalars(
                        sa.select(child_cls).where(child_cls.subscriber_id == key_value)
                    ):
                        child.subscriber_id = None
                session.delete(subscriber)
                session.flush()
            withdrawn = (
                session.execute(
                    sa.text(f"SELECT id FROM contacts WHERE {CONTACTS_WITHDRAWN}"), cuts.params()
                )
                .scalars()
                .all()
            )
            for key_value in withdrawn:
                for child_cls in (phone_cls, interaction_cls):
                    for child in session.scalars(
                        sa.select(child_cls).where(child_cls.contact_id == key_value)
                    ):
                        session.delete(child)
                session.delete(session.get(contact_cls, key_value))
                session.flush()
            contacts = session.execute(
                sa.text(f"SELECT id FROM contacts WHERE {CONTACTS_DUE}"), cuts.params()
            )
            contact_keys = contacts.scalars().all()
            for key_value in contact_keys:
                contact: Any = session.get(contact_cls, key_value)
                contact.last_name = REDACTED
                contact.first_name = mask_first(contact.first_name)
                contact.patronymic = None
                contact.email = pseudonym_email(contact.email, secret)
                for phone in session.scalars(
                    sa.select(phone_cls).where(phone_cls.contact_id == key_value)
                ):
                    phone.phone = mask_last_two(phone.phone)
                session.flush()
            session.commit()
        seconds = time.perf_counter() - started
    finally:
        engine.dispose()
    return NaiveResult(seconds, len(due) + len(withdrawn), len(contact_keys))
