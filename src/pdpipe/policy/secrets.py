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
    ledger_key      signing the ledger's head, with a derivation of its own (the ledger's)
"""

from __future__ import annotations

import os
from enum import StrEnum

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from pydantic import SecretBytes

from pdpipe.errors import BadInput
from pdpipe.policy.models import Policy


class KeyPurpose(StrEnum):
    """A use of a secret other than the operators'; its name is the derivation's `info`."""

    REGISTER_REQUESTER = "register-requester"  # from contact_key


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
        where = policy.secrets.get(name, "(not named in the policy)")
        raise BadInput(f"secrets.{name}: no value at {where}")
    return value


def secret_key(policy: Policy, name: str) -> SecretBytes:
    """As require_secret, held so that no repr, log or traceback shows it."""
    return SecretBytes(require_secret(policy, name))
