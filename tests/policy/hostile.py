"""A corpus of hostile and broken policy files, each with what pdpipe must say about it.

Every case is a file that `pdpipe check` (and `pdpipe run`) must refuse with exit 2, naming
the file, the line where one is meaningful, and what was expected; quickly, in bounded
memory, quoting no password or secret. Most cases are the good policy (cases/good.yaml)
broken by one edit, so each reads as what is wrong with it; the rest are whole files:
bytes that are not text, YAML that is not a policy, and generated monsters (an alias bomb,
a 50 MB file, nesting 100,000 deep).
"""

from __future__ import annotations

import codecs
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from tests.policy.builders import GOOD, Edit, edited, line_of

# Planted where a password or a secret could be echoed; no output may contain them.
CANARY_PASSWORD = "Canary-Pw-Zq81x"
CANARY_SECRET = "Canary-Secret-Value-77Kp"
CANARY_KEY = "canary-key-in-the-environment-5Jd"
CANARIES = (CANARY_PASSWORD, CANARY_SECRET, CANARY_KEY)

URL = "${PDPIPE_MAILING_URL:-sqlite:///mailing.db}"
LAST_CHILD = "          - {table: campaign_views, fk: subscriber_id, on_destroy: set_null}\n"
EMAIL_COLUMN = "          email: {data: email, depersonalize: pseudonym_email}\n"
OTHER_COLUMNS = (
    "          name: {data: [last_name, first_name, patronymic], depersonalize: redact}\n"
    "          attribs.phone: {data: phone, depersonalize: {mask: {keep_last: 2}}}\n"
)
WORKS_WITH = (
    "pdpipe works with sqlite://, postgresql+psycopg://, mysql+mysqlconnector://, "
    "mariadb+mysqlconnector://, mysql+pymysql://, mariadb+pymysql://"
)
NOT_A_MAPPING = "expected a mapping with version, operator, purposes, stores"
ANCHORS = "YAML anchors (&name) and aliases (*name) are not allowed in a policy"
TOO_DEEP = "nested deeper than 64 levels of mappings and lists"
CONDITION_TOO_DEEP = "nested deeper than 16 levels of all, any, not, exists"
NOT_UTF8 = "cannot be read as UTF-8 (a Latin-1 or Windows-1251 file?): save the file as UTF-8"
TOO_LARGE = "a policy may be at most 1 MiB (1,048,576 bytes)"
SECRET_VALUE = "write where the secret lives (env:NAME or prefect:block-name), never its value"
NOT_ISO = "is not an ISO-8601 duration: write e.g. P3Y, P1Y6M, P90D or PT12H"

Content = str | bytes | Callable[[Path], None]


@dataclass(frozen=True)
class Hostile:
    """A policy file and what pdpipe must say of it.

    `line` is the line the message must name: a number, or a text found on that line
    only; None where no line means anything (the file is too large, or empty). `env` is
    set for the case (None: unset).
    """

    name: str
    content: Content
    expect: str
    line: int | str | None = None
    env: Mapping[str, str | None] = field(default_factory=dict)

    def write(self, path: Path) -> Path:
        if callable(self.content):
            self.content(path)
        elif isinstance(self.content, bytes):
            path.write_bytes(self.content)
        else:
            path.write_text(self.content, encoding="utf-8")
        return path

    @property
    def line_number(self) -> int | None:
        if isinstance(self.line, str):
            assert isinstance(self.content, str), self.name
            return line_of(self.content, self.line)
        return self.line


def edit(
    name: str, *edits: Edit, expect: str, at: str | int | None = None, **env: str | None
) -> Hostile:
    """The good policy broken by `edits`; `at` defaults to the last edit's new text."""
    text = edited(GOOD, *edits)
    if at is None and edits[-1][1].strip():
        at = edits[-1][1].strip().splitlines()[0]
    return Hostile(name, text, expect, at, env)


def with_top(name: str, block: str, *, expect: str, at: str | int | None = None) -> Hostile:
    """The good policy with `block` added at the top level, before `stores:`."""
    return edit(name, ("stores:\n", f"{block}\nstores:\n"), expect=expect, at=at or block)


def url(name: str, value: str, *, expect: str, **env: str | None) -> Hostile:
    return edit(name, (URL, value), expect=expect, at="url:", **env)


def condition(name: str, when: str, *, expect: str) -> Hostile:
    return edit(name, ("when: {status: blocklisted}", f"when: {when}"), expect=expect)


# -- generated files ---------------------------------------------------------------------


