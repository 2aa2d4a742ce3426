"""From a mailbox to the register: read, classify, pseudonymize, set the deadline.

Each message is registered in its own transaction: a crash mid-ingest leaves every message
either registered or not, and ingesting again registers the rest and nothing twice (see
register.py for how a message is recognised).

Every message is registered, even one pdpipe cannot understand (no sender, no Message-ID,
bytes no parser reads, text no charset decodes, too large): it waits for a person as
`needs_review`, with its reasons and the earliest deadline any request could have, since
the statutory clock runs from receipt whatever the message turns out to be.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from pdpipe.policy.models import Policy
from pdpipe.policy.secrets import secret_key
from pdpipe.requests import register
from pdpipe.requests.classify import RequestType, classify
from pdpipe.requests.identity import REQUESTER_SCHEME, Keys, normalize_address
from pdpipe.requests.mailbox import Message, ReviewReason, open_mailbox, read_mailbox
from pdpipe.requests.proposals import proposed_values
from pdpipe.requests.sla import due as sla_due
from pdpipe.requests.sla import earliest


@dataclass(frozen=True)
class Flagged:
    """A message registered for review because of how it was written (not only because no
    request type was found in it): named by place and digest, never by a header."""

    request_id: str
    name: str  # Message.name: "inbox.mbox#6 [3f2a9c1e77aa]"
    reasons: tuple[str, ...]


@dataclass
class IngestReport:
    registered: dict[str, int] = field(default_factory=dict)  # type (or needs_review) -> n
    already: int = 0
    flagged: list[Flagged] = field(default_factory=list)
    request_ids: list[str] = field(default_factory=list)
    ignored: int = 0  # files in the mailbox's folders that are no messages
    rekeyed: int = 0  # register rows whose requester hash was rewritten (upgrade_register)
    future_dated: list[str] = field(default_factory=list)  # ids: Date after the ingest

    @property
    def total_registered(self) -> int:
        return sum(self.registered.values())


def keys_for(policy: Policy) -> Keys:
    return Keys(secret_key(policy, "contact_key"))


def _plus(policy: Policy) -> bool:
    return policy.requests.plus_addressing if policy.requests else True


def _message_key(message: Message, seen: register.Seen) -> str:
    """The row's identity: the Message-ID's SHA-256 for the first message with it (as the
    register's first version), else a digest of what tells this message apart."""
    if message.id_key is None:
        return hashlib.sha256(f"no-message-id\x00{message.digest}".encode()).hexdigest()
    if seen is register.Seen.NEW:
        return message.id_key
    return hashlib.sha256(f"{message.id_key}\x00{message.digest}".encode()).hexdigest()


def _row(
    policy: Policy,
    keys: Keys,
    message: Message,
    seen: register.Seen,
    ingested_at: dt.datetime,
) -> dict[str, object]:
    problems = [reason.value for reason in message.problems]
    if seen is register.Seen.REUSED:
        problems.append(ReviewReason.MESSAGE_ID_REUSED.value)
    kind, basis = None, "not classified: read by a person"
    if not problems:  # only what could be read whole is classified
        verdict = classify(message.subject, message.body)
        kind, basis = verdict.type, verdict.basis
        if kind is None:
            problems.append(ReviewReason.UNCLASSIFIED.value)
    received, source = receipt(message, ingested_at)
    if kind is None:
        # The clock runs from receipt whatever the message turns out to be: until a person
        # reads it, the earliest deadline any request type could have applies.
        due = earliest(policy, received)
        status = register.Status.NEEDS_REVIEW
    else:
        due = sla_due(policy, kind, received)
        status = register.Status.NEW
    proposal = None
    if kind is RequestType.UPDATE:
        # National numbers (8 (701) …) are read as the operator's country writes them.
        values = proposed_values(message.body, policy.calendar_country)
        proposal = keys.encrypt(json.dumps(values, ensure_ascii=False)) if values else None
    sender = message.sender
    message_key = _message_key(message, seen)
    return {
        "request_id": message_key[:12],
        "message_key": message_key,
        "message_id_key": message.id_key,
        "content_digest": message.digest,
        "review": ",".join(problems) or None,
        "type": None if kind is None else kind.value,
        "basis": basis,
        "status": status.value,
        "received_at": received,
        "received_from": source,
        "deadline": due.deadline,
        "due_at": due.at,
        "stop_by": due.stop_by,
        "requester": keys.requester(normalize_address(sender, plus_addressing=_plus(policy)))
        if sender
        else "",
        "contact": keys.encrypt(sender) if sender else "",
        "proposal": proposal,
        "created_at": ingested_at,
        "updated_at": ingested_at,
    }


def receipt(message: Message, ingested_at: dt.datetime) -> tuple[dt.datetime, str]:
    """When the message was received, and where that was read: its Date header, else the
    time of ingest: "ingest" when it has no Date, FUTURE_DATE when its Date lies after the
    ingest (a wrong clock, or a date set to gain time: not a later receipt, and not
    silently replaced either — the register keeps the mark and `requests list` shows it)."""
    sent = message.sent_at.replace(tzinfo=None) if message.sent_at else None
    if sent is None:
        return ingested_at, "ingest"
    if sent > ingested_at:
        return ingested_at, register.FUTURE_DATE
    return sent, "date"


def upgrade_register(policy: Policy, keys: Keys, engine: sa.Engine) -> int:
    """Rewrites requester hashes of the register's first version, which were the
    depersonalization pseudonym of the address (HMAC with `pseudonym_key`), into this
    version's (identity.py); the address comes from the encrypted contact. Returns how many
    rows changed; 0 once done."""
    table = register.requests
    with engine.connect() as connection:
        old = connection.execute(
            sa.select(table.c.request_id, table.c.contact).where(
                ~table.c.requester.startswith(REQUESTER_SCHEME) & (table.c.requester != "")
            )
        ).all()
    if not old:
        return 0
    with engine.begin() as connection:  # all at once: no row left the old way
        for request_id, contact in old:
            address = normalize_address(keys.decrypt(contact), plus_addressing=_plus(policy))
            connection.execute(
                table.update()
                .where(table.c.request_id == request_id)
                .values(requester=keys.requester(address))
            )
    return len(old)


def ingest(
    policy: Policy, mailbox: Path, progress: Callable[[int], None] | None = None
) -> IngestReport:
    """Register every message in `mailbox` not registered yet; `progress(read)` is called
    with the number of messages read so far, after each."""
    keys = keys_for(policy)
    found = open_mailbox(Path(mailbox))  # bad input changes nothing: not even the register
    report = IngestReport(ignored=found.ignored)
    with register.opened(policy) as engine:
        report.rekeyed = upgrade_register(policy, keys, engine)
        for read, message in enumerate(read_mailbox(found), start=1):
            registered = _register(policy, keys, engine, message)
            if progress is not None:
                progress(read)
            if registered is None:
                report.already += 1
                continue
            request_id, kind, review, source = registered
            if source == register.FUTURE_DATE:
                report.future_dated.append(request_id)
            report.registered[kind] = report.registered.get(kind, 0) + 1
            report.request_ids.append(request_id)
            if review and review != (ReviewReason.UNCLASSIFIED.value,):
                report.flagged.append(Flagged(request_id, message.name, review))
    return report


def _register(
    policy: Policy, keys: Keys, engine: sa.Engine, message: Message
) -> tuple[str, str, tuple[str, ...], str] | None:
    """(request id, type or needs_review, review reasons, where receipt was read) of the
    new row; None when the message is registered already."""
    with engine.begin() as connection:  # one message, one transaction
        seen = register.seen(connection, message.id_key, message.digest)
        if seen is register.Seen.SAME:
            return None
        row = _row(policy, keys, message, seen, register.now())
        if not register.insert_new(connection, row):
            return None
    kind = str(row["type"] or register.Status.NEEDS_REVIEW.value)
    review = tuple(str(row["review"] or "").split(",")) if row["review"] else ()
    return str(row["request_id"]), kind, review, str(row["received_from"])
