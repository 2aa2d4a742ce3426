"""``redact``: deletion (NULL, or a token where the column forbids NULL)."""

from __future__ import annotations

import pandas as pd

from pdpipe.operators._values import fitted, nulls_like
from pdpipe.operators.base import (
    KINDS,
    ColumnInfo,
    Method,
    Operator,
    OperatorContext,
    OperatorError,
)
from pdpipe.operators.options import OperatorOptions
from pdpipe.operators.registry import register


class RedactOptions(OperatorOptions):
    """NULL, or ``token`` where the column does not accept NULL."""

    token: str = "[redacted]"


def redacted(values: pd.Series, context: OperatorContext, token: str, operator: str) -> pd.Series:
    """Every value deleted: NULL; JSON null at a JSON key; ``token`` (cut to the column's
    length) in a NOT NULL text column. A NOT NULL column of any other kind is refused."""
    column = context.column
    if column.kind == "json_value":
        return pd.Series([None] * len(values), index=values.index, dtype=object)
    if column.nullable:
        return nulls_like(values)
    if column.kind == "text":
        return pd.Series([fitted(token, context)] * len(values), index=values.index, dtype=object)
    raise OperatorError(
        f"{column.label}: operator '{operator}' cannot delete values of a NOT NULL "
        f"{column.kind} column (there is no {column.kind} token to write instead): "
        "allow NULL in the column or use distort, generalize or shuffle"
    )


@register
class Redact(Operator[RedactOptions]):
    """Deletes every value: NULL (in the column's dtype where it can hold NULL).

    Where the column is NOT NULL, a text column gets ``token`` cut to its max_length; a
    key inside a JSON column gets JSON null; a NOT NULL column of any other kind is
    refused, since no number or date can stand for "deleted".
    """

    name = "redact"
    method = Method.DELETION
    options_model = RedactOptions
    kinds = KINDS

    def may_write_unique(self, column: ColumnInfo) -> bool:
        return column.nullable  # NULLs never collide; the token would

    def apply(self, values: pd.Series, context: OperatorContext) -> pd.Series:
        self.check(context)
        return redacted(values, context, self.options.token, self.name)
