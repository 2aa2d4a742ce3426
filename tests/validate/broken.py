"""An operator broken on purpose, for tests only: it leaves every value as it was.

Importing this module registers it (the CLI test imports it in the pdpipe process)."""

from __future__ import annotations

from typing import ClassVar

import pandas as pd

from pdpipe.operators.base import Method, Operator, OperatorContext
from pdpipe.operators.options import OperatorOptions
from pdpipe.operators.registry import OPERATORS, register

NAME = "test_leave_in_place"


class BrokenOptions(OperatorOptions):
    """None."""


class LeaveInPlace(Operator[BrokenOptions]):
    """Leaves every value as it was."""

    name: ClassVar[str] = NAME
    method: ClassVar[Method] = Method.DELETION  # it claims to; validation proves otherwise
    options_model: ClassVar[type[OperatorOptions]] = BrokenOptions
    kinds: ClassVar[frozenset[str]] = frozenset({"text", "json_value"})

    def apply(self, values: pd.Series, context: OperatorContext) -> pd.Series:
        return values


def ensure_registered() -> None:
    if NAME not in OPERATORS:
        register(LeaveInPlace)


def unregister() -> None:
    OPERATORS.pop(NAME, None)


def policy_leaving_emails(policy_text: str) -> str:
    """The test policy with leads' emails 'depersonalized' by the broken operator."""
    broken = policy_text.replace(
        "email: {data: email, depersonalize: pseudonym_email}\n          last_name",
        f"email: {{data: email, depersonalize: {NAME}}}\n          last_name",
    )
    assert broken != policy_text
    return broken
