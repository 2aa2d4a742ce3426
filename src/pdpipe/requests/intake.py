"""From a mailbox to the register: read, classify, pseudonymize, set the deadline.

Each message is registered in its own transaction, keyed by its Message-ID: a crash
mid-ingest leaves every message either registered or not, and ingesting again registers
the rest and nothing twice.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

from pdpipe.policy.models import Policy
from pdpipe.policy.secrets import require_secret
from pdpipe.requests import register
from pdpipe.requests.classify import RequestType, classify
from pdpipe.requests.identity import Keys, normalize_address
from pdpipe.requests.mailbox import Message, Unreadable, check_mailbox, read_mailbox
from pdpipe.requests.proposals import proposed_values
from pdpipe.requests.sla import deadline


@dataclass
class IngestReport:
    registered: dict[str, int] = field(default_factory=dict)  # type (or needs_review) -> n
    already: int = 0
    unreadable: list[Unreadable] = field(default_factory=list)
    request_ids: list[str] = field(default_factory=list)

    @property
    def total_registered(self) -> int:
        return sum(self.registered.values())


def keys_for(policy: Policy) -> Keys:
    return Keys(require_secret(policy, "pseudonym_key"), require_secret(policy, "contact_key"))


def _row(
    policy: Policy, keys: Keys, message: Message, ingested_at: dt.datetime
) -> dict[str, object]:
    verdict = classify(message.subject, message.body)
    sent = message.sent_at.replace(tzinfo=None) if message.sent_at else None
    # A Date header from the future is a wrong clock, not a later receipt.
    received, source = (sent, "date") if sent and sent <= ingested_at else (ingested_at, "ingest")
    if verdict.type is None:
        # The clock runs from receipt whatever the message turns out to be: until a person
        # reads it, the earliest deadline any request type could have applies.
        due = min(deadline(policy, kind, received) for kind in RequestType)
        status = register.Status.NEEDS_REVIEW
    else:
        due = deadline(policy, verdict.type, received)
        status = register.Status.NEW
    plus = policy.requests.plus_addressing if policy.requests else True
    proposal = None
    if verdict.type is RequestType.UPDATE:
        values = proposed_values(message.body)
        proposal = keys.encrypt(json.dumps(values, ensure_ascii=False)) if values else None
    return {
        "request_id": message.key[:12],
        "message_key": message.key,
        "type": None if verdict.type is None else verdict.type.value,
        "basis": verdict.basis,
        "status": status.value,
        "received_at": received,
        "received_from": source,
        "deadline": due,
        "requester": keys.pseudonym(normalize_address(message.sender, plus_addressing=plus)),
        "contact": keys.encrypt(message.sender),
        "proposal": proposal,
        "created_at": ingested_at,
        "updated_at": ingested_at,
    }


def ingest(policy: Policy, mailbox: Path) -> IngestReport:
    """Register every request in `mailbox` not registered yet."""
    keys = keys_for(policy)
    check_mailbox(Path(mailbox))  # bad input changes nothing: not even the register's table
    report = IngestReport()
    with register.opened(policy) as engine:
        for item in read_mailbox(mailbox):
            if isinstance(item, Unreadable):
                report.unreadable.append(item)
                continue
            row = _row(policy, keys, item, register.now())
            with engine.begin() as connection:  # one message, one transaction
                if register.insert_new(connection, row):
                    kind = str(row["type"] or register.Status.NEEDS_REVIEW.value)
                    report.registered[kind] = report.registered.get(kind, 0) + 1
                    report.request_ids.append(str(row["request_id"]))
                else:
                    report.already += 1
    return report
