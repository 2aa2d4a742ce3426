"""`pdpipe scan` on stores shaped like real ones: the PD the policy forgot is found, what
it declares is confirmed, and no output quotes a value."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from pdpipe.demo import build_demo
from pdpipe.discovery.compare import Status
from pdpipe.discovery.scan import scan_policy
from pdpipe.policy import load_policy
from tests.cli import run_main
from tests.execute.builders import PSEUDONYM_KEY, populate, write_policy


@pytest.fixture(autouse=True)
def keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PDPIPE_TEST_PSEUDONYM_KEY", PSEUDONYM_KEY)
    monkeypatch.setenv("PDPIPE_PSEUDONYM_KEY", PSEUDONYM_KEY)
    monkeypatch.setenv("PDPIPE_CONTACT_KEY", "test-contact-key")


def test_the_demos_notes_hold_phones_and_emails_its_policy_does_not_declare(
    tmp_path: Path,
) -> None:
    """The issue's own case: the CRM's free-text notes about contacts."""
    demo = build_demo(tmp_path, subjects=300, seed=4, as_of=dt.date(2026, 11, 25))
    report = scan_policy(load_policy(demo.policy_path))
    verdicts = {(v.store, v.table, v.column): v for v in report.verdicts}

    notes = verdicts["crm", "interactions", "note"]
    assert notes.status is Status.UNDECLARED
    assert {"phone", "email"} <= set(notes.found)
    assert dict((c, e) for c, _, e in notes.details)["phone"] == "free text"
    for place in [("crm", "contacts", "email"), ("crm", "contact_phones", "phone")]:
        assert verdicts[place].status is Status.DECLARED
    assert verdicts["mailing", "subscribers", "attribs.phone"].status is Status.DECLARED
    # and nothing else: a city column's "Астана" is a city, though also a given name
    assert [(v.table, v.column) for v in report.undeclared] == [("interactions", "note")]


def _add_undeclared(url: str) -> None:
    """An audit table the policy never heard of, holding e-mails and phones."""
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "CREATE TABLE audit_log (id INTEGER PRIMARY KEY, actor VARCHAR(80), "
            "callback VARCHAR(40), action VARCHAR(20))"
        )
        connection.execute(
            sa.text("INSERT INTO audit_log VALUES (:i, :actor, :callback, 'login')"),
            [
                {
                    "i": i,
                    "actor": f"canary.auditor{i}@mail.ru",
                    "callback": f"8 (912) 555-{i:02d}-{i % 90 + 10:02d}",
                }
                for i in range(1, 60)
            ],
        )
    engine.dispose()


def test_a_table_the_policy_never_names_is_scanned_and_its_pd_undeclared(
    store_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    populate(store_url, people_count=80, leads_count=60)
    _add_undeclared(store_url)
    policy = write_policy(tmp_path, store_url)

    code, out, err = run_main(monkeypatch, capsys, "scan", str(policy), "--json")

    assert code == 1  # undeclared PD: the CI gate fails
    document = json.loads(out)
    assert document["format"] == "pdpipe.scan/1"
    found = {(f["table"], f["column"]): f for f in document["findings"]}
    assert found["audit_log", "actor"]["status"] == "undeclared"
    assert found["audit_log", "actor"]["found"] == ["email"]
    assert found["audit_log", "callback"]["found"] == ["phone"]
    assert found["people", "email"]["status"] == "declared"
    assert ("audit_log", "action") not in found
    assert "canary" not in out + err and "555" not in out + err  # names and shares only


def test_a_database_scanned_without_a_policy_has_only_undeclared_pd(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path}/store.db"
    populate(url, people_count=40, leads_count=40)

    code, out, _ = run_main(monkeypatch, capsys, "scan", "--url", url, "--json")

    assert code == 1
    statuses = {f["status"] for f in json.loads(out)["findings"]}
    assert statuses == {"undeclared"}


CLEAN_POLICY = """
version: 1
operator: {{name: Test Operator, jurisdiction: RU-152FZ, timezone: Asia/Almaty, contact: a@b.c}}
purposes:
  - {{id: informing, title: Informing, legal_ground: Federal Law No. 149-FZ,
     processing: [use], data: [email, phone], keep_for: P3Y, on_end: destroy}}
stores:
  - name: shop
    url: {url}
    tables:
      - name: customers
        key: id
        purpose: informing
        clock: created_at
        columns:
          email: {{data: email}}
          phone: {{data: phone}}
"""


def test_when_every_pd_column_is_declared_then_the_scan_passes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A shop's customers: statuses, amounts, order numbers and dates are not PD."""
    url = f"sqlite:///{tmp_path}/shop.db"
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "CREATE TABLE customers (id INTEGER PRIMARY KEY, email VARCHAR(80), "
            "phone VARCHAR(30), status VARCHAR(12), order_no VARCHAR(20), total NUMERIC, "
            "created_at TIMESTAMP)"
        )
        connection.execute(
            sa.text(
                "INSERT INTO customers VALUES (:i, :email, :phone, :status, :order_no, "
                ":total, :created)"
            ),
            [
                {
                    "i": i,
                    "email": f"buyer{i}@example.org",
                    "phone": f"+7 (912) 4{i:02d}-{i % 90 + 10:02d}-{i % 80 + 10:02d}",
                    "status": ["active", "blocked", "pending"][i % 3],
                    "order_no": f"SO-2026-{i:06d}",
                    "total": 1999.5 + i,
                    "created": f"2026-0{i % 9 + 1}-1{i % 9} 10:00:00",
                }
                for i in range(1, 80)
            ],
        )
    engine.dispose()
    policy = tmp_path / "policy.yaml"
    policy.write_text(CLEAN_POLICY.format(url=url), encoding="utf-8")

    code, out, err = run_main(monkeypatch, capsys, "scan", str(policy))

    assert code == 0, out + err
    assert "undeclared" not in out


def test_scan_refuses_both_a_policy_and_a_url(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_main(monkeypatch, capsys, "scan", "p.yaml", "--url", "sqlite://")
    assert code == 2 and "not both" in err


@pytest.mark.parametrize(
    "url",
    [
        "sqlite:///{tmp}/no-such.db",
        "postgresql+psycopg://postgres@127.0.0.1:9/test",
        "mysql://root@127.0.0.1:9/test",  # Connector/Python's C extension
        "mysql+pymysql://root@127.0.0.1:9/test",
    ],
)
@pytest.mark.parametrize("command", ["scan", "init"])
def test_a_store_that_is_down_is_bad_input_not_a_finding(
    url: str,
    command: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Exit 1 means undeclared PD to a CI gate: a store it could not read is exit 2."""
    out_file = tmp_path / "policy.yaml"
    args = ["--url", url.format(tmp=tmp_path)]
    if command == "init":
        args += ["--out", str(out_file)]
    code, _, err = run_main(monkeypatch, capsys, command, *args)
    assert code == 2 and "is unreachable" in err
    assert not out_file.exists()
