"""`--json` on `check`, `validate` and `requests list`: one document on stdout, parsed as
a script would, with names, counts and ids only; exit codes as without it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from pdpipe.execute.runner import RunOptions
from pdpipe.job import run_policy
from pdpipe.policy import load_policy
from pdpipe.retention.decide import AsOf
from tests.cli import run_main
from tests.execute.builders import AS_OF_DAY, PSEUDONYM_KEY, populate, write_policy
from tests.requests.scenario import (
    requests_scenario,
)


@pytest.fixture
def policy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PDPIPE_TEST_PSEUDONYM_KEY", PSEUDONYM_KEY)
    url = f"sqlite:///{tmp_path}/store.db"
    populate(url, people_count=60, leads_count=60)
    return write_policy(tmp_path, url)


def test_check_json_names_the_stores_and_tables_it_checked(
    policy: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, stdout, _ = run_main(monkeypatch, capsys, "check", str(policy), "--json")
    assert code == 0
    document = json.loads(stdout)
    warnings = document.pop("warnings")
    assert document == {
        "format": "pdpipe.check/1",
        "policy": str(policy),
        "ok": True,
        "offline": False,
        "stores": [{"name": "store", "tables": ["people", "leads"]}],
        "tables": 2,
        "problems": [],
    }
    # SQLite keeps timestamps without a zone and the policy does not say which one.
    assert {(w["path"], w["line"]) for w in warnings} == {
        ("operator.jurisdiction", 3),  # an operator in Almaty on the RU profile
        ("stores[0].tables[0].clock", 27),
        ("stores[0].tables[0].ends[0].since", 29),
        ("stores[0].tables[1].clock", 44),
        ("stores[0].tables[1].ends[0].since", 46),
    }


def test_check_json_lists_every_problem_and_still_exits_2(
    policy: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    text = policy.read_text(encoding="utf-8")
    policy.write_text(text.replace("pseudonym_email", "hsah", 1), encoding="utf-8")
    code, stdout, stderr = run_main(monkeypatch, capsys, "check", str(policy), "--json")
    assert code == 2
    document = json.loads(stdout)
    assert document["ok"] is False and document["format"] == "pdpipe.check/1"
    [problem] = document["problems"]
    assert problem["path"] == "stores[0].tables[0].columns.email.depersonalize"
    assert problem["line"] == 31 and problem["message"].startswith("unknown operator 'hsah'")
    assert "error:" in stderr and "hsah" in stderr  # the person still reads it


def test_check_json_of_a_missing_file_has_no_path_inside_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nowhere.yaml"
    code, stdout, _ = run_main(monkeypatch, capsys, "check", str(missing), "--offline", "--json")
    assert code == 2
    document = json.loads(stdout)
    assert document["problems"] == [
        {"path": None, "line": None, "column": None, "message": "file not found"}
    ]
    assert document["stores"] == [] and document["offline"] is True


def test_validate_json_carries_every_check_and_exits_1_when_one_fails(
    policy: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = f"sqlite:///{tmp_path}/store.db"
    run_policy(
        load_policy(policy),
        RunOptions(as_of=AsOf.end_of_day(AS_OF_DAY, "Asia/Almaty"), allow_large=True),
    )
    args = ("validate", str(policy), "--as-of", AS_OF_DAY.isoformat(), "--json")
    code, stdout, _ = run_main(monkeypatch, capsys, *args, "--out", str(tmp_path / "good"))
    assert code == 0
    good = json.loads(stdout)
    assert good["format"] == "pdpipe.validate/1" and good["success"] is True
    assert good["as_of"] == "2026-11-25" and good["run_id"] is None and good["failed"] == 0
    assert {(c["store"], c["table"]) for c in good["checks"]} == {
        ("store", "people"),
        ("store", "leads"),
    }
    assert good["data_docs"] == str(tmp_path / "good" / "data-docs" / "index.html")

    canary = "canary.json@mail.ru"
    engine = sa.create_engine(url)
    with engine.begin() as connection:  # as if an operator had left a value in place
        key = connection.execute(
            sa.text("SELECT min(record_key) FROM pdpipe_state WHERE state = 'depersonalized'")
        ).scalar_one()
        connection.execute(
            sa.text("UPDATE leads SET email = :v WHERE lead_id = :k"), {"v": canary, "k": key}
        )
    engine.dispose()
    code, stdout, stderr = run_main(monkeypatch, capsys, *args, "--out", str(tmp_path / "bad"))
    assert code == 1
    bad = json.loads(stdout)  # printed all the same, before the error on stderr
    assert bad["success"] is False and bad["failed"] == 1
    [failed] = [c for c in bad["checks"] if not c["success"]]
    assert failed["table"] == "leads" and failed["unexpected"] == 1
    assert "validation failed" in stderr
    assert canary not in stdout + stderr


def test_requests_list_json_is_ids_types_states_and_deadlines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    policy, mailbox = requests_scenario(tmp_path, monkeypatch, 20, 20)
    code, _, _ = run_main(monkeypatch, capsys, "requests", "ingest", str(policy), str(mailbox))
    assert code == 0
    code, stdout, _ = run_main(
        monkeypatch, capsys, "requests", "list", str(policy), "--json", "--as-of", "2026-11-26"
    )
    assert code == 0
    document = json.loads(stdout)
    assert document["format"] == "pdpipe.requests/1" and document["today"] == "2026-11-26"
    assert document["requests"]
    for row in document["requests"]:
        assert set(row) == {
            "id",
            "type",
            "status",
            "received",
            "due",
            "due_at",
            "deadline",
            "stop_by",
            "stopped",
            "extended",
            "days_left",
            "overdue",
            "records",
            "review",
            "subject",
            "message_id_sha256",
            "date_in_future",
        }
    assert "@" not in stdout and "canary" not in stdout.lower()  # no requester's address
