"""Documents a DPO signs without editing (legal.md, the December 2026 audit), after real
runs on SQLite, PostgreSQL and MariaDB: one information-system name in the act, the record
and the extract; every instant in the operator's local time with its UTC offset and every
date the operator's day; the ground for destroying (152-FZ) as the act's reason, in
Russian; what became of each dependent table, with its rows; no repealed order cited."""

from __future__ import annotations

import datetime as dt
import html
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from pdpipe.execute import runner
from pdpipe.execute.runner import RunOptions
from pdpipe.job import run_policy
from pdpipe.policy import Policy, load_policy
from pdpipe.policy.reasons import EndReason
from pdpipe.report.documents import extract, grounds
from pdpipe.report.documents.gather import Scope
from pdpipe.report.documents.issue import issue
from pdpipe.report.documents.verify import verify
from pdpipe.retention.decide import AsOf
from pdpipe.stores import tables
from tests.cli import pdpipe_in_process as pdpipe
from tests.execute.builders import (
    AS_OF_DAY,
    PSEUDONYM_KEY,
    ledger_rows,
    notes,
    populate,
    write_policy,
)
from tests.requests.mailboxes import date, encoded_b, message, text, write_mbox
from tests.requests.scenario import policy_with_requests

SYSTEM = "ИСПДн «Подписчики»"
OPERATOR = (
    "operator: {name: ООО «Ромашка», jurisdiction: RU-152FZ, timezone: Asia/Almaty, "
    f"contact: dpo@romashka.example, address: '050000, Алматы, ул. Абая, 1', "
    f"information_system: {SYSTEM}}}"
)
# Each lead's phones, a dependent table whose PD is depersonalized with the lead.
LEAD_PHONES = sa.Table(
    "lead_phones",
    sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("lead_id", sa.String(20), nullable=False),
    sa.Column("phone", sa.String(40)),
)
LEADS_LAST_COLUMN = "          attribs.city: {data: city, depersonalize: drop_key}\n"
LEAD_CHILDREN = """        children:
          - table: lead_phones
            fk: lead_id
            on_destroy: delete
            columns:
              phone: {data: phone, depersonalize: {mask: {keep_last: 2}}}
"""
# 02:00 on 26 November in Almaty (UTC+5), still the 25th in UTC.
TWO_AM_ALMATY = dt.datetime(2026, 11, 25, 21, 0, 0)
LOCAL_INSTANT = "2026-11-26 02:00:00 +05:00"
CANARIES = re.compile(r"canary\.|Канарейкин|Лидов|\+7 916|\+7 701|8-777-|Алматы-\d", re.I)
LAW = "Федерального закона от 27.07.2006 № 152-ФЗ"


def _phones_of(lead: int) -> int:
    return lead % 3  # none, one or two


def _add_lead_phones(url: str, leads: int) -> None:
    rows = [
        {"id": 10 * lead + n, "lead_id": f"L{lead:05d}", "phone": f"+7 701 {lead:03d}-5{n}-00"}
        for lead in range(1, leads + 1)
        for n in range(_phones_of(lead))
    ]
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        LEAD_PHONES.create(connection)
        connection.execute(LEAD_PHONES.insert(), rows)
    engine.dispose()


def _run_at_two_in_almaty(policy: Policy, monkeypatch: pytest.MonkeyPatch) -> str:
    # The ledger's clock is the only thing set: the run itself is real.
    monkeypatch.setattr(runner, "_now", lambda: TWO_AM_ALMATY)
    result = run_policy(
        policy, RunOptions(as_of=AsOf.end_of_day(AS_OF_DAY, "Asia/Almaty"), allow_large=True)
    )
    assert result.run_id is not None and result.acted > 0
    return result.run_id


def _text(path: Path) -> str:
    if path.suffix == ".pdf":
        return "\n".join(page.extract_text() for page in PdfReader(path).pages)
    return html.unescape(path.read_text(encoding="utf-8"))


