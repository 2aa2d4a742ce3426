"""The new values an update request proposes, read from its body.

First from `label: value` lines, the form the seed policy's clause 8.3 asks for:

    New email: ivan@example.org          Новая фамилия: Иванова
    Phone: +7 916 000-00-00              Телефон: 8 (916) 000-00-00

then, for a category no such line gave, from the wording people actually use (RU and EN):

    Please update my phone: +7 701 123 45 67     изменить мою фамилию на Петрова
    my new email is x@y.example                  новый номер телефона 8 (701) 123-45-67
    change my phone from +7 … to +7 …            фамилия изменилась на Петрова

A clause counts when it says a change (update, change, new, now, изменить, новый, …), is
not negated ("do not change", «не меняйте»), and its value follows the mention of the
category: a phone number as `phonenumbers` finds one (region of the operator's profile),
an address, or a capitalized name. Where a clause names an old and a new value ("from …
to …", «с … на …») the one after the last "to"/«на» is proposed; a mention qualified as
old ("my old email …", «прежняя фамилия …») proposes nothing. Values are proposed as
written — a person approves them (`pdpipe requests approve`), and a Russian surname
written in another case («на Петрову») is theirs to correct — and go only into the
register, encrypted.
"""

from __future__ import annotations

import re

import phonenumbers

_LABELS: dict[str, tuple[str, ...]] = {
    "email": ("e-mail", "email", "mail", "адрес электронной почты", "электронная почта", "почта"),
    "phone": ("phone number", "phone", "telephone", "mobile", "номер телефона", "телефон"),
    "last_name": ("last name", "surname", "family name", "фамилия"),
    "first_name": ("first name", "given name", "имя"),
    "patronymic": ("patronymic", "middle name", "отчество"),
}
_QUALIFIERS = r"(?:new|correct|updated|новая|новый|новое|правильная|правильный|правильное)?\s*"
_LINE = re.compile(
    r"^\s*" + _QUALIFIERS + r"(?P<label>[^:：\n]{2,40}?)\s*[:：]\s*(?P<value>\S[^\n]{0,200}?)\s*$",
    re.IGNORECASE | re.MULTILINE,
)


def _category(label: str) -> str | None:
    label = re.sub(r"\s+", " ", label.strip().casefold().replace("ё", "е"))
    for category, names in _LABELS.items():
        if label in names:
            return category
    return None


