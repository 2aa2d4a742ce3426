"""What every depersonalization operator is: a small class registered by name.

An operator turns a pandas Series of one column's values (or of the values at one path
inside a JSON column) into their depersonalized form, all at once. It passes NULL
through, keeps the column's type and length, and is deterministic for a given secret
and input: a batch replayed after a crash must write exactly what the first attempt
would have written.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from enum import StrEnum
from typing import ClassVar, Generic, TypeVar

import pandas as pd

from pdpipe.errors import BadInput
from pdpipe.operators.options import OperatorOptions


class OperatorError(BadInput):
    """An operator cannot be applied to a column as configured (type, length, key)."""


class Method(StrEnum):
    """The depersonalization methods the law names (152-FZ art. 13.1 and, since
    2025-09-01, the Roskomnadzor order on depersonalization methods: No. 140 per a
    secondary source, UNVERIFIED; it replaced Order No. 996 of 05.09.2013): each operator
    declares its own, and the depersonalization record says it."""

    IDENTIFIERS = "identifiers"  # introducing identifiers, the lookup key kept apart
    COMPOSITION = "composition"  # changing composition or meaning
    DISTORTION = "distortion"
    DECOMPOSITION = "decomposition"
    MIXING = "mixing"
    DELETION = "deletion"


class _RemoveKey:
    """Marks a JSON key to delete (what ``drop_key`` returns)."""

    _instance: ClassVar[_RemoveKey | None] = None

    def __new__(cls) -> _RemoveKey:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "REMOVE_KEY"


REMOVE_KEY = _RemoveKey()

KINDS = frozenset({"text", "integer", "float", "datetime", "date", "json_value", "other"})
"""Every column kind a ColumnInfo may carry."""


@dataclass(frozen=True)
class ColumnInfo:
    """What an operator may rely on about the column it writes."""

    table: str
    name: str  # "email", or "attribs.phone" for a path inside a JSON column
    kind: str  # "text", "integer", "float", "datetime", "date", "json_value", "other"
    max_length: int | None = None
    nullable: bool = True

    @property
    def is_json_path(self) -> bool:
        return self.kind == "json_value"

    @property
    def label(self) -> str:
        """``table.column`` (or ``table.column.key``), as error messages name it."""
        return f"{self.table}.{self.name}"


@dataclass(frozen=True)
class OperatorContext:
    column: ColumnInfo
    # The pseudonym key; b"" when the policy names none. Out of the repr: a context shows
    # up in tracebacks and logs.
    secret: bytes = field(repr=False)


O = TypeVar("O", bound=OperatorOptions)  # noqa: E741  (the options type)


class Operator(ABC, Generic[O]):
    name: ClassVar[str]
    method: ClassVar[Method]
    options_model: ClassVar[type[OperatorOptions]]
    needs_secret: ClassVar[bool] = False
    kinds: ClassVar[frozenset[str]] = frozenset()  # the column kinds it can write
    keeps_distinct: ClassVar[bool] = False  # distinct values stay distinct (a keyed hash)

    def __init__(self, options: O) -> None:
        self.options = options

    def may_write_unique(self, column: ColumnInfo) -> bool:
        """Whether it can write a column with a unique index: only if no two records can
        end up with the same value, or the index would refuse the batch mid-run."""
        return self.keeps_distinct

    def check(self, context: OperatorContext) -> None:
        """Refuses a column kind the operator cannot write, or a missing secret."""
        column = context.column
        if column.kind not in self.kinds:
            raise OperatorError(
                f"{column.label}: operator '{self.name}' cannot be applied to "
                f"{column.kind} columns (it handles: {', '.join(sorted(self.kinds))})"
            )
        if self.needs_secret and not context.secret:
            raise OperatorError(
                f"{column.label}: operator '{self.name}' needs a secret key: "
                "set the pseudonym key (policy secrets.pseudonym_key)"
            )

    @abstractmethod
    def apply(self, values: pd.Series, context: OperatorContext) -> pd.Series:
        """The depersonalized values, same index; NULL stays NULL unless the column
        forbids it."""
