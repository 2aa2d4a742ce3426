"""``pseudonym``: introducing identifiers (a keyed HMAC in place of the value)."""

from __future__ import annotations

import pandas as pd
from pydantic import Field

from pdpipe.operators._values import TEXT_KINDS, hex_length, keyed_digest, map_present, normalized
from pdpipe.operators.base import Method, Operator, OperatorContext
from pdpipe.operators.options import OperatorOptions
from pdpipe.operators.registry import register


class PseudonymOptions(OperatorOptions):
    """Keyed HMAC-SHA256 ("introducing identifiers"); the key never lives in the policy."""

    length: int = Field(default=32, ge=8, le=64, description="hex characters kept")
    prefix: str = ""


def pseudonym_hex(secret: bytes, value: object) -> str:
    """The full 64-character hex of HMAC-SHA256(secret, normalized value), or "" for a
    blank value. ``pseudonym`` and ``pseudonym_email`` both start from it, so the same
    person gets the same identifier in every table and store."""
    text = normalized(value)
    return keyed_digest(secret, text).hex() if text else ""


@register
class Pseudonym(Operator[PseudonymOptions]):
    """Each value becomes ``prefix`` + the first ``length`` hex characters of
    HMAC-SHA256(pseudonym key, normalized value).

    Normalized: ``str(value).strip()``, emails lower-cased, so ``Ivan@Mail.ru`` in one store
    and ``ivan@mail.ru`` in another get one pseudonym. A blank value (empty or only spaces)
    identifies no one and becomes "" rather than a pseudonym every blank would share.
    When the column is shorter than prefix + length, fewer hex characters are kept, down to
    8; below that the column is refused.
    """

    name = "pseudonym"
    method = Method.IDENTIFIERS
    keeps_distinct = True  # HMAC-SHA256: distinct inputs, distinct outputs
    options_model = PseudonymOptions
    needs_secret = True
    kinds = TEXT_KINDS

    def apply(self, values: pd.Series, context: OperatorContext) -> pd.Series:
        self.check(context)
        prefix = self.options.prefix
        keep = hex_length(context, self.name, self.options.length, prefix)
        secret = context.secret

        def one(value: object) -> str:
            digest = pseudonym_hex(secret, value)
            return f"{prefix}{digest[:keep]}" if digest else ""

        return map_present(values, one)
