"""Legal grounds and what each end of processing does, on SQLite, PostgreSQL and MariaDB.

The store (tests/execute/builders.py) holds `people` (purpose informing, on consent,
on_end: destroy) and `leads` (purpose analytics, on_end: depersonalize). A purpose says
the kind of ground it rests on (`ground:`, 152-FZ art. 6 p.1); a withdrawal of consent
ends only processing on consent, and destroys (art. 21 p.5).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from pdpipe.policy import load_policy
from pdpipe.requests import register
from tests.cli import pdpipe_in_process as pdpipe
from tests.execute.builders import AS_OF_DAY, dump, leads, people, populate
from tests.requests.mailboxes import encoded_b, message, text, write_mbox
from tests.requests.scenario import policy_with_requests

PERSON_7 = "canary.person7@mail.ru"  # also lead L00007, under a tagged address


def _policy(tmp_path: Path, url: str, analytics: str, extra: str = "") -> Path:
    """The requests policy, its purposes saying their grounds: informing on consent,
    analytics on `analytics` (with `extra` lines added to that purpose)."""
    path = policy_with_requests(tmp_path, url)
    consent, analytics_line = "    ground: consent\n", "    legal_ground: consent\n"
    written = path.read_text(encoding="utf-8")
    assert written.count(consent) == 2  # the builders' purposes say consent
    at = written.index(analytics_line) + len(analytics_line)
    written = written[:at] + written[at:].replace(consent, f"    ground: {analytics}\n{extra}", 1)
    path.write_text(written, encoding="utf-8")
    return path


def _store(url: str) -> None:
    populate(url, people_count=30, leads_count=30)
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "UPDATE leads SET email = 'Canary.Person7+promo@Mail.RU' WHERE lead_id = 'L00007'"
            )
        )
    engine.dispose()


def _mailbox(path: Path, *requests: tuple[str, str, str]) -> Path:
    """(subject, body, sender) each, as subjects write them."""
    raws = [
        message(
            subject=encoded_b(subject),
            body=text(body),
            sender=sender,
            message_id=f"<g{index}@example.ru>",
            sent="Fri, 20 Nov 2026 09:30:05 +0000",
        )
        for index, (subject, body, sender) in enumerate(requests)
    ]
    return write_mbox(path, raws)


WITHDRAWAL = (
    "Отзыв согласия на обработку персональных данных",
    "Отзываю согласие на обработку моих персональных данных.",
    PERSON_7,
)
DESTROY = ("Please delete my personal data", "Please delete my personal data.", "")


def _process(policy: Path, mailbox: Path) -> str:
    ingested = pdpipe("requests", "ingest", str(policy), str(mailbox))
    assert ingested.returncode == 0, ingested.stderr
    processed = pdpipe("requests", "process", str(policy))
    assert processed.returncode == 0, processed.stderr
    return ingested.stdout + ingested.stderr + processed.stdout + processed.stderr


def _outcomes(policy_file: Path) -> list[dict[str, object]]:
    policy = load_policy(policy_file)
    with register.connect(policy) as connection:
        done = register.load_all(connection, [register.Status.DONE.value])
    return [r.outcome for r in done]


def _ledger(url: str) -> set[tuple[str, str, str, str]]:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text(
                "SELECT table_name, record_key, action, reason FROM pdpipe_ledger "
                "WHERE action <> 'document'"
            )
        ).all()
    engine.dispose()
    return {(str(t), str(k), str(a), str(r)) for t, k, a, r in rows}


def test_a_withdrawal_keeps_data_processed_on_another_ground(
    store_url: str, tmp_path: Path
) -> None:
    """152-FZ art. 21 p.5 and art. 6 p.1: a withdrawal of consent ends processing on
    consent only; data the operator processes on another ground (here a contract, art. 6
    p.1 item 5) are kept, and the subject is told so."""
    _store(store_url)
    policy = _policy(tmp_path, store_url, analytics="contract")
    leads_before = dump(store_url, leads)

    terminal = _process(policy, _mailbox(tmp_path / "inbox.mbox", WITHDRAWAL))

    assert 7 not in dump(store_url, people)  # on consent: destroyed
    assert dump(store_url, leads) == leads_before  # on a contract: as it was
    assert _ledger(store_url) == {("people", "7", "destroy", "consent_withdrawn")}
    (outcome,) = _outcomes(policy)
    assert outcome["kept"] == [
        {"store": "store", "table": "leads", "records": 1, "ground": "contract"}
    ]
    (notice,) = (tmp_path / "reports").glob("notice-*-withdraw_consent.en.txt")
    letter = notice.read_text(encoding="utf-8")
    assert "destroyed them (1 record(s))" in letter
    assert "does not end processing on another legal ground (152-FZ art. 21 p.5)" in letter
    assert "- 1 record(s): a contract to which you are a party (152-FZ art. 6 p.1 item 5)" in letter
    russian = notice.with_name(notice.name.replace(".en.", ".ru.")).read_text(encoding="utf-8")
    assert "п. 5 ч. 1 ст. 6" in russian
    assert not re.search(r"canary|@mail\.ru|Канарейкин|Лидов", terminal, re.I)


def test_a_withdrawal_destroys_where_the_purpose_would_depersonalize(
    store_url: str, tmp_path: Path
) -> None:
    """152-FZ art. 21 p.5: a withdrawal of consent requires destruction; the purpose's
    `on_end: depersonalize` is for the ends that allow it (art. 5 p.7)."""
    _store(store_url)
    policy = _policy(tmp_path, store_url, analytics="consent")

    _process(policy, _mailbox(tmp_path / "inbox.mbox", WITHDRAWAL))

    assert 7 not in dump(store_url, people)
    assert "L00007" not in dump(store_url, leads)
    assert _ledger(store_url) == {
        ("people", "7", "destroy", "consent_withdrawn"),
        ("leads", "L00007", "destroy", "consent_withdrawn"),
    }
    (outcome,) = _outcomes(policy)
    assert "kept" not in outcome


def test_a_demand_to_destroy_destroys_whatever_the_ground(store_url: str, tmp_path: Path) -> None:
    """152-FZ art. 20 p.3: data shown unlawfully obtained or unnecessary are destroyed,
    whatever the purpose's ground; the ledger says `destroy_request`, and the act cites
    art. 20 p.3."""
    _store(store_url)
    policy = _policy(tmp_path, store_url, analytics="contract")
    demand = (*DESTROY[:2], "canary.lead9@yandex.ru")

    _process(policy, _mailbox(tmp_path / "inbox.mbox", demand))

    assert "L00009" not in dump(store_url, leads)  # on a contract, on_end: depersonalize
    assert _ledger(store_url) == {("leads", "L00009", "destroy", "destroy_request")}
    (act,) = (tmp_path / "runs" / "documents").glob("run-request-*/destruction-act.ru.html")
    assert "требование субъекта об уничтожении персональных данных (ч. 3 ст. 20" in (
        act.read_text(encoding="utf-8")
    )
    assert pdpipe("ledger", "verify", str(policy)).returncode == 0


def _plan(policy: Path) -> dict[str, dict[str, int]]:
    """Per table, the records due by reason as of the builders' day."""
    planned = pdpipe("plan", str(policy), "--as-of", AS_OF_DAY.isoformat(), "--json")
    assert planned.returncode == 0, planned.stderr
    document = json.loads(planned.stdout)
    return {
        table["table"]: {r["reason"]: r["due"] for r in table["reasons"]}
        for table in document["tables"]
    }


