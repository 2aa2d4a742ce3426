"""``shuffle``: mixing (values change rows within a batch)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pdpipe.operators._values import keyed_digest, normalized, present
from pdpipe.operators.base import KINDS, Method, Operator, OperatorContext, OperatorError
from pdpipe.operators.options import OperatorOptions
from pdpipe.operators.redact import redacted
from pdpipe.operators.registry import register

_PURPOSE = b"pdpipe.shuffle\x00"


class ShuffleOptions(OperatorOptions):
    """Mixing: values change places within the column over a batch."""


@register
class Shuffle(Operator[ShuffleOptions]):
    """The batch's non-NULL values move between its rows along one cycle through all of
    them, so no row keeps its own value (a row may still receive an equal value when a
    value repeats in the batch). NULLs stay where they are.

    The cycle is drawn from HMAC(pseudonym key, the batch's index and values, in index
    order): the same rows with the same values are mixed the same way whatever order
    they arrive in, so a replayed batch writes exactly the same. A different batch (other
    rows) is mixed differently: mixing is only as strong as the batch is large.

    A batch with fewer than 2 distinct non-NULL values cannot be mixed: each row would
    keep its value, which is no depersonalization. Such a batch is deleted instead, as by
    ``redact`` (NULL; ``[redacted]`` in a NOT NULL text column; JSON null at a JSON key);
    a NOT NULL column of another kind is refused, since nothing can be written.
    """

    name = "shuffle"
    method = Method.MIXING
    options_model = ShuffleOptions
    needs_secret = True
    kinds = KINDS

    def apply(self, values: pd.Series, context: OperatorContext) -> pd.Series:
        self.check(context)
        where = present(values)
        try:
            order = np.asarray(values.index.argsort(kind="stable"), dtype=np.intp)
        except TypeError:  # an index of mixed types: keep the order given
            order = np.arange(len(values), dtype=np.intp)
        rows = order[where[order]]  # positions of the non-NULL values, in index order
        if len(rows) == 0:
            return values.copy()
        raw = values.to_numpy(dtype=object)
        texts = [normalized(raw[row]) for row in rows]
        if len(set(texts)) < 2:
            if not context.column.nullable and context.column.kind not in ("text", "json_value"):
                raise OperatorError(
                    f"{context.column.label}: operator 'shuffle' cannot mix a batch with "
                    f"fewer than 2 distinct values, and cannot delete them instead in a NOT "
                    f"NULL {context.column.kind} column: allow NULL or use distort or generalize"
                )
            return redacted(values, context, "[redacted]", self.name)
        labels = [str(label) for label in values.index[rows]]
        batch = "\x1e".join(f"{label}\x1f{text}" for label, text in zip(labels, texts, strict=True))
        seed = int.from_bytes(keyed_digest(context.secret, batch, _PURPOSE), "big")
        cycle = rows[np.random.default_rng(seed).permutation(len(rows))]
        out = values.copy()
        out.iloc[cycle] = values.iloc[np.roll(cycle, -1)].to_numpy()
        return out
