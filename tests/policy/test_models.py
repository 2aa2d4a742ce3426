"""The shape of policy.yaml: what each part accepts, and the exact problem when it does not."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from pdpipe.policy import (
    Action,
    ChildAction,
    ColumnRef,
    EndReason,
    Jurisdiction,
    Policy,
    PolicyError,
)
from pdpipe.policy.conditions import Compare, Exists, Not
from tests.policy.builders import (
    GOOD,
    Bad,
    Edit,
    assert_the_one_problem,
    edited,
    line_of,
    only_problem,
    parse,
)

TABLE = "stores[0].tables[0]"
PURPOSE_KEYS = (
    "id, title, legal_ground, ground, processing, data, keep_for, on_end, on_end_by_reason, "
    "consent_valid_for, "
    "incompatible_with, recipients"
)

STRUCTURE = [
    Bad(
        "unknown_jurisdiction",
        (("jurisdiction: RU-152FZ", "jurisdiction: RU-999"),),
        "operator.jurisdiction",
        "unknown value 'RU-999' (known: 'RU-152FZ', 'KZ-94V' or 'EU-GDPR')",
        "RU-999",
    ),
    Bad(
        "unknown_timezone",
        (("Asia/Almaty", "Mars/Olympus"),),
        "operator.timezone",
        "unknown timezone 'Mars/Olympus' (expected e.g. Asia/Almaty)",
        "Mars/Olympus",
    ),
    Bad(
        "version_2",
        (("version: 1", "version: 2"),),
        "version",
        "unsupported policy version 2: this pdpipe reads 1",
        "version: 2",
    ),
    Bad(
        "keep_for_in_words",
        (("keep_for: P5Y", "keep_for: 5 years"),),
        "purposes[0].keep_for",
        "'5 years' is not an ISO-8601 duration: write e.g. P3Y, P1Y6M, P90D or PT12H",
        "keep_for:",
    ),
    Bad(
        "keep_for_a_number",
        (("keep_for: P5Y", "keep_for: 5"),),
        "purposes[0].keep_for",
        "expected an ISO-8601 duration string such as P3Y",
        "keep_for:",
    ),
    Bad(
        "consent_valid_for_fractional",
        (("    keep_for: P5Y\n", "    keep_for: P5Y\n    consent_valid_for: P1.5Y\n"),),
        "purposes[0].consent_valid_for",
        "'P1.5Y' is not an ISO-8601 duration: write e.g. P3Y, P1Y6M, P90D or PT12H",
        "consent_valid_for:",
    ),
    Bad(
        "unknown_key_in_purpose",
        (("    on_end: destroy\n", "    on_end: destroy\n    retention: P1Y\n"),),
        "purposes[0].retention",
        f"unknown key 'retention' (expected one of: {PURPOSE_KEYS})",
        "retention:",
    ),
    Bad(
        "unknown_top_level_key",
        (("version: 1\n", "version: 1\npurpose: ads\n"),),
        "purpose",
        "unknown key 'purpose' (expected one of: version, operator, secrets, calendar, terms, "
        "purposes, stores, requests, acts, expectations)",
        "purpose: ads",
    ),
    Bad(
        "unknown_key_in_column",
        (("{data: email, depersonalize:", "{data: email, depersonalise:"),),
        f"{TABLE}.columns.email.depersonalise",
        "unknown key 'depersonalise' (expected one of: data, depersonalize)",
        "depersonalise",
    ),
    Bad(
        "missing_legal_ground",
        (("    legal_ground: Federal Law No. 149-FZ\n", ""),),
        "purposes[0].legal_ground",
        "required key is missing",
        "- id: email-informing",
    ),
    Bad(
        "missing_table_clock",
        (("        clock: updated_at\n", ""),),
        f"{TABLE}.clock",
        "required key is missing",
        "- name: subscribers",
    ),
    Bad(
        "missing_operator_section",
        (
            (
                "operator:\n  name: IPM\n  jurisdiction: RU-152FZ\n  timezone: Asia/Almaty\n"
                "  contact: ipm@gmail.com\n",
                "",
            ),
        ),
        "operator",
        "required key is missing",
        "version: 1",
    ),
    Bad(
        "end_rule_with_neither_when_nor_since",
        (("            when: {status: blocklisted}\n            since: updated_at\n", ""),),
        f"{TABLE}.ends[0]",
        "an end rule needs 'when' (a condition), 'since' (a column), or both",
        "reason: consent_withdrawn",
    ),
    Bad(
        "unknown_end_reason",
        (("reason: consent_withdrawn", "reason: bored"),),
        f"{TABLE}.ends[0].reason",
        "unknown value 'bored' (known: 'purpose_achieved', 'retention_elapsed', "
        "'consent_expired', 'consent_withdrawn', 'cease_demand' or 'unlawful_processing')",
        "reason: bored",
    ),
    Bad(
        "condition_with_unknown_comparison",
        (("{status: blocklisted}", "{status: {like: block%}}"),),
        f"{TABLE}.ends[0].when.status.like",
        "unknown comparison 'like' (known: eq, ne, lt, le, gt, ge, in, not_in, is_null)",
        "{like: block%}",
    ),
    Bad(
        "condition_in_with_empty_list",
        (("{status: blocklisted}", "{status: {in: []}}"),),
        f"{TABLE}.ends[0].when.status.in",
        "'in' takes a non-empty list of values",
        "{in: []}",
    ),
    Bad(
        "condition_eq_null",
        (("{status: blocklisted}", "{status: {eq: null}}"),),
        f"{TABLE}.ends[0].when.status.eq",
        "'eq' takes one value (use is_null to test for NULL)",
        "{eq: null}",
    ),
    Bad(
        "condition_any_with_empty_list",
        (("{status: blocklisted}", "{any: []}"),),
        f"{TABLE}.ends[0].when.any",
        "'any' takes a non-empty list of conditions",
        "{any: []}",
    ),
    Bad(
        "condition_exists_without_fk",
        (
            (
                "{table: subscriber_lists, fk: subscriber_id, where",
                "{table: subscriber_lists, where",
            ),
        ),
        f"{TABLE}.ends[1].when.not.exists",
        "'exists' needs 'table' and 'fk' as names",
        "exists:",
    ),
    Bad(
        "condition_exists_with_unknown_key",
        (("fk: subscriber_id, where:", "fk: subscriber_id, wehre:"),),
        f"{TABLE}.ends[1].when.not.exists",
        "unknown key(s) ['wehre'] (expected table, fk, where)",
        "exists:",
    ),
    Bad(
        "operator_options_not_a_mapping",
        (("{mask: {keep_last: 2}}", "{mask: 3}"),),
        f'{TABLE}.columns["attribs.phone"].depersonalize',
        "options of 'mask' must be a mapping, e.g. {keep_last: 2}",
        "attribs.phone:",
    ),
    Bad(
        "operator_with_two_names",
        (("{mask: {keep_last: 2}}", "{mask: {keep_last: 2}, redact: {}}"),),
        f'{TABLE}.columns["attribs.phone"].depersonalize',
        "expected an operator name (redact) or one operator with its options, "
        "e.g. {mask: {keep_last: 2}}",
        "attribs.phone:",
    ),
    Bad(
        "url_not_sqlalchemy",
        (("url: ${PDPIPE_MAILING_URL:-sqlite:///mailing.db}", "url: mailing.db"),),
        "stores[0].url",
        "not a SQLAlchemy URL (expected e.g. postgresql+psycopg://user@host/db)",
        "url: mailing.db",
    ),
    Bad(
        "url_not_a_string",
        (("url: ${PDPIPE_MAILING_URL:-sqlite:///mailing.db}", "url: 42"),),
        "stores[0].url",
        "Input should be a valid string",
        "url: 42",
    ),
    Bad(
        "term_in_words",
        (("stores:\n", "terms:\n  consent_withdrawn: thirty days\nstores:\n"),),
        "terms.consent_withdrawn",
        "cannot read term 'thirty days': write e.g. '30 days', '10 working days' or '1 month'",
        "thirty days",
    ),
]


@pytest.mark.parametrize("bad", STRUCTURE, ids=lambda bad: bad.name)
def test_when_a_part_has_the_wrong_shape_then_its_path_line_and_message_are_exact(
    bad: Bad,
) -> None:
    assert_the_one_problem(bad)


def test_when_a_block_condition_is_wrong_deep_inside_then_path_and_line_reach_that_spot() -> None:
    text = edited(
        GOOD,
        (
            "exists: {table: subscriber_lists, fk: subscriber_id, where: {status: {ne: "
            "unsubscribed}}}\n",
            "any:\n                  - {status: x}\n                  - status:\n"
            "                      nee: y\n",
        ),
    )

    problem = only_problem(text)

    assert (problem.path, problem.message, problem.line) == (
        f"{TABLE}.ends[1].when.not.any[1].status.nee",
        "unknown comparison 'nee' (known: eq, ne, lt, le, gt, ge, in, not_in, is_null)",
        line_of(text, "nee: y"),
    )


def test_when_a_condition_compares_with_an_unquoted_date_then_the_date_is_the_value() -> None:
    text = edited(GOOD, ("{status: blocklisted}", "{updated_at: {lt: 2024-01-01}}"))

    assert parse(text).stores[0].tables[0].ends[0].when == Compare(
        "updated_at", "lt", dt.date(2024, 1, 1)
    )


def test_when_a_secret_is_written_as_a_value_then_its_path_and_line_are_reported() -> None:
    text = edited(GOOD, ("env:PDPIPE_PSEUDONYM_KEY", "s3cr3t-value"))

    problem = only_problem(text)

    assert (problem.path, problem.message, problem.line) == (
        "secrets.pseudonym_key",
        "write where the secret lives (env:NAME or prefect:block-name), never its value",
        line_of(text, "s3cr3t"),
    )


@pytest.mark.parametrize(
    "value",
    ["s3cr3t-value", "'env:s3cr3t value'", "[s3cr3t]", "{key: s3cr3t}", "53123"],
    ids=["plain", "reference_with_a_space", "a_list", "a_mapping", "a_number"],
)
def test_when_a_secret_is_written_as_a_value_then_the_value_is_not_echoed(value: str) -> None:
    with pytest.raises(PolicyError) as caught:
        parse(edited(GOOD, ("env:PDPIPE_PSEUDONYM_KEY", value)))

    assert [p.message for p in caught.value.problems] == [
        "write where the secret lives (env:NAME or prefect:block-name), never its value"
    ]
    assert "s3cr3t" not in str(caught.value) and "53123" not in str(caught.value)


@pytest.mark.parametrize(
    ("edit", "path", "message"),
    [
        (("        key: id\n", ""), f"{TABLE}.key", "required key is missing"),
        (
            ("        key: id\n", "        key: 1id\n"),
            f"{TABLE}.key",
            "must be a plain SQL name: letters, digits, '_' and '$', not starting with a digit "
            "(got '1id')",
        ),
        (
            ("    on_end: destroy\n", "    on_end: destroy\n    key: id\n"),
            "purposes[0].key",
            f"unknown key 'key' (expected one of: {PURPOSE_KEYS})",
        ),
    ],
    ids=["missing", "bad_name", "unknown_in_purpose"],
)
def test_when_the_table_key_field_is_wrong_then_the_path_names_key(
    edit: Edit, path: str, message: str
) -> None:
    problem = only_problem(edited(GOOD, edit))

    assert (problem.path, problem.message) == (path, message)


def test_when_the_good_policy_is_read_then_every_part_has_its_meaning() -> None:
    policy = parse(GOOD)

    assert policy.operator.jurisdiction is Jurisdiction.RU_152FZ
    assert str(policy.operator.zone) == "Asia/Almaty"
    assert policy.secrets == {"pseudonym_key": "env:PDPIPE_PSEUDONYM_KEY"}
    purpose = policy.purpose("email-informing")
    assert (purpose.keep_for and purpose.keep_for.years, purpose.on_end) == (5, Action.DESTROY)
    table = policy.stores[0].tables[0]
    assert table.subject == {"email": "email"}
    assert [rule.reason for rule in table.ends] == [
        EndReason.CONSENT_WITHDRAWN,
        EndReason.PURPOSE_ACHIEVED,
    ]
    assert table.ends[0].when == Compare("status", "eq", "blocklisted")
    assert table.ends[1].when == Not(
        Exists("subscriber_lists", "subscriber_id", Compare("status", "ne", "unsubscribed"))
    )
    assert [child.on_destroy for child in table.children] == [
        ChildAction.DELETE,
        ChildAction.SET_NULL,
    ]


@pytest.mark.parametrize(
    ("column", "data", "operator", "options"),
    [
        ("email", ["email"], "pseudonym_email", {}),
        ("name", ["last_name", "first_name", "patronymic"], "redact", {}),
        ("attribs.phone", ["phone"], "mask", {"keep_last": 2}),
    ],
)
def test_when_a_column_is_declared_then_one_category_becomes_a_list_and_the_operator_is_split(
    column: str, data: list[str], operator: str, options: dict[str, Any]
) -> None:
    spec = parse(GOOD).stores[0].tables[0].columns[column]

    assert spec.data == data
    assert spec.depersonalize is not None
    assert (spec.depersonalize.name, spec.depersonalize.options) == (operator, options)


@pytest.mark.parametrize(
    ("text", "column", "json_path"),
    [("email", "email", ()), ("attribs.phone", "attribs", ("phone",)), ("a.b.c", "a", ("b", "c"))],
)
def test_when_a_column_name_has_dots_then_the_rest_is_a_path_inside_json(
    text: str, column: str, json_path: tuple[str, ...]
) -> None:
    ref = ColumnRef(text)

    assert (ref.column, ref.json_path, ref.is_json_path) == (column, json_path, bool(json_path))


def test_when_a_purpose_declares_no_on_end_then_it_is_destroy() -> None:
    policy = parse(edited(GOOD, ("    on_end: destroy\n", "")))

    assert policy.purposes[0].on_end is Action.DESTROY


def test_when_the_timezone_is_omitted_then_it_is_utc() -> None:
    policy = parse(edited(GOOD, ("  timezone: Asia/Almaty\n", "")))

    assert policy.operator.timezone == "UTC"


def test_when_a_policy_is_loaded_then_it_cannot_be_changed() -> None:
    policy = parse(GOOD)

    with pytest.raises(Exception, match="frozen"):
        policy.purposes[0].title = "something else"  # type: ignore[misc]


# The JSON Schema printed by `pdpipe check --schema` is what editors validate policy.yaml
# with; it must accept the short forms the loader documents and accepts.


def _accepts_string(node: dict[str, Any], defs: dict[str, Any]) -> bool:
    if "$ref" in node:
        return _accepts_string(defs[node["$ref"].rsplit("/", 1)[-1]], defs)
    if node.get("type") == "string":
        return True
    return any(_accepts_string(option, defs) for option in node.get("anyOf", []))


@pytest.mark.parametrize("where", ["depersonalize", "data", "terms"])
def test_when_the_schema_is_generated_then_it_accepts_the_short_forms_of_the_file(
    where: str,
) -> None:
    schema = Policy.model_json_schema()
    defs = schema["$defs"]
    node = {
        "depersonalize": defs["ColumnSpec"]["properties"]["depersonalize"],  # `redact`
        "data": defs["ColumnSpec"]["properties"]["data"],  # `data: email`
        "terms": schema["properties"]["terms"]["additionalProperties"],  # `45 days`
    }[where]

    assert _accepts_string(node, defs)
