"""The policy as validated data: pydantic models of policy.yaml.

Structure is checked here; cross-references between parts (a table's purpose exists, a
column's data category is one its purpose declares, …) are checked in ``semantics.py`` so
that every problem in a file is reported at once.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    PrivateAttr,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from sqlalchemy.engine import make_url

from pdpipe.policy.conditions import Condition, parse_condition
from pdpipe.policy.durations import Duration
from pdpipe.policy.profiles import PROFILES, Jurisdiction, TermKey
from pdpipe.policy.reasons import CONSENT_REASONS, EndReason, LegalGround, RequestKind
from pdpipe.policy.terms import Term, TermField

NAME = r"^[A-Za-z_][A-Za-z0-9_$]*$"
SLUG = r"^[a-z0-9][a-z0-9_-]*$"
CATEGORY = r"^[a-z][a-z0-9_]*$"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Action(StrEnum):
    DESTROY = "destroy"
    DEPERSONALIZE = "depersonalize"


class ChildAction(StrEnum):
    DELETE = "delete"
    SET_NULL = "set_null"
    DEPERSONALIZE = "depersonalize"


class ChildOnDepersonalize(StrEnum):
    """What becomes of a child's rows when their parent record is depersonalized."""

    DEPERSONALIZE = "depersonalize"  # its declared PD columns, by their operators
    DELETE = "delete"  # the rows go (a CRM's notes about the person)
    KEEP = "keep"  # the rows stay as they are (they hold no PD)


def _one_or_many(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


Categories = Annotated[
    list[Annotated[str, Field(pattern=CATEGORY)]],
    BeforeValidator(_one_or_many),
    Field(min_length=1),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": CATEGORY},
                {
                    "type": "array",
                    "minItems": 1,
                    "items": {"type": "string", "pattern": CATEGORY},
                },
            ],
            "description": "a PD category (email) or several ([last_name, first_name])",
        }
    ),
]


def _operator_schema(schema: dict[str, Any]) -> None:
    """Editors should accept what people write: `redact` or `{mask: {keep_last: 2}}`."""
    schema.clear()
    schema["anyOf"] = [
        {"type": "string", "description": "operator name, e.g. redact"},
        {
            "type": "object",
            "minProperties": 1,
            "maxProperties": 1,
            "additionalProperties": {"type": ["object", "null"]},
            "description": "one operator with its options: {mask: {keep_last: 2}}",
        },
    ]


class OperatorSpec(Strict):
    """`redact`, or `{mask: {keep_last: 2}}`: an operator name and its options."""

    model_config = ConfigDict(extra="forbid", frozen=True, json_schema_extra=_operator_schema)

    name: str
    options: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _from_yaml(cls, value: Any) -> Any:
        if isinstance(value, str):
            return {"name": value}
        if isinstance(value, dict) and len(value) == 1 and "name" not in value:
            ((name, options),) = value.items()
            if options is not None and not isinstance(options, dict):
                raise ValueError(f"options of '{name}' must be a mapping, e.g. {{keep_last: 2}}")
            return {"name": name, "options": options or {}}
        raise ValueError(
            "expected an operator name (redact) or one operator with its options, "
            "e.g. {mask: {keep_last: 2}}"
        )


class ColumnSpec(Strict):
    """A column (or a path inside a JSON column) holding personal data."""

    data: Categories = Field(description="PD categories held; each must be in its purpose's data")
    depersonalize: OperatorSpec | None = Field(
        default=None, description="operator applied when the record is depersonalized"
    )


class ColumnRef:
    """`email` or `attribs.phone` (the key `phone` inside the JSON column `attribs`)."""

    def __init__(self, text: str) -> None:
        column, *path = text.split(".")
        self.text = text
        self.column = column
        self.json_path = tuple(path)

    @property
    def is_json_path(self) -> bool:
        return bool(self.json_path)


def _parse_condition(value: Any) -> Any:
    # ConditionSyntaxError is a ValueError: pydantic keeps it in the error's ctx, and the
    # loader extends the error's path with `where` inside the condition.
    return None if value is None else parse_condition(value)


