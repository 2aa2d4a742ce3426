"""The base of every operator's options model, checked by ``pdpipe check``.

Each operator (a method of 152-FZ art. 13.1 and the 2025 Roskomnadzor order on
depersonalization methods, see legal.md) takes a small options model, defined next to the
operator in its own module; the registry (``pdpipe.operators.registry.OPERATORS``) maps a
name to the operator and so to its model.
Unknown options are errors so a typo cannot silently change what is done to personal data.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class OperatorOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
