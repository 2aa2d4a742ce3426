"""``drop_key``: deletion of a key inside a JSON column."""

from __future__ import annotations

import pandas as pd

from pdpipe.operators._values import map_present
from pdpipe.operators.base import REMOVE_KEY, Method, Operator, OperatorContext
from pdpipe.operators.options import OperatorOptions
from pdpipe.operators.registry import register


class DropKeyOptions(OperatorOptions):
    """Removes the key from a JSON column (only for ``column.path`` entries)."""


@register
class DropKey(Operator[DropKeyOptions]):
    """Every non-NULL value at a JSON key becomes ``REMOVE_KEY``: the caller deletes the
    key from the document. NULL stays None (a JSON null or an absent key: nothing to
    remove). Only keys inside JSON columns (``attribs.phone``) are accepted."""

    name = "drop_key"
    method = Method.DELETION
    options_model = DropKeyOptions
    kinds = frozenset({"json_value"})

    def apply(self, values: pd.Series, context: OperatorContext) -> pd.Series:
        self.check(context)
        return map_present(values, lambda _value: REMOVE_KEY)