def _table_after(page: str, heading: str) -> list[list[str]]:
    """The data rows of the first table after `heading` in an act's HTML, cell by cell
    (not its header, nor its total)."""
    table = page.split(f"<h2>{heading}</h2>", 1)[1].split("</table>", 1)[0]
    return [
        [html.unescape(cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S)
        if "<th" not in row
    ]


def _fields(page: str) -> dict[str, str]:
    """The act's heading fields (operator, address, system, subjects) by their labels."""
    found = re.findall(r"<tr><th>(.*?)</th><td>(.*?)</td></tr>", page, re.S)
    return {html.unescape(name): html.unescape(value) for name, value in found}


def _tied_child_rows(url: str) -> dict[str, int]:
    """Rows of each child of people that refer to a person, counted in the database."""
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        counts = {
            name: int(
                connection.execute(
                    sa.text(f"SELECT count(*) FROM {name} WHERE person_id IS NOT NULL")
                ).scalar_one()
            )
            for name in ("memberships", "events", "notes")
        }
    engine.dispose()
    return counts


def _policy_file(tmp_path: Path, url: str, *, people_depersonalized: bool = False) -> Path:
    path = write_policy(tmp_path, url)
    text_ = re.sub(
        r"^operator: .*$", lambda _m: OPERATOR, path.read_text(encoding="utf-8"), flags=re.M
    )
    text_ = text_.replace(LEADS_LAST_COLUMN, LEADS_LAST_COLUMN + LEAD_CHILDREN)
    if people_depersonalized:  # at a withdrawal too, which by default destroys (art. 21 p.5)
        text_ = text_.replace(
            "    on_end: destroy\n",
            "    on_end: depersonalize\n    on_end_by_reason: {consent_withdrawn: depersonalize}\n",
        )
    path.write_text(text_, encoding="utf-8")
    return path


def test_documents_of_a_run_at_two_in_almaty_as_a_dpo_signs_them(
    store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PDPIPE_TEST_PSEUDONYM_KEY", PSEUDONYM_KEY)
    populate(store_url, people_count=120, leads_count=90)
    _add_lead_phones(store_url, leads=90)
    policy = load_policy(_policy_file(tmp_path, store_url))
    tied_before = _tied_child_rows(store_url)
    run_id = _run_at_two_in_almaty(policy, monkeypatch)
    tied_after = _tied_child_rows(store_url)
    folder = tmp_path / "docs"
    issue(policy, Scope(run_id), folder, today=dt.date(2026, 11, 26))

    ledger = [r for r in ledger_rows(store_url) if r["run_id"] == run_id]
    destroyed = [r["record_key"] for r in ledger if r["action"] == "destroy"]
    depersonalized = [r["record_key"] for r in ledger if r["action"] == "depersonalize"]
    assert {r["table_name"] for r in ledger if r["action"] == "destroy"} == {"people"}
    assert {r["table_name"] for r in ledger if r["action"] == "depersonalize"} == {"leads"}
    act_page = (folder / "destruction-act.ru.html").read_text(encoding="utf-8")
    record_page = (folder / "depersonalization-record.ru.html").read_text(encoding="utf-8")
    act, record = html.unescape(act_page), html.unescape(record_page)
    lines = extract.read(folder / "event-log-extract.json")

    # Order 179 item 7: one name for the information system, in the act and the extract;
    # the extract still says which of its databases each record was in.
    for page in (act_page, record_page):
        assert _fields(page)["Информационная система персональных данных"] == SYSTEM
    assert {line["information_system"] for line in lines} == {SYSTEM}
    assert {line["store"] for line in lines} == {"store"}

    # Item 10: the operator's local time with its offset, and the local day (the 26th),
    # though the ledger's UTC instant is on the 25th.
    assert {line["acted_at"] for line in lines} == {LOCAL_INSTANT}
    for page in (act_page, record_page):
        assert "<td>2026-11-26</td>" in page and "<td>2026-11-25</td>" not in page

    # Item 9: the ground for destroying, with the statute, not the purpose's 149-FZ.
    withdrawal = f"отзыв субъектом согласия на обработку персональных данных (ч. 5 ст. 21 {LAW})"
    expiry = f"истечение срока действия согласия субъекта (ч. 4, 5 ст. 21 {LAW})"
    assert [row[4] for row in _table_after(act_page, "Сведения об уничтожении")] == [withdrawal]
    assert [row[4] for row in _table_after(record_page, "Сведения об обезличивании")] == [expiry]
    assert {(line["reason"], line["ground"]) for line in lines} == {
        ("consent_withdrawn", withdrawal),
        ("consent_expired", expiry),
    }
    assert "149-ФЗ" not in act + record

    # Item 8: each dependent table and column, its method and its rows: as many as the run
    # really deleted or detached (tied to a person before, not after), counted by its
    # batches as they acted.
    phones = sum(_phones_of(int(key.removeprefix("L"))) for key in depersonalized)
    assert phones > len(depersonalized) / 2  # some leads have two phones, some none
    assert _table_after(record_page, "Зависимые таблицы") == [
        [
            "store",
            "leads",
            "lead_phones",
            "phone",
            "изменение состава или семантики (mask)",
            f"{len(depersonalized):,}",
            f"{phones:,}",
        ]
    ]
    people = f"{len(destroyed):,}"
    detach = "обнуление ссылки на уничтоженную запись (SQL UPDATE)"
    gone = {name: f"{tied_before[name] - tied_after[name]:,}" for name in tied_before}
    assert int(gone["events"].replace(",", "")) == 2 * len(destroyed)  # two a person
    assert _table_after(act_page, "Зависимые таблицы") == [
        [
            "store",
            "people",
            "memberships",
            "вся строка",
            "удаление строк (SQL DELETE)",
            people,
            gone["memberships"],
        ],
        ["store", "people", "events", "person_id", detach, people, gone["events"]],
        [
            "store",
            "people",
            "notes",
            "phone",
            "изменение состава или семантики (mask)",
            people,
            gone["notes"],
        ],
        ["store", "people", "notes", "person_id", detach, people, gone["notes"]],
    ]
    assert "pdpipe_child_counts" in act and "—" not in "".join(
        row[-1] for row in _table_after(act_page, "Зависимые таблицы")
    )

    # A store of a release that did not count children (no pdpipe_child_counts): the act
    # of its run says "—" and why, as acts did then; the next run adds the table.
    engine = sa.create_engine(store_url)
    with engine.begin() as connection:
        tables.child_counts.drop(connection)
    earlier = issue(policy, Scope(run_id), tmp_path / "earlier", today=dt.date(2026, 11, 26))
    earlier_page = (earlier.folder / "destruction-act.ru.html").read_text(encoding="utf-8")
    assert {row[-1] for row in _table_after(earlier_page, "Зависимые таблицы")} == {"—"}
    assert "число таких строк в акте не указывается" in html.unescape(earlier_page)
    assert "pdpipe_child_counts" not in html.unescape(earlier_page)
    with engine.begin() as connection:
        tables.ensure_tables(connection)  # as every run and request does first
        assert sa.inspect(connection).has_table(tables.child_counts.name)
    engine.dispose()

    # Order 179 applies until 2029-03-01 (the act says so); the record is under art. 13.1
    # and cites the 2025 order on methods (the repealed No. 996 nowhere).
    assert "действуют с 01.03.2023 до 01.03.2029" in act
    assert "01.03.2029" not in record
    assert "приказом Роскомнадзора № 140 (2025 г.;" in record
    for path in folder.iterdir():
        content = _text(path)
        assert not re.search(r"\b996\b", content), path.name  # a digest may hold the digits
        assert not CANARIES.search(content), path.name

    # Still verifiable: each file's SHA-256 is the one the ledger recorded.
    assert [check.status for check in verify(policy, [folder]) if not check.ok] == []

    later = issue(policy, Scope(run_id), tmp_path / "late", today=dt.date(2029, 3, 1))
    late_act = _text(later.folder / "destruction-act.ru.html")
    assert "действовали до 01.03.2029" in late_act and "действуют с" not in late_act


def test_dependent_rows_of_records_depersonalized_by_an_integer_key_are_counted(
    store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PDPIPE_TEST_PSEUDONYM_KEY", PSEUDONYM_KEY)
    populate(store_url, people_count=60, leads_count=30)
    _add_lead_phones(store_url, leads=30)
    engine = sa.create_engine(store_url)
    with engine.begin() as connection:  # every even person gets a second note
        second = sa.select(notes.c.id + 1000, notes.c.person_id, notes.c.phone).where(
            notes.c.person_id % 2 == 0
        )
        connection.execute(notes.insert().from_select(["id", "person_id", "phone"], second))
    engine.dispose()
    policy_path = _policy_file(tmp_path, store_url, people_depersonalized=True)
    with policy_path.open("a", encoding="utf-8") as policy_file:  # a citation a lawyer checked
        policy_file.write("acts: {depersonalization_order: the order as our lawyer cites it}\n")
    policy = load_policy(policy_path)
    run_id = _run_at_two_in_almaty(policy, monkeypatch)
    issued = issue(policy, Scope(run_id), tmp_path / "docs", language="en")
    assert issued.records["destroy"] == 0

    people = [
        int(r["record_key"])
        for r in ledger_rows(store_url)
        if r["run_id"] == run_id and r["table_name"] == "people"
    ]
    rows = sum(2 if person % 2 == 0 else 1 for person in people)
    page = (issued.folder / "depersonalization-record.en.html").read_text(encoding="utf-8")
    children = _table_after(page, "Dependent tables")
    masked = "changing composition or meaning (mask)"
    counted = [f"{len(people):,}", f"{rows:,}"]
    assert ["store", "people", "notes", "phone", masked, *counted] in children
    # memberships and events hold no declared PD: a depersonalization leaves them as they are
    assert {row[2] for row in children} == {"notes", "lead_phones"}
    assert "methods follow the order as our lawyer cites it." in html.unescape(page)
    assert "UNVERIFIED" not in page
    # A withdrawal is cited by its own provision whatever the purpose does at its end.
    assert "consent withdrawn by the subject (art. 21 p.5 of Federal Law No. 152-FZ)" in (
        html.unescape(page)
    )


GROUNDS = {
    "purpose_achieved-art.21p.4": (
        EndReason.PURPOSE_ACHIEVED,
        "destroy",
        "достижение цели обработки персональных данных (ч. 4 ст. 21",
    ),
    "purpose_achieved-depersonalized-art.5p.7": (
        EndReason.PURPOSE_ACHIEVED,
        "depersonalize",
        "достижение цели обработки персональных данных (ч. 7 ст. 5, ч. 4 ст. 21",
    ),
    "retention_elapsed-art.5p.7-art.21p.4": (
        EndReason.RETENTION_ELAPSED,
        "destroy",
        "истечение срока хранения персональных данных (ч. 7 ст. 5, ч. 4 ст. 21",
    ),
    "consent_expired-art.21p.4-5": (
        EndReason.CONSENT_EXPIRED,
        "destroy",
        "истечение срока действия согласия субъекта (ч. 4, 5 ст. 21",
    ),
    "consent_withdrawn-art.21p.5": (
        EndReason.CONSENT_WITHDRAWN,
        "destroy",
        "отзыв субъектом согласия на обработку персональных данных (ч. 5 ст. 21",
    ),
    "cease_demand-art.21p.5.1": (
        EndReason.CEASE_DEMAND,
        "destroy",
        "требование субъекта о прекращении обработки персональных данных (ч. 5.1 ст. 21",
    ),
    "unlawful_processing-art.21p.3": (
        EndReason.UNLAWFUL_PROCESSING,
        "destroy",
        "выявление неправомерной обработки персональных данных, правомерность которой "
        "обеспечить невозможно (ч. 3 ст. 21",
    ),
    "destruction_demand-art.20p.3": (
        grounds.DESTRUCTION_DEMAND,
        "destroy",
        "требование субъекта об уничтожении персональных данных (ч. 3 ст. 20",
    ),
}


@pytest.mark.parametrize(("ground", "action", "cited"), GROUNDS.values(), ids=GROUNDS.keys())
def test_each_ground_for_destroying_cites_its_provision_of_152_fz(
    ground: str, action: str, cited: str, tmp_path: Path
) -> None:
    policy = load_policy(write_policy(tmp_path, f"sqlite:///{tmp_path}/store.db"))
    assert grounds.text(policy, "ru", ground, action) == f"{cited} {LAW})"


def test_a_demand_to_destroy_and_a_withdrawal_are_cited_each_by_its_own_article(
    store_url: str, tmp_path: Path
) -> None:
    """The ledger records both under consent_withdrawn; the register says which it was."""
    populate(store_url, people_count=20, leads_count=10)
    policy_path = policy_with_requests(tmp_path, store_url)  # no information_system named
    sent = date(2026, 11, 20, 9, 30, 5)
    mailbox = write_mbox(
        tmp_path / "inbox.mbox",
        [
            message(
                subject=encoded_b("Удалите мои персональные данные"),
                body=text("Прошу уничтожить мои персональные данные."),
                sender="canary.person11@mail.ru",
                message_id="<d1@example.ru>",
                sent=sent,
            ),
            message(
                subject=encoded_b("Отзыв согласия на обработку персональных данных"),
                body=text("Отзываю согласие."),
                sender="canary.person7@mail.ru",
                message_id="<w1@example.ru>",
                sent=sent,
            ),
        ],
    )
    for step in (["ingest", str(policy_path), str(mailbox)], ["process", str(policy_path)]):
        done = pdpipe("requests", *step)
        assert done.returncode == 0, done.stdout + done.stderr

    acts = sorted((tmp_path / "runs" / "documents").glob("run-request-*/destruction-act.ru.html"))
    cited = sorted(
        row[4]
        for path in acts
        for row in _table_after(path.read_text(encoding="utf-8"), "Сведения об уничтожении")
    )
    assert cited == [
        f"отзыв субъектом согласия на обработку персональных данных (ч. 5 ст. 21 {LAW})",
        f"требование субъекта об уничтожении персональных данных (ч. 3 ст. 20 {LAW})",
    ]
    # Unnamed in the policy, the system is named after its stores, the same way in both
    # documents, and the act says where the name came from.
    for path in acts:
        act = _text(path)
        assert "Информационная система персональных данных" in act
        assert "(operator.information_system): приведены имена баз данных" in act
        lines = extract.read(path.parent / "event-log-extract.json")
        assert {line["information_system"] for line in lines} == {"store"}
        # A request acts on the person's children through the same statements, and its
        # act gives their rows as exactly: the builders' one membership, two events and
        # one note a person.
        rows = [
            row[-1] for row in _table_after(path.read_text(encoding="utf-8"), "Зависимые таблицы")
        ]
        assert rows == ["1", "2", "1", "1"], path.parent.name

    period = tmp_path / "period"
    today = dt.datetime.now(load_policy(policy_path).operator.zone).date()
    made = pdpipe(
        "report",
        "acts",
        str(policy_path),
        "--from",
        str(today - dt.timedelta(days=1)),
        "--to",
        str(today + dt.timedelta(days=1)),
        "--out",
        str(period),
    )
    assert made.returncode == 0, made.stdout + made.stderr
    page = (period / "destruction-act.ru.html").read_text(encoding="utf-8")
    assert sorted(row[4] for row in _table_after(page, "Сведения об уничтожении")) == cited
    # The period's act adds the two requests' counts up.
    assert [row[-1] for row in _table_after(page, "Зависимые таблицы")] == ["2", "4", "2", "2"]
    assert {line["ground"] for line in extract.read(period / "event-log-extract.json")} == set(
        cited
    )


def test_an_extract_of_the_first_version_still_reads(tmp_path: Path) -> None:
    """As pdpipe wrote it before it dated lines in local time (`acted_at_utc`)."""
    first = tmp_path / "event-log-extract.json"
    first.write_text(
        '{"format": "pdpipe.event-log-extract/1", "columns": ["ledger_seq", "acted_at_utc", '
        '"run_id", "information_system", "table", "record_key", "action", "reason", '
        '"legal_basis", "categories", "ledger_row_hash"], "records": [\n'
        '[1, "2026-11-25T21:00:00Z", "r1", "store", "people", "5", "destroy", '
        '"consent_withdrawn", "Federal Law No. 149-FZ; 152-FZ art. 21 p.5", "email", "ab"]\n'
        '], "count": 1}\n',
        encoding="utf-8",
    )
    (line,) = extract.read(first)
    assert line["acted_at_utc"] == "2026-11-25T21:00:00Z" and line["record_key"] == "5"
    assert extract.local_time(dt.datetime(2026, 11, 25, 21), ZoneInfo("Asia/Almaty")) == (
        LOCAL_INSTANT
    )
