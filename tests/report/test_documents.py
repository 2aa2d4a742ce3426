"""The act of destruction, the depersonalization record and the event-log extract: every
field Order 179 asks for, keys instead of values, and a SHA-256 in the ledger that
catches a later edit."""

from __future__ import annotations

import csv
import datetime as dt
import html
import json
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from pdpipe import json_files
from pdpipe.execute.runner import RunOptions
from pdpipe.job import run_policy
from pdpipe.policy import Policy, load_policy
from pdpipe.report.documents import extract, gather
from pdpipe.report.documents.gather import Scope
from pdpipe.report.documents.issue import INLINE_KEYS, expired, issue, sha256_of
from pdpipe.report.documents.verify import verify
from pdpipe.report.formats import INDEX, DocumentsIndex
from pdpipe.retention.decide import AsOf
from pdpipe.stores import tables
from tests.cli import pdpipe_in_process as pdpipe
from tests.execute.builders import AS_OF_DAY, PSEUDONYM_KEY, ledger_rows, populate, write_policy

OPERATOR = (
    "operator: {name: ООО «Ромашка», jurisdiction: RU-152FZ, timezone: Asia/Almaty, "
    "contact: dpo@romashka.example, address: '050000, Алматы, ул. Абая, 1', "
    "processor: 'ТОО «Рассылки», Астана', information_system: ИСПДн «Подписчики»}"
)
ACTS = """
acts:
  responsible:
    - {name: Иванова Мария Петровна, position: ответственный за обработку ПД}
    - {name: Петров Иван Сергеевич, position: администратор баз данных}
"""
# Values populate() writes into the records: none may reach a document.
CANARIES = re.compile(r"canary\.|Канарейкин|Лидов|\+7 916|\+7 701|8-777-|Алматы-\d", re.I)


def _policy(tmp_path: Path, url: str) -> Path:
    path = write_policy(tmp_path, url)
    text = re.sub(
        r"^operator: .*$", lambda _m: OPERATOR, path.read_text(encoding="utf-8"), flags=re.M
    )
    path.write_text(text + ACTS, encoding="utf-8")
    return path


def _run(policy: Policy) -> str:
    result = run_policy(
        policy,
        RunOptions(as_of=AsOf.end_of_day(AS_OF_DAY, "Asia/Almaty"), allow_large=True),
    )
    assert result.run_id is not None and result.acted > 0
    return result.run_id


@pytest.fixture
def ran(
    store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Policy, Path, str]:
    monkeypatch.setenv("PDPIPE_TEST_PSEUDONYM_KEY", PSEUDONYM_KEY)
    populate(store_url, people_count=120, leads_count=90)
    policy_path = _policy(tmp_path, store_url)
    policy = load_policy(policy_path)
    return policy, policy_path, _run(policy)