def _labelled(body: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for match in _LINE.finditer(body):
        category = _category(match["label"])
        if category is not None and category not in found:
            found[category] = match["value"].strip()
    return found


# --- natural wording -------------------------------------------------------------------

# Mentions of each category, Russian ones in the cases a sentence puts them in. Read on
# casefolded text with ё as е.
_MENTIONS: dict[str, str] = {
    "phone": r"(?:(?:mobile|cell|contact)\s+)?(?:tele)?phone(?:\s+number)?|mobile(?:\s+number)?"
    r"|(?:номер(?:а|ом|у)?\s+)?(?:(?:мобильного|контактного|сотового)\s+)?телефон(?:а|ом|у)?"
    r"|мобильн(?:ый|ого|ому)\s+номер(?:а|ом|у)?",
    "email": r"e-?mail(?:\s+address)?|(?:mail|email)\s+address"
    r"|(?:адрес(?:а|ом|у)?\s+)?электронн(?:ой|ая|ую)\s+почт(?:ы|а|у|ой)"
    r"|(?:адрес(?:а|ом|у)?\s+)?почт(?:ы|а|у|ой)|имейл|емейл|e-?mail-?адрес",
    "last_name": r"last\s+name|surname|family\s+name|фамили(?:я|ю|и|ей)",
    "first_name": r"first\s+name|given\s+name|им(?:я|ени|енем)",
    "patronymic": r"patronymic|middle\s+name|отчеств(?:о|а|ом|у)",
}
_MENTION = re.compile(
    "|".join(rf"(?<!\w)(?P<{name}>{pattern})(?!\w)" for name, pattern in _MENTIONS.items())
)
_CHANGE = re.compile(
    r"(?<!\w)(?:update|updated|change|changed|correct|corrected|new|now|replace|replaced"
    r"|измен|обнов|поменя|смен|нов(?:ый|ая|ое|ую|ого|ой|ым)(?!\w)|исправ|теперь|замен)"
)
_NEGATED = re.compile(r"(?<!\w)(?:not|don't|dont|never|не|нельзя)(?!\w)")
_OLD = re.compile(
    r"(?<!\w)(?:old|previous|former|current|стар(?:ый|ая|ое|ую|ого|ой)"
    r"|прежн(?:ий|яя|ее|юю|его|ей)|текущ(?:ий|ая|ее|ую|его|ей))\s+(?:\w+\s+){0,2}$"
)
_TO = re.compile(r"(?<!\w)(?:to|на)(?!\w)")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_UPPER, _LOWER = "A-ZА-ЯЁӘҒҚҢӨҰҮҺІ", "a-zа-яёәғқңөұүһі"  # Kazakh letters too
_WORD = rf"[{_UPPER}](?:[{_LOWER}]+|'[{_UPPER}]?[{_LOWER}]+)+"  # Petrova, O'Brien
_NAME = re.compile(
    r"^[\s:：—–-]*(?:(?:to|is|now|will\s+be|на|теперь|будет)(?!\w)[\s:：—–-]*)*"
    rf"(?P<name>{_WORD}(?:-{_WORD})?)(?!\w)"
)
_CLAUSES = re.compile(r"(?<=[.!?])\s+|[;\n]")
_MAX_CLAUSE = 400  # characters: a longer "clause" is not a sentence someone wrote


def _folded(text: str) -> str:
    """Casefolded with ё as е, of the same length (so that indices hold in the original)."""
    folded = text.casefold().replace("ё", "е")
    return folded if len(folded) == len(text) else text.lower().replace("ё", "е")


def _phone(segment: str, region: str | None) -> list[str]:
    leniency = phonenumbers.Leniency.POSSIBLE
    return [
        match.raw_string.strip()
        for match in phonenumbers.PhoneNumberMatcher(segment, region, leniency=leniency)
    ]


def _values(category: str, segment: str, region: str | None) -> list[str]:
    if category == "phone":
        return _phone(segment, region)
    if category == "email":
        return _EMAIL.findall(segment)
    found = _NAME.match(segment)
    return [found["name"]] if found else []


def _value(category: str, segment: str, region: str | None) -> str | None:
    """The value a segment after a mention proposes: after its last "to"/«на» when there is
    one followed by a value (from … to …), else its first."""
    folded = _folded(segment)
    for to in reversed(list(_TO.finditer(folded))):
        after = _values(category, segment[to.start() :], region)
        if after:
            return after[0]
    values = _values(category, segment, region)
    return values[0] if values else None


def _worded(body: str, region: str | None) -> dict[str, str]:
    found: dict[str, str] = {}
    for line in body.splitlines():
        if line.lstrip().startswith(">"):  # quoted mail: someone else's words, or old ones
            continue
        for clause in _CLAUSES.split(line):
            if not clause or len(clause) > _MAX_CLAUSE:
                continue
            folded = _folded(clause)
            if not _CHANGE.search(folded) or _NEGATED.search(folded):
                continue
            mentions = list(_MENTION.finditer(folded))
            for index, mention in enumerate(mentions):
                category = str(mention.lastgroup)
                if category in found or _OLD.search(folded[: mention.start()]):
                    continue
                end = mentions[index + 1].start() if index + 1 < len(mentions) else len(clause)
                value = _value(category, clause[mention.end() : end], region)
                if value is not None:
                    found[category] = value
    return found


def proposed_values(body: str, region: str | None = "RU") -> dict[str, str]:
    """Category -> proposed value: `label: value` lines first (the first line for a
    category wins), then natural wording for the categories they did not give. `region`
    reads national phone numbers (8 (701) …): the operator's country; None for
    international (+…) numbers only."""
    found = _labelled(body)
    for category, value in _worded(body, region).items():
        found.setdefault(category, value)
    return found