ConditionField = Annotated[
    Condition,
    BeforeValidator(_parse_condition),
    PlainSerializer(lambda c: repr(c), return_type=str),
    WithJsonSchema(
        {
            "type": "object",
            "description": "condition: {column: value}, {column: {op: value}} with op in "
            "eq ne lt le gt ge in not_in is_null; all/any/not/exists",
        }
    ),
]


class ChildTable(Strict):
    table: str = Field(pattern=NAME)
    fk: str = Field(pattern=NAME, description="column of the child referring to the parent key")
    on_destroy: ChildAction
    on_depersonalize: ChildOnDepersonalize | None = Field(
        default=None,
        description="when the parent is depersonalized: depersonalize (the default with "
        "columns), delete, or keep (the default without)",
    )
    # The child's own rows this entry is about: a polymorphic table (entity_table =
    # 'contact', entity_id) holds rows whose fk refers to other tables too.
    where: ConditionField | None = None
    columns: dict[str, ColumnSpec] = Field(default_factory=dict)

    @property
    def when_depersonalized(self) -> ChildOnDepersonalize:
        if self.on_depersonalize is not None:
            return self.on_depersonalize
        return ChildOnDepersonalize.DEPERSONALIZE if self.columns else ChildOnDepersonalize.KEEP

    @property
    def depersonalized_with_parent(self) -> bool:
        return self.when_depersonalized is ChildOnDepersonalize.DEPERSONALIZE


class EndRule(Strict):
    """What ends the purpose for a row: a condition, the column that dates it, or both."""

    reason: EndReason
    when: ConditionField | None = None
    since: str | None = Field(default=None, pattern=NAME)

    @model_validator(mode="after")
    def _needs_when_or_since(self) -> EndRule:
        if self.when is None and self.since is None:
            raise ValueError("an end rule needs 'when' (a condition), 'since' (a column), or both")
        return self


def _valid_zone_name(value: str) -> str:
    """utc, local (the operator's timezone) or an IANA zone such as Europe/Moscow."""
    if value in ("utc", "local"):
        return value
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown timezone {value!r} (expected utc, local or a zone such as Europe/Moscow)"
        ) from None
    return value


TimestampZone = Annotated[
    str,
    BeforeValidator(str),
    AfterValidator(_valid_zone_name),
    WithJsonSchema(
        {"type": "string", "description": "utc, local (the operator's timezone) or IANA zone"}
    ),
]


class Hold(Strict):
    """Records kept although their purpose ended: a dispute, an investigation, an unpaid
    invoice, a statutory duty to keep (152-FZ art. 21 p.4-5: another ground requires
    them). While it lasts, a record its condition selects is never acted on."""

    ground: str = Field(min_length=1, description="why the records are kept, for a reviewer")
    when: ConditionField
    until: dt.date | None = Field(
        default=None,
        description="the hold ends at the start of this day (operator's timezone); empty: "
        "until it is removed from the policy",
    )

    def active(self, local_date: dt.date) -> bool:
        return self.until is None or local_date < self.until


class TableSpec(Strict):
    name: str = Field(pattern=NAME)
    key: str = Field(pattern=NAME, description="unique, non-null record identifier")
    purpose: str
    subject: dict[str, str] = Field(
        default_factory=dict, description="identifier kind -> column, for finding a subject"
    )
    clock: str = Field(pattern=NAME, description="timestamp keep_for counts from")
    consent_given: str | None = Field(
        default=None, pattern=NAME, description="timestamp consent_valid_for counts from"
    )
    ends: list[EndRule] = Field(default_factory=list)
    columns: dict[str, ColumnSpec] = Field(default_factory=dict)
    children: list[ChildTable] = Field(default_factory=list)
    holds: list[Hold] = Field(default_factory=list)
    timestamps: TimestampZone | dict[str, TimestampZone] | None = Field(
        default=None,
        description="the zone of this table's timestamps without one (overrides the "
        "store's): one for all, or per column ({created: utc, updated: local})",
    )


