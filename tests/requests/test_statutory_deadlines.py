"""Request deadlines as the statutes say, computed by hand, and how the register, the
listing and the dashboard show them.

Receipts in 2027 are counted by the library (a Date header in the future is taken for a
wrong clock); the CLI is driven with messages sent in November 2026.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from pdpipe.policy import load_policy
from pdpipe.policy.models import Policy
from pdpipe.report.dashboard.data import OVERDUE, read_requests
from pdpipe.requests.classify import RequestType
from pdpipe.requests.sla import Due, due, extendable, extended
from tests.cli import pdpipe_in_process as pdpipe
from tests.cli import run_main
from tests.execute.builders import dump, people, populate
from tests.requests.mailboxes import date, encoded_b, message, text, write_mbox
from tests.requests.scenario import policy_with_requests

ALMATY_9AM = 4  # Asia/Almaty is UTC+5: 09:00 there is 04:00 UTC


def _policy(
    tmp_path: Path,
    *,
    jurisdiction: str = "RU-152FZ",
    timezone: str = "Asia/Almaty",
    requests: str = "",
    url: str | None = None,
) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = policy_with_requests(tmp_path, url or f"sqlite:///{tmp_path}/store.db")
    text_ = path.read_text(encoding="utf-8").replace(
        "jurisdiction: RU-152FZ, timezone: Asia/Almaty",
        f"jurisdiction: {jurisdiction}, timezone: {timezone}",
    )
    path.write_text(text_ + requests, encoding="utf-8")
    return path


def _load(tmp_path: Path, **edits: str) -> Policy:
    return load_policy(_policy(tmp_path, **edits))


# -- the terms, by hand ------------------------------------------------------------------


def test_gdpr_art_12_3_extension_is_three_months_from_receipt(tmp_path: Path) -> None:
    """GDPR art. 12(3): one month, extended by at most two more: three months from receipt
    in all. Received 2027-01-31: due 2027-02-28 (a Sunday, kept), extended to 2027-04-30,
    not two months after a deadline rolled to Monday (2027-05-03)."""
    policy = _load(tmp_path, jurisdiction="EU-GDPR", timezone="Europe/Dublin")
    received = dt.datetime(2027, 1, 31, 10, 0)

    assert due(policy, RequestType.ACCESS, received).deadline == dt.date(2027, 2, 28)
    assert extended(policy, RequestType.ACCESS, received) == dt.date(2027, 4, 30)


def test_gdpr_art_12_3_extension_from_receipt_also_when_terms_roll(tmp_path: Path) -> None:
    """With the rolling reading chosen the first deadline moves to Monday 2027-03-01; the
    extended one is still three months from receipt, a Friday."""
    rolling = "  roll_to_working_day: true\n"
    policy = _load(tmp_path, jurisdiction="EU-GDPR", timezone="Europe/Dublin", requests=rolling)
    received = dt.datetime(2027, 1, 31, 10, 0)

    assert due(policy, RequestType.DESTROY, received).deadline == dt.date(2027, 3, 1)
    assert extended(policy, RequestType.DESTROY, received) == dt.date(2027, 4, 30)


@pytest.mark.parametrize(
    ("kind", "may"),
    [
        (RequestType.ACCESS, True),  # 152-FZ art. 14 p.3, art. 20 p.1-2
        (RequestType.CEASE, True),  # art. 21 p.5.1
        (RequestType.WITHDRAW_CONSENT, False),  # art. 21 p.5
        (RequestType.UPDATE, False),  # art. 20 p.3
        (RequestType.DESTROY, False),  # art. 20 p.3
        (RequestType.BLOCK, False),  # art. 21 p.1: at once
        (RequestType.UNLAWFUL, False),  # art. 21 p.3
    ],
)
def test_152fz_extends_only_access_and_cease(tmp_path: Path, kind: RequestType, may: bool) -> None:
    """152-FZ grants +5 working days for access (art. 14 p.3, art. 20 p.1-2) and cease of
    processing (art. 21 p.5.1), none for withdrawal (art. 21 p.5) or update (art. 20 p.3)."""
    assert extendable(_load(tmp_path), kind) is may


def test_a_policy_may_name_the_extendable_terms_itself(tmp_path: Path) -> None:
    policy = _load(tmp_path, requests="  extendable: [update_request]\n")

    assert extendable(policy, RequestType.UPDATE)
    assert not extendable(policy, RequestType.ACCESS)


def test_152fz_art_21_p1_block_is_due_at_the_instant_of_receipt(tmp_path: Path) -> None:
    """Art. 21 p.1: blocking from the moment of the request, for the period of the check:
    no term; received on a Saturday it is due that Saturday."""
    policy = _load(tmp_path)
    received = dt.datetime(2027, 3, 6, ALMATY_9AM, 17)  # Saturday

    assert due(policy, RequestType.BLOCK, received) == Due(
        deadline=dt.date(2027, 3, 6), at=received
    )


@pytest.mark.parametrize(
    ("received", "deadline"),
    [
        # Mon Mar 1 2027: Mar 2, 3, 4, 5, (Mar 8 is a holiday) 9, 10, 11.
        (dt.datetime(2027, 3, 1, ALMATY_9AM), dt.date(2027, 3, 11)),
        # Fri Feb 19 2027: (Sat Feb 20 is a moved working day) Feb 20, 24, 25, 26, Mar 1, 2, 3.
        (dt.datetime(2027, 2, 19, ALMATY_9AM), dt.date(2027, 3, 3)),
    ],
)
def test_152fz_art_20_p3_destroy_request_takes_7_working_days(
    tmp_path: Path, received: dt.datetime, deadline: dt.date
) -> None:
    """Art. 20 p.3: data shown to be unlawfully obtained or unnecessary are destroyed within
    7 working days, not the 30 days of a withdrawal."""
    assert due(_load(tmp_path), RequestType.DESTROY, received).deadline == deadline


@pytest.mark.parametrize(
    ("received", "stop_by", "destroy_by"),
    [
        # Mon Mar 1 2027: stop by Mar 4 (2, 3, 4); destroy by Mar 16 (5, 9, 10, 11, 12, 15, 16).
        (dt.datetime(2027, 3, 1, ALMATY_9AM), dt.date(2027, 3, 4), dt.date(2027, 3, 16)),
        # Tue Dec 29 2026: Dec 30, (Dec 31 to Jan 8 off) Jan 11, 12; then 13, 14, 15, 18,
        # 19, 20, 21.
        (dt.datetime(2026, 12, 29, ALMATY_9AM), dt.date(2027, 1, 12), dt.date(2027, 1, 21)),
    ],
)
def test_152fz_art_21_p3_unlawful_processing_stops_in_3_and_is_destroyed_in_10_working_days(
    tmp_path: Path, received: dt.datetime, stop_by: dt.date, destroy_by: dt.date
) -> None:
    found = due(_load(tmp_path), RequestType.UNLAWFUL, received)

    assert (found.stop_by, found.deadline, found.at) == (stop_by, destroy_by, None)


def test_civil_code_art_193_rolling_is_a_reading_the_policy_chooses(tmp_path: Path) -> None:
    """152-FZ art. 21 p.5, 30 days from Apr 1 2027 end on Sat May 1 (a holiday). The
    cautious default keeps that day; `requests.roll_to_working_day: true` moves it past
    May 1-3 to Tue May 4 (Civil Code art. 193); a term that says whether it rolls keeps
    its word."""
    received = dt.datetime(2027, 4, 1, ALMATY_9AM)
    literal = _load(tmp_path / "literal")
    rolling = _load(tmp_path / "rolling", requests="  roll_to_working_day: true\n")
    term = (
        "terms:\n  consent_withdrawn: {amount: 30, unit: days, roll_to_working_day: true}\n"
        "stores:\n"
    )
    path = _policy(tmp_path / "term")
    path.write_text(path.read_text(encoding="utf-8").replace("stores:\n", term, 1))
    by_term = load_policy(path)

    assert [
        due(p, RequestType.WITHDRAW_CONSENT, received).deadline for p in (literal, rolling, by_term)
    ] == [dt.date(2027, 5, 1), dt.date(2027, 5, 4), dt.date(2027, 5, 4)]


# -- the register, the listing, the dashboard ---------------------------------------------

SENT = date(2026, 11, 20, 9, 30, 5)  # Friday Nov 20 2026, 09:30 in Almaty (04:30 UTC)

REQUESTS = {  # sender's person number -> (subject, type)
    1: ("Withdrawal of Consent to Personal Data Processing", "withdraw_consent"),
    2: ("Personal Data Update", "update"),
    3: ("Please delete my personal data", "destroy"),
    4: ("Please block my personal data", "block"),
    5: ("Subject access request", "access"),
    6: ("Stop processing my personal data", "cease"),
    9: ("Unlawful processing of my personal data", "unlawful_processing"),
}

# By hand, on the Russian calendar from Friday Nov 20 2026: 30 days end on Sunday Dec 20
# (kept: no rolling by default); 7 working days Nov 23-27, 30, Dec 1; 10 working days to
# Dec 4; 3 working days to Nov 25.
DUE = {
    "withdraw_consent": ("2026-12-20", None, None),
    "update": ("2026-12-01", None, None),
    "destroy": ("2026-12-01", None, None),
    "block": ("2026-11-20", "2026-11-20T04:30:00Z", None),
    "access": ("2026-12-04", None, None),
    "cease": ("2026-12-04", None, None),
    "unlawful_processing": ("2026-11-25", None, "2026-11-25"),
}


def _mailbox(path: Path) -> Path:
    return write_mbox(
        path,
        [
            message(
                subject=subject,
                body=text("Hello"),
                sender=f"canary.person{n}@mail.ru",
                message_id=f"<{kind}@example.org>",
                sent=SENT,
            )
            for n, (subject, kind) in REQUESTS.items()
        ],
    )


def _cli(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int | str | None, str, str]:
    return run_main(monkeypatch, capsys, *args)


def _listed(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    policy: Path,
    as_of: str,
) -> dict[str, dict[str, Any]]:
    code, out, err = _cli(
        monkeypatch, capsys, "requests", "list", str(policy), "--json", "--as-of", as_of
    )
    assert code == 0, err
    return {str(r["type"]): r for r in json.loads(out)["requests"]}


def _register(url: str) -> dict[str, dict[str, Any]]:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT * FROM pdpipe_requests")).mappings().all()
    engine.dispose()
    return {str(row["type"]): dict(row) for row in rows}


@pytest.fixture
def keys(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.cli import CONTACT_KEY
    from tests.execute.builders import PSEUDONYM_KEY

    monkeypatch.setenv("PDPIPE_TEST_PSEUDONYM_KEY", PSEUDONYM_KEY)
    monkeypatch.setenv("PDPIPE_TEST_CONTACT_KEY", CONTACT_KEY)


@pytest.mark.usefixtures("keys")
def test_each_request_type_is_registered_listed_and_counted_with_its_statutory_deadline(
    store_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """152-FZ: withdrawal 30 days (art. 21 p.5), update and destruction 7 working days
    (art. 20 p.3), blocking at once (art. 21 p.1), access and cease 10 working days
    (art. 14, 20 p.1-2, 21 p.5.1), unlawful processing stopped in 3 working days and
    destroyed in 10 (art. 21 p.3)."""
    populate(store_url, people_count=10, leads_count=3)
    policy = _policy(tmp_path, url=store_url)
    code, _, err = _cli(
        monkeypatch,
        capsys,
        "requests",
        "ingest",
        str(policy),
        str(_mailbox(tmp_path / "inbox.mbox")),
    )
    assert code == 0, err

    listed = _listed(monkeypatch, capsys, policy, "2026-11-20")
    assert {k: (r["due"], r["due_at"], r["stop_by"]) for k, r in listed.items()} == DUE
    assert listed["unlawful_processing"]["deadline"] == "2026-12-04"
    assert listed["block"]["days_left"] == 0 and not listed["block"]["overdue"]
    assert _listed(monkeypatch, capsys, policy, "2026-11-21")["block"]["overdue"]

    # A terminal wide enough for the table's rows to stay whole.
    shown = pdpipe("requests", "list", str(policy), "--as-of", "2026-11-20")
    code, table = shown.returncode, shown.stdout
    assert code == 0
    assert "2026-11-20 at once" in table
    assert "stop by 2026-11-25; 2026-12-04" in table

    # The dashboard counts the block as due today, then overdue.
    loaded = load_policy(policy)
    today = read_requests(loaded, dt.date(2026, 11, 20))
    assert today.open_by_days_left["0–2 days"] == 1  # the block
    assert today.open_by_days_left[OVERDUE] == 0
    tomorrow = read_requests(loaded, dt.date(2026, 11, 21))
    assert tomorrow.open_by_days_left[OVERDUE] == 1
    assert {r["id"]: r["due_at"] for r in today.open} == {
        r["id"]: r["due_at"] for r in listed.values()
    }


@pytest.mark.usefixtures("keys")
def test_extend_is_refused_where_152fz_gives_none_and_counts_from_receipt_where_it_does(
    store_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """No extension for withdrawal (152-FZ art. 21 p.5), update or destruction (art. 20
    p.3), blocking (art. 21 p.1) or unlawful processing (art. 21 p.3): exit 2, nothing
    changed. Access (art. 14 p.3) and cease (art. 21 p.5.1): +5 working days, Dec 11."""
    populate(store_url, people_count=10, leads_count=3)
    policy = _policy(tmp_path, url=store_url)
    _cli(monkeypatch, capsys, "requests", "ingest", str(policy), str(_mailbox(tmp_path / "m")))
    before = _register(store_url)

    for kind in ("withdraw_consent", "update", "destroy", "block", "unlawful_processing"):
        code, _, err = _cli(
            monkeypatch,
            capsys,
            "requests",
            "extend",
            str(policy),
            before[kind]["request_id"],
            "--reason",
            "archive",
        )
        assert code == 2, kind
        assert f"a {kind} request has no extension" in err and "nothing changed" in err
    assert (
        "152-FZ art. 21 p.5"
        in _cli(
            monkeypatch,
            capsys,
            "requests",
            "extend",
            str(policy),
            before["withdraw_consent"]["request_id"],
            "--reason",
            "archive",
        )[2]
    )
    assert _register(store_url) == before

    for kind in ("access", "cease"):
        code, out, err = _cli(
            monkeypatch,
            capsys,
            "requests",
            "extend",
            str(policy),
            before[kind]["request_id"],
            "--reason",
            "archive",
        )
        assert code == 0, err
        assert "due 2026-12-11 (was 2026-12-04)" in out
    listed = _listed(monkeypatch, capsys, policy, "2026-11-20")
    assert [(listed[k]["due"], listed[k]["status"]) for k in ("access", "cease")] == [
        ("2026-12-11", "extended")
    ] * 2


@pytest.mark.usefixtures("keys")
def test_152fz_art_21_p3_unlawful_processing_is_stopped_then_destroyed_on_approval(
    store_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Processing blocks the person's records at once (the 3-working-day stop); the request
    stays open for the decision, due at its 10-working-day destruction; `approve` destroys
    the records and closes it."""
    populate(store_url, people_count=10, leads_count=3)
    policy = _policy(tmp_path, url=store_url)
    mailbox = write_mbox(
        tmp_path / "inbox.mbox",
        [
            message(
                subject=encoded_b("Неправомерная обработка персональных данных"),
                body=text("Hello"),
                sender="canary.person9@mail.ru",
                message_id="<unlawful@example.org>",
                sent=SENT,
            )
        ],
    )
    code, _, err = _cli(
        monkeypatch, capsys, "requests", "ingest", str(policy), str(mailbox), "--process"
    )
    assert code == 0, err
    (blocked,) = _blocked(store_url)
    assert blocked == ("people", "9", "unlawful_processing")
    assert 9 in dump(store_url, people)
    listed = _listed(monkeypatch, capsys, policy, "2026-11-26")["unlawful_processing"]
    assert (listed["status"], listed["stopped"], listed["due"], listed["overdue"]) == (
        "in_progress",
        True,
        "2026-12-04",  # the stop is done: the destruction's day is next
        False,
    )
    code, out, err = _cli(monkeypatch, capsys, "requests", "process", str(policy))
    assert code == 0 and "1 unlawful-processing request(s) stopped" in out, err

    code, out, err = _cli(monkeypatch, capsys, "requests", "approve", str(policy), listed["id"])
    assert code == 0, err
    assert f"request {listed['id']}: destroyed 1 record(s); closed" in out
    assert "act of destruction" in out
    assert 9 not in dump(store_url, people)
    assert _listed(monkeypatch, capsys, policy, "2026-11-26") == {}


def _blocked(url: str) -> list[tuple[str, str, str]]:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text(
                "SELECT table_name, record_key, reason FROM pdpipe_state WHERE state = 'blocked'"
            )
        ).all()
    engine.dispose()
    return [(str(t), str(k), str(r)) for t, k, r in rows]
