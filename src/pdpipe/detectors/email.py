"""E-mail addresses: a local part, "@", a domain with a top-level part of letters.

Internationalized domains (почта.рф) and Cyrillic local parts count; "icon@2x.png" and
other file names with an "@" do not.
"""

from __future__ import annotations

import re

import pandas as pd

from pdpipe.detectors.base import Category, Detector, Evidence
from pdpipe.detectors.registry import register

# No nested ambiguity (each domain label ends at its dot), so matching stays linear.
_FILES = r"(?!(?:png|jpe?g|gif|svg|webp|pdf|js|css)\b)"  # "icon@2x.png" is a file
PATTERN = rf"[\w.%+'-]{{1,64}}@(?:[\w-]{{1,63}}\.){{1,8}}{_FILES}[^\W\d_]{{2,24}}"
EMAIL = re.compile(PATTERN)
# In free text: not glued to more address characters on either side.
IN_TEXT = re.compile(rf"(?<![\w.%+'@-]){PATTERN}(?![\w@-])")


@register
class Email(Detector):
    name = "email"
    category = Category.EMAIL
    evidence = Evidence.SHAPE
    name_words = frozenset({"email", "emails", "mail", "pochta", "eml", "emailaddress"})
    name_phrases = ("e mail",)
    max_length = 254  # RFC 5321's limit on a path

    def _match(self, texts: pd.Series, named: bool) -> pd.Series:
        return texts.str.fullmatch(EMAIL.pattern)
