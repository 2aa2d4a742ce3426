"""Operators by name: ``@register`` fills ``OPERATORS``; ``build_operator`` makes one.

Importing ``pdpipe.operators`` imports every operator module, so the registry is full
whenever anything from the package is used. A new operator is one module with one
``@register``-ed class, and one test file in ``tests/operators/``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from pdpipe.operators.base import Method, Operator, OperatorError

OPERATORS: dict[str, type[Operator[Any]]] = {}

T = TypeVar("T", bound=type[Operator[Any]])


def register(cls: T) -> T:
    """Adds an operator class under its ``name``; a name already taken is refused."""
    name = getattr(cls, "name", None)
    if not isinstance(name, str) or not name:
        raise TypeError(f"{cls.__qualname__} has no operator name")
    if not isinstance(getattr(cls, "method", None), Method):
        raise TypeError(f"operator '{name}' ({cls.__qualname__}) names no depersonalization method")
    if not isinstance(getattr(cls, "options_model", None), type):
        raise TypeError(f"operator '{name}' ({cls.__qualname__}) has no options model")
    taken = OPERATORS.get(name)
    if taken is not None:
        raise ValueError(
            f"operator '{name}' is already registered by {taken.__module__}.{taken.__qualname__}"
        )
    OPERATORS[name] = cls
    return cls


def known_names() -> str:
    return ", ".join(sorted(OPERATORS))


def build_operator(name: str, options: Mapping[str, Any] | None = None) -> Operator[Any]:
    """The operator ``name`` with its options validated by its options model."""
    cls = OPERATORS.get(name)
    if cls is None:
        raise OperatorError(f"unknown operator '{name}' (known: {known_names()})")
    try:
        validated = cls.options_model.model_validate(dict(options or {}))
    except ValidationError as exc:
        problems = "; ".join(_problem(error) for error in exc.errors())
        raise OperatorError(f"options of operator '{name}': {problems}") from exc
    return cls(validated)


def _problem(error: ErrorDetails) -> str:
    message = str(error["msg"]).removeprefix("Value error, ")
    where = ".".join(str(part) for part in error["loc"])
    return f"{where}: {message}" if where else message