def _pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def test_the_act_of_a_run_holds_every_field_of_order_179(
    ran: tuple[Policy, Path, str], tmp_path: Path
) -> None:
    policy, _, run_id = ran
    issued = issue(policy, Scope(run_id), tmp_path / "docs", today=dt.date(2026, 11, 26))
    ledger = ledger_rows(policy.stores[0].url)
    destroyed = [r for r in ledger if r["run_id"] == run_id and r["action"] == "destroy"]
    assert issued.records == {
        "destroy": len(destroyed),
        "depersonalize": sum(
            1 for r in ledger if r["run_id"] == run_id and r["action"] == "depersonalize"
        ),
    }
    assert 0 < len(destroyed) <= INLINE_KEYS

    act = (issued.folder / "destruction-act.ru.html").read_text(encoding="utf-8")
    expected = [
        "Акт об уничтожении персональных данных",
        "приказом Роскомнадзора от 28.10.2022 № 179",
        "ООО «Ромашка»",  # 1: the operator's name
        "050000, Алматы, ул. Абая, 1",  # 1: and address
        "ТОО «Рассылки», Астана",  # 2: the processor
        f"{len(destroyed):,} записей, идентифицированных внутренними ключами",  # 3
        "Иванова Мария Петровна",  # 4: who destroyed, and their positions
        "ответственный за обработку ПД",
        "Петров Иван Сергеевич",
        "администратор баз данных",
        "Подпись",
        "адрес электронной почты, имя, фамилия",  # 5: categories (email, first, last name)
        "ИСПДн «Подписчики»",  # 7: the information system
        "удаление записей из базы данных (SQL DELETE)",  # 8: the method
        "Зависимые таблицы",  # …and what became of the dependent rows
        # 9: the ground for destroying, not the purpose's processing ground (149-FZ)
        "отзыв субъектом согласия на обработку персональных данных "
        "(ч. 5 ст. 21 Федерального закона от 27.07.2006 № 152-ФЗ)",
        # 10: the day the records were destroyed (now), in the operator's timezone
        dt.datetime.now(policy.operator.zone).date().isoformat(),
        "Дата составления: 2026-11-26",
    ]
    unescaped = html.unescape(act)
    assert [text for text in expected if text not in unescaped] == []
    assert "149-ФЗ" not in unescaped and "149-FZ" not in unescaped
    # The subjects by their internal keys, every one of them, and nothing else of theirs.
    listed = set(re.findall(r"\b\d+\b", unescaped.split("Приложение 1")[1]))
    assert {r["record_key"] for r in destroyed} <= listed
    assert not CANARIES.search(unescaped)

    pdf = _pdf_text(issued.folder / "destruction-act.ru.pdf")
    for text in ("Акт об уничтожении персональных данных", "ООО «Ромашка»", "Иванова Мария"):
        assert text in pdf  # Cyrillic extracted back: the font is embedded, not boxes


def test_a_depersonalization_is_recorded_with_its_methods(
    ran: tuple[Policy, Path, str], tmp_path: Path
) -> None:
    policy, _, run_id = ran
    issued = issue(policy, Scope(run_id), tmp_path / "docs", language="en")
    record = (issued.folder / "depersonalization-record.en.html").read_text(encoding="utf-8")
    for text in (
        "Record of depersonalization of personal data",
        "art. 13.1 of Federal Law No. 152-FZ",
        "introducing identifiers (email: pseudonym_email)",
        "changing composition or meaning (phone: mask)",
        "deletion (last_name: redact, attribs.phone: redact, attribs.city: drop_key)",
        "the subject&#39;s consent expired (art. 21 p.4-5 of Federal Law No. 152-FZ)",
    ):
        assert text in record
    assert "demand to cease" not in record  # those records were blocked, not depersonalized
    assert "Depersonalization" not in _pdf_text(issued.folder / "destruction-act.en.pdf")