def alias_bomb(levels: int = 9, width: int = 9) -> str:
    """ "Billion laughs": `width ** levels` items once expanded, a few hundred bytes written."""
    lines = [f"l0: &l0 [{', '.join(['lol'] * width)}]"]
    lines += [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * width)}]" for i in range(1, levels)]
    return GOOD + "\n".join(lines) + f"\nbomb: *l{levels - 1}\n"


def quadratic_blowup() -> str:
    """One 100 kB string, referred to 5,000 times: 500 MB once expanded."""
    return GOOD + f"big: &big {'x' * 100_000}\nmany: [{', '.join(['*big'] * 5_000)}]\n"


def sized(size: int) -> Callable[[Path], None]:
    """A file of `size` bytes that starts as the good policy (sparse: the size is the point)."""

    def write(path: Path) -> None:
        with path.open("wb") as file:
            file.write(GOOD.encode())
            file.truncate(size)

    return write


def deep_nots(depth: int) -> str:
    when = "            when:\n" + "".join(f"{'  ' * (7 + i)}not:\n" for i in range(depth))
    when += f"{'  ' * (7 + depth)}status: blocklisted\n"
    return edited(GOOD, ("            when: {status: blocklisted}\n", when))


def garbage(seed: int, size: int = 4096) -> bytes:
    return random.Random(seed).randbytes(size)


# -- the corpus -----------------------------------------------------------------------------