class Physical(StrEnum):
    """How far a destroyed record's bytes are erased from the database's own files."""

    NONE = "none"  # DELETE only: the DBMS reclaims the space in its own time
    VACUUM = "vacuum"  # reclaim without blocking: PostgreSQL VACUUM, SQLite secure_delete
    REWRITE = "rewrite"  # rebuild the touched tables: VACUUM FULL, OPTIMIZE TABLE, VACUUM


class Destruction(Strict):
    physical: Physical = Field(
        default=Physical.VACUUM,
        description="after a run, erase destroyed values from the data files: none, vacuum "
        "(never blocks the application; fragments can remain in free space on PostgreSQL "
        "and MariaDB) or rewrite (no fragment remains; locks each touched table while it "
        "is rebuilt)",
    )


class Backup(Strict):
    """A copy of the store's data kept outside it: a dump, a snapshot, a WAL or binlog
    archive. The act says by when the destroyed records leave it."""

    where: str = Field(min_length=1, description="what copy, where: e.g. 'nightly pg_dump, S3'")
    keep_for: Duration = Field(description="how long a copy is kept, e.g. P30D")


class StoreSpec(Strict):
    name: str = Field(pattern=SLUG)
    url: str = Field(repr=False, description="SQLAlchemy URL; ${VAR} and ${VAR:-default} allowed")
    schema_: str | None = Field(
        default=None,
        alias="schema",
        pattern=NAME,
        description="PostgreSQL: the schema the tables are in (default: the connection's "
        "search_path, usually public); pdpipe keeps its own tables there too",
    )
    timestamps: TimestampZone | None = Field(
        default=None,
        description="the zone in which the store writes timestamps without one (DATETIME, "
        "timestamp without time zone): utc, local (the operator's) or an IANA zone; "
        "`check` warns while a store with such columns does not say",
    )
    tables: list[TableSpec] = Field(min_length=1)
    destruction: Destruction = Field(default_factory=Destruction)
    backups: list[Backup] | None = Field(
        default=None,
        description="every copy of this store's data kept elsewhere, with how long: the act "
        "states by when they no longer hold destroyed records; without it the act says "
        "backups are not covered (an empty list: there are none)",
    )

    @field_validator("url")
    @classmethod
    def _parses_as_url(cls, value: str) -> str:
        try:
            make_url(value)
        except Exception:  # SQLAlchemy raises ArgumentError; its text may echo the URL
            raise ValueError(
                "not a SQLAlchemy URL (expected e.g. postgresql+psycopg://user@host/db)"
            ) from None
        return value

    @model_validator(mode="after")
    def _schema_on_postgresql(self) -> StoreSpec:
        # (sqlite:///: is the stand-in for a URL whose ${VAR} is unset, reported apart)
        if self.schema_ is not None and not self.url.startswith(("postgresql", "sqlite:///:")):
            raise ValueError(
                "schema: is for PostgreSQL stores; on MariaDB a schema is a database, "
                "named in the URL (mysql+pymysql://user@host/database)"
            )
        return self

    @property
    def safe_url(self) -> str:
        """The URL with any password hidden: the only form ever printed."""
        return make_url(self.url).render_as_string(hide_password=True)


BLOCK = "block"  # a demand to cease: the records are kept out of processing

# What the statute says to do for each end, where it says (legal.md): a withdrawal of
# consent requires destruction (152-FZ art. 21 p.5), so does unlawful processing that
# cannot be made lawful (art. 21 p.3) and a subject's demand to destroy (art. 20 p.3); a
# demand to cease requires stopping, not destroying (art. 21 p.5.1). The other ends allow
# destruction or depersonalization (art. 5 p.7, art. 21 p.4): the purpose's on_end.
STATUTORY_ACTION: dict[str, str] = {
    EndReason.CONSENT_WITHDRAWN: Action.DESTROY,
    EndReason.UNLAWFUL_PROCESSING: Action.DESTROY,
    EndReason.CEASE_DEMAND: BLOCK,
    RequestKind.DESTROY: Action.DESTROY,
}


