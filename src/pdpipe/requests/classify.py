"""What a message asks for: a subject's request type, from its subject line, else its body.

Pure functions over text already decoded (see mailbox.py). English and Russian, tolerant
of reply/forward prefixes, case, ё/е and runs of whitespace. A message that matches no
request type, or more than one in the same place, is not guessed at: it goes to review.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum


class RequestType(StrEnum):
    WITHDRAW_CONSENT = "withdraw_consent"
    UPDATE = "update"
    ACCESS = "access"
    BLOCK = "block"
    DESTROY = "destroy"
    CEASE = "cease"
    UNLAWFUL = "unlawful_processing"  # the data are processed unlawfully (152-FZ art. 21 p.3)


# Reply and forward markers mail clients put before a subject, English and Russian.
_PREFIX = re.compile(
    r"^\s*(?:re|fw|fwd|aw|wg|отв|ответ|пересл|переслать)\.?\s*(?:\[\d+\]|\(\d+\))?\s*[:：]\s*",
    re.IGNORECASE,
)

# Each type's phrases, in the order they are tried; the more specific first (a
# withdrawal of consent also says "processing of personal data").
_PHRASES: dict[RequestType, tuple[str, ...]] = {
    RequestType.WITHDRAW_CONSENT: (
        r"withdraw\w*\s+(?:of\s+|my\s+)?consent",
        r"consent\s+withdraw",
        r"revo(?:k\w*|cation\s+of)\s+(?:my\s+)?consent",
        r"consent\s+revo",
        r"(?:отзыв|отозва)\w*\s+(?:(?:мо|сво)\w+\s+)?согласи",
    ),
    RequestType.UPDATE: (
        r"personal\s+data\s+update",
        r"updat\w*\s+(?:of\s+)?(?:my\s+)?personal\s+data",
        r"correct\w*\s+(?:of\s+)?(?:my\s+)?personal\s+data",
        r"(?:обновлени|изменени|уточнени|исправлени)\w*\s+(?:мо\w+\s+)?персональных\s+данных",
        r"(?:обновить|изменить|уточнить|исправить)\s+(?:мо\w+\s+)?персональн\w+\s+данн",
    ),
    RequestType.UNLAWFUL: (
        r"\b(?:unlawful|illegal)\w*\s+(?:the\s+)?processing",
        r"\b(?:unlawfully|illegally)\s+process",
        r"\bprocess\w*\s+(?:\w+\s+){0,4}?(?:unlawfully|illegally)\b",
        r"(?:неправомерн|незаконн)\w*\s+обработк",
        r"(?:неправомерно|незаконно)\s+обрабатыва",
        r"обрабатыва\w*\s+(?:\w+\s+){0,4}?(?:неправомерно|незаконно)",
    ),
    RequestType.CEASE: (
        r"(?:stop|cease)\w*\s+(?:the\s+)?processing",
        r"прекра\w+\s+обработк",
        r"прекращени\w+\s+обработк",
    ),
    RequestType.BLOCK: (
        r"\bblock\w*\s+(?:of\s+)?(?:my\s+)?(?:personal\s+)?data",
        # Blocking the DATA: "заблокирован аккаунт" or "разблокировать" is not a request.
        r"\b(?:за)?блокир\w*\s+(?:(?:мо|сво)\w+\s+)?(?:персональн\w+\s+)?данн",
    ),
    RequestType.DESTROY: (
        r"\b(?:delete|erase|destroy)\w*\s+(?:all\s+)?(?:of\s+)?(?:my\s+)?(?:personal\s+)?data",
        r"\b(?:deletion|erasure|destruction)\s+of\s+(?:my\s+)?(?:personal\s+)?data",
        r"right\s+to\s+(?:be\s+forgotten|erasure)",
        r"(?:уничтож|удал)\w*\s+(?:все\s+)?(?:мо\w+\s+)?(?:персональн\w+\s+)?данн",
    ),
    RequestType.ACCESS: (
        r"(?:subject\s+)?access\s+request",
        r"access\s+to\s+(?:my\s+)?(?:personal\s+)?data",
        r"what\s+(?:personal\s+)?data\s+(?:do\s+)?you\s+(?:hold|have|keep|process)",
        r"(?:запрос|предостав\w+)\s+(?:мне\s+)?(?:на\s+)?(?:доступ|сведени|информаци)",
        r"какие\s+(?:мои\s+)?персональные\s+данные",
        r"сведени\w+\s+об?\s+обработк",
    ),
}
_COMPILED = {
    kind: [re.compile(p, re.IGNORECASE) for p in phrases] for kind, phrases in _PHRASES.items()
}


@dataclass(frozen=True)
class Classification:
    """The type, or None (review); `basis` says where it was found, never the text."""

    type: RequestType | None
    basis: str


def normalize(text: str) -> str:
    """NFKC, case-folded, ё as е, whitespace runs as one space."""
    text = unicodedata.normalize("NFKC", text).casefold().replace("ё", "е")
    return re.sub(r"\s+", " ", text).strip()


def strip_prefixes(subject: str) -> str:
    """`Re: Fwd: Отв: X` -> `X` (any number of markers, any case)."""
    previous = None
    while previous != subject:
        previous, subject = subject, _PREFIX.sub("", subject, count=1)
    return subject


# A stronger demand covers the weaker ones said with it: withdrawing consent means the
# data are destroyed, and destroying them ends processing; unlawful processing is blocked
# and stopped ("stop the unlawful processing", "block my data: you process them unlawfully").
_COVERS = {
    RequestType.WITHDRAW_CONSENT: {RequestType.CEASE, RequestType.BLOCK, RequestType.DESTROY},
    RequestType.DESTROY: {RequestType.CEASE, RequestType.BLOCK},
    RequestType.UNLAWFUL: {RequestType.CEASE, RequestType.BLOCK},
}


def _types_in(text: str) -> list[RequestType]:
    found = [kind for kind, patterns in _COMPILED.items() if any(p.search(text) for p in patterns)]
    for strong, weaker in _COVERS.items():
        if strong in found and set(found) - {strong} <= weaker:
            return [strong]
    return found


def classify(subject: str, body: str) -> Classification:
    """The request type: the subject line decides when it names exactly one type; else
    the body, when it names exactly one; else review."""
    for place, text in (("subject", strip_prefixes(normalize(subject))), ("body", normalize(body))):
        found = _types_in(text)
        if len(found) == 1:
            return Classification(found[0], place)
        if len(found) > 1:
            return Classification(None, f"{place}: several request types")
    return Classification(None, "no request type found")
