"""decide() on hand-made frames: reasons, end dates in the operator's timezone, deadlines."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from pdpipe.policy import Policy, Term, parse_policy
from pdpipe.retention.decide import AsOf, decide

POLICY = """
version: 1
operator: {{name: IPM, jurisdiction: RU-152FZ, timezone: Asia/Almaty, contact: ipm@gmail.com}}
purposes:
  - id: informing
    title: Informing
    legal_ground: 149-FZ
    processing: [transfer]
    data: [email]
    {purpose_extra}
stores:
  - name: s
    url: sqlite://
    tables:
      - name: t
        key: id
        purpose: informing
        clock: created_at
        {table_extra}
        ends:
          - {{reason: consent_withdrawn, when: {{status: withdrawn}}, since: withdrawn_at}}
          - {{reason: consent_expired, since: valid_until}}
          - {{reason: cease_demand, when: {{status: cease}}}}
"""


def make_policy(purpose_extra: str = "", table_extra: str = "") -> Policy:
    text = POLICY.format(purpose_extra=purpose_extra, table_extra=table_extra)
    return parse_policy(text, Path("policy.yaml"), {})


def frame(rows: list[dict[str, object]]) -> pd.DataFrame:
    """Rows as the store reader produces them: UTC instants, rule verdicts as 0/1."""
    defaults: dict[str, object] = {
        "clock": "2026-01-10 09:00",
        "end0_match": 0,
        "end0_since": None,
        "end1_since": None,
        "end2_match": 0,
    }
    records = [{**defaults, **row} for row in rows]
    result = pd.DataFrame.from_records(records)
    for column in ("clock", "end0_since", "end1_since"):
        result[column] = pd.to_datetime(result[column], format="ISO8601")
    return result


AS_OF = AsOf.end_of_day(dt.date(2026, 11, 25), "Asia/Almaty")


def by_key(result: pd.DataFrame) -> dict[object, dict[str, object]]:
    return {
        row["key"]: {
            "reason": row["reason"],
            "ended_on": str(row["ended_on"])[:10],
            "deadline": str(row["deadline"])[:10],
            "state": row["state"],
            "action": row["action"],
        }
        for row in result.to_dict("records")
    }


def test_when_nothing_ended_then_nothing_is_due() -> None:
    result = decide(
        frame([{"key": 1}, {"key": 2}]), make_policy().stores[0].tables[0], make_policy(), AS_OF
    )
    assert result.empty


def test_when_consent_withdrawn_then_due_thirty_days_from_receipt() -> None:
    policy = make_policy()
    rows = frame([{"key": 1, "end0_match": 1, "end0_since": "2026-11-10 05:00"}])
    assert by_key(decide(rows, policy.stores[0].tables[0], policy, AS_OF)) == {
        1: {
            "reason": "consent_withdrawn",
            "ended_on": "2026-11-10",
            "deadline": "2026-12-10",
            "state": "due",
            "action": "destroy",
        }
    }


@pytest.mark.parametrize(
    ("utc_instant", "local_day"),
    [
        ("2026-10-01 18:59:59", "2026-10-01"),  # 23:59:59 in Almaty (UTC+5)
        ("2026-10-01 19:00:00", "2026-10-02"),  # midnight in Almaty: already the next day
    ],
)
def test_when_event_near_midnight_then_day_is_the_operators_day(
    utc_instant: str, local_day: str
) -> None:
    policy = make_policy()
    rows = frame([{"key": 1, "end1_since": utc_instant}])
    decision = by_key(decide(rows, policy.stores[0].tables[0], policy, AS_OF))[1]
    assert decision["ended_on"] == local_day
    assert decision["reason"] == "consent_expired"


def test_when_as_of_is_a_date_then_its_whole_local_day_counts() -> None:
    policy = make_policy()
    table = policy.stores[0].tables[0]
    # 23:30 on Nov 25 in Almaty is 18:30 UTC; 00:30 on Nov 26 is 19:30 UTC on the 25th.
    rows = frame(
        [
            {"key": 1, "end1_since": "2026-11-25 18:30"},
            {"key": 2, "end1_since": "2026-11-25 19:30"},
        ]
    )
    assert list(decide(rows, table, policy, AS_OF)["key"]) == [1]


def test_when_deadline_passed_then_overdue_and_on_the_day_still_due() -> None:
    policy = make_policy()
    rows = frame(
        [
            {"key": 1, "end1_since": "2026-10-26 06:00"},  # deadline Nov 25: today
            {"key": 2, "end1_since": "2026-10-25 06:00"},  # deadline Nov 24: yesterday
        ]
    )
    result = by_key(decide(rows, policy.stores[0].tables[0], policy, AS_OF))
    assert (result[1]["deadline"], result[1]["state"]) == ("2026-11-25", "due")
    assert (result[2]["deadline"], result[2]["state"]) == ("2026-11-24", "overdue")


def test_when_several_reasons_then_the_earliest_deadline_wins() -> None:
    policy = make_policy()
    rows = frame(
        [
            {
                "key": 7,
                "end0_match": 1,
                "end0_since": "2026-11-20 06:00",
                "end1_since": "2026-06-01 06:00",
            }
        ]
    )
    assert by_key(decide(rows, policy.stores[0].tables[0], policy, AS_OF))[7]["reason"] == (
        "consent_expired"
    )


def test_when_a_rule_has_no_date_then_the_clock_dates_it() -> None:
    policy = make_policy()
    rows = frame([{"key": 3, "end0_match": 1, "end0_since": None, "clock": "2026-11-01 06:00"}])
    decision = by_key(decide(rows, policy.stores[0].tables[0], policy, AS_OF))[3]
    assert decision["ended_on"] == "2026-11-01"


def test_when_end_cannot_be_dated_then_reported_overdue() -> None:
    policy = make_policy()
    rows = frame([{"key": 3, "end0_match": 1, "end0_since": None, "clock": None}])
    decision = by_key(decide(rows, policy.stores[0].tables[0], policy, AS_OF))[3]
    assert decision["state"] == "overdue"
    assert decision["deadline"] == "NaT"


def test_when_event_is_after_as_of_then_not_yet_due() -> None:
    policy = make_policy()
    rows = frame([{"key": 1, "end0_match": 1, "end0_since": "2026-12-01 06:00"}])
    assert decide(rows, policy.stores[0].tables[0], policy, AS_OF).empty


def test_when_demand_to_cease_then_block_within_ten_working_days() -> None:
    policy = make_policy()
    rows = frame([{"key": 1, "end2_match": 1, "clock": "2026-11-20 06:00"}])
    decision = by_key(decide(rows, policy.stores[0].tables[0], policy, AS_OF))[1]
    assert decision == {
        "reason": "cease_demand",
        "ended_on": "2026-11-20",
        "deadline": "2026-12-04",
        "state": "due",
        "action": "block",
    }


def test_when_keep_for_elapsed_then_retention_elapsed() -> None:
    policy = make_policy(purpose_extra="keep_for: P3Y")
    rows = frame(
        [
            {"key": 1, "clock": "2023-11-01 06:00"},  # three years ended Nov 1 2026
            {"key": 2, "clock": "2023-11-26 06:00"},  # ends tomorrow
        ]
    )
    result = by_key(decide(rows, policy.stores[0].tables[0], policy, AS_OF))
    assert list(result) == [1]
    assert result[1]["reason"] == "retention_elapsed"
    assert result[1]["ended_on"] == "2026-11-01"


def test_when_consent_valid_for_elapsed_then_consent_expired_from_consent_column() -> None:
    policy = make_policy(
        purpose_extra="consent_valid_for: P1Y", table_extra="consent_given: consent_at"
    )
    rows = frame([{"key": 1, "clock": "2026-01-01 06:00"}])
    rows["consent_given"] = pd.to_datetime(["2025-10-01 06:00"])
    decision = by_key(decide(rows, policy.stores[0].tables[0], policy, AS_OF))[1]
    assert (decision["reason"], decision["ended_on"]) == ("consent_expired", "2026-10-01")


def test_when_policy_overrides_a_term_then_the_override_applies() -> None:
    policy = make_policy()
    policy = policy.model_copy(
        update={"terms": {**policy.terms, **make_terms("consent_withdrawn: 10 working days")}}
    )
    rows = frame([{"key": 1, "end0_match": 1, "end0_since": "2026-11-10 05:00"}])
    decision = by_key(decide(rows, policy.stores[0].tables[0], policy, AS_OF))[1]
    assert decision["deadline"] == "2026-11-24"


def make_terms(line: str) -> dict[str, Term]:
    text = POLICY.format(purpose_extra="", table_extra="") + f"terms:\n  {line}\n"
    return dict(parse_policy(text, Path("p.yaml"), {}).terms)


def test_when_timestamps_are_timezone_aware_then_converted_not_shifted() -> None:
    policy = make_policy()
    rows = frame([{"key": 1}])
    rows["end1_since"] = pd.to_datetime(["2026-10-02 00:30:00+05:00"])
    decision = by_key(decide(rows, policy.stores[0].tables[0], policy, AS_OF))[1]
    assert decision["ended_on"] == "2026-10-02"


def test_a_withdrawal_destroys_a_record_whose_consent_had_expired_first() -> None:
    """152-FZ art. 21 p.5: a withdrawal requires destruction, though an earlier end (the
    consent's expiry, art. 21 p.4) would only depersonalize the record; art. 5 p.7: the
    expiry alone follows on_end."""
    policy = make_policy(purpose_extra="on_end: depersonalize")
    rows = frame(
        [
            {  # expired in March, withdrew in October
                "key": 1,
                "end0_match": 1,
                "end0_since": "2026-10-01 09:00",
                "end1_since": "2026-03-01 09:00",
            },
            {"key": 2, "end1_since": "2026-03-01 09:00"},  # expired only
        ]
    )

    result = by_key(decide(rows, policy.stores[0].tables[0], policy, AS_OF))

    assert result[1]["reason"] == "consent_withdrawn" and result[1]["action"] == "destroy"
    assert result[2]["reason"] == "consent_expired" and result[2]["action"] == "depersonalize"


def test_consent_ends_nothing_for_a_purpose_on_a_contract() -> None:
    """152-FZ art. 6 p.1 item 5, art. 21 p.5: a purpose on a contract outlives a withdrawal
    and the consent's expiry; a demand to cease still blocks (art. 21 p.5.1)."""
    policy = make_policy(purpose_extra="ground: contract")
    rows = frame(
        [
            {"key": 1, "end0_match": 1, "end0_since": "2026-10-01 09:00"},
            {"key": 2, "end1_since": "2026-03-01 09:00"},
            {"key": 3, "end2_match": 1},
        ]
    )

    result = by_key(decide(rows, policy.stores[0].tables[0], policy, AS_OF))

    assert list(result) == [3] and result[3]["action"] == "block"
