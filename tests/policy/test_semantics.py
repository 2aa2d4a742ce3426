"""Checks across parts of a policy: names that must exist, categories, operators, clause 5.3."""

from __future__ import annotations

import pytest

from pdpipe.policy import Problem
from tests.policy.builders import (
    GOOD,
    MARKETING,
    Bad,
    Edit,
    assert_the_one_problem,
    edited,
    line_of,
    parse,
    problems,
)

TABLE = "stores[0].tables[0]"
KNOWN_OPERATORS = (
    "distort, drop_key, fake, generalize, mask, pseudonym, pseudonym_email, redact, scrub, shuffle"
)
CATEGORIES = "email, first_name, last_name, patronymic, phone"
LAST_CHILD = "{table: campaign_views, fk: subscriber_id, on_destroy: set_null}\n"


def with_store(block: str) -> Edit:
    """Adds a second store after the good one."""
    return LAST_CHILD, LAST_CHILD + block


def with_purpose(block: str) -> Edit:
    return "stores:\n", block + "stores:\n"


CROSS_REFERENCES = [
    Bad(
        "unknown_operator",
        (("depersonalize: redact", "depersonalize: hsah"),),
        f"{TABLE}.columns.name.depersonalize",
        f"unknown operator 'hsah' (known: {KNOWN_OPERATORS})",
        "name: {data",
    ),
    Bad(
        "unknown_option_of_an_operator",
        (("keep_last: 2", "keep_lats: 2"),),
        f'{TABLE}.columns["attribs.phone"].depersonalize.keep_lats',
        "unknown option of 'mask' (known: keep_first, keep_last, char, keep_separators)",
        "attribs.phone:",
    ),
    Bad(
        "mask_that_keeps_too_much",
        (("keep_last: 2", "keep_last: 3, keep_first: 2"),),
        f'{TABLE}.columns["attribs.phone"].depersonalize',
        "keep_first + keep_last may be at most 4: a mask must hide the value",
        "attribs.phone:",
    ),
    Bad(
        "mask_char_of_two_characters",
        (("keep_last: 2", "char: '**'"),),
        f'{TABLE}.columns["attribs.phone"].depersonalize.char',
        "String should have at most 1 character",
        "attribs.phone:",
    ),
    Bad(
        "pseudonym_too_short",
        (("depersonalize: pseudonym_email", "depersonalize: {pseudonym: {length: 4}}"),),
        f"{TABLE}.columns.email.depersonalize.length",
        "Input should be greater than or equal to 8",
        "email: {data",
    ),
    Bad(
        "drop_key_on_a_plain_column",
        (("depersonalize: pseudonym_email", "depersonalize: drop_key"),),
        f"{TABLE}.columns.email.depersonalize",
        "drop_key removes a key inside a JSON column: use it on column.key",
        "email: {data",
    ),
    Bad(
        "table_with_unknown_purpose",
        (("        purpose: email-informing", "        purpose: marketing"),),
        f"{TABLE}.purpose",
        "unknown purpose 'marketing' (known: email-informing)",
        "purpose: marketing",
    ),
    Bad(
        "column_category_not_in_purpose",
        (("attribs.phone: {data: phone", "attribs.phone: {data: birth_date"),),
        f'{TABLE}.columns["attribs.phone"].data',
        f"PD category 'birth_date' is not among the data of purpose 'email-informing' "
        f"({CATEGORIES}): redundant personal data is not permitted (policy clause 5.5); "
        "declare it in the purpose or stop keeping it",
        "attribs.phone:",
    ),
    Bad(
        "child_column_category_not_in_purpose",
        (
            (
                "on_destroy: delete}",
                "on_destroy: delete, columns: {ip: {data: ip_address}}}",
            ),
        ),
        f"{TABLE}.children[0].columns.ip.data",
        f"PD category 'ip_address' is not among the data of purpose 'email-informing' "
        f"({CATEGORIES}): redundant personal data is not permitted (policy clause 5.5); "
        "declare it in the purpose or stop keeping it",
        "ip_address",
    ),
    Bad(
        "duplicate_store_names",
        (
            with_store(
                "  - name: mailing\n    url: sqlite://\n    tables:\n"
                "      - {name: people, key: id, purpose: email-informing, clock: c}\n"
            ),
        ),
        "stores[1].name",
        "store name 'mailing' is already used at stores[0].name",
        "name: mailing\n    url: sqlite://",
    ),
    Bad(
        "duplicate_purpose_ids",
        (
            with_purpose(
                "  - {id: email-informing, title: T, legal_ground: G, processing: [p], "
                f"data: [{CATEGORIES}]}}\n"
            ),
        ),
        "purposes[1].id",
        "purpose id 'email-informing' is already used at purposes[0].id",
        "- {id: email-informing",
    ),
    Bad(
        "duplicate_tables_in_a_store",
        (
            (
                "        children:\n",
                "        children:\n          - {table: x, fk: y, on_destroy: delete}\n",
            ),
            with_store(
                "      - {name: subscribers, key: id, purpose: email-informing, clock: c}\n"
            ),
        ),
        "stores[0].tables[1].name",
        "table 'subscribers' is already used at stores[0].tables[0].name",
        "- {name: subscribers",
    ),
    Bad(
        "exists_naming_a_table_that_is_not_a_child",
        (("exists: {table: subscriber_lists", "exists: {table: lists"),),
        f"{TABLE}.ends[1].when",
        "'exists' names table 'lists', which is not among this table's children: declare it "
        "under children so its rows are handled on destroy",
        "when:\n",
    ),
    Bad(
        "child_depersonalized_without_columns",
        (("on_destroy: set_null}", "on_destroy: depersonalize}"),),
        f"{TABLE}.children[1].columns",
        "on_destroy: depersonalize needs the child's PD columns with their operators",
        "table: campaign_views",
    ),
    Bad(
        "child_depersonalized_with_a_column_lacking_an_operator",
        (("on_destroy: set_null}", "on_destroy: depersonalize, columns: {email: {data: email}}}"),),
        f"{TABLE}.children[1].columns.email.depersonalize",
        "on_destroy: depersonalize needs an operator for every PD column (e.g. redact, pseudonym)",
        "table: campaign_views",
    ),
    Bad(
        "purpose_depersonalized_with_a_column_lacking_an_operator",
        (
            ("on_end: destroy", "on_end: depersonalize"),
            ("{data: email, depersonalize: pseudonym_email}", "{data: email}"),
        ),
        f"{TABLE}.columns.email.depersonalize",
        "on_end: depersonalize needs an operator for every PD column (e.g. redact, pseudonym)",
        "email: {data",
    ),
    Bad(
        "incompatible_with_an_unknown_purpose",
        (("    on_end: destroy\n", "    on_end: destroy\n    incompatible_with: [ads]\n"),),
        "purposes[0].incompatible_with[0]",
        "unknown purpose 'ads' (known: email-informing)",
        "incompatible_with:",
    ),
    Bad(
        "incompatible_with_itself",
        (
            (
                "    on_end: destroy\n",
                "    on_end: destroy\n    incompatible_with: [email-informing]\n",
            ),
        ),
        "purposes[0].incompatible_with[0]",
        "a purpose cannot be incompatible with itself",
        "incompatible_with:",
    ),
    Bad(
        "incompatible_purposes_sharing_a_table",
        (
            with_purpose(MARKETING),
            with_store(
                "  - name: marketing\n"
                "    url: ${PDPIPE_MAILING_URL:-sqlite:///mailing.db}\n"
                "    tables:\n"
                "      - {name: subscribers, key: id, purpose: marketing, clock: created_at}\n"
            ),
        ),
        "stores[1].tables[0]",
        "table 'subscribers' serves purposes 'email-informing' (at stores[0].tables[0]) and "
        "'marketing', which the policy marks incompatible: combining them is not permitted "
        "(policy clause 5.3)",
        "{name: subscribers",
    ),
    Bad(
        "incompatible_purposes_sharing_a_child_table",
        (
            with_purpose(MARKETING),
            with_store(
                "  - name: marketing\n"
                "    url: ${PDPIPE_MAILING_URL:-sqlite:///mailing.db}\n"
                "    tables:\n"
                "      - {name: campaign_views, key: id, purpose: marketing, clock: sent_at}\n"
            ),
        ),
        "stores[1].tables[0]",
        "table 'campaign_views' serves purposes 'email-informing' (at "
        "stores[0].tables[0].children[1]) and 'marketing', which the policy marks "
        "incompatible: combining them is not permitted (policy clause 5.3)",
        "{name: campaign_views",
    ),
]


