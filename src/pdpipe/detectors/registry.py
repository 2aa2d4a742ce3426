"""Detectors by name: ``@register`` fills ``DETECTORS``; ``detector`` finds one.

Importing ``pdpipe.detectors`` imports every detector module, so the registry is full
whenever anything from the package is used. A new detector is one module with one
``@register``-ed class, and one test file in ``tests/detectors/``.
"""

from __future__ import annotations

from typing import TypeVar

from pdpipe.detectors.base import Category, Detector, DetectorError

DETECTORS: dict[str, Detector] = {}

T = TypeVar("T", bound=type[Detector])


def register(cls: T) -> T:
    """Adds one instance of a detector class under its ``name``; a name taken is refused."""
    name = getattr(cls, "name", None)
    if not isinstance(name, str) or not name:
        raise TypeError(f"{cls.__qualname__} has no detector name")
    if not isinstance(getattr(cls, "category", None), Category):
        raise TypeError(f"detector '{name}' ({cls.__qualname__}) names no category")
    taken = DETECTORS.get(name)
    if taken is not None:
        raise ValueError(f"detector '{name}' is already registered by {type(taken).__qualname__}")
    DETECTORS[name] = cls()
    return cls


def known_names() -> str:
    return ", ".join(sorted(DETECTORS))


def detector(name: str) -> Detector:
    """The detector called ``name`` (its category's value, e.g. ``"phone"``)."""
    found = DETECTORS.get(name)
    if found is None:
        raise DetectorError(f"unknown detector '{name}' (known: {known_names()})")
    return found


def for_category(category: Category | str) -> list[Detector]:
    """Every detector of a category; an unknown category is refused with the valid ones."""
    try:
        wanted = Category(category)
    except ValueError:
        valid = ", ".join(c.value for c in Category)
        raise DetectorError(f"unknown PD category '{category}' (known: {valid})") from None
    return [d for d in DETECTORS.values() if d.category is wanted]
