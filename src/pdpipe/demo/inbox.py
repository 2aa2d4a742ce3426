"""The demo's mailbox: requests from some of the demo's own subjects, as people write them.

Withdrawals in Russian and English (one a reply), a demand to cease in an HTML-only mail,
an access request in koi8-r, an update with a new last name, a block request, spam,
and one message delivered twice: what `pdpipe requests ingest` is built for.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import mailbox
from email.message import EmailMessage
from pathlib import Path

import sqlalchemy as sa

from pdpipe.stores.drivers import plain_engine

INBOX_FILE = "inbox.mbox"
OPERATOR = "ipm@gmail.com"


def _message(
    sender: str, subject: str, body: str, number: int, sent: dt.datetime, **content: str
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = OPERATOR
    message["Subject"] = subject
    message["Date"] = email.utils.format_datetime(sent)
    message["Message-ID"] = f"<demo-request-{number}@pdpipe.invalid>"
    message.set_content(body, **content)  # type: ignore[arg-type]
    return message


def _addresses(url: str, query: str, count: int) -> list[str]:
    engine = plain_engine(url)
    try:
        with engine.connect() as connection:
            found = connection.execute(sa.text(query), {"n": count}).scalars()
            return [str(address) for address in found]
    finally:
        engine.dispose()


# People the nightly job keeps (active, consent running): their requests find records.
_ACTIVE_SUBSCRIBERS = (
    "SELECT email FROM subscribers s WHERE status = 'enabled' AND email IS NOT NULL "
    "AND EXISTS (SELECT 1 FROM subscriber_lists l WHERE l.subscriber_id = s.id "
    "AND l.status != 'unsubscribed') ORDER BY updated_at DESC, id LIMIT :n"
)
_ALL_SUBSCRIBERS = "SELECT email FROM subscribers WHERE email IS NOT NULL LIMIT :n"
_ACTIVE_CONTACTS = (
    "SELECT email FROM contacts WHERE consent_withdrawn_at IS NULL AND email IS NOT NULL "
    "ORDER BY consent_valid_until DESC, id LIMIT :n"
)


def write_inbox(folder: Path, mailing_url: str, crm_url: str, today: dt.date) -> Path:
    """`inbox.mbox` in `folder`, from subscribers and contacts of the demo stores."""
    subscribers = _addresses(mailing_url, _ACTIVE_SUBSCRIBERS, 3)
    contacts = _addresses(crm_url, _ACTIVE_CONTACTS, 3)
    # The access request comes from someone both stores hold, when there is such a person.
    known = {a.casefold() for a in _addresses(mailing_url, _ALL_SUBSCRIBERS, 200_000)}
    in_both = [a for a in _addresses(crm_url, _ACTIVE_CONTACTS, 5_000) if a.casefold() in known]
    if in_both:
        contacts[0] = in_both[0]
    zone = dt.timezone(dt.timedelta(hours=5))
    day = dt.datetime.combine(today - dt.timedelta(days=3), dt.time(10, 0), zone)
    messages = [
        _message(
            subscribers[0],
            "Отзыв согласия на обработку персональных данных",
            "Прошу прекратить обработку моих персональных данных и удалить их.",
            1,
            day,
        ),
        _message(
            subscribers[1].upper(),
            "Re: Withdrawal of Consent to Personal Data Processing",
            "I withdraw my consent.",
            2,
            day,
        ),
        _message(
            subscribers[2],
            "Обращение",
            "<p>Прошу <b>прекратить обработку</b> моих персональных данных.</p>",
            3,
            day,
            subtype="html",
        ),
        _message(
            contacts[0],
            "Запрос сведений",
            "Прошу предоставить сведения об обработке моих персональных данных.",
            4,
            day,
            charset="koi8-r",
        ),
        _message(contacts[1], "Обновление персональных данных", "Новая фамилия: Иванова", 5, day),
        _message(contacts[2], "Block my data", "Please block my personal data.", 6, day),
        _message("offers@shop.example", "Скидки недели", "Только сегодня!", 7, day),
    ]
    path = folder / INBOX_FILE
    path.unlink(missing_ok=True)
    box = mailbox.mbox(path)
    try:
        for message in [*messages, messages[0]]:  # the first one arrives twice
            box.add(message)
        box.flush()
    finally:
        box.close()
    return path
