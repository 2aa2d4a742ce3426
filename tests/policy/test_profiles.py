"""Jurisdiction profiles: statutory terms by default, and the production calendar."""

from __future__ import annotations

import pytest

from pdpipe.policy import PROFILES, EndReason, Jurisdiction, RequestKind, TermUnit
from pdpipe.policy.profiles import TermKey
from tests.policy.builders import GOOD, edited, parse


@pytest.mark.parametrize(
    ("jurisdiction", "key", "amount", "unit"),
    [
        (Jurisdiction.RU_152FZ, EndReason.CONSENT_WITHDRAWN, 30, TermUnit.DAYS),
        (Jurisdiction.RU_152FZ, EndReason.PURPOSE_ACHIEVED, 30, TermUnit.DAYS),
        (Jurisdiction.RU_152FZ, EndReason.CEASE_DEMAND, 10, TermUnit.WORKING_DAYS),
        (Jurisdiction.RU_152FZ, EndReason.UNLAWFUL_PROCESSING, 10, TermUnit.WORKING_DAYS),
        (Jurisdiction.RU_152FZ, RequestKind.ACCESS, 10, TermUnit.WORKING_DAYS),
        (Jurisdiction.RU_152FZ, RequestKind.UPDATE, 7, TermUnit.WORKING_DAYS),
        (Jurisdiction.RU_152FZ, RequestKind.BLOCK, 0, TermUnit.DAYS),  # art. 21 p.1: at once
        (Jurisdiction.RU_152FZ, RequestKind.DESTROY, 7, TermUnit.WORKING_DAYS),  # art. 20 p.3
        (Jurisdiction.RU_152FZ, RequestKind.UNLAWFUL_STOP, 3, TermUnit.WORKING_DAYS),  # 21 p.3
        (Jurisdiction.KZ_94V, EndReason.UNLAWFUL_PROCESSING, 1, TermUnit.WORKING_DAYS),
        (Jurisdiction.EU_GDPR, EndReason.CONSENT_WITHDRAWN, 1, TermUnit.MONTHS),
    ],
)
def test_when_a_profile_is_consulted_then_its_statutory_term_applies(
    jurisdiction: Jurisdiction, key: TermKey, amount: int, unit: TermUnit
) -> None:
    term = PROFILES[jurisdiction].terms[key]

    assert (term.amount, term.unit) == (amount, unit)
    assert term.source


@pytest.mark.parametrize("jurisdiction", list(Jurisdiction))
def test_when_a_profile_is_defined_then_it_has_a_term_for_every_reason_and_request(
    jurisdiction: Jurisdiction,
) -> None:
    assert set(PROFILES[jurisdiction].terms) == {*EndReason, *RequestKind}


@pytest.mark.parametrize(
    ("jurisdiction", "calendar", "country"),
    [
        ("RU-152FZ", None, "RU"),
        ("KZ-94V", None, "KZ"),
        ("EU-GDPR", None, None),
        ("RU-152FZ", "KZ", "KZ"),
    ],
)
def test_when_no_calendar_is_named_then_the_profile_country_is_used(
    jurisdiction: str, calendar: str | None, country: str | None
) -> None:
    text = edited(GOOD, ("jurisdiction: RU-152FZ", f"jurisdiction: {jurisdiction}"))
    if calendar is not None:
        text = edited(text, ("secrets:\n", f"calendar: {calendar}\nsecrets:\n"))

    assert parse(text).calendar_country == country


def test_no_profile_rolls_request_terms_to_a_working_day_by_default() -> None:
    """Civil Code art. 193 for 152-FZ's public-law duties is a reading: the cautious one
    keeps the literal day."""
    assert [PROFILES[j].roll_request_terms for j in Jurisdiction] == [False] * len(Jurisdiction)
