"""The values of the secrets a policy names (`secrets: {name: env:VAR | prefect:block}`),
and the keys derived from them.

Only the references are in the policy file; the values are read when needed and never
printed. Each secret serves one use, and each use derives its own key from it (HKDF-SHA256
with the use's name as `info`), so that two uses never compute the same value even when a
deployment points both secrets at one variable:

    pseudonym_key   the depersonalization operators (pseudonym, pseudonym_email, fake,
                    distort, shuffle): HMAC with the key itself, as since the first
                    version, so earlier pseudonyms still join with new ones
    contact_key     the request register: KeyPurpose.REGISTER_REQUESTER for the requester's
                    keyed hash; the address's encryption (Fernet) has its own derivation
                    (requests/identity.py)
    ledger_key      signing the ledger's head: KeyPurpose.LEDGER_HEAD

Which secrets a policy *needs* decides what an unset one means. `pseudonym_key` is needed
when a run would apply a keyed operator (pseudonym, pseudonym_email, fake, shuffle,
distort); `contact_key` by subject requests; `ledger_key`, when the policy names it, by
every append to the ledger. A needed secret that is unset is bad input, found by `pdpipe
check` and before a run starts. A declared secret that nothing needs is only a warning: a
policy that destroys may declare the key for later, and a machine that runs the nightly
job should not have to hold the register's key (keys are kept apart); yet saying nothing,
as a run did, hides a reference that may be wrong.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from enum import StrEnum

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from pydantic import SecretBytes

from pdpipe.errors import BadInput
from pdpipe.operators.registry import OPERATORS
from pdpipe.policy.errors import Loc, PolicyError, Problem, format_loc
from pdpipe.policy.loading import located
from pdpipe.policy.models import ColumnSpec, Policy, applied_specs


class KeyPurpose(StrEnum):
    """A use of a secret other than the operators'; its name is the derivation's `info`."""

    REGISTER_REQUESTER = "register-requester"  # from contact_key
    LEDGER_HEAD = "ledger-head"  # from ledger_key


def derive_key(secret: SecretBytes, purpose: KeyPurpose) -> bytes:
    """A 32-byte key for `purpose` alone: HKDF-SHA256(secret, info="pdpipe/<purpose>")."""
    info = f"pdpipe/{purpose.value}".encode()
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(
        secret.get_secret_value()
    )


def resolve_secret(policy: Policy, name: str) -> bytes:
    """The secret `name` refers to; b"" when the policy names none or the variable is unset.

    Bytes, for the operators' hot loops; anything that keeps a key longer holds it as
    `SecretBytes` (`secret_key`), whose repr does not show it."""
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
        reference = policy.secrets.get(name)
        if reference is None:
            raise BadInput(
                f"secrets.{name}: the policy does not name it (env:VAR or prefect:block)"
            )
        raise BadInput(f"secrets.{name}: {_unset(reference)}")
    return value


def needed_secrets(policy: Policy, *, requests: bool = True) -> dict[str, str]:
    """Each secret the policy needs, with what needs it; `requests=False` for the nightly
    run alone, which does not read the request register."""
    needed: dict[str, str] = {}
    keyed = next(_keyed_columns(policy), None)
    if keyed is not None:
        loc, operator = keyed
        needed["pseudonym_key"] = f"operator '{operator}' at {format_loc(loc)} needs it"
    if "ledger_key" in policy.secrets:
        needed["ledger_key"] = "every append to the ledger signs its head with it"
    if requests and policy.requests is not None:
        needed["contact_key"] = (
            "subject requests need it (requesters are kept as a keyed hash and their "
            "addresses encrypted)"
        )
    return needed


def secret_problems(
    policy: Policy, environ: Mapping[str, str], *, requests: bool = True
) -> tuple[list[Problem], list[Problem]]:
    """(errors, warnings): each `env:` secret whose variable is unset or empty; an error
    when the policy needs it. A `prefect:` block is read only when used (reading it here
    would need the Prefect server)."""
    needed = needed_secrets(policy, requests=requests)
    errors: list[Problem] = []
    warnings: list[Problem] = []
    for name, reference in policy.secrets.items():
        kind, _, variable = reference.partition(":")
        if kind != "env" or environ.get(variable):
            continue
        if name in needed:
            errors.append(Problem(("secrets", name), f"{_unset(reference)}; {needed[name]}"))
        else:
            warnings.append(
                Problem(
                    ("secrets", name),
                    f"{_unset(reference)}; nothing in this policy needs secrets.{name} now, "
                    "so runs go ahead without it",
                )
            )
    return errors, warnings


def _unset(reference: str) -> str:
    kind, _, where = reference.partition(":")
    if kind == "env":
        return f"environment variable {where} is not set or empty"
    return f"Prefect Secret block '{where}' holds no value"


def _keyed_columns(policy: Policy) -> Iterator[tuple[Loc, str]]:
    """Where a run would apply an operator that needs the pseudonym key, in file order."""
    for s_index, store in enumerate(policy.stores):
        for t_index, spec in enumerate(store.tables):
            applied = applied_specs(policy.purpose(spec.purpose), spec)
            loc: Loc = ("stores", s_index, "tables", t_index)
            places: list[tuple[Loc, dict[str, ColumnSpec]]] = [(loc, spec.columns)]
            places += [((*loc, "children", i), c.columns) for i, c in enumerate(spec.children)]
            for where, columns in places:
                for name, column in columns.items():
                    operator = column.depersonalize
                    if (
                        operator is not None
                        and any(column is a for a in applied)
                        and getattr(OPERATORS.get(operator.name), "needs_secret", False)
                    ):
                        yield (*where, "columns", name, "depersonalize"), operator.name


def refuse_unset_secrets(
    policy: Policy, environ: Mapping[str, str] | None = None, *, requests: bool = True
) -> list[Problem]:
    """Raise PolicyError (exit 2) naming each needed secret that is unset, with its line;
    return the warnings (declared, unset, not needed), with their lines, to be shown."""
    errors, warnings = secret_problems(
        policy, os.environ if environ is None else environ, requests=requests
    )
    PolicyError.collect(located(errors, policy.file), policy.file)
    return located(warnings, policy.file)


def secret_key(policy: Policy, name: str) -> SecretBytes:
    """As require_secret, held so that no repr, log or traceback shows it."""
    return SecretBytes(require_secret(policy, name))
