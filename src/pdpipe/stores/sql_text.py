"""Reading the few SQL expressions a catalog hands back: CHECK constraints, and the
expressions of indexes and generated columns.

Not a SQL parser. It reads `col IN (...)`, `col = value` and PostgreSQL's rendering of
them (`col::text = ANY (ARRAY['a'::text, ...])`), joined by OR, with `col IS NULL` allowed
among them; and which names and quoted texts an expression mentions. Whatever else a
constraint says is "not understood" (None), and the check that needed it is not made:
a wrong reading would refuse a good policy.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

Token = tuple[str, str]  # (kind, text): kind is str, num, name, cast or op
Value = str | Decimal

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
    | (?P<str>'(?:[^']|'')*')
    | (?P<qname>"(?:[^"]|"")*"|`(?:[^`]|``)*`)
    | (?P<num>\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)
    | (?P<name>[A-Za-z_][A-Za-z0-9_$]*)
    | (?P<cast>::)
    | (?P<op><>|!=|<=|>=|\|\||.)
    """,
    re.VERBOSE | re.DOTALL,
)
# Words that end a type name after `::` (PostgreSQL writes `'a'::character varying OR`).
_KEYWORDS = frozenset(
    {"or", "and", "in", "is", "not", "any", "all", "array", "null", "like", "between"}
)
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*")
# A string's character set or escape prefix: MariaDB's _utf8mb4'a', PostgreSQL's E'a'.
_INTRODUCER = re.compile(r"_[A-Za-z0-9]+|[EeNn]")


def tokens(text: str) -> list[Token] | None:
    """The expression's tokens, casts removed (`x::text` is `x`); None for a text with a
    backslash, which MariaDB reads as an escape and PostgreSQL does not."""
    if "\\" in text:
        return None
    found: list[Token] = []
    end = -1  # where the last token ended
    for match in _TOKEN.finditer(text):
        kind = str(match.lastgroup)
        value = match[0]
        if kind == "space":
            continue
        if kind == "str":
            prefix = found[-1] if found and match.start() == end else None
            if prefix and prefix[0] == "name" and _INTRODUCER.fullmatch(prefix[1]):
                found.pop()  # written together: a prefix of the string, not a name
            value = value[1:-1].replace("''", "'")
        elif kind == "qname":
            kind, value = "name", value[1:-1].replace(value[0] * 2, value[0])
        end = match.end()
        found.append((kind, value))
    return _without_casts(found)


def _without_casts(found: list[Token]) -> list[Token]:
    kept: list[Token] = []
    index = 0
    while index < len(found):
        if found[index][0] != "cast":
            kept.append(found[index])
            index += 1
            continue
        index += 1
        # The type: its words (`character varying`), then `(20)`, `(10,2)`, `[]`.
        while (
            index < len(found)
            and found[index][0] == "name"
            and found[index][1].lower() not in _KEYWORDS
        ):
            index += 1
        while True:
            if found[index : index + 2] == [("op", "["), ("op", "]")]:
                index += 2
            elif (size := _type_size(found, index)) is not None:
                index += size
            else:
                break
    return kept


def _type_size(found: list[Token], index: int) -> int | None:
    """The length of `(20)` or `(10,2)` at `index`, if that is what is there."""
    for size, shape in ((3, ("(", "num", ")")), (5, ("(", "num", ",", "num", ")"))):
        part = found[index : index + size]
        if len(part) == size and all(
            kind == want if want == "num" else (kind, text) == ("op", want)
            for (kind, text), want in zip(part, shape, strict=True)
        ):
            return size
    return None


def names(text: str) -> set[str]:
    """The names an expression mentions (columns and functions alike), lower-cased. For
    a text it cannot read, every word in it: more, never fewer."""
    found = tokens(text)
    if found is None:
        return {word.lower() for word in _WORD.findall(text)}
    return {value.lower() for kind, value in found if kind == "name"}


def quoted(text: str) -> set[str]:
    """The quoted texts an expression holds: `attribs ->> 'phone'` holds phone."""
    return {value for kind, value in tokens(text) or [] if kind == "str"}


def allowed_values(text: str, column: str) -> tuple[Value, ...] | None:
    """The values a CHECK constraint's `text` lets `column` hold, when it is only a list
    of them (`col IN (...)`, `col = v`, joined by OR, `col IS NULL` allowed); else None."""
    found = tokens(text)
    if found is None:
        return None
    flat = [t for t in found if t not in (("op", "("), ("op", ")"), ("op", "["), ("op", "]"))]
    terms: list[list[Token]] = [[]]
    for token in flat:
        if token[0] == "name" and token[1].lower() == "or":
            terms.append([])
        else:
            terms[-1].append(token)
    values: list[Value] = []
    for term in terms:
        read = _term(term, column.lower())
        if read is None:
            return None
        values += [v for v in read if v not in values]
    return tuple(values) if values else None


def _term(term: list[Token], column: str) -> list[Value] | None:
    """One OR-ed part: its values, [] for `col IS NULL`, None when not understood."""

    def is_column(token: Token) -> bool:
        return token[0] == "name" and token[1].lower() == column

    def word(token: Token, text: str) -> bool:
        return token[0] == "name" and token[1].lower() == text

    if len(term) < 2 or not is_column(term[0]):
        if len(term) >= 3 and is_column(term[-1]) and term[-2] == ("op", "="):
            return _literals(term[:-2], single=True)  # 'a' = col
        return None
    rest = term[1:]
    if len(rest) == 2 and word(rest[0], "is") and word(rest[1], "null"):
        return []
    if word(rest[0], "in"):
        return _literals(rest[1:], single=False)
    if rest[0] == ("op", "="):
        if len(rest) > 2 and word(rest[1], "any") and word(rest[2], "array"):
            return _literals(rest[3:], single=False)
        return _literals(rest[1:], single=True)
    return None


def _literals(part: list[Token], *, single: bool) -> list[Value] | None:
    """`'a', 'b', -3` as values; None if anything else is there."""
    values: list[Value] = []
    index = 0
    while index < len(part):
        negative = part[index] == ("op", "-")
        index += negative
        if index >= len(part):
            return None
        kind, text = part[index]
        if kind == "str" and not negative:
            values.append(text)
        elif kind == "num":
            try:
                values.append(-Decimal(text) if negative else Decimal(text))
            except InvalidOperation:
                return None
        else:
            return None
        index += 1
        if index < len(part):
            if part[index] != ("op", ",") or single:
                return None
            index += 1
            if index == len(part):
                return None
    return values or None
