"""Depersonalization operators, registered by name.

Importing this package imports every operator module, so ``OPERATORS`` holds them all.
``build_operator("mask", {"keep_last": 2})`` makes one from a policy entry; its
``apply(values, context)`` turns a Series of one column's values into their
depersonalized form.
"""

from pdpipe.operators.base import (
    KINDS,
    REMOVE_KEY,
    ColumnInfo,
    Method,
    Operator,
    OperatorContext,
    OperatorError,
)
from pdpipe.operators.distort import Distort, DistortOptions
from pdpipe.operators.drop_key import DropKey, DropKeyOptions
from pdpipe.operators.fake import Fake, FakeOptions
from pdpipe.operators.generalize import Generalize, GeneralizeOptions
from pdpipe.operators.mask import Mask, MaskOptions
from pdpipe.operators.options import OperatorOptions
from pdpipe.operators.pseudonym import Pseudonym, PseudonymOptions
from pdpipe.operators.pseudonym_email import PseudonymEmail, PseudonymEmailOptions
from pdpipe.operators.redact import Redact, RedactOptions
from pdpipe.operators.registry import OPERATORS, build_operator, register
from pdpipe.operators.scrub import Scrub, ScrubOptions
from pdpipe.operators.shuffle import Shuffle, ShuffleOptions

__all__ = [
    "KINDS",
    "OPERATORS",
    "REMOVE_KEY",
    "ColumnInfo",
    "Distort",
    "DistortOptions",
    "DropKey",
    "DropKeyOptions",
    "Fake",
    "FakeOptions",
    "Generalize",
    "GeneralizeOptions",
    "Mask",
    "MaskOptions",
    "Method",
    "Operator",
    "OperatorContext",
    "OperatorError",
    "OperatorOptions",
    "Pseudonym",
    "PseudonymEmail",
    "PseudonymEmailOptions",
    "PseudonymOptions",
    "Redact",
    "RedactOptions",
    "Scrub",
    "ScrubOptions",
    "Shuffle",
    "ShuffleOptions",
    "build_operator",
    "register",
]
