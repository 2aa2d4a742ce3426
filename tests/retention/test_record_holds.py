"""Holds on single records (`pdpipe hold add|release|list`): a held record is never
destroyed or depersonalized, by a run or by a subject's demand; the plan, the run's act
and report list the hold with its ground and end; placing and releasing are ledgered and
the ledger still verifies; nothing of the record but its key is ever printed. On every
database."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from pdpipe.execute.runner import RunOptions
from pdpipe.job import run_job
from pdpipe.policy import load_policy
from pdpipe.report.dashboard import build_dashboard
from pdpipe.requests import register
from pdpipe.retention.decide import AsOf
from pdpipe.retention.plan import build_plan
from tests.cli import pdpipe_in_process as pdpipe
from tests.cli import run_main
from tests.execute.builders import dump, leads, people, populate
from tests.report.dashboard_site import Page
from tests.requests.scenario import policy_with_requests, scenario_mailbox
from tests.retention.test_holds import (
    BEFORE_THE_END,
    CUSTOMERS,
    DISPUTED,
    DUE,
    _left,
    policy_path,  # noqa: F401  (the fixture: a store of customers and its policy)
)

GROUND = "claim 21/2026 in the Almaty city court"
HELD = 7  # a due customer no policy hold selects
CANARY = "canary.held.customer@example.org"


def _plant_canary(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(
            sa.text("UPDATE customers SET email = :e WHERE id = :k"), {"e": CANARY, "k": HELD}
        )
    engine.dispose()


def _ledger(url: str) -> list[tuple[str, str, str, str]]:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT run_id, record_key, action, reason FROM pdpipe_ledger ORDER BY seq")
        ).all()
    engine.dispose()
    return [(str(a), str(b), str(c), str(d)) for a, b, c, d in rows]


def test_a_held_record_outlives_runs_until_released_and_every_output_lists_the_hold(
    policy_path: Path,  # noqa: F811
    store_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    _plant_canary(store_url)
    policy = str(policy_path)
    outputs: list[str] = []

    def cli(*args: str) -> tuple[int | str | None, str]:
        code, stdout, stderr = run_main(monkeypatch, capsys, *args)
        outputs.extend([stdout, stderr])
        return code, stdout

    added, said = cli("hold", "add", policy, "crm.customers", str(HELD), "--ground", GROUND)
    listed = json.loads(cli("hold", "list", policy, "--json")[1])
    planned = json.loads(cli("plan", policy, "--json", "--as-of", str(BEFORE_THE_END))[1])
    plan_text = " ".join(cli("plan", policy, "--as-of", str(BEFORE_THE_END))[1].split())
    zone = load_policy(policy_path).operator.timezone
    during = run_job(
        load_policy(policy_path),
        RunOptions(as_of=AsOf.start_of_day(BEFORE_THE_END, zone), allow_large=True),
    )
    left_during = _left(store_url)
    planned_again = build_plan(
        load_policy(policy_path), AsOf.start_of_day(BEFORE_THE_END, zone)
    ).to_model()
    site = build_dashboard(load_policy(policy_path), tmp_path / "site", today=BEFORE_THE_END)
    backlog = Page(site.parent / "backlog.html")
    released, _ = cli("hold", "release", policy, "crm.customers", str(HELD), "--note", "settled")
    after = run_job(
        load_policy(policy_path),
        RunOptions(as_of=AsOf.start_of_day(BEFORE_THE_END, zone), allow_large=True),
    )
    everything = json.loads(cli("hold", "list", policy, "--all", "--json")[1])
    verified, _ = cli("ledger", "verify", policy)

    assert added == 0 and "held crm.customers 7" in said
    (hold,) = listed["holds"]
    assert (hold["table"], hold["key"], hold["ground"], hold["until"]) == (
        "customers",
        "7",
        GROUND,
        None,
    )
    (table,) = planned["tables"]
    assert table["record_holds"] == [{"ground": GROUND, "until": None, "placed": 1, "records": 1}]
    assert table["due"] == DUE - len(DISPUTED) - 1
    assert f"record hold: {GROUND} (no end set): on 1 record(s), 1 due record(s) kept" in plan_text
    # The run leaves it (and the disputed ones) and says why, in its report and its act.
    assert during.acted == DUE - len(DISPUTED) - 1 and during.checks_failed == 0
    assert left_during == sorted([*DISPUTED, HELD, *range(DUE + 1, CUSTOMERS + 1)])
    # What the run says it left is what planning again finds: holds and their records too.
    assert during.after is not None and during.after.to_model() == planned_again
    documents = Path(str(during.documents))
    act = (documents / "destruction-act.ru.html").read_text(encoding="utf-8")
    assert "Удержание" in act and GROUND in act and "удержание записи" in act
    assert "a dispute over unpaid invoices (claim 17/2026)" in act  # the policy hold too
    # The act counts destroyed records only: the hold's ledger row is not one of them.
    extract = (documents / "event-log-extract.csv").read_text(encoding="utf-8")
    assert ",hold," not in extract and ",legal_hold," not in extract
    report = (Path(str(during.folder)) / "summary.json").read_text(encoding="utf-8")
    assert GROUND in report
    # The dashboard's backlog lists both holds, their ends and the due records they keep.
    assert [row[1:] for row in backlog.tables["holds"]] == [
        ["policy", "a dispute over unpaid invoices (claim 17/2026)", "2027-06-30", "–", "3"],
        ["record", GROUND, "until released", "1", "1"],
    ]
    # Released, the next run destroys it; both steps are in the ledger, which verifies.
    assert released == 0 and after.acted == 1 and HELD not in _left(store_url)
    assert [(h["key"], h["note"]) for h in everything["holds"]] == [("7", "settled")]
    assert everything["holds"][0]["released_at"] is not None
    actions = [(key, action, reason) for _, key, action, reason in _ledger(store_url)]
    assert ("7", "hold", "legal_hold") in actions and ("7", "release", "legal_hold") in actions
    assert actions.index(("7", "release", "legal_hold")) < actions.index(
        ("7", "destroy", "retention_elapsed")
    )
    assert verified == 0
    # No value of the held record anywhere: terminal, plan, documents, report, ledger.
    texts = [*outputs, act, extract, report, repr(_ledger(store_url))]
    texts += [p.read_text(encoding="utf-8") for p in documents.glob("*.json")]
    texts += [p.read_text(encoding="utf-8") for p in site.parent.glob("*.html")]
    assert not [text for text in texts if CANARY in text]


def test_a_hold_on_a_key_the_table_lacks_is_refused_and_nothing_is_written(
    policy_path: Path,  # noqa: F811
    store_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    policy = str(policy_path)

    missing = run_main(
        monkeypatch, capsys, "hold", "add", policy, "crm.customers", "999", "--ground", "x"
    )
    not_a_number = run_main(
        monkeypatch, capsys, "hold", "add", policy, "crm.customers", "7a", "--ground", "x"
    )
    no_table = run_main(
        monkeypatch, capsys, "hold", "add", policy, "crm.clients", "7", "--ground", "x"
    )
    past = run_main(
        monkeypatch, capsys, "hold", "add", policy, "crm.customers", "7", "--ground", "x",
        "--until", "2000-01-01",
    )  # fmt: skip
    not_held = run_main(monkeypatch, capsys, "hold", "release", policy, "crm.customers", "7")
    twice = [
        run_main(monkeypatch, capsys, "hold", "add", policy, "crm.customers", "7", "--ground", g)
        for g in ("first", "second")
    ]

    assert missing[0] == 2 and "crm.customers" in missing[2] and "999" in missing[2]
    assert not_a_number[0] == 2 and "crm.customers" in not_a_number[2]
    assert no_table[0] == 2 and "crm.clients" in no_table[2]
    assert past[0] == 2 and "--until" in past[2]
    assert not_held[0] == 2 and "no hold" in not_held[2]
    assert twice[0][0] == 0 and twice[1][0] == 2 and "already held" in twice[1][2]
    # Only the one hold placed: a refusal writes neither a hold nor a ledger row.
    assert [(key, action) for _, key, action, _ in _ledger(store_url)] == [("7", "hold")]


def test_a_subjects_demand_to_destroy_leaves_held_records_and_says_why(
    store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Person 7 withdraws consent: their people record is under a record hold, their lead
    under a policy hold: neither is touched, and the request's outcome names both grounds.
    Lead 8 demands to cease: blocking keeps the data, so the held lead is blocked."""
    populate(store_url, people_count=30, leads_count=30)
    engine = sa.create_engine(store_url)
    with engine.begin() as connection:  # person 7 is also lead L00007
        connection.execute(
            sa.text("UPDATE leads SET email = 'canary.person7@mail.ru' WHERE lead_id = 'L00007'")
        )
    engine.dispose()
    path = policy_with_requests(tmp_path, store_url)
    text = path.read_text(encoding="utf-8").replace(
        "          - {reason: cease_demand, when: {status: cease}}\n",
        "          - {reason: cease_demand, when: {status: cease}}\n"
        "        holds:\n"
        "          - {ground: tax audit 2026, when: {lead_id: [L00007, L00008]}}\n",
    )
    path.write_text(text, encoding="utf-8")
    mailbox = scenario_mailbox(tmp_path / "inbox.mbox")
    people_before, leads_before = dump(store_url, people), dump(store_url, leads)

    held = pdpipe("hold", "add", str(path), "store.people", "7", "--ground", GROUND)
    pdpipe("requests", "ingest", str(path), str(mailbox))
    processed = pdpipe("requests", "process", str(path))

    assert held.returncode == 0, held.stderr
    assert processed.returncode == 0, processed.stderr
    assert dump(store_url, people)[7] == people_before[7]
    leads_after = dump(store_url, leads)
    assert leads_after["L00007"] == leads_before["L00007"]
    policy = load_policy(path)
    with register.connect(policy) as connection:
        done = register.load_all(connection, [register.Status.DONE.value])
    (withdrawal,) = [r for r in done if r.type == "withdraw_consent"]
    assert sorted(
        (k["table"], k["records"], k["keys"], [h["ground"] for h in k["holds"]])
        for k in withdrawal.outcome["kept"]
    ) == [("leads", 1, ["L00007"], ["tax audit 2026"]), ("people", 1, ["7"], [GROUND])]
    engine = sa.create_engine(store_url)
    with engine.connect() as connection:
        states = connection.execute(
            sa.text("SELECT record_key, state FROM pdpipe_state ORDER BY record_key")
        ).all()
    engine.dispose()
    assert [tuple(s) for s in states] == [("L00008", "blocked")]
    assert "canary.person7" not in processed.stdout + processed.stderr
    # The draft answer names what is kept and why, in both languages.
    (notice,) = tmp_path.rglob("notice-*-withdraw_consent.en.txt")
    letter = notice.read_text(encoding="utf-8")
    assert f"1 record(s) kept under a hold ({GROUND})" in letter
    assert "1 record(s) kept under a hold (tax audit 2026)" in letter
    russian = notice.with_name(notice.name.replace(".en.", ".ru.")).read_text(encoding="utf-8")
    assert f"записей: 1; удерживаются ({GROUND})" in russian


def test_holds_are_listed_per_table_and_only_in_force_without_all(
    policy_path: Path,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    policy = str(policy_path)
    until = (dt.date.today() + dt.timedelta(days=400)).isoformat()
    run_main(
        monkeypatch, capsys, "hold", "add", policy, "crm.customers", "3", "--ground", "a",
        "--until", until,
    )  # fmt: skip
    run_main(monkeypatch, capsys, "hold", "add", policy, "crm.customers", "5", "--ground", "b")
    run_main(monkeypatch, capsys, "hold", "release", policy, "crm.customers", "5")

    code, stdout, _ = run_main(monkeypatch, capsys, "hold", "list", policy, "crm.customers")
    _, everything, _ = run_main(monkeypatch, capsys, "hold", "list", policy, "--all")

    assert code == 0 and until in stdout and "1 hold(s)" in stdout
    assert "2 hold(s) (released ones included)" in everything
