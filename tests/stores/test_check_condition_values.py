"""`pdpipe check` reads the values a condition compares columns with against the schema:
a misspelt enum value, a value a CHECK does not list, text for a number, fail `check`
(exit 2) at the value's line and column, not `plan` half-way; a value the column was
never seen to hold is a warning that counts, never shows, what it holds."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.stores.schema_cases import (
    SEEN,
    check,
    create_subscribers,
    dialect_of,
    place,
    policy_text,
    write,
)

WHEN = "ends[0].when"
TYPO = "{status: blocklist}"
FIXED = "{status: kanareika-blacklisted}"
ALLOWED = "'kanareika-active', 'kanareika-blacklisted'"


def test_when_a_value_is_not_in_the_postgresql_enum_type_then_check_names_its_place(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    create_subscribers(
        pg_url,
        "status subscriber_status NOT NULL",
        before=(
            "CREATE TYPE subscriber_status AS ENUM ('kanareika-active', 'kanareika-blacklisted')",
        ),
    )
    path = write(tmp_path, policy_text(pg_url, TYPO))

    code, output = check(monkeypatch, capsys, path)

    assert code == 2, output
    assert (
        f"{place(path, 'blocklist')}: stores[0].tables[0].{WHEN}.status: column "
        f"'subscribers.status' takes one of {ALLOWED} (enum type subscriber_status), not "
        "'blocklist'"
    ) in output
    write(tmp_path, policy_text(pg_url, FIXED))
    assert check(monkeypatch, capsys, path) == (0, output_ok(path))


def output_ok(path: Path) -> str:
    return f"ok: {path}: 1 table(s); stores checked: contacts\n"


def test_when_plan_meets_the_misspelt_enum_value_then_it_is_bad_input_at_its_place(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """What was found on a real schema: PostgreSQL refused the value in the middle of the
    plan, exit 1, and no line of the policy said where."""
    create_subscribers(
        pg_url,
        "status subscriber_status",
        before=(f"CREATE TYPE subscriber_status AS ENUM ({ALLOWED})",),
    )
    path = write(tmp_path, policy_text(pg_url, "{status: [kanareika-active, blocklist]}"))

    code, output = check(monkeypatch, capsys, path, "plan", "--as-of", "2026-01-01")

    assert code == 2, output
    assert f"{place(path, 'blocklist')}: stores[0].tables[0].{WHEN}.status[1]: " in output


def test_when_a_value_is_not_in_the_mariadb_enum_then_check_names_its_place(
    mariadb_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    create_subscribers(mariadb_url, "status ENUM('kanareika-active', 'kanareika-blacklisted')")
    path = write(tmp_path, policy_text(mariadb_url, "{status: {ne: blocklist}}"))

    code, output = check(monkeypatch, capsys, path)

    assert code == 2, output
    assert (
        f"{place(path, 'blocklist')}: stores[0].tables[0].{WHEN}.status.ne: column "
        f"'subscribers.status' takes one of {ALLOWED} (its ENUM type), not 'blocklist'"
    ) in output
    write(tmp_path, policy_text(mariadb_url, "{status: {ne: kanareika-blacklisted}}"))
    assert check(monkeypatch, capsys, path) == (0, output_ok(path))


# CHECK constraints as people write them: on the column (MariaDB keeps those apart, in
# information_schema.CHECK_CONSTRAINTS), on the table, and as ORed equalities.
CHECKS = {
    "column": (
        "status VARCHAR(40) CHECK (status IN ('kanareika-active', 'kanareika-blacklisted'))",
        None,
    ),
    "table": (
        "status VARCHAR(40), CONSTRAINT ck_status "
        "CHECK (status IN ('kanareika-active', 'kanareika-blacklisted') OR status IS NULL)",
        "CHECK constraint ck_status",
    ),
    "equalities": (
        "status VARCHAR(40), CONSTRAINT ck_status "
        "CHECK (status = 'kanareika-active' OR status = 'kanareika-blacklisted')",
        "CHECK constraint ck_status",
    ),
}


@pytest.mark.parametrize("form", list(CHECKS))
def test_when_a_value_is_not_among_those_a_check_constraint_lists_then_check_names_its_place(
    store_url: str,
    form: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    declaration, source = CHECKS[form]
    create_subscribers(store_url, declaration)
    path = write(tmp_path, policy_text(store_url, "{any: [{level: 2}, {status: blocklist}]}"))

    code, output = check(monkeypatch, capsys, path)

    assert code == 2, output
    if source is None:  # a column's CHECK is named by each database its own way
        source = {
            "sqlite": "a CHECK constraint",
            "postgresql": "CHECK constraint subscribers_status_check",
            "mariadb": "CHECK constraint status",
        }[dialect_of(store_url)]
    assert (
        f"{place(path, 'blocklist')}: stores[0].tables[0].{WHEN}.any[1].status: column "
        f"'subscribers.status' takes one of {ALLOWED} ({source}), not 'blocklist'"
    ) in output
    write(tmp_path, policy_text(store_url, "{any: [{level: 2}, {status: kanareika-active}]}"))
    assert check(monkeypatch, capsys, path) == (0, output_ok(path))


def test_when_text_is_compared_with_a_number_column_then_check_names_its_place(
    store_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """PostgreSQL refuses `integer = 'high'`; MariaDB would compare it as 0 and match
    the rows of level 0: wrong on every database."""
    create_subscribers(store_url)
    path = write(tmp_path, policy_text(store_url, "{level: {ge: high}}"))

    code, output = check(monkeypatch, capsys, path)

    assert code == 2, output
    assert f"{place(path, 'high')}: stores[0].tables[0].{WHEN}.level.ge: column " in output
    assert "holds numbers (INTEGER" in output
    assert "'high' is text: write a number, unquoted (5, not '5')" in output
    write(tmp_path, policy_text(store_url, "{level: {ge: 2}}"))
    assert check(monkeypatch, capsys, path) == (0, output_ok(path))


def test_when_postgresql_cannot_compare_a_number_with_a_text_column_then_check_says_so(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The database's own answer, asked without reading a row: what `plan` would fail on."""
    create_subscribers(pg_url)
    path = write(tmp_path, policy_text(pg_url, "{status: [kanareika-active, 404]}"))

    code, output = check(monkeypatch, capsys, path)

    assert code == 2, output
    assert (
        f"{place(path, '404')}: stores[0].tables[0].{WHEN}.status[1]: the database cannot "
        "compare column 'subscribers.status' (VARCHAR(40)) with a number 404"
    ) in output
    assert "write a value of the column's type (quote it: '404')" in output
    write(tmp_path, policy_text(pg_url, "{status: [kanareika-active, kanareika-blacklisted]}"))
    assert check(monkeypatch, capsys, path) == (0, output_ok(path))