def test_the_extract_has_one_line_per_record_acted_on(
    ran: tuple[Policy, Path, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    policy, _, run_id = ran
    # The ledger is read a page at a time: pages of 7 rows make this run's many pages.
    monkeypatch.setattr(gather, "LEDGER_PAGE", 7)
    issued = issue(policy, Scope(run_id), tmp_path / "docs")
    ledger = [
        r
        for r in ledger_rows(policy.stores[0].url)
        if r["run_id"] == run_id and r["action"] in ("destroy", "depersonalize")
    ]
    with (issued.folder / "event-log-extract.csv").open(encoding="utf-8") as stream:
        lines = list(csv.DictReader(stream))
    assert [(line["record_key"], line["action"], line["ledger_row_hash"]) for line in lines] == [
        (r["record_key"], r["action"], r["row_hash"]) for r in ledger
    ]
    # The information system as the act names it; the store as a part of it.
    assert {line["information_system"] for line in lines} == {"ИСПДн «Подписчики»"}
    assert {line["store"] for line in lines} == {"store"}
    as_json = json.loads((issued.folder / "event-log-extract.json").read_text(encoding="utf-8"))
    assert as_json["format"] == "pdpipe.event-log-extract/2" and as_json["count"] == len(ledger)
    assert [
        row["record_key"] for row in extract.read(issued.folder / "event-log-extract.json")
    ] == [r["record_key"] for r in ledger]
    for path in issued.folder.iterdir():
        text = path.read_text(encoding="utf-8", errors="replace")
        assert not CANARIES.search(text), path.name


def test_each_document_is_recorded_in_the_ledger_and_an_edit_is_caught(
    ran: tuple[Policy, Path, str], tmp_path: Path
) -> None:
    policy, policy_path, run_id = ran
    folder = tmp_path / "docs"
    issued = issue(policy, Scope(run_id), folder)
    recorded = {
        r["categories"].removeprefix("sha256:"): r["record_key"]
        for r in ledger_rows(policy.stores[0].url)
        if r["action"] == "document"
    }
    assert {d.sha256: f"docs/{d.file}" for d in issued.documents} == recorded
    assert all(check.ok for check in verify(policy, [folder]))
    assert pdpipe("ledger", "verify", str(policy_path)).returncode == 0

    act = folder / "destruction-act.ru.html"
    act.write_text(act.read_text(encoding="utf-8").replace("1", "2", 1), encoding="utf-8")
    checked = pdpipe("report", "verify", str(policy_path), str(folder))
    assert checked.returncode == 1, checked.stdout + checked.stderr
    assert "EDITED" in checked.stderr and "destruction-act.ru.html" in checked.stderr
    assert "1 of 6 document(s) do not match the ledger (1 edited)" in checked.stderr

    # A forger who also writes the edited file's hash into the ledger breaks its chain.
    engine = sa.create_engine(policy.stores[0].url)
    with engine.begin() as connection:
        connection.execute(
            sa.update(tables.ledger)
            .where(tables.ledger.c.record_key == "docs/destruction-act.ru.html")
            .values(categories=f"sha256:{sha256_of(act)}")
        )
    engine.dispose()
    forged = pdpipe("report", "verify", str(policy_path), str(folder))
    assert forged.returncode == 1
    assert "LEDGER BROKEN" in forged.stderr and "EDITED" not in forged.stderr


def test_a_period_collects_every_run_in_it_and_old_documents_expire(
    ran: tuple[Policy, Path, str], tmp_path: Path
) -> None:
    policy, policy_path, run_id = ran
    today = dt.datetime.now(policy.operator.zone).date()  # the run acted now
    made = pdpipe(
        "report",
        "acts",
        str(policy_path),
        "--from",
        str(today - dt.timedelta(days=1)),
        "--to",
        str(today),
        "--out",
        str(tmp_path / "period"),
        "--lang",
        "en",
    )
    assert made.returncode == 0, made.stdout + made.stderr
    index = json_files.read(tmp_path / "period" / INDEX, DocumentsIndex)
    by_run = issue(policy, Scope(run_id), tmp_path / "run")
    assert index.records == by_run.records
    assert expired(policy, today + dt.timedelta(days=3 * 365 - 5)) == []
    later = expired(policy, today + dt.timedelta(days=3 * 366))
    assert {document.name for document, _ in later} >= {f"period/{d.file}" for d in index.documents}
    listed = pdpipe(
        "report",
        "acts",
        str(policy_path),
        "--expired",
        "--as-of",
        str(today + dt.timedelta(days=1100)),
    )
    assert listed.returncode == 0 and "past their keeping term (P3Y)" in listed.stdout


def test_bad_scopes_are_refused_before_anything_is_written(tmp_path: Path) -> None:
    populate(f"sqlite:///{tmp_path}/store.db", people_count=10, leads_count=10)
    policy_path = _policy(tmp_path, f"sqlite:///{tmp_path}/store.db")
    for args, message in (
        ([], "name one run (--run ID) or one period (--from DATE --to DATE)"),
        (["--run", "x", "--from", "2026-01-01", "--to", "2026-01-02"], "name one run"),
        (["--from", "2026-02-01", "--to", "2026-01-01"], "--from 2026-02-01 is after --to"),
        (["--from", "yesterday", "--to", "2026-01-01"], "--from: expected a date YYYY-MM-DD"),
    ):
        refused = pdpipe("report", "acts", str(policy_path), *args, "--out", str(tmp_path / "out"))
        assert refused.returncode == 2, (args, refused.stdout, refused.stderr)
        assert message in refused.stderr
    assert not (tmp_path / "out").exists()
    nothing = pdpipe("report", "acts", str(policy_path), "--run", "no-such-run")
    assert nothing.returncode == 0 and "nothing was destroyed or depersonalized" in nothing.stdout
