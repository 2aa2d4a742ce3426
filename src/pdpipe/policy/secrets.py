"""The values of the secrets a policy names (`secrets: {name: env:VAR | prefect:block}`).

Only the references are in the policy file; the values are read when needed and never
printed."""

from __future__ import annotations

import os

from pdpipe.errors import BadInput
from pdpipe.policy.models import Policy


def resolve_secret(policy: Policy, name: str) -> bytes:
    """The secret `name` refers to; b"" when the policy names none or the variable is unset."""
    reference = policy.secrets.get(name)
    if reference is None:
        return b""
    kind, _, where = reference.partition(":")
    if kind == "prefect":
        from prefect.blocks.system import Secret

        try:
            return str(Secret.load(where).get()).encode()  # type: ignore[union-attr]
        except ValueError:
            raise BadInput(f"secrets.{name}: no Prefect Secret block '{where}'") from None
    return os.environ.get(where, "").encode()


def require_secret(policy: Policy, name: str) -> bytes:
    """As resolve_secret, but an empty value is bad input naming where it was looked for."""
    value = resolve_secret(policy, name)
    if not value:
        where = policy.secrets.get(name, "(not named in the policy)")
        raise BadInput(f"secrets.{name}: no value at {where}")
    return value