@pytest.mark.parametrize("bad", CROSS_REFERENCES, ids=lambda bad: bad.name)
def test_when_parts_of_a_policy_disagree_then_the_problem_has_its_exact_path_line_and_message(
    bad: Bad,
) -> None:
    assert_the_one_problem(bad)


def test_when_incompatible_purposes_live_in_different_databases_then_all_is_well() -> None:
    text = edited(
        GOOD,
        with_purpose(MARKETING),
        with_store(
            "  - name: marketing\n"
            "    url: sqlite:///marketing.db\n"
            "    tables:\n"
            "      - {name: subscribers, key: id, purpose: marketing, clock: created_at}\n"
        ),
    )

    assert len(parse(text).stores) == 2


def test_when_compatible_purposes_share_a_table_then_all_is_well() -> None:
    compatible = MARKETING.replace("    incompatible_with: [email-informing]\n", "")
    text = edited(
        GOOD,
        with_purpose(compatible),
        with_store(
            "  - name: marketing\n"
            "    url: ${PDPIPE_MAILING_URL:-sqlite:///mailing.db}\n"
            "    tables:\n"
            "      - {name: subscribers, key: id, purpose: marketing, clock: created_at}\n"
        ),
    )

    assert [store.name for store in parse(text).stores] == ["mailing", "marketing"]


