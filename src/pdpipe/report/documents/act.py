"""An act, as the words and numbers its renderers print: built from the policy and the
ledger's grouped lines, with no I/O of its own.

Order 179's items, and where each comes from:
 1 operator's name and address          policy operator.name, operator.address
 2 processor, if any                    policy operator.processor
 3 the subjects                         the records' internal keys (appendix or extract)
 4 persons who destroyed, positions     policy acts.responsible, signature lines
 5 categories destroyed                 the ledger's categories per line
 7 the information system               policy operator.information_system, the store
 8 the method                           SQL DELETE (children named) or each operator's
                                        depersonalization method
 9 the reason                           the ledger's reason and legal basis
10 the date                             the ledger's times, in the operator's timezone
(6, sheets of paper media, does not apply to automated processing.)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal
from zoneinfo import ZoneInfo

from pdpipe.operators import OPERATORS
from pdpipe.policy.models import ChildAction, Person, Policy, TableSpec
from pdpipe.report.documents import texts
from pdpipe.report.documents.gather import DEPERSONALIZE, DESTROY, Line
from pdpipe.report.documents.texts import Language

Kind = Literal["destruction-act", "depersonalization-record"]
KIND_OF_ACTION: dict[str, Kind] = {
    DESTROY: "destruction-act",
    DEPERSONALIZE: "depersonalization-record",
}


@dataclass(frozen=True)
class Row:
    system: str
    table: str
    categories: str
    method: str
    reason: str
    date: str
    records: int


@dataclass(frozen=True)
class Act:
    kind: Kind
    language: Language
    number: str
    drawn_up: dt.date
    operator: str
    address: str
    processor: str
    system: str
    persons: list[Person]
    rows: list[Row]
    records: int
    keys: dict[str, list[str]] = field(default_factory=dict)  # "store.table" -> keys
    extracts: list[str] = field(default_factory=list)  # file names, when keys are not inline
    notes: list[str] = field(default_factory=list)  # what a reader must know beside the table

    def label(self, name: str, **values: object) -> str:
        return texts.label(self.language, name, **values)

    @property
    def title(self) -> str:
        return self.label(self.kind)

    @property
    def depersonalization(self) -> bool:
        return self.kind == "depersonalization-record"

    def field_rows(self) -> list[tuple[str, str]]:
        """Items 1, 2, 7 and 3 of the order, as label and text."""
        subjects = self.label("subjects_text", records=f"{self.records:,}")
        if self.keys:
            subjects += " " + self.label("subjects_inline")
        elif self.extracts:
            subjects += " " + self.label("subjects_extract", files=", ".join(self.extracts))
        return [
            (self.label("operator"), self.operator),
            (self.label("address"), self.address),
            (self.label("processor"), self.processor),
            (self.label("system"), self.system),
            (self.label("subjects"), subjects),
        ]


def build_act(
    policy: Policy,
    kind: Kind,
    lines: list[Line],
    *,
    number: str,
    drawn_up: dt.date,
    language: Language,
    keys: dict[str, list[str]] | None = None,
    extracts: list[str] | None = None,
    notes: list[str] | None = None,
) -> Act:
    operator = policy.operator
    zone = ZoneInfo(operator.timezone)
    specs = {(s.name, t.name): t for s in policy.stores for t in s.tables}
    rows = [
        Row(
            system=line.store,
            table=line.table,
            categories=texts.categories(language, line.categories),
            method=_method(specs.get((line.store, line.table)), line.action, language),
            reason=f"{texts.reason(language, line.reason)} ({line.legal_basis})",
            date=_dates(line, zone),
            records=line.records,
        )
        for line in lines
    ]
    not_given = texts.label(language, "not_given")
    return Act(
        kind=kind,
        language=language,
        number=number,
        drawn_up=drawn_up,
        operator=operator.name,
        address=operator.address or not_given,
        processor=operator.processor or texts.label(language, "none"),
        system=operator.information_system or ", ".join(s.name for s in policy.stores),
        persons=list(policy.acts.responsible),
        rows=rows,
        records=sum(line.records for line in lines),
        keys=keys or {},
        extracts=extracts or [],
        notes=notes or [],
    )


def _method(spec: TableSpec | None, action: str, language: Language) -> str:
    if spec is None:  # a table the policy no longer names: the ledger still says what
        return action
    if action == DESTROY:
        children = [
            texts.label(language, f"child_{child.on_destroy.value}", table=child.table)
            for child in spec.children
            if child.on_destroy is not ChildAction.DEPERSONALIZE or child.columns
        ]
        return "; ".join([texts.label(language, "destroy_method"), *children])
    methods: dict[str, list[str]] = {}
    for name, column in spec.columns.items():
        if column.depersonalize is None:
            continue
        operator = OPERATORS.get(column.depersonalize.name)
        method = (
            texts.METHODS[language][operator.method]
            if operator is not None
            else column.depersonalize.name
        )
        methods.setdefault(method, []).append(f"{name}: {column.depersonalize.name}")
    return "; ".join(f"{method} ({', '.join(used)})" for method, used in methods.items())


def _dates(line: Line, zone: ZoneInfo) -> str:
    first, last = (
        instant.replace(tzinfo=dt.UTC).astimezone(zone).date()
        for instant in (line.first_at, line.last_at)
    )
    return first.isoformat() if first == last else f"{first.isoformat()} – {last.isoformat()}"
