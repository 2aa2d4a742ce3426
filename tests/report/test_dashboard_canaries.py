"""Canary values planted in the stores never reach the dashboard or the run folders it
links to (summary, Data Docs, documents), whether their records were destroyed by the
nightly run, by a subject's request, or kept."""

from __future__ import annotations

import datetime as dt
import email.utils
import html
import json
import mailbox
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from pdpipe.demo import build_demo
from pdpipe.stores import tables
from tests.cli import pdpipe

DEMO_DAY = dt.date(2026, 11, 25)
FULL_NAME = "Канареечкин Зиновий Аркадьевич"
PHONE = "+7 916 555-01-23"
# What must appear nowhere, as written and as HTML, JSON or a URL would escape it.
CANARIES = ["canary-", "Канареечкин", "Зиновий", "Зинаида", "Аркадьев", "555-01-23", "9165550123"]


def _email(prefix: str, key: int) -> str:
    return f"canary-{prefix}{key}-xyz@example.org"


def _ids(connection: sa.Connection, query: str) -> list[int]:
    return [int(key) for key in connection.execute(sa.text(query)).scalars()]


def _plant(urls: dict[str, str]) -> dict[str, list[int]]:
    """Canaries in records the run will destroy and in records it keeps, in both stores."""
    planted: dict[str, list[int]] = {}
    mailing = sa.create_engine(urls["mailing"])
    with mailing.begin() as connection:
        planted["subscribers"] = _ids(
            connection, "SELECT id FROM subscribers WHERE status = 'blocklisted' LIMIT 4"
        ) + _ids(
            connection,
            "SELECT id FROM subscribers s WHERE status = 'enabled' AND EXISTS (SELECT 1 FROM "
            "subscriber_lists l WHERE l.subscriber_id = s.id AND l.status != 'unsubscribed') "
            "ORDER BY id LIMIT 4",
        )
        for key in planted["subscribers"]:
            connection.execute(
                sa.text(
                    "UPDATE subscribers SET name = :name, email = :email, "
                    "attribs = json_set(attribs, '$.phone', :phone) WHERE id = :id"
                ),
                {"name": FULL_NAME, "email": _email("s", key), "phone": PHONE, "id": key},
            )
    mailing.dispose()
    crm = sa.create_engine(urls["crm"])
    with crm.begin() as connection:
        planted["contacts"] = _ids(
            connection, "SELECT id FROM contacts WHERE consent_withdrawn_at IS NOT NULL LIMIT 4"
        ) + _ids(
            connection,
            "SELECT id FROM contacts WHERE consent_withdrawn_at IS NULL "
            "ORDER BY consent_valid_until DESC LIMIT 4",
        )
        for key in planted["contacts"]:
            connection.execute(
                sa.text(
                    "UPDATE contacts SET last_name = 'Канареечкина', first_name = 'Зинаида', "
                    "patronymic = 'Аркадьевна', email = :email WHERE id = :id"
                ),
                {"email": _email("c", key), "id": key},
            )
            connection.execute(
                sa.text("UPDATE contact_phones SET phone = :phone WHERE contact_id = :id"),
                {"phone": PHONE, "id": key},
            )
    crm.dispose()
    return planted


def _withdrawal_from(address: str, inbox: Path) -> None:
    """A kept canary subscriber withdraws consent, signing with name and phone."""
    message = EmailMessage()
    message["From"] = f"{FULL_NAME} <{address}>"
    message["To"] = "ipm@gmail.com"
    message["Subject"] = "Отзыв согласия на обработку персональных данных"
    message["Date"] = email.utils.format_datetime(
        dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=5)))
    )
    message["Message-ID"] = "<canary-withdrawal@pdpipe.invalid>"
    message.set_content(f"Прошу удалить мои данные. {FULL_NAME}, тел. {PHONE}")
    box = mailbox.mbox(inbox)
    try:
        box.add(message)
        box.flush()
    finally:
        box.close()


def _acted_on(url: str, table: str) -> set[int]:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        keys = connection.execute(
            sa.select(tables.ledger.c.record_key).where(tables.ledger.c.table_name == table)
        ).scalars()
        found = {int(key) for key in keys}
    engine.dispose()
    return found


def _forms(canary: str) -> set[str]:
    return {canary.lower(), json.dumps(canary)[1:-1].lower(), quote(canary).lower()}


def _texts(path: Path) -> list[str]:
    text = path.read_bytes().decode("utf-8", errors="replace")
    texts = [text, html.unescape(text)]
    if path.suffix == ".pdf":  # compressed streams: read the text back as a viewer would
        texts.append("\n".join(page.extract_text() for page in PdfReader(path).pages))
    return [t.lower() for t in texts]


@pytest.mark.slow
def test_no_canary_reaches_the_dashboard_or_the_run_folders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PDPIPE_PSEUDONYM_KEY", "canary-test-key")
    monkeypatch.setenv("PDPIPE_CONTACT_KEY", "canary-test-contact-key")
    monkeypatch.delenv("PDPIPE_OUTPUT_DIR", raising=False)
    demo = build_demo(tmp_path, subjects=300, seed=8, as_of=DEMO_DAY)
    planted = _plant(demo.store_urls)
    policy = str(demo.policy_path)
    withdrawing = planted["subscribers"][-1]  # kept by the run, destroyed on request
    _withdrawal_from(_email("s", withdrawing), tmp_path / "inbox.mbox")

    outputs = [
        pdpipe("run", policy, "--as-of", DEMO_DAY.isoformat(), "--allow-large"),
        pdpipe("requests", "ingest", policy, str(tmp_path / "inbox.mbox"), "--process"),
        pdpipe("report", "dashboard", policy, "--as-of", "2026-12-20"),
    ]
    assert [o.returncode for o in outputs] == [0, 0, 0], [o.stderr for o in outputs]

    # Both paths were taken: canary records destroyed (by the run and on request), and
    # canary records kept, which validation read and the plan counted.
    destroyed = _acted_on(demo.store_urls["mailing"], "subscribers")
    assert withdrawing in destroyed
    assert 0 < len(destroyed & set(planted["subscribers"])) < len(planted["subscribers"])
    assert 0 < len(_acted_on(demo.store_urls["crm"], "contacts") & set(planted["contacts"])) < 8

    runs = tmp_path / "runs"
    files = [path for path in runs.rglob("*") if path.is_file()]
    assert runs / "dashboard" / "index.html" in files
    assert any(path.name == "destruction-act.ru.pdf" for path in files)
    assert any(path.parts[-3:-1] == ("validation", "data-docs") for path in files)
    found = [
        f"{path.relative_to(runs)}: {canary}"
        for path in files
        for text in _texts(path)
        for canary in CANARIES
        if any(form in text for form in _forms(canary))
    ]
    terminal = "".join(o.stdout + o.stderr for o in outputs).lower()
    found += [f"terminal: {c}" for c in CANARIES if any(f in terminal for f in _forms(c))]
    assert sorted(set(found)) == []
