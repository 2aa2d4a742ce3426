"""Reading CHECK constraints and index expressions as the catalogs hand them back: a list
of values where that is all a constraint says, None (no check made) for anything else."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pdpipe.stores.sql_text import Value, allowed_values, names, quoted


@pytest.mark.parametrize(
    ("text", "values"),
    [
        # As written (SQLite keeps the CREATE statement's text).
        ("status IN ('active', 'it''s')", ("active", "it's")),
        ("status = 'active' OR status = 'left' OR status IS NULL", ("active", "left")),
        ("'active' = status", ("active",)),
        ("level IN (-1, 2.5)", (Decimal(-1), Decimal("2.5"))),
        # PostgreSQL's pg_get_constraintdef.
        (
            "((status)::text = ANY ((ARRAY['active'::character varying, "
            "'left'::character varying])::text[]))",
            ("active", "left"),
        ),
        ("status::text = 'a'::text OR status::text = 'b'::text", ("a", "b")),
        ("level = ANY (ARRAY[1, 2, 3])", (Decimal(1), Decimal(2), Decimal(3))),
        ("level::numeric(10,2) = 5", (Decimal(5),)),
        # MariaDB's information_schema.CHECK_CONSTRAINTS.
        ("`status` in ('active','left')", ("active", "left")),
        ("`status` in (_utf8mb4'active',_utf8mb4'left')", ("active", "left")),
    ],
)
def test_when_a_check_only_lists_values_then_they_are_read(
    text: str, values: tuple[Value, ...]
) -> None:
    column = "level" if "level" in text else "status"
    assert allowed_values(text, column) == values


@pytest.mark.parametrize(
    "text",
    [
        "length(status) > 3",
        "status IN ('a') AND level = 1",
        "status NOT IN ('a')",
        "NOT (status = 'a')",
        "status = 'a' OR level = 1",
        "json_valid(`status`)",
        "lower(status) IN ('a')",
        "status IN ('a\\'b')",  # MariaDB's escape, which PostgreSQL does not read so
        "status IS NULL",
    ],
)
def test_when_a_check_says_more_than_a_list_then_it_is_not_understood(text: str) -> None:
    assert allowed_values(text, "status") is None


def test_when_an_expression_is_read_then_its_names_and_quoted_texts_are_found() -> None:
    assert names("lower(email::text)") == {"lower", "email"}
    assert names("(lcase(`Email`))") == {"lcase", "email"}
    assert quoted("(attribs ->> 'phone'::text)") == {"phone"}
    # A text it cannot read still names every word: more columns, never fewer.
    assert {"email", "lower"} <= names("lower(email) || 'a\\'b'")
