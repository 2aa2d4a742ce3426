"""``fake``: distortion by a realistic, made-up value (Faker), keyed per value."""

from __future__ import annotations

import inspect
import threading
from functools import cache
from typing import Any

import pandas as pd
from pydantic import Field, model_validator

from pdpipe.operators._values import TEXT_KINDS, keyed_digest, map_present, normalized
from pdpipe.operators.base import Method, Operator, OperatorContext, OperatorError
from pdpipe.operators.options import OperatorOptions
from pdpipe.operators.registry import register

_PURPOSE = b"pdpipe.fake\x00"
_DRAWS = 10  # fakes drawn per value before giving up on one that differs from it
# date_time depends on today's date (a replay after midnight would differ); misc and
# python make bytes, archives and structures, nothing that stands in for personal data.
_UNOFFERED = ("faker.providers.date_time", "faker.providers.misc", "faker.providers.python")
_EXAMPLES = ("name", "last_name", "first_name", "email", "phone_number", "address", "city")


class FakeOptions(OperatorOptions):
    """A realistic, fake value; the same input gives the same fake (keyed hash)."""

    provider: str = Field(default="name", description="Faker provider method, e.g. last_name")
    locale: str = "ru_RU"

    @model_validator(mode="after")
    def _known_provider(self) -> FakeOptions:
        problem = provider_problem(self.locale, self.provider)
        if problem:
            raise ValueError(problem)
        return self


@cache
def _generator(locale: str) -> Any:
    """One Faker generator per locale for the whole process (they are slow to make)."""
    from faker import Factory  # imported on first use: `pdpipe check` stays quick

    return Factory.create(locale)


@cache
def _lock(locale: str) -> threading.Lock:
    return threading.Lock()


@cache
def _providers(locale: str) -> frozenset[str]:
    """The Faker methods of a locale that make a value with no arguments, except those of
    the groups in ``_UNOFFERED``."""
    from faker.providers import BaseProvider

    generic = set(dir(BaseProvider))
    names: set[str] = set()
    for provider in _generator(locale).providers:
        if type(provider).__module__.startswith(_UNOFFERED):
            continue
        for name in dir(type(provider)):
            if name.startswith("_") or name in generic:
                continue
            method = getattr(provider, name)
            if callable(method) and _takes_no_arguments(method):
                names.add(name)
    return frozenset(names)


def _takes_no_arguments(method: Any) -> bool:
    try:
        parameters = inspect.signature(method).parameters.values()
    except (TypeError, ValueError):
        return False
    return all(
        p.default is not p.empty or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in parameters
    )


def provider_problem(locale: str, provider: str) -> str | None:
    """Why ``provider`` cannot make fakes in ``locale``, or None."""
    from faker.config import AVAILABLE_LOCALES

    if locale not in AVAILABLE_LOCALES:
        return f"unknown Faker locale '{locale}' (e.g. ru_RU, en_US)"
    known = _providers(locale)
    if provider not in known:
        examples = ", ".join(name for name in _EXAMPLES if name in known)
        return f"unknown Faker provider '{provider}' for locale '{locale}' (e.g. {examples})"
    return None


@register
class Fake(Operator[FakeOptions]):
    """Each value becomes a realistic fake from Faker ``locale``'s ``provider`` (e.g.
    ``last_name``), written as text and cut to the column's max_length.

    The Faker generator is seeded per value with HMAC(pseudonym key, normalized value), so
    the same person gets the same fake in every table, batch and replay (with the same
    Faker version). A fake equal to the value (or, for values of 4 characters or more,
    containing it) is drawn again; after 10 such draws the column is refused. Providers
    of Faker's date_time group (relative to today, so not replayable), misc and python
    groups are not offered. A blank
    value becomes "". One
    generator per locale is shared by the process and used under a lock.
    """

    name = "fake"
    method = Method.DISTORTION
    options_model = FakeOptions
    needs_secret = True
    kinds = TEXT_KINDS

    def __init__(self, options: FakeOptions) -> None:
        super().__init__(options)
        problem = provider_problem(options.locale, options.provider)
        if problem:
            raise OperatorError(f"operator 'fake': {problem}")

    def apply(self, values: pd.Series, context: OperatorContext) -> pd.Series:
        self.check(context)
        locale, provider = self.options.locale, self.options.provider
        generator = _generator(locale)
        make = getattr(generator, provider)
        limit = context.column.max_length
        secret = context.secret
        cache: dict[str, str] = {}

        def one(value: object) -> str:
            text = normalized(value)
            if not text:
                return ""  # blank identifies no one: no invented person either
            found = cache.get(text)
            if found is None:
                found = cache[text] = draw(text)
            return found

        def draw(text: str) -> str:
            seed = int.from_bytes(keyed_digest(secret, text, _PURPOSE)[:16], "big")
            generator.seed_instance(seed)
            folded = text.casefold()
            for _ in range(_DRAWS):
                fake = str(make())[:limit]
                got = fake.casefold()
                if got != folded and not (len(folded) >= 4 and folded in got):
                    return fake
            raise OperatorError(
                f"{context.column.label}: operator 'fake' with provider '{provider}' kept "
                "drawing the original value: use a provider with more variety"
            )

        with _lock(locale):
            return map_present(values, one)
