"""`pdpipe check` against live stores: every problem found, with its policy path."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from pdpipe.errors import DatabaseMissing, is_transient
from pdpipe.policy import load_policy
from pdpipe.policy.models import StoreSpec
from pdpipe.stores.owner import probe_stores
from pdpipe.stores.schema_check import store_problems
from tests.stores.builders import CANARY_EMAIL, CANARY_PHONE, populate, write_policy

TABLE = "stores[0].tables[0]"


def problems_for(tmp_path: Path, url: str, edit: tuple[str, str] | None = None) -> list[str]:
    path = write_policy(tmp_path, url)
    if edit is not None:
        text = path.read_text()
        assert edit[0] in text, edit
        path.write_text(text.replace(edit[0], edit[1]))
    return [f"{p.path}: {p.message}" for p in store_problems(load_policy(path))]


def test_when_policy_matches_the_store_then_no_problem(store_url: str, tmp_path: Path) -> None:
    populate(store_url, rows=50)
    assert problems_for(tmp_path, store_url) == []


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            ("- name: people", "- name: persons"),
            f"{TABLE}.name: table 'persons' not found in the store",
        ),
        (
            ("clock: created_at", "clock: created"),
            f"{TABLE}.clock: column 'created' not found in table 'people' (has: created_at, "
            "email, id, phone, status, updated_at, valid_until, withdrawn_at)",
        ),
        (
            ("since: valid_until", "since: valid_to"),
            f"{TABLE}.ends[1].since: column 'valid_to' not found in table 'people' (has: "
            "created_at, email, id, phone, status, updated_at, valid_until, withdrawn_at)",
        ),
        (
            ("where: {state: {ne: left}}", "where: {status: {ne: left}}"),
            f"{TABLE}.ends[2].when: column 'status' not found in table 'memberships' "
            "(has: id, person_id, state)",
        ),
        (
            ("phone: {data: phone", "phone.mobile: {data: phone"),
            f'{TABLE}.columns["phone.mobile"]: '
            "'phone.mobile' is a path inside column 'phone', "
            "which is VARCHAR(length=40), not a JSON column",
        ),
        (
            (
                "{table: memberships, fk: person_id, on_destroy: delete}",
                "{table: memberships, fk: people_id, on_destroy: delete}",
            ),
            f"{TABLE}.children[0].fk: column 'people_id' not found in table 'memberships' "
            "(has: id, person_id, state)",
        ),
        (
            ("depersonalize: {mask: {keep_last: 2}}", "depersonalize: distort"),
            f"{TABLE}.columns.phone.depersonalize: people.phone: operator 'distort' cannot be "
            "applied to text columns (it handles: date, datetime, float, integer, json_value)",
        ),
        (
            ("key: id", "key: status"),
            f"{TABLE}.key: key 'status' is not unique in 'people': 2 value(s) occur more than "
            "once (a key must identify one record)",
        ),
        (
            ("key: id", "key: status"),
            f"{TABLE}.children[0].fk: 'memberships.person_id' is declared as a foreign key to "
            "'people.id', not to 'people.status'",
        ),
    ],
    ids=[
        "table",
        "clock",
        "since",
        "exists-column",
        "json-path",
        "child-fk",
        "operator-kind",
        "key-unique",
        "key-not-the-fk-target",
    ],
)
def test_when_policy_disagrees_with_the_store_then_the_problem_is_named(
    edit: tuple[str, str], expected: str, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path}/store.db"
    populate(url, rows=50)
    problems = problems_for(tmp_path, url, edit)
    assert expected in problems
    assert len(problems) <= 2, problems


def test_when_child_fk_points_elsewhere_then_reported(store_url: str, tmp_path: Path) -> None:
    populate(store_url, rows=20)
    engine = sa.create_engine(store_url)
    with engine.begin() as connection:
        connection.execute(
            sa.text("CREATE TABLE other (oid INTEGER PRIMARY KEY, note VARCHAR(20))")
        )
        connection.execute(
            sa.text(
                "CREATE TABLE notes (id INTEGER PRIMARY KEY, owner INTEGER, "
                "FOREIGN KEY (owner) REFERENCES other (oid))"
            )
        )
    engine.dispose()
    problems = problems_for(
        tmp_path,
        store_url,
        (
            "- {table: memberships, fk: person_id, on_destroy: delete}",
            "- {table: memberships, fk: person_id, on_destroy: delete}\n"
            "          - {table: notes, fk: owner, on_destroy: delete}",
        ),
    )
    assert problems == [
        f"{TABLE}.children[1].fk: 'notes.owner' is declared as a foreign key to 'other.oid', "
        "not to 'people.id'"
    ]


@pytest.mark.parametrize(
    ("operator", "refused"),
    [("shuffle", True), ("{mask: {keep_last: 2}}", True), ("redact", True), ("pseudonym", False)],
)
def test_when_an_operator_could_repeat_values_in_a_unique_column_then_refused(
    store_url: str, tmp_path: Path, operator: str, refused: bool
) -> None:
    populate(store_url, rows=20)
    declared = "email: {data: email, depersonalize: pseudonym_email}"
    edit = (declared, declared.replace("pseudonym_email", operator))
    problems = problems_for(tmp_path, store_url, edit)
    name = operator.strip("{").split(":")[0]
    # people.email is UNIQUE and NOT NULL: redact would write its token twice
    unique = f"{TABLE}.columns.email.depersonalize: people.email is in a unique index ("
    operator_named = f"), and operator '{name}' can give two records the same value"
    refusals = [p for p in problems if p.startswith(unique) and operator_named in p]
    assert len(refusals) == int(refused), problems


def test_when_a_column_is_in_a_composite_unique_index_then_it_counts_as_unique(
    store_url: str, tmp_path: Path
) -> None:
    populate(store_url, rows=20)
    engine = sa.create_engine(store_url)
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE UNIQUE INDEX ux_people_phone_id ON people (phone, id)")
    engine.dispose()
    assert (
        f"{TABLE}.columns.phone.depersonalize: people.phone is in a unique index "
        "('ux_people_phone_id'), and "
    ) in "\n".join(problems_for(tmp_path, store_url))


def test_when_store_is_down_then_named_and_password_hidden(tmp_path: Path) -> None:
    url = "postgresql+psycopg://pdpipe:hunter2secret@127.0.0.1:9/contacts"
    problems = problems_for(tmp_path, url)
    assert len(problems) == 1
    assert problems[0].startswith(
        "stores[0]: store 'contacts' (postgresql+psycopg://pdpipe:***@127.0.0.1:9/contacts) "
        "is unreachable"
    )
    assert "hunter2secret" not in problems[0]


def test_when_sqlite_file_is_missing_then_not_created(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/absent.db"
    assert problems_for(tmp_path, url) == [
        f"stores[0]: store 'contacts' ({url}) is unreachable: the database file does not exist"
    ]
    assert not (tmp_path / "absent.db").exists()


def _pdpipe(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pdpipe.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        check=False,
    )


@pytest.mark.parametrize("command", ["check", "plan", "validate", "expectations", "run"])
def test_when_a_command_meets_a_broken_store_then_exit_2_naming_file_and_line(
    tmp_path: Path, command: str
) -> None:
    url = f"sqlite:///{tmp_path}/store.db"
    populate(url, rows=50)
    path = write_policy(tmp_path, url)
    text = path.read_text()
    line = text[: text.index("clock: created_at")].count("\n") + 1
    path.write_text(text.replace("clock: created_at", "clock: created"))
    before = sorted(path.parent.iterdir())

    result = _pdpipe(command, str(path))

    assert result.returncode == 2, result.stderr
    assert f"{path}:{line}: stores[0].tables[0].clock: column 'created' not found" in (
        result.stderr
    )
    assert "Traceback" not in result.stderr + result.stdout
    assert sorted(path.parent.iterdir()) == before  # no suites, no Data Docs


@pytest.mark.parametrize("command", ["check", "plan", "validate", "run"])
def test_when_a_store_is_down_then_exit_2_naming_it(tmp_path: Path, command: str) -> None:
    path = write_policy(tmp_path, "postgresql+psycopg://pdpipe:hunter2secret@127.0.0.1:9/x")

    result = _pdpipe(command, str(path), env={"PDPIPE_RETRY_DELAYS": "0"})

    assert result.returncode == 2, result.stderr
    assert "store 'contacts' (postgresql+psycopg://pdpipe:***@127.0.0.1:9/x) is unreachable" in (
        " ".join(result.stderr.split())
    )
    assert "hunter2secret" not in result.stderr + result.stdout
    assert "Traceback" not in result.stderr + result.stdout


def test_when_cli_checks_and_plans_then_no_personal_data_is_printed(
    store_url: str, tmp_path: Path
) -> None:
    populate(store_url, rows=200)
    password = "pw-canary-9931"
    url_with_password = sa.engine.make_url(store_url)
    if url_with_password.get_backend_name() == "postgresql":  # trust auth ignores it
        url_with_password = url_with_password.set(password=password)
    path = write_policy(tmp_path, "${CONTACTS_URL}")
    env = {"CONTACTS_URL": url_with_password.render_as_string(hide_password=False)}
    outputs = []
    for args in (
        ("check", str(path)),
        ("plan", str(path), "--as-of", "2026-11-25"),
        ("plan", str(path), "--json", "--as-of", "2026-11-25"),
    ):
        result = _pdpipe(*args, env=env)
        assert result.returncode == 0, result.stderr
        outputs.append(result.stdout + result.stderr)
    text = "\n".join(outputs)
    for canary in (CANARY_EMAIL, CANARY_PHONE, "kanareikin", password):
        assert canary not in text
    assert '"format": "pdpipe.plan/1"' in outputs[2]


# A database that is not on its server: bad input for every command, named, never retried.


def _absent_database(url: str) -> str:
    parsed = sa.engine.make_url(url)
    return parsed.set(database=f"{parsed.database}_absent").render_as_string(hide_password=False)


@pytest.mark.parametrize("fixture", ["pg_url", "mariadb_url", "mariadb_pymysql_url"])
def test_when_a_store_database_does_not_exist_then_probing_it_is_bad_input_naming_it(
    fixture: str, request: pytest.FixtureRequest
) -> None:
    url = _absent_database(request.getfixturevalue(fixture))
    store = StoreSpec.model_construct(name="crm", url=url, tables=[])

    with pytest.raises(DatabaseMissing) as caught:
        probe_stores([store])

    assert caught.value.exit_code == 2 and not is_transient(caught.value)
    assert str(caught.value) == (
        f"store 'crm' ({store.safe_url}): the database '{sa.engine.make_url(url).database}' "
        "does not exist on the server: create it, or fix the store's URL"
    )


@pytest.mark.parametrize(
    ("server", "command"),
    [
        ("postgresql", "check"),
        ("postgresql", "plan"),
        ("postgresql", "validate"),
        ("postgresql", "run"),
        ("mariadb", "check"),
        ("mariadb", "run"),
    ],
)
def test_when_a_store_database_does_not_exist_then_every_command_exits_2_naming_the_store(
    tmp_path: Path, server: str, command: str, request: pytest.FixtureRequest
) -> None:
    url = _absent_database(
        request.getfixturevalue("pg_url" if server == "postgresql" else "mariadb_url")
    )
    path = write_policy(tmp_path, url)
    before = sorted(path.parent.iterdir())

    result = _pdpipe(command, str(path), env={"PDPIPE_RETRY_DELAYS": "0"})

    assert result.returncode == 2, result.stderr
    database = sa.engine.make_url(url).database
    assert "store 'contacts' (" in result.stderr
    assert f"the database '{database}' does not exist on the server" in " ".join(
        result.stderr.split()
    )
    assert "Traceback" not in result.stderr + result.stdout
    assert sorted(path.parent.iterdir()) == before