def test_consent_expiry_ends_only_purposes_on_consent(store_url: str, tmp_path: Path) -> None:
    """152-FZ art. 6 p.1, art. 21 p.5: an end rule on consent's expiry never fires for a
    purpose on another ground: the plan, the run and the run's validation (which restates
    the rules in SQL) agree."""
    populate(store_url, people_count=30, leads_count=30)
    policy = _policy(tmp_path, store_url, analytics="legitimate_interest")
    leads_before = dump(store_url, leads)

    assert "consent_expired" not in _plan(policy).get("leads", {})
    ran = pdpipe("run", str(policy), "--as-of", AS_OF_DAY.isoformat(), "--allow-large")
    assert ran.returncode == 0, ran.stdout + ran.stderr  # the overdue check agrees

    # Demands to cease blocked their leads (rows unchanged); consent's expiry did nothing.
    assert dump(store_url, leads) == leads_before
    assert {r for t, _, _, r in _ledger(store_url) if t == "leads"} == {"cease_demand"}


def test_the_ends_that_allow_it_depersonalize_and_unlawful_processing_destroys(
    store_url: str, tmp_path: Path
) -> None:
    """152-FZ art. 5 p.7 (and art. 21 p.4): an end that leaves the choice follows the
    purpose's on_end, here depersonalize; art. 21 p.3: unlawful processing that cannot be
    made lawful is destroyed whatever on_end says."""
    populate(store_url, people_count=30, leads_count=30)
    policy = _policy(tmp_path, store_url, analytics="consent")
    written = policy.read_text(encoding="utf-8").replace(
        "{reason: cease_demand, when: {status: cease}}",
        "{reason: unlawful_processing, when: {status: cease}}",
    )
    policy.write_text(written, encoding="utf-8")
    before = dump(store_url, leads)

    planned = _plan(policy)["leads"]
    ran = pdpipe("run", str(policy), "--as-of", AS_OF_DAY.isoformat(), "--allow-large")
    assert ran.returncode == 0, ran.stdout + ran.stderr

    after = dump(store_url, leads)
    unlawful = {k for k, row in before.items() if row["status"] == "cease"}
    expired = {
        k
        for k, row in before.items()
        if k not in unlawful and row["consent_until"] <= dt.datetime(2026, 11, 25)
    }
    assert planned == {"unlawful_processing": len(unlawful), "consent_expired": len(expired)}
    assert unlawful and not unlawful & set(after)  # destroyed
    assert expired and expired <= set(after)  # depersonalized in place
    assert all(after[k]["last_name"] is None for k in expired)


