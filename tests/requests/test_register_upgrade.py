"""A register written by pdpipe's first version (no content digests, no review reasons)
is upgraded in place, on SQLite, PostgreSQL and MariaDB: its rows stay registered, and
from then on a message is recognised by Message-ID and content."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from pdpipe.policy import load_policy
from pdpipe.requests.intake import ingest, keys_for
from tests.cli import CONTACT_KEY
from tests.execute.builders import PSEUDONYM_KEY, populate
from tests.requests import mailboxes
from tests.requests.first_version import first_version_register
from tests.requests.mailboxes import write_mbox
from tests.requests.scenario import policy_with_requests


def rows(url: str) -> dict[str, dict[str, Any]]:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        found = connection.execute(sa.text("SELECT * FROM pdpipe_requests")).mappings().all()
    engine.dispose()
    return {row["request_id"]: dict(row) for row in found}


@pytest.fixture(autouse=True)
def keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PDPIPE_TEST_PSEUDONYM_KEY", PSEUDONYM_KEY)
    monkeypatch.setenv("PDPIPE_TEST_CONTACT_KEY", CONTACT_KEY)


def test_a_first_version_register_is_upgraded_and_its_messages_stay_registered(
    store_url: str, tmp_path: Path
) -> None:
    populate(store_url, people_count=3, leads_count=3)
    policy = load_policy(policy_with_requests(tmp_path, store_url))
    old_id = first_version_register(store_url, keys_for(policy), "john.smith@example.com", "0" * 64)
    reused = mailboxes.en_withdraw().replace(b"withdraw my consent", b"withdraw all consent")
    mailbox = write_mbox(
        tmp_path / "inbox.mbox", [mailboxes.en_withdraw(), mailboxes.en_update(), reused]
    )

    report = ingest(policy, mailbox)

    # The old row is the first message again; the second is new; the third reuses the
    # first's Message-ID with other content: registered for review.
    assert (report.already, report.total_registered) == (1, 2)
    assert [(f.reasons, f.name.split(" ")[0]) for f in report.flagged] == [
        (("message_id_reused",), "inbox.mbox#3")
    ]
    register = rows(store_url)
    old = register[old_id]
    assert old["message_id_key"] == old["message_key"]
    assert old["content_digest"] is not None  # lent by the first message seen again
    assert old["review"] is None and old["status"] == "new"
    again = ingest(policy, mailbox)
    assert (again.already, again.total_registered) == (3, 0)
    assert len(rows(store_url)) == 3
