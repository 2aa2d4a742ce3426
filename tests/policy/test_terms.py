"""Statutory terms: the jurisdiction profile's defaults, and `terms:` overrides in a policy."""

from __future__ import annotations

import pytest

from pdpipe.policy import (
    PROFILES,
    EndReason,
    Jurisdiction,
    RequestKind,
    Term,
    TermUnit,
)
from pdpipe.policy.profiles import TermKey
from tests.policy.builders import GOOD, edited, line_of, only_problem, parse


def with_terms(*lines: str) -> str:
    return edited(
        GOOD, ("stores:\n", "terms:\n" + "".join(f"  {x}\n" for x in lines) + "stores:\n")
    )


@pytest.mark.parametrize(
    ("key", "described"),
    [
        (EndReason.CONSENT_WITHDRAWN, "30 days"),
        (EndReason.CEASE_DEMAND, "10 working days"),
        (RequestKind.UPDATE, "7 working days"),
    ],
)
def test_when_a_policy_overrides_nothing_then_the_ru_profile_terms_apply(
    key: TermKey, described: str
) -> None:
    assert parse(GOOD).term(key).describe() == described


@pytest.mark.parametrize(
    ("text", "amount", "unit", "described"),
    [
        ("45 days", 45, TermUnit.DAYS, "45 days"),
        ("5 working days", 5, TermUnit.WORKING_DAYS, "5 working days"),
        ("1 month", 1, TermUnit.MONTHS, "1 month"),
        ("2 months", 2, TermUnit.MONTHS, "2 months"),
        ("1 day", 1, TermUnit.DAYS, "1 day"),
        ("1 working day", 1, TermUnit.WORKING_DAYS, "1 working day"),
        ("14 calendar days", 14, TermUnit.DAYS, "14 days"),
        ("  10 Working Days ", 10, TermUnit.WORKING_DAYS, "10 working days"),
        ("0 days", 0, TermUnit.DAYS, "0 days"),
    ],
)
def test_when_a_policy_overrides_a_term_in_words_then_the_override_wins(
    text: str, amount: int, unit: TermUnit, described: str
) -> None:
    policy = parse(with_terms(f"consent_withdrawn: '{text}'"))

    term = policy.term(EndReason.CONSENT_WITHDRAWN)

    assert (term.amount, term.unit, term.describe()) == (amount, unit, described)


def test_when_one_term_is_overridden_then_the_others_keep_the_profile_default() -> None:
    policy = parse(with_terms("cease_demand: 5 working days", "access_request: 1 month"))

    assert [policy.term(k).describe() for k in (EndReason.CEASE_DEMAND, RequestKind.ACCESS)] == [
        "5 working days",
        "1 month",
    ]
    assert (
        policy.term(EndReason.CONSENT_WITHDRAWN)
        == PROFILES[Jurisdiction.RU_152FZ].terms[EndReason.CONSENT_WITHDRAWN]
    )


def test_when_a_term_is_written_as_a_mapping_then_every_field_is_kept() -> None:
    policy = parse(
        with_terms(
            "cease_demand: {amount: 15, unit: working_days, roll_to_working_day: false, "
            "source: 'legal review 2026-03'}"
        )
    )

    assert policy.term(EndReason.CEASE_DEMAND) == Term(
        amount=15,
        unit=TermUnit.WORKING_DAYS,
        roll_to_working_day=False,
        source="legal review 2026-03",
    )


UNREADABLE = "write e.g. '30 days', '10 working days' or '1 month'"


@pytest.mark.parametrize(
    ("line", "path", "message"),
    [
        (
            "consent_withdrawn: thirty days",
            "terms.consent_withdrawn",
            f"cannot read term 'thirty days': {UNREADABLE}",
        ),
        (
            "consent_withdrawn: '30'",
            "terms.consent_withdrawn",
            f"cannot read term '30': {UNREADABLE}",
        ),
        (
            "consent_withdrawn: -1 days",
            "terms.consent_withdrawn",
            f"cannot read term '-1 days': {UNREADABLE}",
        ),
        (
            "consent_withdrawn: {amount: -1}",
            "terms.consent_withdrawn.amount",
            "Input should be greater than or equal to 0",
        ),
        (
            "access_request: 99999999 working days",
            "terms.access_request",
            "a term of 99999999 working days is longer than a year (at most 366 days, 260 "
            "working days, 12 months): statutory terms run in days and weeks",
        ),
        (
            "consent_withdrawn: {amount: 13, unit: months}",
            "terms.consent_withdrawn",
            "a term of 13 months is longer than a year (at most 366 days, 260 working days, "
            "12 months): statutory terms run in days and weeks",
        ),
        (
            "consent_withdrawn: {amount: 3, unit: weeks}",
            "terms.consent_withdrawn.unit",
            "unknown value 'weeks' (known: 'days', 'working_days' or 'months')",
        ),
    ],
)
def test_when_a_term_override_cannot_be_read_then_its_path_is_named(
    line: str, path: str, message: str
) -> None:
    problem = only_problem(with_terms(line))

    assert (problem.path, problem.message) == (path, message)


KNOWN_TERMS = (
    "purpose_achieved, retention_elapsed, consent_expired, consent_withdrawn, cease_demand, "
    "unlawful_processing, access_request, update_request, regulator_request, block_request, "
    "destroy_request, unlawful_processing_stop"
)


def test_when_a_term_names_an_unknown_reason_then_terms_lists_the_known_ones() -> None:
    text = with_terms("consent_withdrwn: 30 days")

    problem = only_problem(text)

    assert (problem.path, problem.message, problem.line) == (
        "terms",
        f"unknown term 'consent_withdrwn' (known: {KNOWN_TERMS})",
        line_of(text, "terms:"),
    )


def test_when_two_terms_are_unknown_then_one_problem_names_both() -> None:
    problem = only_problem(with_terms("consent_withdrwn: 30 days", "ceese_demand: 10 days"))

    assert problem.path == "terms"
    assert "'consent_withdrwn'" in problem.message
    assert "'ceese_demand'" in problem.message


def with_requests(*lines: str) -> str:
    text = edited(
        GOOD,
        (
            "  pseudonym_key: env:PDPIPE_PSEUDONYM_KEY\n",
            "  pseudonym_key: env:PDPIPE_PSEUDONYM_KEY\n  contact_key: env:PDPIPE_CONTACT_KEY\n",
        ),
    )
    return text + "requests:\n  store: mailing\n" + "".join(f"  {x}\n" for x in lines)


def test_when_requests_name_an_unknown_extendable_term_then_its_path_is_named() -> None:
    text = with_requests("extendable: [acess_request]")

    problem = only_problem(text)

    assert (problem.path, problem.message, problem.line) == (
        "requests.extendable",
        f"unknown term 'acess_request' (known: {KNOWN_TERMS})",
        line_of(text, "extendable:"),
    )


def test_when_a_block_request_term_is_written_at_once_then_it_is_0_days_that_never_roll() -> None:
    """152-FZ art. 21 p.1: blocking from the moment of the request."""
    policy = parse(with_terms("block_request: at once", "access_request: immediately"))

    for key in (RequestKind.BLOCK, RequestKind.ACCESS):
        term = policy.term(key)
        assert (term.amount, term.unit, term.roll_to_working_day, term.at_once) == (
            0,
            TermUnit.DAYS,
            False,
            True,
        )
    assert not Term(amount=0, unit=TermUnit.WORKING_DAYS).at_once  # the next working day