class Purpose(Strict):
    id: str = Field(pattern=SLUG)
    title: str = Field(min_length=1)
    legal_ground: str = Field(min_length=1)
    ground: LegalGround | None = Field(
        default=None,
        description="the kind of legal ground (152-FZ art. 6 p.1): consent, law, "
        "public_task, contract, vital_interest or legitimate_interest; a withdrawal or "
        "expiry of consent ends only a purpose on consent (or one that does not say)",
    )
    processing: list[str] = Field(min_length=1)
    data: Categories
    keep_for: Duration | None = None
    on_end: Action = Action.DESTROY
    on_end_by_reason: dict[EndReason, Action] = Field(
        default_factory=dict,
        description="the action for an end reason where it departs from the default "
        "(consent_withdrawn and unlawful_processing: destroy; cease_demand: block; the "
        "others: on_end), e.g. {consent_expired: destroy}",
    )
    consent_valid_for: Duration | None = None
    incompatible_with: list[str] = Field(default_factory=list)
    recipients: list[str] = Field(
        default_factory=list,
        description="to whom the data are passed (named in answers to access requests)",
    )

    @property
    def on_consent(self) -> bool:
        """Whether processing rests on consent; a purpose that does not say is taken to,
        as before grounds were declared (`check` warns)."""
        return self.ground in (None, LegalGround.CONSENT)

    def ends_on(self, reason: EndReason) -> bool:
        """Whether `reason` can end this purpose: consent's withdrawal or expiry ends only
        processing on consent (152-FZ art. 21 p.5: unless the operator may process
        without it on another ground, art. 6 p.1 items 2-11)."""
        return self.on_consent or reason not in CONSENT_REASONS

    def action_for(self, reason: str) -> str:
        """What is done to a record whose processing ends for `reason` (an EndReason, or
        `destroy_request`): the policy's override, else the statute's action, else
        on_end. The one place the plan, the run and requests take it from."""
        if reason == RequestKind.DESTROY:
            # Data shown unlawfully obtained or unnecessary: destroyed, whatever the
            # purpose says (art. 20 p.3).
            return Action.DESTROY.value
        chosen = self.on_end_by_reason.get(EndReason(reason))
        if chosen is not None:
            return chosen.value
        return str(STATUTORY_ACTION.get(reason, self.on_end.value))

    @property
    def may_depersonalize(self) -> bool:
        """Whether any end of this purpose depersonalizes (its operators are then needed)."""
        return any(self.action_for(r) == Action.DEPERSONALIZE for r in EndReason)


def _valid_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown timezone {value!r} (expected e.g. Asia/Almaty)") from None
    return value


class OperatorInfo(Strict):
    name: str = Field(min_length=1)
    jurisdiction: Jurisdiction
    timezone: Annotated[str, BeforeValidator(str)] = "UTC"
    contact: str = Field(min_length=3)
    address: str | None = None
    information_system: str | None = None
    processor: str | None = None

    _check_tz = field_validator("timezone")(_valid_timezone)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


TERM_NAMES = tuple(name.value for name in (*EndReason, *RequestKind))


Text = Annotated[str, Field(min_length=1)]


class CrossBorder(Strict):
    """Whether the data are transferred across a border, and where to."""

    transferred: bool = Field(description="whether the data are transferred abroad")
    countries: list[Text] = Field(
        default_factory=list, description="where to; required when transferred"
    )
    note: Text | None = Field(
        default=None, description="anything the answer adds: the ground, the safeguards"
    )

    @model_validator(mode="after")
    def _countries_when_transferred(self) -> CrossBorder:
        if self.transferred and not self.countries:
            raise ValueError("transferred: true needs the countries the data go to")
        if not self.transferred and self.countries:
            raise ValueError("countries given, but transferred is false")
        return self


