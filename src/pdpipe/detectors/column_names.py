"""What a column's name says: split into lower-case tokens, matched against a
category's words and phrases.

``customerEmail``, ``e_mail``, ``attribs.phone``, ``Data_Rozhdeniya`` all split the same
way, so one short word list per category covers snake_case, camelCase, JSON paths and
Russian transliteration.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_SEPARATORS = re.compile(r"[^0-9A-Za-zА-Яа-яЁё]+")

# A last (or first) token that makes the column describe the PD rather than hold it:
# email_verified, phone_count, has_phone, email_sent_at, card_type, passport_id.
_QUALIFIERS = frozenset(
    [
        "id",
        "ids",
        "uid",
        "uuid",
        "key",
        "fk",
        "count",
        "cnt",
        "qty",
        "total",
        "num_of",
        "flag",
        "type",
        "kind",
        "status",
        "state",
        "verified",
        "confirmed",
        "valid",
        "validated",
        "hash",
        "hashed",
        "sha",
        "md5",
        "len",
        "length",
        "domain",
        "template",
        "provider",
        "source",
        "sent",
        "at",
        "ts",
        "time",
        "updated",
        "created",
        "changed",
        "consent",
        "optin",
        "opt",
        "enabled",
        "allowed",
        "is",
        "has",
        "mask",
        "masked",
        "format",
        "country",
        "lang",
        "language",
        "region",
        "prefix",
        "bounced",
    ]
)
_LEADING_QUALIFIERS = frozenset({"is", "has", "can", "n", "count", "total", "num_of", "cnt"})


@lru_cache(maxsize=4096)
def tokens(column: str) -> tuple[str, ...]:
    """``"contacts.lastName"`` -> ("contacts", "last", "name")."""
    spaced = _CAMEL.sub(" ", column)
    return tuple(t.lower() for t in _SEPARATORS.split(spaced) if t)


def suggests(
    column: str, words: Iterable[str], phrases: Iterable[str], vetoes: Iterable[str] = ()
) -> bool:
    """Whether the column's own name (the last dotted part: a JSON key, or the column
    of ``table.column``) holds one of ``words`` or ``phrases``, and no veto."""
    own = column.rsplit(".", 1)[-1]
    found = tokens(own)
    if not found or found[-1] in _QUALIFIERS or found[0] in _LEADING_QUALIFIERS:
        return False
    if any(t in vetoes for t in found):
        return False
    if any(t in words for t in found):
        return True
    joined = " " + " ".join(found) + " "
    return any(f" {phrase} " in joined for phrase in phrases)
