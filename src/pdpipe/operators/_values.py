"""What the operators share: NULL handling, the text that identifies a value, keyed hashes.

Private to the package. Every keyed hash is HMAC-SHA256 with the pseudonym key, over a
purpose tag (so one operator's hash says nothing about another's) and the normalized text
of the value.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from pdpipe.operators.base import OperatorContext, OperatorError

TEXT_KINDS = frozenset({"text", "json_value"})
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def normalized(value: object) -> str:
    """The text that identifies a value, the same in every table and store.

    ``str(value).strip()``; an email is lower-cased (``Ivan@Mail.ru`` is ``ivan@mail.ru``);
    a float that holds an integer is written as one (``42.0`` is ``42``, as an integer
    column read with NULLs comes back as floats).
    """
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    if _EMAIL.fullmatch(text):
        return text.lower()
    return text


def _encoded(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


def keyed_digest(secret: bytes, text: str, purpose: bytes = b"") -> bytes:
    """HMAC-SHA256(secret, purpose + text): 32 bytes."""
    return hmac.digest(secret, purpose + _encoded(text), hashlib.sha256)


def keyed_fractions(secret: bytes, texts: Iterable[str], purpose: bytes) -> npt.NDArray[np.uint64]:
    """The first 8 bytes of each text's keyed digest, as unsigned 64-bit integers."""
    heads = b"".join(keyed_digest(secret, text, purpose)[:8] for text in texts)
    return np.frombuffer(heads, dtype=">u8").astype(np.uint64)


def present(values: pd.Series) -> npt.NDArray[np.bool_]:
    """True where a value is not NULL (None, NaN, NaT, pd.NA)."""
    return values.notna().to_numpy(dtype=bool)


def object_series(
    values: pd.Series, results: Sequence[object], where: npt.NDArray[np.bool_]
) -> pd.Series:
    """An object Series on the index of ``values``: ``results`` where ``where``, else None."""
    out = np.full(len(values), None, dtype=object)
    out[where] = np.fromiter(results, dtype=object, count=len(results))
    return pd.Series(out, index=values.index, dtype=object)


def map_present(values: pd.Series, one: Callable[[Any], object]) -> pd.Series:
    """``one`` applied to each non-NULL value (an object Series); NULL stays None."""
    where = present(values)
    raw = values.to_numpy(dtype=object)[where]
    return object_series(values, [one(value) for value in raw], where)


def nulls_like(values: pd.Series) -> pd.Series:
    """All NULL, in the dtype of ``values`` where it can hold NULL (else object None)."""
    dtype = values.dtype
    if not isinstance(dtype, np.dtype) or dtype.kind in "fmM":
        return pd.Series(index=values.index, dtype=dtype)
    return pd.Series([None] * len(values), index=values.index, dtype=object)


def fitted(token: str, context: OperatorContext) -> str:
    """``token`` cut to the column's max_length."""
    limit = context.column.max_length
    return token if limit is None else token[:limit]


def hex_length(context: OperatorContext, operator: str, wanted: int, fixed: str) -> int:
    """How many hex characters fit next to ``fixed`` (prefix, domain): ``wanted``, or
    fewer down to 8 when the column is too short."""
    limit = context.column.max_length
    if limit is None or len(fixed) + wanted <= limit:
        return wanted
    if limit - len(fixed) >= 8:
        return limit - len(fixed)
    raise OperatorError(
        f"{context.column.label}: operator '{operator}' needs at least {len(fixed) + 8} "
        f"characters (8 hex characters and {len(fixed)} more), but the column holds "
        f"{limit}: widen the column or shorten the prefix/domain"
    )


def check_fits(results: Iterable[object], context: OperatorContext, operator: str) -> None:
    """Refuses results longer than the column's max_length (for values that must not be
    cut, such as dates and bands)."""
    limit = context.column.max_length
    if limit is None:
        return
    longest = max((len(r) for r in results if isinstance(r, str)), default=0)
    if longest > limit:
        raise OperatorError(
            f"{context.column.label}: operator '{operator}' writes values of up to "
            f"{longest} characters, but the column holds {limit}"
        )
