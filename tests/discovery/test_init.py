"""`pdpipe init --url URL`: a starter policy a person finishes by replacing each TODO.

The file fails `pdpipe check` only at its TODOs; with them decided, `pdpipe check`
(against the stores) accepts it. It never holds a value read from the store."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
import yaml

from pdpipe.demo import build_demo
from pdpipe.discovery.starter import starter_policy
from pdpipe.discovery.store_url import url_for_policy
from tests.cli import run_main
from tests.execute.builders import PSEUDONYM_KEY, populate

DEMO_DAY = dt.date(2026, 11, 25)

# What a person writes in place of each TODO, by the key that holds it.
DECISIONS = {
    "name": "IPM",
    "jurisdiction": "RU-152FZ",
    "contact": "dpo@example.org",
    "title": "Informing the User by sending emails",
    "legal_ground": "Federal Law No. 149-FZ of 27.07.2006",
    "keep_for": "P3Y",
    "on_end": "destroy",
}


def decided(text: str) -> str:
    """The starter policy with every TODO replaced, as a person would edit the file."""

    def replace(found: re.Match[str]) -> str:
        key = found.group("key")
        return f"{found.group('indent')}{key}: {DECISIONS[key]}"

    text = re.sub(r'(?m)^(?P<indent> *)(?P<key>\w+): "TODO[^"\n]*"', replace, text)
    text = re.sub(r'(?m)^( *processing: )\["TODO[^"\n]*"\]', r"\1[transfer]", text)
    values = [
        line.split(" #")[0] for line in text.splitlines() if not line.lstrip().startswith("#")
    ]
    assert not [line for line in values if "TODO" in line]  # none left outside comments
    return text


@pytest.fixture(autouse=True)
def keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PDPIPE_PSEUDONYM_KEY", PSEUDONYM_KEY)


def _check(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int | str | None, str, str]:
    return run_main(monkeypatch, capsys, "check", *args)


def _init_then_check(
    url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> str:
    policy = tmp_path / "starter" / "policy.yaml"
    policy.parent.mkdir()
    code, stdout, stderr = run_main(monkeypatch, capsys, "init", "--url", url, "--out", str(policy))
    assert code in (0, None), stderr
    assert "TODO(s) to decide" in stdout
    text = policy.read_text(encoding="utf-8")

    # Offline, the file fails only at its TODOs, each named on its line.
    code, stdout, _ = _check(monkeypatch, capsys, str(policy), "--offline", "--json")
    assert code == 2
    problems = json.loads(stdout)["problems"]
    lines = text.splitlines()
    assert len(problems) == text.count(': "TODO') + text.count('["TODO')
    for problem in problems:
        assert problem["message"].startswith("TODO placeholder"), problem
        assert "TODO" in lines[problem["line"] - 1], problem

    # With each TODO decided, the stores themselves accept it.
    policy.write_text(decided(text), encoding="utf-8")
    code, stdout, stderr = _check(monkeypatch, capsys, str(policy))
    assert code in (0, None), stderr
    assert "ok" in stdout
    return text


def test_the_demo_crm_gets_its_contacts_children_and_operators(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    demo = build_demo(tmp_path / "demo", subjects=300, seed=4, as_of=DEMO_DAY)
    crm = demo.policy_path.parent / "crm.db"
    text = _init_then_check(f"sqlite:///{crm}", tmp_path, monkeypatch, capsys)

    policy = yaml.safe_load(text)
    (store,) = policy["stores"]
    assert store["url"] == "sqlite:///../demo/crm.db"  # read from the policy's folder
    (contacts,) = store["tables"]
    assert (contacts["name"], contacts["key"], contacts["clock"]) == (
        "contacts",
        "id",
        "updated_at",
    )
    assert contacts["subject"] == {"email": "email"}
    assert contacts["columns"]["email"] == {"data": "email", "depersonalize": "pseudonym_email"}
    assert contacts["columns"]["patronymic"]["data"] == "patronymic"
    children = {c["table"]: c for c in contacts["children"]}
    # contact_id is NOT NULL: the phones cannot outlive the contact
    assert children["contact_phones"]["on_destroy"] == "delete"
    assert children["contact_phones"]["columns"]["phone"] == {
        "data": "phone",
        "depersonalize": {"mask": {"keep_last": 2}},
    }
    # the free-text notes that leak phones and e-mails are declared, as prose
    assert set(children["interactions"]["columns"]["note"]["data"]) == {"phone", "email"}
    assert "{reason: consent_expired, since: consent_valid_until}" in text
    assert set(policy["purposes"][0]["data"]) == {
        "last_name",
        "first_name",
        "patronymic",
        "email",
        "phone",
    }


@pytest.mark.parametrize("server", ["pg_url", "mariadb_url"])
def test_a_server_database_of_both_demo_stores(
    server: str,
    request: pytest.FixtureRequest,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url: str = request.getfixturevalue(server)
    build_demo(tmp_path / "demo", subjects=200, seed=4, url=url, as_of=DEMO_DAY)
    text = _init_then_check(url, tmp_path, monkeypatch, capsys)
    tables = {t["name"]: t for t in yaml.safe_load(text)["stores"][0]["tables"]}
    assert set(tables) == {"contacts", "subscribers"}
    children = {c["table"]: c["on_destroy"] for c in tables["subscribers"]["children"]}
    assert children == {
        "campaign_views": "delete",  # event tables
        "link_clicks": "delete",
        "subscriber_lists": "delete",  # a link table
    }
    assert tables["subscribers"]["columns"]["name"]["data"] == [
        "last_name",
        "first_name",
        "patronymic",
    ]
    assert tables["subscribers"]["columns"]["attribs.phone"]["data"] == "phone"


def test_no_value_from_the_store_in_the_file_or_the_output(
    store_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The execution tests' store: every person, lead and note carries canary values."""
    populate(store_url, people_count=60, leads_count=60)
    policy = tmp_path / "policy.yaml"
    code, stdout, stderr = run_main(
        monkeypatch, capsys, "-v", "init", "--url", store_url, "--out", str(policy)
    )
    assert code in (0, None), stderr
    text = policy.read_text(encoding="utf-8")
    for output in (text, stdout, stderr):
        assert not re.search(r"(?i)canary|Канарейкин|Лидов|916 555|Алматы-", output)
    tables = {t["name"]: t for t in yaml.safe_load(text)["stores"][0]["tables"]}
    assert set(tables) == {"leads", "people"}
    notes = next(c for c in tables["people"]["children"] if c["table"] == "notes")
    # notes.person_id allows NULL and notes has a key: their phones are depersonalized
    assert notes["on_destroy"] == "depersonalize"
    memberships = next(c for c in tables["people"]["children"] if c["table"] == "memberships")
    assert memberships["on_destroy"] == "delete"  # NOT NULL fk, no PD


