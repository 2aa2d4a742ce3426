"""The new values an update request proposes, read from `label: value` lines of its body.

    New email: ivan@example.org          Новая фамилия: Иванова
    Phone: +7 916 000-00-00              Телефон: 8 (916) 000-00-00

Labels map to the policy's PD categories; a value is only ever proposed, shown for
approval, and applied by `pdpipe requests approve`.
"""

from __future__ import annotations

import re

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


def proposed_values(body: str) -> dict[str, str]:
    """Category -> proposed value; the first line for a category wins."""
    found: dict[str, str] = {}
    for match in _LINE.finditer(body):
        category = _category(match["label"])
        if category is not None and category not in found:
            found[category] = match["value"].strip()
    return found
