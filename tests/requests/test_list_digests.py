"""`requests list` leads a reviewer back to the mail and groups one person's requests,
without an address or a header in the output: a keyed digest of the requester and the
SHA-256 of the Message-ID. A message dated in the future is flagged, not silently given
the ingest time: its deadline counts from the ingest, and the listing says so."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from pdpipe.policy import load_policy
from pdpipe.requests.classify import RequestType
from pdpipe.requests.sla import due
from tests.cli import CONTACT_KEY, run_main
from tests.execute.builders import PSEUDONYM_KEY, populate
from tests.requests.mailboxes import date, message, text, write_mbox
from tests.requests.scenario import policy_with_requests

SENT = date(2026, 11, 20, 9, 30, 5)


def _mailbox(path: Path) -> Path:
    return write_mbox(
        path,
        [
            message(
                subject="What personal data do you hold?",
                body=text("Please tell me."),
                sender="canary.person3@mail.ru",
                message_id="<a1@example.ru>",
                sent=SENT,
            ),
            message(  # the same person, tagged and capitalized: the same digest
                subject="Stop processing",
                body=text("Please stop processing my personal data."),
                sender="Canary.Person3+news@Mail.ru",
                message_id="<c1@example.ru>",
                sent=SENT,
            ),
            message(  # someone else, whose clock runs decades ahead
                subject="Withdrawal of Consent to Personal Data Processing",
                body=text("I withdraw my consent."),
                sender="canary.person4@mail.ru",
                message_id="<w1@example.ru>",
                sent=date(2099, 1, 1, 12, 0, 3),
            ),
        ],
    )


@pytest.fixture
def ingested(store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, str]:
    monkeypatch.setenv("PDPIPE_TEST_PSEUDONYM_KEY", PSEUDONYM_KEY)
    monkeypatch.setenv("PDPIPE_TEST_CONTACT_KEY", CONTACT_KEY)
    populate(store_url, people_count=10, leads_count=10)
    return policy_with_requests(tmp_path, store_url), store_url


def _list(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], policy: Path, *more: str
) -> str:
    code, stdout, stderr = run_main(
        monkeypatch, capsys, "requests", "list", str(policy), "--as-of", "2026-11-26", *more
    )
    assert code in (None, 0), stderr
    return stdout


def test_list_shows_a_subject_digest_and_the_message_id_hash(
    ingested: tuple[Path, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    policy, _ = ingested
    mailbox = _mailbox(tmp_path / "inbox.mbox")
    code, stdout, _ = run_main(monkeypatch, capsys, "requests", "ingest", str(policy), str(mailbox))
    assert code in (None, 0)

    rows = json.loads(_list(monkeypatch, capsys, policy, "--json"))["requests"]
    by_type = {r["type"]: r for r in rows}

    access, cease = by_type["access"], by_type["cease"]
    withdrawal = by_type["withdraw_consent"]
    assert access["subject"] == cease["subject"]  # one person, however the address is written
    assert access["subject"] != withdrawal["subject"]
    assert all(len(r["subject"]) == 12 for r in rows)
    sha = hashlib.sha256(b"<a1@example.ru>").hexdigest()
    assert access["message_id_sha256"] == sha  # `echo -n '<a1@…>' | sha256sum` leads back

    table = _list(monkeypatch, capsys, policy)
    assert access["subject"] in table and sha[:12] in table
    for output in (table, json.dumps(rows), stdout):
        assert "canary" not in output.lower() and "@" not in output


def test_a_future_date_is_flagged_and_counted_from_the_ingest(
    ingested: tuple[Path, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    policy, store_url = ingested
    mailbox = _mailbox(tmp_path / "inbox.mbox")
    before = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)

    code, stdout, _ = run_main(monkeypatch, capsys, "requests", "ingest", str(policy), str(mailbox))

    assert code in (None, 0)
    assert "1 dated in the future (Date after the ingest)" in stdout
    engine = sa.create_engine(store_url)
    with engine.connect() as connection:  # typed columns: SQLite returns dates as text
        register = sa.Table("pdpipe_requests", sa.MetaData(), autoload_with=connection)
        c = register.c
        columns = (c.type, c.received_from, c.received_at, c.deadline)
        rows = {r.type: r for r in connection.execute(sa.select(*columns))}
    engine.dispose()
    future = rows["withdraw_consent"]
    assert future.received_from == "future"  # the register marks it
    assert before <= future.received_at <= before + dt.timedelta(minutes=5)
    counted = due(load_policy(policy), RequestType.WITHDRAW_CONSENT, future.received_at)
    assert future.deadline == counted.deadline  # from the ingest, not from 2099
    assert rows["access"].received_from == "date"

    listed = json.loads(_list(monkeypatch, capsys, policy, "--json"))["requests"]
    assert {r["type"]: r["date_in_future"] for r in listed} == {
        "access": False,
        "cease": False,
        "withdraw_consent": True,
    }
    table = _list(monkeypatch, capsys, policy)
    (line,) = [row for row in table.splitlines() if "withdraw" in row]
    assert line.rstrip().endswith("date_in_future")
