"""The policy as code: models of policy.yaml, loading with paths in every error."""

from pdpipe.policy.conditions import Condition, compile_condition, parse_condition
from pdpipe.policy.durations import IsoDuration
from pdpipe.policy.errors import PolicyError, Problem
from pdpipe.policy.loading import load_policy, parse_policy
from pdpipe.policy.models import (
    Action,
    ChildAction,
    ChildTable,
    ColumnRef,
    ColumnSpec,
    EndRule,
    OperatorSpec,
    Policy,
    Purpose,
    StoreSpec,
    TableSpec,
)
from pdpipe.policy.profiles import PROFILES, Jurisdiction, Profile
from pdpipe.policy.reasons import EndReason, RequestKind
from pdpipe.policy.terms import Term, TermUnit

__all__ = [
    "PROFILES",
    "Action",
    "ChildAction",
    "ChildTable",
    "ColumnRef",
    "ColumnSpec",
    "Condition",
    "EndReason",
    "EndRule",
    "IsoDuration",
    "Jurisdiction",
    "OperatorSpec",
    "Policy",
    "PolicyError",
    "Problem",
    "Profile",
    "Purpose",
    "RequestKind",
    "StoreSpec",
    "TableSpec",
    "Term",
    "TermUnit",
    "compile_condition",
    "load_policy",
    "parse_condition",
    "parse_policy",
]
