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


FAILING = "test_fail"


class Fail(LeaveInPlace):
    """Fails every batch, as an operator meeting a value it cannot handle would."""

    name: ClassVar[str] = FAILING

    def apply(self, values: pd.Series, context: OperatorContext) -> pd.Series:
        raise RuntimeError("broken on purpose")


def ensure_registered() -> None:
    if NAME not in OPERATORS:
        register(LeaveInPlace)
    if FAILING not in OPERATORS:
        register(Fail)


def unregister() -> None:
    OPERATORS.pop(NAME, None)
    OPERATORS.pop(FAILING, None)


def policy_leaving_emails(policy_text: str) -> str:
    """The test policy with leads' emails 'depersonalized' by the broken operator."""
    broken = policy_text.replace(
        "email: {data: email, depersonalize: pseudonym_email}\n          last_name",
        f"email: {{data: email, depersonalize: {NAME}}}\n          last_name",
    )
    assert broken != policy_text
    return broken


def policy_failing_people(policy_text: str) -> str:
    """The test policy with the people's partitions failing (their notes' phones)."""
    failing = policy_text.replace(
        "phone: {data: phone, depersonalize: {mask: {keep_last: 2}}}\n      - name: leads",
        f"phone: {{data: phone, depersonalize: {FAILING}}}\n      - name: leads",
    )
    assert failing != policy_text
    return failing