class AnswerSpec(Strict):
    """What answers to subjects say beyond the stores (152-FZ art. 14 p.7). Each item is
    optional: an answer without it says the policy does not provide it, never a guess."""

    source: Text | None = Field(
        default=None,
        description="where the personal data came from (e.g. 'from the subject, through "
        "the subscription form')",
    )
    processors: list[Text] | None = Field(
        default=None,
        description="who processes the data on the operator's behalf: name and address of "
        "each; [] for none (default: operator.processor when given)",
    )
    cross_border: CrossBorder | None = Field(
        default=None, description="cross-border transfer: {transferred, countries, note}"
    )
    rights: Text | None = Field(
        default=None,
        description="how the subject exercises their rights: where to write, what to send",
    )
    measures: Text | None = Field(
        default=None,
        description="the measures taken under 152-FZ art. 18.1 (e.g. the published policy, "
        "the person responsible, internal controls)",
    )


class RequestsSpec(Strict):
    """Where subject requests are registered and how they are read."""

    store: str = Field(
        pattern=SLUG, description="the store that keeps pdpipe_requests (the request register)"
    )
    mailbox: str | None = Field(
        default=None,
        description="mbox file, Maildir or .eml folder the hourly flow reads; ${VAR} allowed",
    )
    plus_addressing: bool = Field(
        default=True, description="user+tag@example.org is the same person as user@example.org"
    )
    extension: TermField | None = Field(
        default=None,
        description="how far a reasoned notice extends a deadline, counted with the first "
        "term from receipt (default: the profile's)",
    )
    extendable: list[str] | None = Field(
        default=None,
        description="the terms (names as under `terms:`) whose requests may be extended "
        "(default: the profile's, those the statute extends; [] for none)",
        json_schema_extra={"items": {"enum": list(TERM_NAMES)}},
    )
    roll_to_working_day: bool | None = Field(
        default=None,
        description="a request's calendar-day or month term whose last day is a day off ends "
        "on the next working day (Civil Code art. 193); default: the profile's, false for "
        "every profile (the cautious reading)",
    )

    @field_validator("extendable")
    @classmethod
    def _known_extendable(cls, value: list[str] | None) -> list[str] | None:
        unknown = [name for name in value or () if name not in TERM_NAMES]
        if unknown:
            raise ValueError(
                f"unknown term {', '.join(map(repr, unknown))} (known: {', '.join(TERM_NAMES)})"
            )
        return value

    reports: str = Field(
        default="access-reports",
        description="folder for access reports and notices to subjects, files readable by "
        "their owner only; a relative one is under PDPIPE_OUTPUT_DIR when that is set, else "
        "beside the policy",
    )
    answer: AnswerSpec = Field(
        default_factory=AnswerSpec,
        description="what answers to subjects say beyond the stores (152-FZ art. 14 p.7): "
        "source, processors, cross_border, rights, measures",
    )


class Person(Strict):
    """Someone the act names as having destroyed the data (Order 179, item 4)."""

    name: str = Field(min_length=1)
    position: str = Field(min_length=1)


class ActsSpec(Strict):
    """The documents that prove destruction and depersonalization (Order 179)."""

    language: Literal["ru", "en"] = Field(
        default="ru", description="language of the act and the record: ru or en"
    )
    keep_for: Duration = Field(
        default="P3Y",
        validate_default=True,
        description="how long the documents are kept (Order 179: 3 years)",
    )
    responsible: list[Person] = Field(
        default_factory=list,
        description="who destroys the data: named, with positions, in every act",
    )
    depersonalization_order: str | None = Field(
        default=None,
        description="the order on depersonalization methods the record cites, as your "
        "lawyer confirmed it (default: Roskomnadzor Order No. 140 of 2025, marked unverified)",
    )


def _exactly_an_int(value: Any) -> Any:
    """`version: 1.0` and `version: true` equal 1 in Python; they are not version 1."""
    return value if type(value) is not float and type(value) is not bool else str(value)