def test_an_existing_file_is_kept_without_force(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path}/store.db"
    populate(url, people_count=20, leads_count=20)
    policy = tmp_path / "policy.yaml"
    policy.write_text("mine\n", encoding="utf-8")
    code, _, stderr = run_main(monkeypatch, capsys, "init", "--url", url, "--out", str(policy))
    assert code == 2
    assert str(policy) in stderr and "--force" in stderr
    assert policy.read_text(encoding="utf-8") == "mine\n"
    code, _, _ = run_main(
        monkeypatch, capsys, "init", "--url", url, "--out", str(policy), "--force"
    )
    assert code in (0, None)
    assert policy.read_text(encoding="utf-8").startswith("# A starter policy")


def test_a_password_never_reaches_the_file() -> None:
    url = "postgresql+psycopg://app:s3cr%40t@db.internal:5432/crm"
    written = url_for_policy(url, None)
    assert written == "postgresql+psycopg://app:${PDPIPE_STORE_PASSWORD}@db.internal:5432/crm"
    assert "s3cr" not in written


def test_a_table_without_a_primary_key_is_named_not_declared(tmp_path: Path) -> None:
    import sqlalchemy as sa

    url = f"sqlite:///{tmp_path}/store.db"
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE signups (email VARCHAR(80), created_at DATETIME)")
        connection.execute(
            sa.text("INSERT INTO signups VALUES (:e, '2026-01-01 00:00:00')"),
            [{"e": f"canary.signup{i}@example.org"} for i in range(30)],
        )
    engine.dispose()
    starter = starter_policy(url)
    assert starter.tables == []
    assert [t for t, _ in starter.skipped] == ["signups"]
    assert "# not declared: table signups holds PD but has no one-column primary key" in (
        starter.text
    )
    assert "canary" not in starter.text