def test_an_override_destroys_at_consent_expiry(store_url: str, tmp_path: Path) -> None:
    """`on_end_by_reason` changes one end's action: consent's expiry destroys here, while
    the purpose depersonalizes at its other ends (art. 5 p.7 leaves the choice)."""
    populate(store_url, people_count=30, leads_count=30)
    policy = _policy(
        tmp_path,
        store_url,
        analytics="consent",
        extra="    on_end_by_reason: {consent_expired: destroy}\n",
    )
    before = dump(store_url, leads)

    ran = pdpipe("run", str(policy), "--as-of", AS_OF_DAY.isoformat(), "--allow-large")
    assert ran.returncode == 0, ran.stdout + ran.stderr

    expired = {
        k
        for k, row in before.items()
        if row["status"] != "cease" and row["consent_until"] <= dt.datetime(2026, 11, 25)
    }
    assert expired and not expired & set(dump(store_url, leads))
    assert {(t, a, r) for t, _, a, r in _ledger(store_url) if t == "leads"} == {
        ("leads", "destroy", "consent_expired"),
        ("leads", "block", "cease_demand"),
    }


def test_a_foreign_key_the_policy_does_not_declare_is_named_before_a_withdrawal(
    store_url: str, tmp_path: Path
) -> None:
    """152-FZ art. 21 p.5 destroys what used to be depersonalized: a table whose rows refer
    to a lead by an undeclared foreign key would make the DELETE fail. `check` names it,
    and `requests process` refuses before any store is written (no half-done request)."""
    _store(store_url)
    engine = sa.create_engine(store_url)
    metadata = sa.MetaData()
    sa.Table("leads", metadata, autoload_with=engine)
    orders = sa.Table(
        "orders",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("lead_id", sa.String(20), sa.ForeignKey("leads.lead_id")),
    )
    orders.create(engine)
    with engine.begin() as connection:
        connection.execute(orders.insert(), [{"id": 1, "lead_id": "L00007"}])
    engine.dispose()
    policy = _policy(tmp_path, store_url, analytics="consent")

    checked = pdpipe("check", str(policy))
    assert checked.returncode == 2
    assert re.search(
        r"policy\.yaml:\d+: stores\[0\]\.tables\[1\]\.children: 'orders\.lead_id' refers to "
        r"records of 'leads' by a foreign key that is not among its children",
        checked.stderr,
    ), checked.stderr

    _mailbox(tmp_path / "inbox.mbox", WITHDRAWAL)
    ingested = pdpipe("requests", "ingest", str(policy), str(tmp_path / "inbox.mbox"))
    assert ingested.returncode == 0, ingested.stderr
    processed = pdpipe("requests", "process", str(policy))
    assert processed.returncode == 2
    assert "'orders.lead_id' refers to records of 'leads'" in processed.stderr
    assert 7 in dump(store_url, people)  # nothing done in any table
    assert "L00007" in dump(store_url, leads)


