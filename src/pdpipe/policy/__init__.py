"""The policy as code: models of policy.yaml, loading with paths in every error.

Names are imported when first used (PEP 562), so that importing a light module of the
package (reasons, errors) does not load pandas with the models: `pdpipe --help` stays fast.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

_HOMES = {
    "Condition": "conditions",
    "compile_condition": "conditions",
    "parse_condition": "conditions",
    "IsoDuration": "durations",
    "PolicyError": "errors",
    "Problem": "errors",
    "load_policy": "loading",
    "parse_policy": "loading",
    "Action": "models",
    "ChildAction": "models",
    "ChildOnDepersonalize": "models",
    "ChildTable": "models",
    "ColumnRef": "models",
    "ColumnSpec": "models",
    "EndRule": "models",
    "OperatorSpec": "models",
    "Policy": "models",
    "Purpose": "models",
    "StoreSpec": "models",
    "TableSpec": "models",
    "PROFILES": "profiles",
    "Jurisdiction": "profiles",
    "Profile": "profiles",
    "EndReason": "reasons",
    "RequestKind": "reasons",
    "Term": "terms",
    "TermUnit": "terms",
}

__all__ = [
    "PROFILES",
    "Action",
    "ChildAction",
    "ChildOnDepersonalize",
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


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'pdpipe.policy' has no attribute {name!r}")
    value = getattr(import_module(f"pdpipe.policy.{home}"), name)
    globals()[name] = value
    return value


if TYPE_CHECKING:
    from pdpipe.policy.conditions import Condition, compile_condition, parse_condition
    from pdpipe.policy.durations import IsoDuration
    from pdpipe.policy.errors import PolicyError, Problem
    from pdpipe.policy.loading import load_policy, parse_policy
    from pdpipe.policy.models import (
        Action,
        ChildAction,
        ChildOnDepersonalize,
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
