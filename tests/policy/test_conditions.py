"""End-rule conditions: read into a tree, then run as SQL on a real SQLite table."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from pdpipe.policy import Condition, compile_condition, parse_condition
from pdpipe.policy.conditions import (
    MAX_DEPTH,
    AllOf,
    AnyOf,
    Compare,
    ConditionSyntaxError,
    Exists,
    Not,
    referenced_columns,
    walk,
)

LISTS = {"table": "subscriber_lists", "fk": "subscriber_id"}


@pytest.mark.parametrize(
    ("raw", "tree"),
    [
        ({"status": "blocklisted"}, Compare("status", "eq", "blocklisted")),
        ({"score": 3}, Compare("score", "eq", 3)),
        ({"verified": False}, Compare("verified", "eq", False)),
        ({"status": None}, Compare("status", "is_null", True)),
        ({"status": ["a", "b"]}, Compare("status", "in", ("a", "b"))),
        ({"status": {"ne": "active"}}, Compare("status", "ne", "active")),
        ({"status": {"not_in": ["a"]}}, Compare("status", "not_in", ("a",))),
        ({"deleted_at": {"is_null": False}}, Compare("deleted_at", "is_null", False)),
        (
            {"deleted_at": {"lt": dt.date(2024, 1, 1)}},
            Compare("deleted_at", "lt", dt.date(2024, 1, 1)),
        ),
        (
            {"deleted_at": [dt.date(2024, 1, 1)]},
            Compare("deleted_at", "in", (dt.date(2024, 1, 1),)),
        ),
        (
            {"score": {"ge": 1, "lt": 10}},
            AllOf((Compare("score", "ge", 1), Compare("score", "lt", 10))),
        ),
        (
            {"status": "a", "source": "import"},
            AllOf((Compare("status", "eq", "a"), Compare("source", "eq", "import"))),
        ),
        (
            {"any": [{"status": "a"}, {"score": {"gt": 5}}]},
            AnyOf((Compare("status", "eq", "a"), Compare("score", "gt", 5))),
        ),
        ({"all": [{"status": "a"}]}, AllOf((Compare("status", "eq", "a"),))),
        ({"not": {"status": "a"}}, Not(Compare("status", "eq", "a"))),
        ({"exists": LISTS}, Exists("subscriber_lists", "subscriber_id", None)),
        (
            {"not": {"exists": {**LISTS, "where": {"status": {"ne": "unsubscribed"}}}}},
            Not(
                Exists("subscriber_lists", "subscriber_id", Compare("status", "ne", "unsubscribed"))
            ),
        ),
    ],
    ids=lambda value: str(value) if isinstance(value, dict) else "",
)
def test_when_a_condition_is_read_then_it_becomes_this_tree(
    raw: dict[str, Any], tree: Condition
) -> None:
    assert parse_condition(raw) == tree


@pytest.mark.parametrize(
    ("raw", "where", "message"),
    [
        ({}, (), "expected a non-empty mapping such as {status: active}"),
        ("status", (), "expected a non-empty mapping such as {status: active}"),
        ({"status": {}}, ("status",), "expected a value, a list of values or {op: value}"),
        (
            {"status": {"like": "a%"}},
            ("status", "like"),
            "unknown comparison 'like' (known: eq, ne, lt, le, gt, ge, in, not_in, is_null)",
        ),
        ({"status": {"in": []}}, ("status", "in"), "'in' takes a non-empty list of values"),
        (
            {"status": {"not_in": "a"}},
            ("status", "not_in"),
            "'not_in' takes a non-empty list of values",
        ),
        (
            {"status": {"in": ["a", None]}},
            ("status", "in"),
            "lists hold plain values (no NULL, no mappings)",
        ),
        ({"status": [{"a": 1}]}, ("status",), "lists hold plain values (no NULL, no mappings)"),
        (
            {"status": {"lt": None}},
            ("status", "lt"),
            "'lt' takes one value (use is_null to test for NULL)",
        ),
        ({"status": {"is_null": "yes"}}, ("status", "is_null"), "is_null takes true or false"),
        ({"any": []}, ("any",), "'any' takes a non-empty list of conditions"),
        ({"all": {"a": 1}}, ("all",), "'all' takes a non-empty list of conditions"),
        ({"not": []}, ("not",), "expected a non-empty mapping such as {status: active}"),
        (
            {"exists": "subscriber_lists"},
            ("exists",),
            "'exists' takes {table: ..., fk: ..., where: {...}}",
        ),
        ({"exists": {"table": "t"}}, ("exists",), "'exists' needs 'table' and 'fk' as names"),
        (
            {"exists": {**LISTS, "when": {"a": 1}}},
            ("exists",),
            "unknown key(s) ['when'] (expected table, fk, where)",
        ),
        (
            {"not": {"any": [{"a": 1}, {"b": {"zz": 1}}]}},
            ("not", "any", 1, "b", "zz"),
            "unknown comparison 'zz' (known: eq, ne, lt, le, gt, ge, in, not_in, is_null)",
        ),
        (
            {"exists": {**LISTS, "where": {"status": {"in": []}}}},
            ("exists", "where", "status", "in"),
            "'in' takes a non-empty list of values",
        ),
    ],
)
def test_when_a_condition_cannot_be_read_then_the_error_names_the_spot_inside_it(
    raw: Any, where: tuple[str | int, ...], message: str
) -> None:
    with pytest.raises(ConditionSyntaxError) as caught:
        parse_condition(raw)

    assert caught.value.where == where
    assert (caught.value.message, str(caught.value)) == (message, message)


def test_when_a_tree_is_walked_then_every_node_comes_depth_first() -> None:
    tree = parse_condition(
        {"any": [{"status": "a"}, {"not": {"exists": {**LISTS, "where": {"state": "x"}}}}]}
    )

    kinds = [type(node).__name__ for node in walk(tree)]

    assert kinds == ["AnyOf", "Compare", "Not", "Exists", "Compare"]


def test_when_a_condition_reads_a_child_then_its_columns_are_attributed_to_the_child() -> None:
    tree = parse_condition({"status": "a", "exists": {**LISTS, "where": {"state": "x"}}})

    assert referenced_columns(tree, "subscribers") == {
        ("subscribers", "status"),
        ("subscriber_lists", "subscriber_id"),
        ("subscriber_lists", "state"),
    }


# Compiled conditions run on a real SQLite database.

metadata = sa.MetaData()
subscribers = sa.Table(
    "subscribers",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("status", sa.String(20)),
    sa.Column("score", sa.Integer),
    sa.Column("deleted_at", sa.String(20)),
)
subscriber_lists = sa.Table(
    "subscriber_lists",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("subscriber_id", sa.Integer, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
)

SUBSCRIBERS: list[dict[str, object]] = [
    {"id": 1, "status": "active", "score": 5, "deleted_at": None},
    {"id": 2, "status": "blocklisted", "score": 1, "deleted_at": "2024-01-01"},
    {"id": 3, "status": None, "score": None, "deleted_at": None},
    {"id": 4, "status": "unsubscribed", "score": 10, "deleted_at": None},
]
LIST_ROWS = [
    {"id": 1, "subscriber_id": 1, "status": "confirmed"},
    {"id": 2, "subscriber_id": 1, "status": "unsubscribed"},
    {"id": 3, "subscriber_id": 2, "status": "unsubscribed"},
    {"id": 4, "subscriber_id": 4, "status": "confirmed"},
]


@pytest.fixture(scope="module")
def engine() -> Iterator[sa.Engine]:
    engine = sa.create_engine("sqlite://")
    metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(subscribers.insert(), SUBSCRIBERS)
        connection.execute(subscriber_lists.insert(), LIST_ROWS)
    yield engine
    engine.dispose()


def matching_keys(engine: sa.Engine, raw: dict[str, Any]) -> set[int]:
    condition = compile_condition(
        parse_condition(raw), subscribers, "id", lambda name: metadata.tables[name]
    )
    with engine.connect() as connection:
        return set(connection.scalars(sa.select(subscribers.c.id).where(condition)))


@pytest.mark.parametrize(
    ("raw", "keys"),
    [
        ({"status": "blocklisted"}, {2}),
        ({"status": ["active", "unsubscribed"]}, {1, 4}),
        ({"status": {"in": ["active"]}}, {1}),
        ({"status": {"not_in": ["active"]}}, {2, 4}),
        ({"status": {"ne": "active"}}, {2, 4}),
        ({"status": None}, {3}),
        ({"status": {"is_null": True}}, {3}),
        ({"deleted_at": {"is_null": False}}, {2}),
        ({"score": {"ge": 1, "lt": 10}}, {1, 2}),
        ({"score": {"le": 5}}, {1, 2}),
        ({"status": "active", "score": 5}, {1}),
        ({"any": [{"status": "blocklisted"}, {"score": {"ge": 10}}]}, {2, 4}),
        ({"all": [{"status": {"ne": "blocklisted"}}, {"score": {"gt": 1}}]}, {1, 4}),
    ],
    ids=lambda value: str(value) if isinstance(value, dict) else "",
)
def test_when_a_comparison_runs_then_rows_with_null_do_not_match(
    engine: sa.Engine, raw: dict[str, Any], keys: set[int]
) -> None:
    assert matching_keys(engine, raw) == keys


@pytest.mark.parametrize(
    ("raw", "keys"),
    [
        ({"not": {"status": "active"}}, {2, 3, 4}),
        ({"not": {"status": {"ne": "active"}}}, {1, 3}),
        ({"not": {"status": {"in": ["active", "blocklisted"]}}}, {3, 4}),
        ({"not": {"status": {"not_in": ["active"]}}}, {1, 3}),
        ({"not": {"score": {"gt": 3}}}, {2, 3}),
        ({"not": {"any": [{"status": "blocklisted"}, {"score": {"gt": 3}}]}}, {3}),
        ({"not": {"not": {"status": "active"}}}, {1}),
        ({"not": {"status": None}}, {1, 2, 4}),
    ],
    ids=lambda value: str(value) if isinstance(value, dict) else "",
)
def test_when_not_wraps_a_comparison_then_rows_with_null_match(
    engine: sa.Engine, raw: dict[str, Any], keys: set[int]
) -> None:
    assert matching_keys(engine, raw) == keys


@pytest.mark.parametrize(
    ("raw", "keys"),
    [
        ({"exists": LISTS}, {1, 2, 4}),
        ({"exists": {**LISTS, "where": {"status": "confirmed"}}}, {1, 4}),
        ({"exists": {**LISTS, "where": {"status": "unsubscribed"}}}, {1, 2}),
        ({"not": {"exists": LISTS}}, {3}),
        ({"not": {"exists": {**LISTS, "where": {"status": {"ne": "unsubscribed"}}}}}, {2, 3}),
        ({"status": "active", "exists": {**LISTS, "where": {"status": "confirmed"}}}, {1}),
        (
            {"any": [{"status": None}, {"exists": {**LISTS, "where": {"status": "confirmed"}}}]},
            {1, 3, 4},
        ),
    ],
    ids=lambda value: str(value) if isinstance(value, dict) else "",
)
def test_when_exists_runs_then_rows_with_a_matching_child_row_match(
    engine: sa.Engine, raw: dict[str, Any], keys: set[int]
) -> None:
    assert matching_keys(engine, raw) == keys


def test_when_a_condition_is_compiled_then_values_are_bound_not_inlined() -> None:
    condition = compile_condition(
        parse_condition({"status": "x' OR 1=1 --"}), subscribers, "id", metadata.tables.__getitem__
    )

    compiled = condition.compile()

    assert "OR 1=1" not in str(compiled)
    assert list(compiled.params.values()) == ["x' OR 1=1 --"]


# Depth: the deepest condition the policy allows compiles; one level more is refused.


def nested(depth: int) -> dict[str, Any]:
    """`depth` combinators around a comparison: not, any, all and exists in turn."""
    raw: dict[str, Any] = {"status": "active"}
    for level in range(depth):
        kind = level % 4
        if kind == 0:
            raw = {"not": raw}
        elif kind == 1:
            raw = {"any": [raw, {"status": "blocklisted"}]}
        elif kind == 2:
            raw = {"all": [raw]}
        else:
            raw = {"exists": {**LISTS, "where": raw}}
    return raw


@pytest.mark.parametrize("raw", [nested(MAX_DEPTH + 1), nested(3000)], ids=["one_more", "3000"])
def test_when_a_condition_nests_deeper_than_the_limit_then_its_root_is_named(
    raw: dict[str, Any],
) -> None:
    with pytest.raises(ConditionSyntaxError) as caught:
        parse_condition(raw)

    assert caught.value.where == ()
    assert caught.value.message == (
        f"nested deeper than {MAX_DEPTH} levels of all, any, not, exists: write the condition "
        "flatter (a list under 'any' or 'all' instead of nesting)"
    )


DIALECTS = {
    name: sa.engine.make_url(f"{name}://").get_dialect()()
    for name in ("sqlite", "postgresql", "mysql")
}


@pytest.mark.parametrize("dialect", list(DIALECTS))
def test_when_a_condition_is_as_deep_as_allowed_then_it_compiles_on_every_dialect(
    dialect: str,
) -> None:
    condition = compile_condition(
        parse_condition(nested(MAX_DEPTH)), subscribers, "id", lambda name: metadata.tables[name]
    )

    sql = sa.select(subscribers.c.id).where(condition).compile(dialect=DIALECTS[dialect])

    assert str(sql).count("EXISTS") == MAX_DEPTH // 4


def test_when_a_condition_is_as_deep_as_allowed_then_sqlite_runs_it(engine: sa.Engine) -> None:
    assert matching_keys(engine, nested(MAX_DEPTH)) <= {row["id"] for row in SUBSCRIBERS}