SECRET_REF = r"^(env|prefect):[A-Za-z0-9_./-]+$"


class Policy(Strict):
    version: Annotated[Literal[1], BeforeValidator(_exactly_an_int)]
    operator: OperatorInfo
    secrets: dict[str, Annotated[str, Field(pattern=SECRET_REF)]] = Field(
        default_factory=dict,
        description="where secrets live: env:VAR or prefect:block-name; never the values",
    )
    calendar: str | None = Field(
        default=None, description="production-calendar country (holidays code), e.g. RU, KZ"
    )
    terms: dict[str, TermField] = Field(
        default_factory=dict,
        description="overrides of the jurisdiction profile's terms",
        json_schema_extra={"propertyNames": {"enum": list(TERM_NAMES)}},
    )

    @field_validator("calendar")
    @classmethod
    def _known_calendar(cls, value: str | None) -> str | None:
        # An unknown country would stop the first run in `holidays`, not here.
        if value is not None and value not in holidays.list_supported_countries():
            raise ValueError(
                f"unknown production calendar {value[:20]!r} (a country code the holidays "
                "package knows, e.g. RU, KZ)"
            )
        return value

    @field_validator("terms", mode="before")
    @classmethod
    def _known_terms(cls, value: Any) -> Any:
        if isinstance(value, dict):
            unknown = [str(name) for name in value if name not in TERM_NAMES]
            if unknown:
                noun = "term" if len(unknown) == 1 else "terms"
                raise ValueError(
                    f"unknown {noun} {', '.join(map(repr, unknown))} "
                    f"(known: {', '.join(TERM_NAMES)})"
                )
        return value

    purposes: list[Purpose] = Field(min_length=1)
    stores: list[StoreSpec] = Field(min_length=1)
    requests: RequestsSpec | None = None
    acts: ActsSpec = Field(default_factory=ActsSpec)
    expectations: str | None = Field(
        default=None,
        min_length=1,
        description="folder of the reviewed expectation suites, relative to the policy file "
        "(default: expectations/ beside it); once set, it must exist",
    )
    _file: Path | None = PrivateAttr(default=None)

    @property
    def file(self) -> Path | None:
        """The file the policy was read from (None when built in memory)."""
        return self._file

    def term(self, key: TermKey) -> Term:
        return self.terms.get(key.value) or PROFILES[self.operator.jurisdiction].terms[key]

    @property
    def calendar_country(self) -> str | None:
        return self.calendar or PROFILES[self.operator.jurisdiction].calendar_country

    def store_of(self, spec: TableSpec) -> StoreSpec:
        """The store a table of this policy belongs to."""
        return next(s for s in self.stores if any(t is spec for t in s.tables))

    def timestamp_zone(self, spec: TableSpec, column: str) -> str:
        """The IANA zone in which `column` of `spec` holds timestamps without a zone: the
        table's word for it, else the store's, else UTC."""
        given = spec.timestamps
        if isinstance(given, dict):
            given = given.get(column)
        zone = given or self.store_of(spec).timestamps or "utc"
        return {"utc": "UTC", "local": self.operator.timezone}.get(zone, zone)

    def purpose(self, purpose_id: str) -> Purpose:
        return next(p for p in self.purposes if p.id == purpose_id)


def child_filters(spec: TableSpec) -> dict[str, Condition]:
    """The children's own `where:` by table, for the conditions that look into them."""
    return {child.table: child.where for child in spec.children if child.where is not None}


def applied_specs(purpose: Purpose, spec: TableSpec) -> list[ColumnSpec]:
    """The policy's columns whose operators a run may apply: on depersonalize, the table's
    and its children's; on destroy, those of children depersonalized then. Known without
    reading the store."""
    depersonalizing = purpose.may_depersonalize
    applied = list(spec.columns.values()) if depersonalizing else []
    for child in spec.children:
        if (depersonalizing and child.depersonalized_with_parent) or (
            child.on_destroy is ChildAction.DEPERSONALIZE
        ):
            applied += child.columns.values()
    return applied