@pytest.mark.parametrize(
    ("purpose", "rule", "expected"),
    [
        pytest.param(
            "",
            "",
            r"policy\.yaml:4: purposes\[0\]: purpose 'p' does not say its kind of legal "
            r"ground \(ground: consent, law, public_task, contract, vital_interest, "
            r"legitimate_interest; 152-FZ art\. 6 p\.1\)",
            id="art. 6 p.1: no ground said",
        ),
        pytest.param(
            "    ground: contract\n",
            "        ends: [{reason: consent_withdrawn, when: {status: x}}]\n",
            r"policy\.yaml:\d+: stores\[0\]\.tables\[0\]\.ends\[0\]\.reason: consent_withdrawn "
            r"never fires here: purpose 'p' rests on contract \(152-FZ art\. 6 p\.1 item 5\)",
            id="art. 21 p.5: a withdrawal rule on a contract",
        ),
        pytest.param(
            "    ground: consent\n    on_end_by_reason: {consent_withdrawn: depersonalize}\n",
            "",
            r"policy\.yaml:\d+: purposes\[0\]\.on_end_by_reason\.consent_withdrawn: "
            r"consent_withdrawn: depersonalize departs from the statute: 152-FZ art\. 21 p\.5 "
            r"requires destruction on a withdrawal",
            id="art. 21 p.5: a withdrawal depersonalizes",
        ),
        pytest.param(
            "    ground: consent\n    on_end_by_reason: {unlawful_processing: depersonalize}\n",
            "",
            r"purposes\[0\]\.on_end_by_reason\.unlawful_processing: .*152-FZ art\. 21 p\.3",
            id="art. 21 p.3: unlawful processing depersonalizes",
        ),
    ],
)
def test_check_warns_where_grounds_and_actions_depart_from_the_statute(
    tmp_path: Path, purpose: str, rule: str, expected: str
) -> None:
    """Warnings with the file and line, never a refusal (exit 0): each is a reading of the
    statute a lawyer may overrule, and the policy still runs as written."""
    policy = tmp_path / "policy.yaml"
    policy.write_text(
        "version: 1\n"
        "operator: {name: O, jurisdiction: RU-152FZ, timezone: Europe/Moscow, contact: a@b.ru}\n"
        "purposes:\n"
        "  - id: p\n"
        "    title: P\n"
        "    legal_ground: L\n"
        f"{purpose}"
        "    processing: [use]\n"
        "    data: [email]\n"
        "    on_end: depersonalize\n"
        "stores:\n"
        "  - name: s\n"
        "    url: sqlite:///s.db\n"
        "    tables:\n"
        "      - name: t\n"
        "        key: id\n"
        "        purpose: p\n"
        "        clock: c\n"
        f"{rule}"
        "        columns: {email: {data: email, depersonalize: redact}}\n",
        encoding="utf-8",
    )
    checked = pdpipe("check", "--offline", str(policy))
    assert checked.returncode == 0, checked.stderr
    (warning,) = checked.stderr.strip().splitlines()
    assert re.search(expected, warning), warning
