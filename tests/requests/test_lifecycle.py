"""Subject requests end to end, through the CLI, on SQLite, PostgreSQL and MariaDB: a
mailbox we wrote becomes registered requests with the right types and deadlines, the
right records are acted on in every table, the access report is about one person only,
and no address or value reaches the terminal."""

from __future__ import annotations

import datetime as dt
import json
import re
import stat
from pathlib import Path

import pytest
import sqlalchemy as sa

from pdpipe.policy import load_policy
from pdpipe.requests.classify import RequestType
from pdpipe.requests.sla import deadline
from tests.cli import pdpipe_in_process as pdpipe
from tests.execute.builders import dump, leads, people, populate
from tests.requests.scenario import policy_with_requests, scenario_mailbox


def test_a_mailbox_becomes_closed_cases_in_every_table(store_url: str, tmp_path: Path) -> None:
    populate(store_url, people_count=30, leads_count=30)
    engine = sa.create_engine(store_url)
    with engine.begin() as connection:  # person 7 is also a lead, under another form
        connection.execute(
            sa.text(
                "UPDATE leads SET email = 'Canary.Person7+promo@Mail.RU' WHERE lead_id = 'L00007'"
            )
        )
    engine.dispose()
    policy = policy_with_requests(tmp_path, store_url)
    mailbox = scenario_mailbox(tmp_path / "inbox.mbox")

    first = pdpipe("requests", "ingest", str(policy), str(mailbox))
    assert first.returncode == 0, first.stderr
    assert (
        "registered 6 request(s) (access: 1, cease: 1, needs_review: 2, update: 1, "
        "withdraw_consent: 1); 1 already registered; 1 flagged for review" in first.stdout
    )
    # Named by place and digest: a Message-ID can be an address.
    assert re.search(
        r"needs review: \w{12} inbox\.mbox#6 \[[0-9a-f]{12}\]: no_message_id$", first.stdout, re.M
    )
    again = pdpipe("requests", "ingest", str(policy), str(mailbox))
    assert "registered 0 request(s); 7 already registered; 0 flagged" in again.stdout

    people_before, leads_before = dump(store_url, people), dump(store_url, leads)
    processed = pdpipe("requests", "process", str(policy))
    assert processed.returncode == 0, processed.stderr
    assert "closed: access: 1, cease: 1, withdraw_consent: 1" in processed.stdout
    assert "1 update(s) await approval" in processed.stdout
    people_after, leads_after = dump(store_url, people), dump(store_url, leads)
    assert 7 in people_before and 7 not in people_after  # informing: destroyed
    # Analytics depersonalizes when its purpose ends, but a withdrawal destroys (152-FZ
    # art. 21 p.5).
    assert set(people_before) - set(people_after) == {7}
    assert set(leads_before) - set(leads_after) == {"L00007"}
    changed = {k for k in leads_after if leads_before[k] != leads_after[k]}
    assert changed == set()  # L00008 is blocked, not changed
    engine = sa.create_engine(store_url)
    with engine.connect() as connection:
        states = connection.execute(
            sa.text("SELECT record_key, state, reason FROM pdpipe_state ORDER BY record_key")
        ).all()
        ledger_runs = connection.execute(
            sa.text("SELECT run_id, table_name, record_key, action FROM pdpipe_ledger ORDER BY seq")
        ).all()
    engine.dispose()
    assert [tuple(s) for s in states] == [("L00008", "blocked", "cease_demand")]
    acted = [row for row in ledger_runs if row[3] != "document"]
    assert {(t, k, a) for _, t, k, a in acted} == {
        ("people", "7", "destroy"),
        ("leads", "L00007", "destroy"),
        ("leads", "L00008", "block"),
    }
    assert all(run.startswith("request-") for run, *_ in acted)
    # The withdrawal's act of destruction, its own: one request, its records' keys.
    (withdrawal_run,) = {run for run, _, _, action in acted if action == "destroy"}
    (act_folder,) = (tmp_path / "runs" / "documents").glob(f"run-{withdrawal_run}")
    act = (act_folder / "destruction-act.ru.html").read_text(encoding="utf-8")
    assert "отзыв субъектом согласия" in act and ">people<" in act
    assert "act of destruction:" in processed.stdout
    assert pdpipe("report", "verify", str(policy), str(act_folder)).returncode == 0

    (report,) = (tmp_path / "reports").glob("access-*.json")
    assert stat.S_IMODE(report.stat().st_mode) == 0o600
    content = report.read_text(encoding="utf-8")
    assert "canary.person3@mail.ru" in content and "Канарейкин3 Пётр" in content
    others = set(re.findall(r"canary\.(?:person|lead)\d+", content, re.IGNORECASE))
    assert others == {"canary.person3"}  # nobody else's data
    held = json.loads(content)["held"]
    assert [(s["table"], s["legal_ground"]) for s in held] == [("people", "Federal Law No. 149-FZ")]

    listed = pdpipe("requests", "list", str(policy), "--json")
    rows = json.loads(listed.stdout)["requests"]
    assert sorted((r["type"] or "?", r["status"], r["review"]) for r in rows) == [
        ("?", "needs_review", ["no_message_id"]),
        ("?", "needs_review", ["unclassified"]),
        ("update", "in_progress", []),
    ]
    update_id = next(r["id"] for r in rows if r["type"] == "update")
    approved = pdpipe("requests", "approve", str(policy), update_id)
    assert approved.returncode == 0, approved.stderr
    assert dump(store_url, leads)["L00010"]["phone"] == "+7 701 999-00-10"
    assert pdpipe("ledger", "verify", str(policy)).returncode == 0

    terminal = "".join(p.stdout + p.stderr for p in (first, again, processed, listed, approved))
    documents = "".join(
        p.read_text(encoding="utf-8") for p in act_folder.iterdir() if p.suffix != ".pdf"
    )
    for text in (terminal, documents):
        assert not re.search(r"canary|@mail\.ru|@yandex|Канарейкин|999-00-10", text, re.I)


@pytest.mark.parametrize(
    ("kind", "received", "due"),
    [
        # 10 working days from the day after: Dec 29, 30 (Dec 31 is a day off in 2026),
        # then the New Year holidays to Jan 8; Jan 11 … Jan 20.
        (RequestType.ACCESS, dt.datetime(2026, 12, 28, 6, 0), dt.date(2027, 1, 20)),
        # 30 calendar days: Jan 27, a Wednesday.
        (RequestType.WITHDRAW_CONSENT, dt.datetime(2026, 12, 28, 6, 0), dt.date(2027, 1, 27)),
        # 7 working days from Friday Dec 25 (UTC 20:00 is Saturday in Almaty): Dec 28, 29,
        # 30, Jan 11, 12, 13, 14.
        (RequestType.UPDATE, dt.datetime(2026, 12, 25, 20, 0), dt.date(2027, 1, 14)),
    ],
)
def test_deadlines_straddle_the_russian_new_year(
    tmp_path: Path, kind: RequestType, received: dt.datetime, due: dt.date
) -> None:
    policy = load_policy(policy_with_requests(tmp_path, f"sqlite:///{tmp_path}/store.db"))
    assert deadline(policy, kind, received) == due
