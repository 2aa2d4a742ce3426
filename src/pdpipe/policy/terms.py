"""Statutory terms: how long the operator has to act once a trigger happened.

A term is written for people: ``30 days``, ``10 working days``, ``1 month``. Every
jurisdiction profile ships defaults (see ``profiles.py``) that a policy may override,
because a lawyer, not pdpipe, has the last word on a term.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
    model_validator,
)

# Statutory terms run in days and weeks (the longest default is a month). Bounded so a
# deadline stays inside the span of days the production calendar is built for
# (retention/calendar.py: the trigger's years plus three years), and so that counting is
# quick: 99,999,999 working days ended in an IndexError.
MAX_AMOUNT = {"days": 366, "working_days": 260, "months": 12}


class TermUnit(StrEnum):
    DAYS = "days"
    WORKING_DAYS = "working_days"
    MONTHS = "months"


_AT_ONCE = re.compile(r"^\s*(?:at\s+once|immediately)\s*$", re.IGNORECASE)
_TERM_TEXT = re.compile(
    r"^\s*(?P<amount>\d+)\s*(?P<unit>working\s+days?|calendar\s+days?|days?|months?)\s*$",
    re.IGNORECASE,
)


def _parse_term(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    if _AT_ONCE.match(value):
        return {"amount": 0, "unit": TermUnit.DAYS, "roll_to_working_day": False}
    match = _TERM_TEXT.match(value)
    if match is None:
        raise ValueError(
            f"cannot read term {value!r}: write e.g. '30 days', '10 working days' or '1 month'"
        )
    unit_text = match["unit"].lower()
    if unit_text.startswith("working"):
        unit = TermUnit.WORKING_DAYS
    elif unit_text.startswith("month"):
        unit = TermUnit.MONTHS
    else:
        unit = TermUnit.DAYS
    return {"amount": int(match["amount"]), "unit": unit}


class Term(BaseModel):
    """``amount`` units counted from the day after the trigger (Civil Code art. 191).

    A term whose last day is not a working day ends on the next working day (art. 193)
    unless ``roll_to_working_day`` is false. Request deadlines follow the policy's
    reading instead, unless the term says it (requests/sla.py). ``0 days`` (also written
    ``at once``) ends on the trigger's own day: for a request, at the instant of receipt.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    amount: int = Field(ge=0)
    unit: TermUnit = TermUnit.DAYS
    roll_to_working_day: bool = True
    source: str = ""

    @model_validator(mode="after")
    def _bounded(self) -> Term:
        if self.amount > MAX_AMOUNT[self.unit.value]:
            limits = ", ".join(f"{n} {u.replace('_', ' ')}" for u, n in MAX_AMOUNT.items())
            raise ValueError(
                f"a term of {self.describe()} is longer than a year (at most {limits}): "
                "statutory terms run in days and weeks"
            )
        return self

    @property
    def at_once(self) -> bool:
        """Due at the trigger itself (0 working days instead end on the next working day)."""
        return self.amount == 0 and self.unit is not TermUnit.WORKING_DAYS

    @property
    def rolls_explicitly(self) -> bool:
        """Whether the policy itself wrote ``roll_to_working_day`` for this term."""
        return "roll_to_working_day" in self.model_fields_set

    def describe(self) -> str:
        unit = self.unit.value.replace("_", " ")
        if self.amount == 1:
            unit = unit.rstrip("s")
        return f"{self.amount} {unit}"


TermField = Annotated[
    Term,
    BeforeValidator(_parse_term),
    WithJsonSchema(
        {
            "anyOf": [
                {
                    "type": "string",
                    "description": "e.g. '30 days', '10 working days', '1 month', 'at once'",
                },
                {
                    "type": "object",
                    "properties": {
                        "amount": {"type": "integer", "minimum": 0},
                        "unit": {"enum": [u.value for u in TermUnit]},
                        "roll_to_working_day": {"type": "boolean"},
                        "source": {"type": "string"},
                    },
                    "required": ["amount"],
                    "additionalProperties": False,
                },
            ]
        }
    ),
]
