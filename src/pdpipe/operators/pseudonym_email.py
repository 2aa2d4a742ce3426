"""``pseudonym_email``: introducing identifiers, shaped as an email address."""

from __future__ import annotations

import pandas as pd
from pydantic import Field

from pdpipe.operators._values import TEXT_KINDS, hex_length, map_present
from pdpipe.operators.base import Method, Operator, OperatorContext
from pdpipe.operators.options import OperatorOptions
from pdpipe.operators.pseudonym import pseudonym_hex
from pdpipe.operators.registry import register


class PseudonymEmailOptions(OperatorOptions):
    """A pseudonym shaped as an email: ``u_<hex>@anon.invalid``."""

    length: int = Field(default=24, ge=8, le=64)
    domain: str = "anon.invalid"


@register
class PseudonymEmail(Operator[PseudonymEmailOptions]):
    """Each value becomes ``u_<hex>@<domain>``, where ``<hex>`` starts the same keyed HMAC
    as ``pseudonym`` (same normalization: trimmed, emails lower-cased). With equal lengths,
    the hex joins with a ``pseudonym`` of the same email in another table.

    A blank value becomes "". When the column is too short, fewer hex characters are
    kept, down to 8; below that the column is refused.
    """

    name = "pseudonym_email"
    method = Method.IDENTIFIERS
    keeps_distinct = True  # HMAC-SHA256: distinct inputs, distinct outputs
    options_model = PseudonymEmailOptions
    needs_secret = True
    kinds = TEXT_KINDS

    def apply(self, values: pd.Series, context: OperatorContext) -> pd.Series:
        self.check(context)
        domain = f"@{self.options.domain}"
        keep = hex_length(context, self.name, self.options.length, f"u_{domain}")
        secret = context.secret

        def one(value: object) -> str:
            digest = pseudonym_hex(secret, value)
            return f"u_{digest[:keep]}{domain}" if digest else ""

        return map_present(values, one)
