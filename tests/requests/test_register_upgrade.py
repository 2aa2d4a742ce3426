"""Registers written by earlier versions are upgraded in place, on SQLite, PostgreSQL and
MariaDB: the first version's (no content digests, no review reasons) keeps its rows
registered, and from then on a message is recognised by Message-ID and content; the
second's (deadlines counted before they followed the statutes) is read as it is, its open
rows shown and then stored with the statutes' deadlines."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from pdpipe.policy import load_policy
from pdpipe.requests.intake import ingest, keys_for
from tests.cli import CONTACT_KEY
from tests.cli import pdpipe_in_process as pdpipe
from tests.execute.builders import PSEUDONYM_KEY, populate
from tests.requests import mailboxes
from tests.requests.first_version import first_version_register
from tests.requests.mailboxes import write_mbox
from tests.requests.scenario import policy_with_requests
from tests.requests.second_version import second_version_register


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


def test_a_register_from_before_the_statutes_deadlines_is_read_recounted_and_upgraded(
    store_url: str, tmp_path: Path
) -> None:
    """Open rows of a register written under the old rules are shown, and then stored, with
    the statutes' deadlines: a block at its receipt (152-FZ art. 21 p.1), a withdrawal on
    its 30th day even a Sunday (art. 21 p.5), its extension gone (none in art. 21 p.5), an
    access extension kept (art. 14 p.3); a closed row keeps its history. Listing writes
    nothing; the next command that writes adds the columns."""
    populate(store_url, people_count=3, leads_count=3)
    path = policy_with_requests(tmp_path, store_url)
    policy = load_policy(path)
    received = dt.datetime(2026, 11, 20, 4, 30)  # Friday, 09:30 in Almaty
    block, withdrawal, access, unread, done = second_version_register(
        store_url,
        keys_for(policy),
        [
            {"type": "block", "status": "new", "deadline": dt.date(2026, 12, 4)},
            {
                "type": "withdraw_consent",
                "status": "extended",
                "deadline": dt.date(2026, 12, 21),
                "extended_until": dt.date(2026, 12, 28),
            },
            {
                "type": "access",
                "status": "extended",
                "deadline": dt.date(2026, 12, 4),
                "extended_until": dt.date(2026, 12, 11),
            },
            {"type": None, "status": "needs_review", "deadline": dt.date(2026, 12, 1)},
            {"type": "destroy", "status": "done", "deadline": dt.date(2026, 12, 21)},
        ],
        received,
    )

    listed = pdpipe("requests", "list", str(path), "--json", "--as-of", "2026-11-20", "--all")
    assert listed.returncode == 0, listed.stderr
    shown = {r["id"]: r for r in json.loads(listed.stdout)["requests"]}
    assert {i: (shown[i]["due"], shown[i]["due_at"], shown[i]["extended"]) for i in shown} == {
        block: ("2026-11-20", "2026-11-20T04:30:00Z", False),
        withdrawal: ("2026-12-20", None, False),
        access: ("2026-12-11", None, True),
        unread: ("2026-11-20", "2026-11-20T04:30:00Z", False),
        done: ("2026-12-21", None, False),
    }
    assert "due_at" not in columns(store_url)  # listing wrote nothing

    empty = tmp_path / "empty.mbox"
    empty.write_bytes(b"")
    assert pdpipe("requests", "ingest", str(path), str(empty)).returncode == 0

    assert {"due_at", "stop_by", "stopped_at"} <= columns(store_url)
    stored = rows(store_url)
    assert {
        i: (_day(r["deadline"]), _instant(r["due_at"]), _day(r["extended_until"]))
        for i, r in stored.items()
    } == {
        block: ("2026-11-20", "2026-11-20 04:30:00", None),
        withdrawal: ("2026-12-20", None, None),
        access: ("2026-12-04", None, "2026-12-11"),
        unread: ("2026-11-20", "2026-11-20 04:30:00", None),
        done: ("2026-12-21", None, None),
    }


def _day(value: Any) -> str | None:
    return None if value is None else str(value)[:10]


def _instant(value: Any) -> str | None:  # SQLite gives text, the servers datetimes
    return None if value is None else str(value)[:19]


def columns(url: str) -> set[str]:
    engine = sa.create_engine(url)
    found = {c["name"] for c in sa.inspect(engine).get_columns("pdpipe_requests")}
    engine.dispose()
    return found
