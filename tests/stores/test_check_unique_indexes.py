"""`pdpipe check` refuses an operator that can repeat values on a column any unique index
constrains: on an expression of it (`lower(email)`), on a generated column computed from
it (MariaDB's way), on part of the rows (`WHERE ...`). A run found it mid-way, as a
UniqueViolation, when check saw only indexes on plain columns."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.stores.schema_cases import (
    check,
    create_subscribers,
    dialect_of,
    line_of,
    policy_text,
    write,
)

MASK = "{mask: {keep_last: 2}}"
EMAIL = "          email: {data: email, depersonalize: pseudonym_email}"
WHEN = "{status: kanareika-active}"

# A unique index on lower(email), as each database has one.
LOWER_EMAIL = {
    "sqlite": (
        ("CREATE UNIQUE INDEX ux_email_lower ON subscribers (lower(email))",),
        "'ux_email_lower' on lower(email)",
    ),
    "postgresql": (
        ("CREATE UNIQUE INDEX ux_email_lower ON subscribers ((lower(email)))",),
        "'ux_email_lower' on lower(email::text)",
    ),
    # MariaDB (10.11 and 11.x) has no index on an expression: a generated column has it.
    "mariadb": (
        (
            "ALTER TABLE subscribers ADD COLUMN email_lower VARCHAR(200) "
            "AS (lower(email)) PERSISTENT",
            "CREATE UNIQUE INDEX ux_email_lower ON subscribers (email_lower)",
        ),
        "'ux_email_lower' on generated column email_lower",
    ),
}


def refusal(path: Path, column: str, index: str) -> str:
    """What check says of `mask` on `column`, at the line that declares it."""
    inside = f'["{column}"]' if "." in column else f".{column}"  # a JSON path is one key
    return (
        f"{line_of(path, f'          {column}: ')}: stores[0].tables[0].columns{inside}"
        f".depersonalize: subscribers.{column} is in a unique index ({index}), and operator "
        "'mask' can give two records the same value"
    )


def test_when_email_is_unique_only_by_lower_email_then_mask_is_refused_naming_the_index(
    store_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    statements, described = LOWER_EMAIL[dialect_of(store_url)]
    create_subscribers(store_url, after=statements)
    text = policy_text(store_url, WHEN)
    path = write(tmp_path, text.replace("depersonalize: pseudonym_email", f"depersonalize: {MASK}"))

    code, output = check(monkeypatch, capsys, path)

    assert code == 2, output
    assert refusal(path, "email", described) in output
    write(tmp_path, text)
    assert check(monkeypatch, capsys, path) == (0, _ok(path))


def _ok(path: Path) -> str:
    return f"ok: {path}: 1 table(s); stores checked: contacts\n"


@pytest.mark.parametrize("server", ["sqlite", "postgresql"])
def test_when_phone_is_unique_among_some_rows_then_mask_is_refused_naming_the_index(
    server: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    request: pytest.FixtureRequest,
) -> None:
    """A partial unique index (MariaDB has none): masking the phones of the active rows
    can collide there."""
    url = (
        f"sqlite:///{tmp_path}/store.db"
        if server == "sqlite"
        else request.getfixturevalue("pg_url")
    )
    create_subscribers(
        url,
        after=(
            "CREATE UNIQUE INDEX ux_phone_active ON subscribers (phone) "
            "WHERE status = 'kanareika-active'",
        ),
    )
    phone = "          phone: {data: phone, depersonalize: %s}\n"
    path = write(tmp_path, policy_text(url, WHEN, phone % MASK))

    code, output = check(monkeypatch, capsys, path)

    assert code == 2, output
    assert refusal(path, "phone", "'ux_phone_active', partial") in output
    write(tmp_path, policy_text(url, WHEN, phone % "pseudonym"))
    assert check(monkeypatch, capsys, path) == (0, _ok(path))


def test_when_a_json_key_is_unique_by_an_expression_then_mask_on_it_is_refused(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The index picks `phone` out of the JSON column: masking attribs.phone can collide,
    masking attribs.email cannot."""
    create_subscribers(
        pg_url,
        after=(
            "ALTER TABLE subscribers ADD COLUMN attribs JSONB",
            "CREATE UNIQUE INDEX ux_attribs_phone ON subscribers ((attribs ->> 'phone'))",
        ),
    )
    columns = (
        f"          attribs.phone: {{data: phone, depersonalize: {MASK}}}\n"
        f"          attribs.email: {{data: email, depersonalize: {MASK}}}\n"
    )
    path = write(tmp_path, policy_text(pg_url, WHEN, columns))

    code, output = check(monkeypatch, capsys, path)

    assert code == 2, output
    assert refusal(path, "attribs.phone", "'ux_attribs_phone' on (attribs ->> 'phone'::text)") in (
        output
    )
    assert "attribs.email is in a unique index" not in output
    write(tmp_path, policy_text(pg_url, WHEN, columns.replace(MASK, "pseudonym", 1)))
    assert check(monkeypatch, capsys, path) == (0, _ok(path))


@pytest.mark.parametrize("server", ["sqlite", "postgresql"])
def test_when_a_partial_unique_index_is_all_the_key_has_then_its_duplicates_are_counted(
    server: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    request: pytest.FixtureRequest,
) -> None:
    """Unique among the active rows proves nothing of the rest: the key is counted."""
    url = (
        f"sqlite:///{tmp_path}/store.db"
        if server == "sqlite"
        else request.getfixturevalue("pg_url")
    )
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "CREATE TABLE subscribers (id INTEGER NOT NULL, email VARCHAR(200) NOT NULL, "
            "status VARCHAR(40), created_at TIMESTAMP)"
        )
        connection.exec_driver_sql(
            "CREATE UNIQUE INDEX ux_id_active ON subscribers (id) WHERE status = 'active'"
        )
        connection.exec_driver_sql(
            "INSERT INTO subscribers VALUES (1, 'a@example.org', 'active', NULL), "
            "(2, 'b@example.org', 'left', NULL), (2, 'c@example.org', 'left', NULL)"
        )
    engine.dispose()
    path = write(tmp_path, policy_text(url, "{status: left}"))

    code, output = check(monkeypatch, capsys, path)

    assert code == 2, output
    assert (
        f"{line_of(path, 'key: id')}: stores[0].tables[0].key: key 'id' is not unique in "
        "'subscribers': 1 value(s) occur more than once"
    ) in output
