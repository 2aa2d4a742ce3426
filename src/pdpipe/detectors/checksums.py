"""Check digits of the identifiers pdpipe detects, for one digit string each.

ИНН is python-stdnum's (``stdnum.ru.inn``); it has no СНИЛС or ИИН, so those two are
here, each with its source. Each function takes digits only and is cheap: detectors call
it once per distinct candidate value.
"""

from __future__ import annotations

from datetime import date


def inn_ok(digits: str) -> bool:
    """ИНН: 10 digits (an organization) or 12 (a person), check digits per the Federal
    Tax Service's algorithm, as python-stdnum implements it."""
    from stdnum.ru import inn  # lazy: only a scan needs it

    return len(digits) in (10, 12) and bool(inn.is_valid(digits))


def snils_ok(digits: str) -> bool:
    """СНИЛС: 9 digits and a 2-digit check number. Source: the Pension Fund's algorithm
    ("Алгоритм формирования контрольного числа Страхового номера", section 8 of its
    formats document, ConsultantPlus LAW_124607): each of the 9 digits times its position
    counted from the end (9..1), summed; below 100 the sum is the check number, 100 and
    101 give 00, above that the remainder mod 101 (100 again giving 00). Numbers up to
    001-001-998 carry no check number and are not accepted here."""
    if len(digits) != 11 or not digits.isdigit() or int(digits[:9]) <= 1001998:
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(9, 0, -1), strict=True))
    check = total % 101 if total > 101 else total
    return int(digits[9:]) == (0 if check == 100 or check == 101 else check)


_IIN_WEIGHTS = (tuple(range(1, 12)), (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2))


def iin_ok(digits: str, today: date | None = None) -> bool:
    """ИИН (Kazakhstan): YYMMDD of birth, a century-and-sex digit 1-6, four serial digits
    and a check digit. Source: the rules for forming ИИН/БИН, Government of Kazakhstan
    decree No. 565 of 11 June 2003 and its check-digit annex (adilet.zan.kz P070000406):
    digits 1-11 times weights 1..11, mod 11; a result of 10 is recomputed with weights
    3..11,1,2, and a second 10 means no valid number."""
    if len(digits) != 12 or not digits.isdigit():
        return False
    century = int(digits[6])
    if not 1 <= century <= 6:
        return False
    year = 1700 + 100 * ((century + 1) // 2) + int(digits[:2])  # 1-2: 1800s, 3-4: 1900s
    try:
        born = date(year, int(digits[2:4]), int(digits[4:6]))
    except ValueError:
        return False
    if born > (today or date.today()):
        return False
    for weights in _IIN_WEIGHTS:
        check = sum(int(d) * w for d, w in zip(digits[:11], weights, strict=True)) % 11
        if check != 10:
            return check == int(digits[11])
    return False


def luhn_ok(digits: str) -> bool:
    """The Luhn (mod 10) check of card numbers (ISO/IEC 7812-1)."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        d = ord(char) - 48
        if position % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


# Issuer prefixes (first digits) and the lengths their networks issue.
_ISSUERS: tuple[tuple[int, int, frozenset[int]], ...] = (
    (4, 4, frozenset({13, 16, 19})),  # Visa
    (51, 55, frozenset({16})),  # Mastercard
    (2221, 2720, frozenset({16})),  # Mastercard 2-series
    (2200, 2204, frozenset(range(16, 20))),  # Mir
    (34, 34, frozenset({15})),  # American Express
    (37, 37, frozenset({15})),
    (300, 305, frozenset(range(14, 20))),  # Diners Club
    (36, 36, frozenset(range(14, 20))),
    (38, 39, frozenset(range(16, 20))),
    (3528, 3589, frozenset(range(16, 20))),  # JCB
    (6011, 6011, frozenset(range(16, 20))),  # Discover
    (644, 649, frozenset(range(16, 20))),
    (65, 65, frozenset(range(16, 20))),
    (62, 62, frozenset(range(16, 20))),  # UnionPay
    (50, 50, frozenset(range(13, 20))),  # Maestro
    (56, 69, frozenset(range(13, 20))),
)


def card_issuer_ok(digits: str) -> bool:
    """Whether the number starts like a card of a known network, at a length it issues."""
    for low, high, lengths in _ISSUERS:
        width = len(str(low))
        if low <= int(digits[:width]) <= high and len(digits) in lengths:
            return True
    return False
