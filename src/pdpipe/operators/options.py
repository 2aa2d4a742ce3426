"""Options of each depersonalization operator, checked by ``pdpipe check``.

Each operator (Roskomnadzor Order 996 / 152-FZ art. 13.1 methods, see legal.md) takes a
small options model; unknown options are errors so a typo cannot silently change what is
done to personal data.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class OperatorOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PseudonymOptions(OperatorOptions):
    """Keyed HMAC-SHA256 ("introducing identifiers"); the key never lives in the policy."""

    length: int = Field(default=32, ge=8, le=64, description="hex characters kept")
    prefix: str = ""


class PseudonymEmailOptions(OperatorOptions):
    """A pseudonym shaped as an email: ``u_<hex>@anon.invalid``."""

    length: int = Field(default=24, ge=8, le=64)
    domain: str = "anon.invalid"


class RedactOptions(OperatorOptions):
    """NULL, or ``token`` where the column does not accept NULL."""

    token: str = "[redacted]"


class MaskOptions(OperatorOptions):
    """Keep a few characters, replace the rest (``+7 *** *** ** 67``)."""

    keep_first: int = Field(default=0, ge=0)
    keep_last: int = Field(default=0, ge=0)
    char: str = Field(default="*", min_length=1, max_length=1)
    keep_separators: bool = True

    @model_validator(mode="after")
    def _keeps_something_hidden(self) -> MaskOptions:
        if self.keep_first + self.keep_last > 4:
            raise ValueError("keep_first + keep_last may be at most 4: a mask must hide the value")
        return self


class GeneralizeOptions(OperatorOptions):
    """Change of meaning: a timestamp to its month or year, a birth date to an age band."""

    to: Literal["month", "year", "age_band"] = "year"
    band_years: int = Field(default=10, ge=1, le=50)


class DistortOptions(OperatorOptions):
    """Bounded noise: numbers by up to ``max_relative``, dates by up to ``max_days``."""

    max_relative: float = Field(default=0.1, gt=0, le=1)
    max_days: int = Field(default=30, ge=1, le=3650)


class ShuffleOptions(OperatorOptions):
    """Mixing: values change places within the column over a batch."""


class FakeOptions(OperatorOptions):
    """A realistic, fake value; the same input gives the same fake (keyed hash)."""

    provider: str = Field(default="name", description="Faker provider method, e.g. last_name")
    locale: str = "ru_RU"


class DropKeyOptions(OperatorOptions):
    """Removes the key from a JSON column (only for ``column.path`` entries)."""


OPTIONS: dict[str, type[OperatorOptions]] = {
    "pseudonym": PseudonymOptions,
    "pseudonym_email": PseudonymEmailOptions,
    "redact": RedactOptions,
    "mask": MaskOptions,
    "generalize": GeneralizeOptions,
    "distort": DistortOptions,
    "shuffle": ShuffleOptions,
    "fake": FakeOptions,
    "drop_key": DropKeyOptions,
}