def test_when_two_store_urls_are_unset_then_only_the_missing_variables_are_reported() -> None:
    text = edited(
        GOOD,
        ("${PDPIPE_MAILING_URL:-sqlite:///mailing.db}", "${MAILING_URL}"),
        with_purpose(MARKETING),
        with_store(
            "  - name: marketing\n"
            "    url: ${MARKETING_URL}\n"
            "    tables:\n"
            "      - {name: subscribers, key: id, purpose: marketing, clock: created_at}\n"
        ),
    )

    assert [p.path for p in problems(text)] == ["stores[0].url", "stores[1].url"]


@pytest.mark.parametrize(
    "operator",
    [
        "pseudonym",
        "{pseudonym: {length: 16, prefix: 'p_'}}",
        "pseudonym_email",
        "{pseudonym_email: {domain: example.invalid}}",
        "redact",
        "{redact: {token: '-'}}",
        "mask",
        "{mask: {keep_first: 1, keep_last: 3, char: '#'}}",
        "generalize",
        "{generalize: {to: month}}",
        "{distort: {max_days: 5}}",
        "shuffle",
        "{fake: {provider: last_name}}",
    ],
)
def test_when_a_known_operator_has_valid_options_then_the_column_is_accepted(
    operator: str,
) -> None:
    text = edited(GOOD, ("depersonalize: redact", f"depersonalize: {operator}"))

    assert parse(text).stores[0].tables[0].columns["name"].depersonalize is not None


def test_when_drop_key_is_used_on_a_json_path_then_it_is_accepted() -> None:
    text = edited(GOOD, ("depersonalize: {mask: {keep_last: 2}}", "depersonalize: drop_key"))

    spec = parse(text).stores[0].tables[0].columns["attribs.phone"].depersonalize

    assert spec is not None and spec.name == "drop_key"


def test_when_on_end_is_depersonalize_and_every_column_has_an_operator_then_it_is_accepted() -> (
    None
):
    text = edited(GOOD, ("on_end: destroy", "on_end: depersonalize"))

    assert parse(text).purposes[0].on_end == "depersonalize"


def test_when_several_cross_reference_problems_exist_then_they_come_in_file_order() -> None:
    text = edited(
        GOOD,
        ("depersonalize: redact", "depersonalize: hsah"),
        ("attribs.phone: {data: phone", "attribs.phone: {data: birth_date"),
        ("exists: {table: subscriber_lists", "exists: {table: lists"),
    )

    found: list[Problem] = problems(text)

    assert [(p.path, p.line) for p in found] == [
        (f"{TABLE}.ends[1].when", line_of(text, "when:\n")),
        (f"{TABLE}.columns.name.depersonalize", line_of(text, "name: {data")),
        (f'{TABLE}.columns["attribs.phone"].data', line_of(text, "attribs.phone:")),
    ]


def test_when_a_repeated_name_follows_another_problem_then_the_problems_come_in_file_order() -> (
    None
):
    text = edited(
        GOOD,
        ("depersonalize: redact", "depersonalize: hsah"),
        with_store(
            "  - name: mailing\n    url: sqlite://\n    tables:\n"
            "      - {name: people, key: id, purpose: email-informing, clock: c}\n"
        ),
    )

    assert [(p.path, p.line) for p in problems(text)] == [
        (f"{TABLE}.columns.name.depersonalize", line_of(text, "name: {data")),
        ("stores[1].name", line_of(text, "name: mailing\n    url: sqlite://")),
    ]


def test_when_a_purpose_id_is_repeated_then_tables_are_checked_against_the_first() -> None:
    text = edited(
        GOOD,
        with_purpose(
            "  - {id: email-informing, title: T, legal_ground: G, processing: [p], data: [email]}\n"
        ),
    )

    assert problems(text) == [
        Problem(
            ("purposes", 1, "id"),
            "purpose id 'email-informing' is already used at purposes[0].id",
            line_of(text, "- {id: email-informing"),
        )
    ]
