"""The suites under `expectations/`: written from the policy, reviewed, and enforced — a
PD column added to the policy without its check stops the run before it changes anything."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from pdpipe.errors import BadInput
from pdpipe.execute.runner import RunOptions
from pdpipe.job import run_policy
from pdpipe.policy import load_policy
from pdpipe.retention.decide import AsOf
from pdpipe.validation import suites
from pdpipe.validation.checks import validate_policy
from tests.cli import pdpipe_in_process as pdpipe
from tests.cli import run_main
from tests.execute.builders import AS_OF_DAY, PSEUDONYM_KEY, dump, leads, populate, write_policy

AS_OF = AsOf.end_of_day(AS_OF_DAY, "Asia/Almaty")


def _suite(folder: Path, table: str) -> dict[str, object]:
    data: dict[str, object] = json.loads(
        (folder / f"pdpipe-store-{table}.json").read_text(encoding="utf-8")
    )
    return data


def test_the_suites_are_written_for_every_table_and_do_not_change_from_day_to_day(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path}/store.db"
    populate(url, people_count=20, leads_count=20)
    policy_path = write_policy(tmp_path, url)
    written = pdpipe("expectations", str(policy_path))
    assert written.returncode == 0, written.stderr
    folder = tmp_path / "expectations"
    assert sorted(p.name for p in folder.iterdir()) == [
        "pdpipe-store-leads.json",
        "pdpipe-store-people.json",
    ]
    people = _suite(folder, "people")
    descriptions = [e["description"] for e in people["expectations"]]  # type: ignore[attr-defined]
    assert descriptions == [
        "key id is unique",
        "key id is not null",
        "no record past its statutory deadline remains un-acted",
        "no email, phone or full name left in depersonalized records",
        "rows of memberships reference existing people (or NULL)",
        "rows of events reference existing people (or NULL)",
        "rows of notes reference existing people (or NULL)",
        suites.LEDGER_CHECK,
        suites.SNAPSHOT_CHECK,
    ]
    text = (folder / "pdpipe-store-people.json").read_text(encoding="utf-8")
    assert "${as_of.ended.consent_withdrawn}" in text and "${run_id}" in text
    assert str(AS_OF_DAY.year) not in text  # nothing of the day is in the file
    before = {p.name: p.read_text() for p in folder.iterdir()}
    assert pdpipe("expectations", str(policy_path)).returncode == 0
    assert {p.name: p.read_text() for p in folder.iterdir()} == before
    assert pdpipe("check", str(policy_path)).returncode == 0


def test_when_a_pd_column_is_added_without_its_check_then_the_run_refuses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PDPIPE_TEST_PSEUDONYM_KEY", PSEUDONYM_KEY)
    url = f"sqlite:///{tmp_path}/store.db"
    populate(url, people_count=40, leads_count=40)
    policy_path = write_policy(tmp_path, url)
    assert pdpipe("expectations", str(policy_path)).returncode == 0
    text = policy_path.read_text(encoding="utf-8")
    policy_path.write_text(  # a new PD path in leads' JSON column
        text.replace(
            "          attribs.city: {data: city, depersonalize: drop_key}\n",
            "          attribs.city: {data: city, depersonalize: drop_key}\n"
            "          attribs.note: {data: phone, depersonalize: redact}\n",
        ),
        encoding="utf-8",
    )
    rows_before = dump(url, leads)
    refused = pdpipe("run", str(policy_path), "--as-of", AS_OF_DAY.isoformat(), "--allow-large")
    assert refused.returncode == 2
    assert "pdpipe-store-leads.json: differs from the suite the policy gives" in refused.stderr
    assert f"pdpipe expectations {policy_path}" in refused.stderr
    assert dump(url, leads) == rows_before  # nothing changed
    checked = pdpipe("check", str(policy_path))
    assert checked.returncode == 2 and "pdpipe-store-leads.json" in checked.stderr

    assert pdpipe("expectations", str(policy_path)).returncode == 0
    leaks = _suite(tmp_path / "expectations", "leads")["expectations"][3]  # type: ignore[index]
    assert "note" in leaks["kwargs"]["unexpected_rows_query"]
    with pytest.raises(BadInput):  # a suite of a table the policy no longer names
        (tmp_path / "expectations" / "pdpipe-store-gone.json").write_text(
            suites.render(suites.SuiteTemplate(store="store", table="gone"))
        )
        suites.verify(load_policy(policy_path))


def test_a_run_is_checked_with_exactly_the_reviewed_suites(
    store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PDPIPE_TEST_PSEUDONYM_KEY", PSEUDONYM_KEY)
    populate(store_url, people_count=150, leads_count=150)
    policy = load_policy(write_policy(tmp_path, store_url))
    folder = tmp_path / "expectations"
    suites.write(policy, folder)
    result = run_policy(policy, RunOptions(as_of=AS_OF, allow_large=True, snapshot=True))
    report = validate_policy(
        policy, AS_OF, tmp_path / "validation", result.run_id, expect_snapshot=True
    )
    assert report.success, report.failed
    ran = {(c.table, c.check) for c in report.checks}
    for path, template in (
        (p, suites.SuiteTemplate.from_json(json.loads(p.read_text()))) for p in folder.iterdir()
    ):
        assert path.name == template.file_name
        assert {(template.table, c.description) for c in template.checks} <= ran
    engine = sa.create_engine(store_url)
    with engine.begin() as connection:  # an untouched record changed behind the run's back
        connection.execute(sa.text("UPDATE people SET full_name = 'X' WHERE id = 1"))
    engine.dispose()
    after = validate_policy(
        policy, AS_OF, tmp_path / "validation-2", result.run_id, expect_snapshot=True
    )
    assert [(c.table, c.check, c.unexpected) for c in after.failed] == [
        ("people", suites.SNAPSHOT_CHECK, 1)  # the checksum differs; the keys counted
    ]


def _with_expectations(policy_path: Path, where: str) -> None:
    """The policy with a top-level `expectations:` key."""
    text = policy_path.read_text(encoding="utf-8")
    policy_path.write_text(f"expectations: {where}\n{text}", encoding="utf-8")


def test_a_policy_can_keep_its_suites_in_a_folder_of_its_choosing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "policies").mkdir()
    url = f"sqlite:///{tmp_path}/store.db"
    populate(url, people_count=20, leads_count=20)
    policy_path = write_policy(tmp_path / "policies", url)
    _with_expectations(policy_path, "../reviewed")
    monkeypatch.setenv("PDPIPE_TEST_PSEUDONYM_KEY", PSEUDONYM_KEY)

    code, _, _ = run_main(monkeypatch, capsys, "expectations", str(policy_path))
    assert code == 0
    folder = tmp_path / "reviewed"
    assert sorted(p.name for p in folder.iterdir()) == [
        "pdpipe-store-leads.json",
        "pdpipe-store-people.json",
    ]
    assert not (tmp_path / "policies" / "expectations").exists()
    assert run_main(monkeypatch, capsys, "check", str(policy_path))[0] == 0

    # The drift check reads the named folder, not one beside the policy.
    (folder / "pdpipe-store-people.json").write_text("{}\n", encoding="utf-8")
    code, _, err = run_main(monkeypatch, capsys, "check", str(policy_path))
    assert code == 2
    assert "reviewed/pdpipe-store-people.json: differs" in " ".join(err.split())


@pytest.mark.parametrize(
    ("make", "problem"), [(None, "does not exist"), ("file", "is not a folder")]
)
def test_when_the_named_folder_is_missing_then_check_and_run_refuse_the_policy(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    make: str | None,
    problem: str,
) -> None:
    url = f"sqlite:///{tmp_path}/store.db"
    populate(url, people_count=20, leads_count=20)
    policy_path = write_policy(tmp_path, url)
    _with_expectations(policy_path, "suites")
    if make == "file":
        (tmp_path / "suites").write_text("", encoding="utf-8")
    monkeypatch.setenv("PDPIPE_TEST_PSEUDONYM_KEY", PSEUDONYM_KEY)
    before = dump(url, leads)

    for command in (["check", "--offline"], ["run", "--as-of", AS_OF_DAY.isoformat()]):
        code, out, err = run_main(monkeypatch, capsys, *command, str(policy_path))
        said = " ".join((out + err).split())
        assert code == 2, said
        assert f"expectations: 'suites' ({tmp_path / 'suites'}) {problem}" in said
        assert "pdpipe expectations POLICY" in said
    assert dump(url, leads) == before  # the run changed nothing


def test_an_empty_expectations_path_is_a_policy_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    policy_path = write_policy(tmp_path, f"sqlite:///{tmp_path}/store.db")
    _with_expectations(policy_path, "''")
    monkeypatch.setenv("PDPIPE_TEST_PSEUDONYM_KEY", PSEUDONYM_KEY)
    code, _, err = run_main(monkeypatch, capsys, "check", "--offline", str(policy_path))
    assert code == 2
    assert "expectations" in err