def test_when_a_child_table_value_is_wrong_then_its_place_inside_exists_is_named(
    store_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    create_subscribers(
        store_url,
        after=(
            "CREATE TABLE lists (id INTEGER PRIMARY KEY, subscriber_id INTEGER, "
            "state VARCHAR(20) CHECK (state IN ('confirmed', 'left')))",
        ),
    )
    when = "{exists: {table: lists, fk: subscriber_id, where: {state: {ne: unsubscribed}}}}"
    children = (
        "        children:\n          - {table: lists, fk: subscriber_id, on_destroy: delete}\n"
    )
    path = write(tmp_path, policy_text(store_url, when, children))

    code, output = check(monkeypatch, capsys, path)

    assert code == 2, output
    assert (
        f"{place(path, 'unsubscribed')}: stores[0].tables[0].{WHEN}.exists.where.state.ne: "
        "column 'lists.state' takes one of 'confirmed', 'left'"
    ) in output
    write(tmp_path, policy_text(store_url, when.replace("unsubscribed", "left"), children))
    assert check(monkeypatch, capsys, path) == (0, output_ok(path))


def test_when_a_value_was_never_seen_in_a_column_of_few_values_then_a_warning_counts_them(
    store_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """No enum, no CHECK: the sample can only suggest a misspelling, so check passes."""
    create_subscribers(store_url)
    path = write(tmp_path, policy_text(store_url, TYPO))

    code, output = check(monkeypatch, capsys, path)

    assert code == 0, output
    assert (
        f"warning: {place(path, 'blocklist')}: stores[0].tables[0].{WHEN}.status: "
        "'blocklist' was not seen in column 'subscribers.status': the 30 row(s) read hold 2 "
        "distinct value(s), none equal to it (not shown"
    ) in output
    for value in SEEN:  # what the column holds is counted, never shown
        assert value not in output
    write(tmp_path, policy_text(store_url, FIXED))
    assert check(monkeypatch, capsys, path) == (0, output_ok(path))


def test_when_a_column_has_many_distinct_values_then_an_unseen_one_is_not_a_warning(
    store_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """250 distinct emails: more than a misspelling could be told among."""
    create_subscribers(store_url, rows=250)
    path = write(tmp_path, policy_text(store_url, "{email: nobody@example.org}"))

    assert check(monkeypatch, capsys, path) == (0, output_ok(path))