CASES: list[Hostile] = [
    # Not text, or not UTF-8
    Hostile("empty_file", "", "the file is empty"),
    Hostile("only_comments", "# policy\n# to be written\n", "the file is empty"),
    Hostile("only_blank_lines", "\n\n   \n", "the file is empty"),
    Hostile("explicit_null_document", "~\n", "the file is empty"),
    Hostile("random_bytes", garbage(1), "not UTF-8: byte 0x", 1),
    Hostile("random_bytes_after_a_good_start", GOOD.encode() + garbage(2), "not UTF-8", 42),
    Hostile("nul_bytes", GOOD.replace("name: IPM", "name: I\x00PM"), "character U+0000", 3),
    Hostile("bell_character", GOOD.replace("contact:", "contact:\x07"), "character U+0007", 6),
    Hostile(
        "escape_sequence", GOOD.replace("name: IPM", "name: \x1b[31mIPM"), "character U+001B", 3
    ),
    Hostile(
        "latin1_file", GOOD.replace("name: IPM", "name: Société").encode("latin-1"), NOT_UTF8, 3
    ),
    Hostile("cp1251_file", GOOD.replace("name: IPM", "name: ИПМ").encode("cp1251"), NOT_UTF8, 3),
    Hostile("utf16_le_with_bom", GOOD.encode("utf-16"), "encoded as UTF-16: save it as UTF-8", 1),
    Hostile(
        "utf16_be_with_bom",
        codecs.BOM_UTF16_BE + GOOD.encode("utf-16-be"),
        "encoded as UTF-16: save it as UTF-8",
        1,
    ),
    Hostile("utf16_without_bom", GOOD.encode("utf-16-le"), "character U+0000", 1),
    Hostile("utf32", GOOD.encode("utf-32"), "encoded as UTF-32: save it as UTF-8", 1),
    Hostile("gzip_file", b"\x1f\x8b\x08\x00" + garbage(3, 200), "not UTF-8: byte 0x8B", 1),
    # Too large
    Hostile("one_byte_over_the_limit", sized(1024 * 1024 + 1), TOO_LARGE),
    Hostile("fifty_megabytes", sized(50 * 1024 * 1024), "the file is 52,428,800 bytes (50.0 MiB)"),
    # YAML that does not parse
    Hostile(
        "unclosed_flow_mapping", "version: 1\noperator: {name: IPM\n", "expected ',' or '}'", 3
    ),
    edit(
        "unclosed_flow_list",
        ("processing: [transfer]", "processing: [transfer"),
        expect="expected ',' or ']'",
        at=14,
    ),
    edit(
        "unclosed_quote",
        ("name: IPM", 'name: "IPM'),
        expect="found unexpected end of stream",
        at=42,
    ),
    edit(
        "bad_indentation",
        ("  jurisdiction: RU-152FZ", "    jurisdiction: RU-152FZ"),
        expect="mapping values are not allowed here",
    ),
    edit(
        "tab_indentation",
        ("  jurisdiction: RU-152FZ", "\tjurisdiction: RU-152FZ"),
        expect="(indent with spaces, not tabs)",
        at=4,
    ),
    edit(
        "reserved_character",
        ("name: IPM", "name: @IPM"),
        expect="found character '@' that cannot start any token",
    ),
    edit(
        "two_documents",
        ("stores:\n", "---\nstores:\n"),
        expect="expected a single document in the stream",
        at="---",
    ),
    Hostile("unknown_directive_then_garbage", "%YAML 9.9\n--- [\n", "not valid YAML", 1),
    edit(
        "key_that_is_a_list",
        ("  name: IPM\n", "  ? [name]\n  : IPM\n"),
        expect="a key must be a plain name, not a list or mapping",
        at="? [name]",
    ),
    # Tags beyond the core ones
    edit(
        "python_object_tag",
        ("name: IPM", "name: !!python/object/apply:os.system [id]"),
        expect="the YAML tag '!!python/object/apply:os.system' is not allowed",
    ),
    edit(
        "binary_tag",
        ("name: IPM", "name: !!binary SVBN"),
        expect="the YAML tag '!!binary' is not allowed",
    ),
    edit(
        "set_tag",
        ("processing: [transfer]", "processing: !!set {transfer}"),
        expect="the YAML tag '!!set' is not allowed",
    ),
    edit(
        "local_tag",
        ("name: IPM", "name: !vault ipm-name"),
        expect="the YAML tag '!vault' is not allowed",
    ),
    # Anchors, aliases and merge keys
    Hostile("alias_bomb", alias_bomb(), ANCHORS, 42),
    Hostile("quadratic_blowup", quadratic_blowup(), ANCHORS, 42),
    Hostile("recursive_alias", GOOD + "loop: &loop [*loop]\n", ANCHORS, 42),
    edit(
        "shared_columns_by_alias",
        ("        columns:\n", "        columns: &columns\n"),
        (
            LAST_CHILD,
            LAST_CHILD + "      - {name: other, key: id, purpose: email-informing, clock: c, "
            "columns: *columns}\n",
        ),
        expect=ANCHORS,
        at="columns: &columns",
    ),
    edit(
        "merge_key_with_alias",
        ("  - id: email-informing\n", "  - id: email-informing\n    <<: *defaults\n"),
        ("version: 1\n", "version: 1\nx-defaults: &defaults {on_end: destroy}\n"),
        expect=ANCHORS,
        at="x-defaults",
    ),
    edit(
        "merge_key_inline",
        ("    on_end: destroy\n", "    on_end: destroy\n    <<: {on_end: depersonalize}\n"),
        expect="YAML merge keys (<<) are not allowed in a policy",
        at="<<:",
    ),
    edit("unused_anchor", ("name: IPM", "name: &who IPM"), expect=ANCHORS),
    # Nesting
    Hostile(
        "nested_lists_100_deep",
        "a:\n" + "".join(f"{'  ' * i}-\n" for i in range(1, 101)),
        TOO_DEEP,
        65,
    ),
    Hostile(
        "nested_flow_lists_100000_deep", "a: " + "[" * 100_000 + "]" * 100_000 + "\n", TOO_DEEP, 1
    ),
    Hostile(
        "nested_flow_mappings_100000_deep",
        "a: " + "{a: " * 100_000 + "1" + "}" * 100_000 + "\n",
        TOO_DEEP,
        1,
    ),
    condition("not_3000_deep", "{not: " * 3000 + "{status: x}" + "}" * 3000, expect=TOO_DEEP),
    Hostile("not_100_deep_in_blocks", deep_nots(100), TOO_DEEP, 86),
    Hostile("not_40_deep", deep_nots(40), CONDITION_TOO_DEEP, 28),
    condition("any_17_deep", "{any: [" * 17 + "{status: x}" + "]}" * 17, expect=CONDITION_TOO_DEEP),
    # Repeated keys, at every depth
    edit(
        "second_version",
        ("version: 1\n", "version: 1\nversion: 2\n"),
        expect="duplicate key 'version' (first at line 1)",
        at="version: 2",
    ),
    edit(
        "empty_stores_after_the_real_ones",
        (URL, URL),
        (
            LAST_CHILD,
            LAST_CHILD + "stores: []\n",
        ),
        expect="duplicate key 'stores' (first at line 17)",
        at="stores: []",
    ),
    edit(
        "second_timezone",
        ("  timezone: Asia/Almaty\n", "  timezone: Asia/Almaty\n  timezone: UTC\n"),
        expect="duplicate key 'timezone' (first at line 5)",
        at="timezone: UTC",
    ),
    edit(
        "second_on_end",
        ("    on_end: destroy\n", "    on_end: destroy\n    on_end: depersonalize\n"),
        expect="duplicate key 'on_end' (first at line 16)",
        at="on_end: depersonalize",
    ),
    edit(
        "second_table_key",
        ("        key: id\n", "        key: id\n        key: email\n"),
        expect="duplicate key 'key' (first at line 22)",
        at="key: email",
    ),
    condition(
        "repeated_column_in_condition",
        "{status: blocklisted, status: active}",
        expect="duplicate key 'status'",
    ),
    edit(
        "repeated_pd_column",
        (
            EMAIL_COLUMN,
            EMAIL_COLUMN + "          email: {data: email}\n",
        ),
        expect="duplicate key 'email' (first at line 36)",
        at="email: {data: email}",
    ),
    edit(
        "repeated_operator_option",
        ("{mask: {keep_last: 2}}", "{mask: {keep_last: 2, keep_last: 4}}"),
        expect="duplicate key 'keep_last'",
    ),
    edit(
        "repeated_secret",
        (
            "  pseudonym_key: env:PDPIPE_PSEUDONYM_KEY\n",
            "  pseudonym_key: env:PDPIPE_PSEUDONYM_KEY\n  pseudonym_key: env:OTHER\n",
        ),
        expect="duplicate key 'pseudonym_key' (first at line 8)",
        at="env:OTHER",
    ),
    edit(
        "same_key_spelled_twice",
        ("      - name: subscribers\n", '      - name: subscribers\n        "name": people\n'),
        expect="duplicate key 'name'",
        at='"name": people',
    ),
    # Not a policy at the top
    Hostile("a_list", "- version: 1\n- stores: []\n", f"{NOT_A_MAPPING}; found a list", 1),
    Hostile("a_string", "just some words\n", f"{NOT_A_MAPPING}; found a single value", 1),
    Hostile("a_number", "42\n", f"{NOT_A_MAPPING}; found a single value", 1),
    Hostile("a_json_array", '["version", 1]\n', f"{NOT_A_MAPPING}; found a list", 1),
    Hostile("another_kind_of_yaml", "apiVersion: v1\nkind: Pod\n", "unknown key 'apiVersion'", 1),
    # Versions
    edit(
        "version_2",
        ("version: 1", "version: 2"),
        expect="unsupported policy version 2: this pdpipe reads 1",
    ),
    edit(
        "version_as_text", ("version: 1", 'version: "1"'), expect="unsupported policy version '1'"
    ),
    edit(
        "version_as_float",
        ("version: 1", "version: 1.0"),
        expect="unsupported policy version '1.0'",
    ),
    edit(
        "version_as_true",
        ("version: 1", "version: true"),
        expect="unsupported policy version 'True'",
    ),
    edit("version_missing", ("version: 1\n", ""), expect="version: required key is missing", at=1),
    edit(
        "version_with_5000_digits",
        ("version: 1", f"version: {'9' * 5000}"),
        expect="a number longer than 100 digits",
        at=1,
    ),
    # Wrong types everywhere
    edit(
        "operator_as_a_list",
        ("operator:\n  name: IPM\n", "operator:\n  - name: IPM\n"),
        ("  jurisdiction: RU-152FZ\n  timezone: Asia/Almaty\n  contact: ipm@gmail.com\n", ""),
        expect="operator: Input should be a valid dictionary",
        at="operator:",
    ),
    edit(
        "operator_name_as_a_list",
        ("name: IPM", "name: [I, P, M]"),
        expect="operator.name: Input should be a valid string",
    ),
    edit(
        "purposes_as_a_mapping",
        ("purposes:\n", "purposes: {id: email-informing}\nx-purposes:\n"),
        expect="purposes: Input should be a valid list",
    ),
    edit(
        "no_purposes",
        ("purposes:\n", "purposes: []\nx-purposes:\n"),
        expect="purposes: List should have at least 1 item",
        at="purposes: []",
    ),
    edit(
        "store_as_a_string",
        ("  - name: mailing\n", "  - mailing\n  - name: mailing\n"),
        expect="stores[0]: Input should be a valid dictionary",
        at="- mailing",
    ),
    edit(
        "tables_as_a_mapping",
        (
            "    tables:\n      - name: subscribers\n",
            "    tables:\n      name: subscribers\n      x:\n",
        ),
        expect="tables: Input should be a valid list",
        at="tables:",
    ),
    edit(
        "key_as_a_number",
        ("key: id", "key: 5"),
        expect="stores[0].tables[0].key: Input should be a valid string",
    ),
    edit(
        "processing_as_text",
        ("processing: [transfer]", "processing: transfer"),
        expect="purposes[0].processing: Input should be a valid list",
    ),
    edit(
        "data_as_a_mapping",
        ("data: [last_name, first_name, patronymic, email, phone]", "data: {email: true}"),
        expect="purposes[0].data: Input should be a valid list",
    ),
    edit(
        "on_end_as_true",
        ("on_end: destroy", "on_end: true"),
        expect="unknown value True (known: 'destroy' or 'depersonalize')",
    ),
    edit(
        "columns_as_a_list",
        (EMAIL_COLUMN, "          - email\n"),
        (OTHER_COLUMNS, ""),
        expect="columns: Input should be a valid dictionary",
        at="columns:",
    ),
    edit(
        "ends_as_a_mapping",
        (
            "          - reason: consent_withdrawn\n",
            "          first:\n            reason: consent_withdrawn\n",
        ),
        (
            "          - reason: purpose_achieved\n",
            "          second:\n            reason: purpose_achieved\n",
        ),
        expect="ends: Input should be a valid list",
        at="ends:",
    ),
    edit(
        "url_as_a_number",
        (URL, "42"),
        expect="stores[0].url: Input should be a valid string",
        at="url:",
    ),
    edit(
        "subject_as_text",
        ("subject: {email: email}", "subject: email"),
        expect="subject: Input should be a valid dictionary",
    ),
    edit(
        "plus_addressing_maybe",
        ("stores:\n", "requests: {store: mailing, plus_addressing: maybe}\nstores:\n"),
        (
            "  pseudonym_key: env:PDPIPE_PSEUDONYM_KEY\n",
            "  pseudonym_key: env:PDPIPE_PSEUDONYM_KEY\n  contact_key: env:PDPIPE_CONTACT_KEY\n",
        ),
        expect="requests.plus_addressing: Input should be a valid boolean",
        at="plus_addressing",
    ),
    edit(
        "calendar_as_a_list",
        ("secrets:\n", "calendar: [RU]\nsecrets:\n"),
        expect="calendar: Input should be a valid string",
        at="calendar:",
    ),
    # Unknown keys
    with_top(
        "unknown_top_level_key",
        "retention: P1Y",
        expect="unknown key 'retention' (expected one of: version, operator",
    ),
    edit(
        "unknown_purpose_key",
        ("    on_end: destroy\n", "    on_end: destroy\n    retention: P1Y\n"),
        expect="unknown key 'retention' (expected one of: id, title",
        at="retention",
    ),
    edit(
        "unknown_table_key",
        ("        key: id\n", "        key: id\n        primary_key: id\n"),
        expect="unknown key 'primary_key'",
        at="primary_key",
    ),
    edit(
        "password_key_in_a_store",
        ("    tables:\n", f"    password: {CANARY_PASSWORD}\n    tables:\n"),
        expect=(
            "unknown key 'password' "
            "(expected one of: name, url, schema, timestamps, tables, destruction, backups)"
        ),
        at="password:",
    ),
    edit(
        "misspelled_column_key",
        (
            "email: {data: email, depersonalize: pseudonym_email}",
            "email: {data: email, operator: pseudonym_email}",
        ),
        expect="unknown key 'operator' (expected one of: data, depersonalize)",
    ),
    # Durations
    edit("negative_duration", ("keep_for: P5Y", "keep_for: P-1Y"), expect=f"'P-1Y' {NOT_ISO}"),
    edit(
        "million_years",
        ("keep_for: P5Y", "keep_for: P1000000Y"),
        expect="'P1000000Y' is longer than 100 years",
    ),
    edit(
        "duration_of_5000_digits",
        ("keep_for: P5Y", f"keep_for: P{'9' * 5000}D"),
        expect="is longer than 100 years",
        at="keep_for:",
    ),
    edit(
        "duration_in_words", ("keep_for: P5Y", "keep_for: 5 years"), expect=f"'5 years' {NOT_ISO}"
    ),
    edit(
        "duration_as_a_number",
        ("keep_for: P5Y", "keep_for: 5"),
        expect="expected an ISO-8601 duration string such as P3Y",
    ),
    edit("empty_duration", ("keep_for: P5Y", 'keep_for: ""'), expect=f"'' {NOT_ISO}"),
    with_top("acts_kept_negative_years", "acts: {keep_for: P-3Y}", expect=f"'P-3Y' {NOT_ISO}"),
    with_top(
        "term_of_a_hundred_million_working_days",
        "terms: {access_request: 99999999 working days}",
        expect="a term of 99999999 working days is longer than a year",
    ),
    with_top(
        "term_in_weeks", "terms: {access_request: 3 weeks}", expect="cannot read term '3 weeks'"
    ),
    # Enumerations
    edit(
        "on_end_delete",
        ("on_end: destroy", "on_end: delete"),
        expect="unknown value 'delete' (known: 'destroy' or 'depersonalize')",
    ),
    edit(
        "unknown_jurisdiction",
        ("RU-152FZ", "US-CCPA"),
        expect="unknown value 'US-CCPA' (known: 'RU-152FZ', 'KZ-94V' or 'EU-GDPR')",
    ),
    edit("jurisdiction_in_lower_case", ("RU-152FZ", "ru-152fz"), expect="unknown value 'ru-152fz'"),
    edit(
        "unknown_end_reason",
        ("- reason: consent_withdrawn", "- reason: expired"),
        expect="unknown value 'expired' (known: 'purpose_achieved'",
    ),
    edit(
        "unknown_child_action",
        ("on_destroy: delete", "on_destroy: cascade"),
        expect="unknown value 'cascade' (known: 'delete', 'set_null' or 'depersonalize')",
    ),
    with_top(
        "act_in_french",
        "acts: {language: fr}",
        expect="acts.language: Input should be 'ru' or 'en'",
    ),
    with_top(
        "unknown_term_name",
        "terms: {consent_withdrwn: 30 days}",
        expect="unknown term 'consent_withdrwn'",
    ),
    # Operators
    edit(
        "unknown_operator",
        ("depersonalize: redact", "depersonalize: hsah"),
        expect="unknown operator 'hsah' (known: distort, drop_key",
    ),
    edit(
        "operator_options_not_a_mapping",
        ("depersonalize: redact", "depersonalize: {mask: 2}"),
        expect="options of 'mask' must be a mapping, e.g. {keep_last: 2}",
    ),
    edit(
        "two_operators_at_once",
        ("depersonalize: redact", "depersonalize: {mask: {}, redact: {}}"),
        expect="expected an operator name (redact) or one operator with its options",
    ),
    edit(
        "negative_mask",
        ("{mask: {keep_last: 2}}", "{mask: {keep_last: -1}}"),
        expect="keep_last: Input should be greater than or equal to 0",
    ),
    edit(
        "mask_showing_everything",
        ("{mask: {keep_last: 2}}", "{mask: {keep_first: 3, keep_last: 3}}"),
        expect="keep_first + keep_last may be at most 4",
    ),
    edit(
        "generalize_to_weeks",
        ("{mask: {keep_last: 2}}", "{generalize: {to: week}}"),
        expect="Input should be 'month', 'year' or 'age_band'",
    ),
    edit(
        "fake_provider_as_code",
        ("{mask: {keep_last: 2}}", "{fake: {provider: __import__}}"),
        expect="unknown Faker provider '__import__'",
    ),
    edit(
        "huge_pseudonym",
        ("{mask: {keep_last: 2}}", "{pseudonym: {length: 100000}}"),
        expect="length: Input should be less than or equal to 64",
    ),
    edit(
        "depersonalize_without_operators",
        ("on_end: destroy", "on_end: depersonalize"),
        ("email: {data: email, depersonalize: pseudonym_email}", "email: {data: email}"),
        expect="on_end: depersonalize",
        at="email: {data: email}",
    ),
    # Missing required keys
    edit(
        "no_contact",
        ("  contact: ipm@gmail.com\n", ""),
        expect="operator.contact: required key is missing",
        at="operator:",
    ),
    edit(
        "no_title",
        ("    title: Informing the User by sending emails\n", ""),
        expect="purposes[0].title: required key is missing",
        at="- id: email-informing",
    ),
    edit(
        "no_clock",
        ("        clock: updated_at\n", ""),
        expect="stores[0].tables[0].clock: required key is missing",
        at="- name: subscribers",
    ),
    edit(
        "no_url",
        (f"    url: {URL}\n", ""),
        expect="stores[0].url: required key is missing",
        at="- name: mailing",
    ),
    edit(
        "end_rule_without_when_or_since",
        ("            when: {status: blocklisted}\n            since: updated_at\n", ""),
        expect="an end rule needs 'when' (a condition), 'since' (a column), or both",
        at="- reason: consent_withdrawn",
    ),
    edit(
        "empty_legal_ground",
        ("legal_ground: Federal Law No. 149-FZ", 'legal_ground: ""'),
        expect="String should have at least 1 character",
    ),
    # Conditions
    condition(
        "condition_as_text",
        "blocklisted",
        expect="expected a non-empty mapping such as {status: active}",
    ),
    condition(
        "empty_condition", "{}", expect="expected a non-empty mapping such as {status: active}"
    ),
    condition("unknown_comparison", "{status: {like: '%x%'}}", expect="unknown comparison 'like'"),
    condition(
        "empty_in_list", "{status: {in: []}}", expect="'in' takes a non-empty list of values"
    ),
    condition(
        "is_null_of_text", "{status: {is_null: maybe}}", expect="is_null takes true or false"
    ),
    condition(
        "date_that_does_not_exist",
        "{created: {lt: 2024-13-45}}",
        expect="not a valid date or time (month must be in 1..12)",
    ),
    condition(
        "sql_as_a_condition", "\"status = 'x' OR 1=1\"", expect="expected a non-empty mapping"
    ),
    edit(
        "exists_on_a_table_not_a_child",
        ("exists: {table: subscriber_lists", "exists: {table: other_table"),
        expect="'exists' names table 'other_table', which is not among this table's children",
        at=31,
    ),
    # Names and references
    edit(
        "store_name_with_spaces",
        ("- name: mailing", "- name: Mailing Store"),
        expect="must be lower-case letters, digits, '-' or '_'",
    ),
    edit(
        "table_name_with_sql",
        ("- name: subscribers", '- name: "subscribers; DROP TABLE x"'),
        expect="must be a plain SQL name",
    ),
    edit(
        "category_in_capitals",
        ("email: {data: email, depersonalize", "email: {data: Email, depersonalize"),
        expect="must be a lower-case category name such as email or last_name (got 'Email')",
    ),
    edit(
        "unknown_purpose",
        ("        purpose: email-informing\n", "        purpose: newsletters\n"),
        expect="unknown purpose 'newsletters' (known: email-informing)",
    ),
    edit(
        "category_not_in_purpose",
        ("{data: phone, depersonalize: {mask: {keep_last: 2}}}", "{data: birth_date}"),
        expect="PD category 'birth_date' is not among the data of purpose 'email-informing'",
    ),
    edit(
        "purpose_incompatible_with_itself",
        (
            "    processing: [transfer]\n",
            "    processing: [transfer]\n    incompatible_with: [email-informing]\n",
        ),
        expect="a purpose cannot be incompatible with itself",
        at="incompatible_with",
    ),
    with_top(
        "requests_to_an_unknown_store",
        "requests: {store: nowhere}",
        expect="no store 'nowhere' (stores: mailing)",
    ),
    # Timezones and calendars
    edit(
        "timezone_on_mars",
        ("Asia/Almaty", "Mars/Olympus"),
        expect="unknown timezone 'Mars/Olympus' (expected e.g. Asia/Almaty)",
    ),
    edit(
        "timezone_as_a_path",
        ("Asia/Almaty", "../../../etc/passwd"),
        expect="unknown timezone '../../../etc/passwd'",
    ),
    edit(
        "timezone_as_a_number", ("Asia/Almaty", "5"), expect="unknown timezone '5'", at="timezone:"
    ),
    edit(
        "unknown_calendar",
        ("secrets:\n", "calendar: XX\nsecrets:\n"),
        expect="unknown production calendar 'XX'",
        at="calendar:",
    ),
    # Store URLs
    url(
        "url_unresolved_variable",
        "${PDPIPE_NOT_SET}",
        expect="environment variable PDPIPE_NOT_SET is not set or empty",
        PDPIPE_NOT_SET=None,
    ),
    url(
        "url_variable_set_but_empty",
        "${PDPIPE_EMPTY}",
        expect="environment variable PDPIPE_EMPTY is not set or empty",
        PDPIPE_EMPTY="",
    ),
    url(
        "url_not_a_url",
        "just some text",
        expect="not a SQLAlchemy URL (expected e.g. postgresql+psycopg://user@host/db)",
    ),
    url("url_empty", '""', expect="not a SQLAlchemy URL"),
    url(
        "url_unknown_dialect",
        "foo://x",
        expect=f"store 'mailing': 'foo' is not a database pdpipe works with ({WORKS_WITH})",
    ),
    url(
        "url_unknown_driver",
        "postgresql+nodriver://db/x",
        expect="store 'mailing': unknown driver 'nodriver' for postgresql",
    ),
    url(
        "url_driver_not_installed",
        "mysql+mysqldb://db/x",
        expect="the driver 'mysqldb' is not installed",
    ),
    url(
        "url_asyncio_driver",
        "postgresql+asyncpg://db/x",
        expect="'postgresql+asyncpg' is an asyncio driver",
    ),
    url(
        "url_unsupported_database",
        "mssql+pyodbc://db/x",
        expect="'mssql' is not a database pdpipe works with",
    ),
    url(
        "url_password_unknown_dialect",
        f"foo://ivan:{CANARY_PASSWORD}@db/x",
        expect="'foo' is not a database pdpipe works with",
    ),
    url(
        "url_password_unknown_driver",
        f"postgresql+nodriver://ivan:{CANARY_PASSWORD}@db/x",
        expect="unknown driver 'nodriver'",
    ),
    url("url_password_not_a_url", f"ivan:{CANARY_PASSWORD}@db", expect="not a SQLAlchemy URL"),
    url(
        "url_password_from_the_environment",
        "${PDPIPE_MAILING_URL}",
        expect="'foo' is not a database pdpipe works with",
        PDPIPE_MAILING_URL=f"foo://ivan:{CANARY_PASSWORD}@db/x",
    ),
    edit(
        "url_password_beside_another_problem",
        (URL, f"postgresql+psycopg://ivan:{CANARY_PASSWORD}@db/x"),
        ("Asia/Almaty", "Mars/Olympus"),
        expect="unknown timezone 'Mars/Olympus'",
    ),
    # Secrets
    edit(
        "secret_written_as_its_value",
        ("env:PDPIPE_PSEUDONYM_KEY", CANARY_SECRET),
        expect=SECRET_VALUE,
        at="pseudonym_key:",
    ),
    edit(
        "secret_in_an_unknown_store",
        ("env:PDPIPE_PSEUDONYM_KEY", "vault:pdpipe/key"),
        expect=SECRET_VALUE,
        at="pseudonym_key:",
    ),
    edit(
        "secret_reference_without_a_name",
        ("env:PDPIPE_PSEUDONYM_KEY", '"env:"'),
        expect=SECRET_VALUE,
        at="pseudonym_key:",
    ),
    edit(
        "secret_as_a_number",
        ("env:PDPIPE_PSEUDONYM_KEY", "12345"),
        expect=SECRET_VALUE,
        at="pseudonym_key:",
    ),
    edit(
        "secrets_as_a_list",
        ("secrets:\n  pseudonym_key: env:PDPIPE_PSEUDONYM_KEY\n", f"secrets: [{CANARY_SECRET}]\n"),
        expect=SECRET_VALUE,
        at="secrets:",
    ),
    edit(
        "needed_secret_unset",
        ("on_end: destroy", "on_end: depersonalize"),
        expect="secrets.pseudonym_key: environment variable PDPIPE_PSEUDONYM_KEY is not set or "
        "empty; operator 'pseudonym_email'",
        at="pseudonym_key:",
        PDPIPE_PSEUDONYM_KEY=None,
    ),
    edit(
        "needed_secret_empty",
        ("on_end: destroy", "on_end: depersonalize"),
        expect="environment variable PDPIPE_PSEUDONYM_KEY is not set or empty",
        at="pseudonym_key:",
        PDPIPE_PSEUDONYM_KEY="",
    ),
    with_top(
        "requests_without_a_contact_key",
        "requests: {store: mailing}",
        expect="requests need secrets.contact_key",
        at="secrets:",
    ),
    edit(
        "requests_with_an_unset_contact_key",
        ("stores:\n", "requests: {store: mailing}\nstores:\n"),
        (
            "  pseudonym_key: env:PDPIPE_PSEUDONYM_KEY\n",
            "  pseudonym_key: env:PDPIPE_PSEUDONYM_KEY\n  contact_key: env:PDPIPE_CONTACT_KEY\n",
        ),
        expect="secrets.contact_key: environment variable PDPIPE_CONTACT_KEY is not set or empty; "
        "subject requests need it",
        at="contact_key:",
        PDPIPE_CONTACT_KEY=None,
    ),
]

# The cases `pdpipe run` is tried on as well: nothing may be written to the store.
RUN_CASES = (
    "alias_bomb",
    "fifty_megabytes",
    "not_3000_deep",
    "empty_stores_after_the_real_ones",
    "second_on_end",
    "random_bytes",
    "url_unknown_dialect",
    "url_password_unknown_driver",
    "million_years",
    "needed_secret_unset",
)
