"""``scrub``: change of composition inside free text (the PD in a note replaced, the rest
kept)."""

from __future__ import annotations

import pandas as pd
from pydantic import Field, field_validator

from pdpipe.operators._values import TEXT_KINDS, fitted, map_present
from pdpipe.operators.base import Method, Operator, OperatorContext
from pdpipe.operators.options import OperatorOptions
from pdpipe.operators.registry import register

# The detectors read a text in windows this long; consecutive windows overlap so that no
# piece of PD (an address, a name with its patronymic) is cut in two at a window's edge.
OVERLAP = 200


class ScrubOptions(OperatorOptions):
    """Which categories to replace (all the detectors know, by default), and how a
    replaced piece reads: ``{category}`` is its category (``[phone]``)."""

    categories: list[str] | None = Field(default=None, min_length=1)
    placeholder: str = Field(default="[{category}]", max_length=40)

    @field_validator("categories")
    @classmethod
    def _known(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        from pdpipe.detectors.base import Category

        known = {c.value for c in Category}
        unknown = sorted(set(value) - known)
        if unknown:
            raise ValueError(f"unknown PD categories {unknown} (known: {', '.join(sorted(known))})")
        return value

    @field_validator("placeholder")
    @classmethod
    def _formats(cls, value: str) -> str:
        try:
            value.format(category="phone")
        except (KeyError, IndexError, ValueError):
            raise ValueError("placeholder may use {category} and no other field") from None
        return value


def scrubbed(text: str, options: ScrubOptions) -> str:
    """``text`` with every piece of PD the detectors find replaced by its placeholder,
    whatever the text's length; the rest of the text as it was."""
    from pdpipe.detectors.text import find_spans
    from pdpipe.detectors.values import MAX_CHARS

    wanted = None if options.categories is None else set(options.categories)
    spans: list[tuple[int, int, str]] = []
    step = MAX_CHARS - OVERLAP
    for offset in range(0, max(len(text), 1), step):
        for span in find_spans(text[offset : offset + MAX_CHARS]):
            start, end = offset + span.start, offset + span.end
            if wanted is not None and span.category.value not in wanted:
                continue
            if spans and start < spans[-1][1]:  # found again where two windows overlap
                if end > spans[-1][1]:
                    spans[-1] = (spans[-1][0], end, spans[-1][2])
                continue
            spans.append((start, end, span.category.value))
        if offset + MAX_CHARS >= len(text):
            break
    pieces, last = [], 0
    for start, end, category in spans:
        pieces += [text[last:start], options.placeholder.format(category=category)]
        last = end
    pieces.append(text[last:])
    return "".join(pieces)


@register
class Scrub(Operator[ScrubOptions]):
    """Replaces the personal data inside a free-text value (e-mails, phones, names,
    checksummed numbers, passports, addresses, IP addresses, birth dates after a birth
    word: what ``pdpipe.detectors.text.find_spans`` finds) with a typed placeholder, and
    keeps the rest of the text: ``Перезвонить на +7 912 345-67-89`` becomes
    ``Перезвонить на [phone]``.

    Text without PD is left as it was; NULL stays NULL. A value the placeholders make
    longer than the column allows is cut to its length. What the detectors do not
    recognise stays: scrub is for notes whose PD is incidental; a column that is PD
    throughout wants redact.
    """

    name = "scrub"
    method = Method.COMPOSITION
    options_model = ScrubOptions
    kinds = TEXT_KINDS

    def apply(self, values: pd.Series, context: OperatorContext) -> pd.Series:
        self.check(context)
        return map_present(values, lambda v: fitted(scrubbed(str(v), self.options), context))
