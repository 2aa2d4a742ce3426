"""The SLA view: overdue requests are flagged, a deadline is extended once with its
reason, and a person can close a request with a note."""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa

from tests.cli import pdpipe_in_process as pdpipe
from tests.execute.builders import populate
from tests.requests.mailboxes import date, message, text, write_mbox
from tests.requests.scenario import policy_with_requests

TODAY = "2026-11-26"  # the register's clock for the listing; receipt dates are in the past


def _listed(policy: Path, *options: str) -> list[dict[str, object]]:
    done = pdpipe("requests", "list", str(policy), "--json", "--as-of", TODAY, *options)
    assert done.returncode == 0, done.stderr
    rows: list[dict[str, object]] = json.loads(done.stdout)["requests"]
    return rows


def test_overdue_extended_and_closed_requests(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/store.db"
    populate(url, people_count=5, leads_count=5)
    policy = policy_with_requests(tmp_path, url)
    mailbox = write_mbox(
        tmp_path / "inbox.mbox",
        [
            message(  # long overdue: 10 working days from October 2024
                subject="What personal data do you hold about me?",
                body=text("Hello"),
                sender="old@example.org",
                message_id="<old@example.org>",
                sent=date(2024, 10, 1, 9, 0, 5),
            ),
            message(  # received Friday Nov 20, 2026: 10 working days, due Dec 4
                subject="Access request",
                body=text("Hello"),
                sender="new@example.org",
                message_id="<new@example.org>",
                sent=date(2026, 11, 20, 11, 0, 5),
            ),
        ],
    )
    assert pdpipe("requests", "ingest", str(policy), str(mailbox)).returncode == 0
    overdue = _listed(policy, "--overdue")
    assert [(r["received"], r["due"], r["overdue"]) for r in overdue] == [
        ("2024-10-01", "2024-10-15", True)
    ]
    table = pdpipe("requests", "list", str(policy), "--as-of", TODAY)
    assert "2 request(s); 1 overdue" in table.stdout

    new = next(r for r in _listed(policy) if r["due"] == "2026-12-04")
    assert new["days_left"] == 8
    extended = pdpipe(
        "requests", "extend", str(policy), str(new["id"]), "--reason", "records in archive"
    )
    assert extended.returncode == 0, extended.stderr
    assert "due 2026-12-11 (was 2026-12-04)" in extended.stdout  # +5 working days
    assert [r["status"] for r in _listed(policy) if r["id"] == new["id"]] == ["extended"]
    twice = pdpipe("requests", "extend", str(policy), str(new["id"]), "--reason", "again")
    assert twice.returncode == 2 and "once is the limit" in twice.stderr

    old = overdue[0]["id"]
    no_note = pdpipe("requests", "close", str(policy), str(old))
    assert no_note.returncode == 2
    closed = pdpipe(
        "requests", "close", str(policy), str(old), "--refuse", "--note", "not our customer"
    )
    assert closed.returncode == 0 and "refused" in closed.stdout
    assert _listed(policy, "--overdue") == []
    spam = write_mbox(
        tmp_path / "more.mbox",
        [
            message(  # a withdrawal nobody could read as one: a person classifies it
                subject="Hi",
                body=text("Unsubscribe me from everything, forever."),
                sender="odd@example.org",
                message_id="<odd@example.org>",
                sent=date(2026, 11, 20, 11, 0, 5),
            )
        ],
    )
    assert pdpipe("requests", "ingest", str(policy), str(spam)).returncode == 0
    (odd,) = [r for r in _listed(policy) if r["status"] == "needs_review"]
    # The earliest any type could have: a demand to block is due at its receipt (152-FZ
    # art. 21 p.1), sent 11:00 at UTC+5.
    assert (odd["due"], odd["due_at"]) == ("2026-11-20", "2026-11-20T06:00:00Z")
    classified = pdpipe("requests", "classify", str(policy), str(odd["id"]), "withdraw_consent")
    assert classified.returncode == 0, classified.stderr
    # 30 days end on Sunday Dec 20, and stay there: rolling to the next working day (Civil
    # Code art. 193) is a reading the policy may choose, not the default.
    assert "withdraw_consent, due 2026-12-20" in classified.stdout
    (withdrawal,) = [r for r in _listed(policy) if r["id"] == odd["id"]]
    assert (withdrawal["due"], withdrawal["due_at"]) == ("2026-12-20", None)
    unknown = pdpipe("requests", "approve", str(policy), "nosuchid")
    assert unknown.returncode == 2 and "no request 'nosuchid'" in unknown.stderr


def test_a_mailbox_that_is_not_there_is_bad_input_and_writes_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/store.db"
    populate(url, people_count=3, leads_count=3)
    policy = policy_with_requests(tmp_path, url)
    missing = pdpipe("requests", "ingest", str(policy), str(tmp_path / "no-such.mbox"))
    assert missing.returncode == 2
    assert "no-such.mbox: no mailbox there" in missing.stderr
    engine = sa.create_engine(url)
    assert not sa.inspect(engine).has_table("pdpipe_requests")
    engine.dispose()
