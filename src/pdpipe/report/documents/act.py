"""An act, as the words and numbers its renderers print: built from the policy and the
ledger's grouped lines, with no I/O of its own.

Order 179's items, and where each comes from:
 1 operator's name and address          policy operator.name, operator.address
 2 processor, if any                    policy operator.processor
 3 the subjects                         the records' internal keys (appendix or extract):
                                        "other information" relating to them, never a
                                        destroyed value
 4 persons who destroyed, positions     policy acts.responsible, signature lines
 5 categories destroyed                 the ledger's categories per line
 7 the information system               policy operator.information_system (default: the
                                        stores' names), the same in the extract
 8 the method                           SQL DELETE, or each operator's depersonalization
                                        method; the dependent tables, column by column
 9 the reason                           the ground for destroying (grounds.py), not the
                                        purpose's processing ground
10 the date                             the ledger's times, as the operator's local dates
(6, sheets of paper media, does not apply to automated processing.)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal
from zoneinfo import ZoneInfo

from pdpipe.operators import OPERATORS
from pdpipe.policy.models import ChildAction, ChildOnDepersonalize, Person, Policy, TableSpec
from pdpipe.report.documents import grounds, texts
from pdpipe.report.documents.gather import DEPERSONALIZE, DESTROY, HeldLine, Line
from pdpipe.report.documents.texts import Language

Kind = Literal["destruction-act", "depersonalization-record"]
KIND_OF_ACTION: dict[str, Kind] = {
    DESTROY: "destruction-act",
    DEPERSONALIZE: "depersonalization-record",
}


ORDER_179_UNTIL = dt.date(2029, 3, 1)  # it applies from 2023-03-01 until this day


@dataclass(frozen=True)
class Row:
    system: str  # the database (store) within the information system
    table: str
    categories: str
    method: str
    reason: str
    date: str
    records: int


@dataclass(frozen=True)
class ChildRow:
    """What was done to one dependent table (or one of its columns) of a main table."""

    system: str
    parent: str
    table: str
    column: str
    method: str
    records: int  # records of the main table in the document
    rows: int | None  # rows of the dependent table; None: not counted (see the notes)


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
    children: list[ChildRow] = field(default_factory=list)
    methods_order: str = ""  # the order a depersonalization record cites for its methods
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

    @property
    def legal_ground(self) -> str:
        if self.depersonalization:
            return self.label("legal_ground_depersonalization", methods_order=self.methods_order)
        return self.label("legal_ground")

    def rows_text(self, child: ChildRow) -> str:
        return self.label("rows_not_counted") if child.rows is None else f"{child.rows:,}"

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


def information_system(policy: Policy) -> str:
    """The one name the act and the extract give the information system: the policy's, or
    the names of the stores it consists of."""
    named = policy.operator.information_system
    return named or ", ".join(dict.fromkeys(store.name for store in policy.stores))


class Counted(int):
    """Child rows as the batches counted them in their own transactions while they acted
    (pdpipe_child_counts), where a plain number was counted when the document was drawn up."""


ChildCounts = dict[tuple[str, str, str], int | None]  # (store, main table, child) -> rows


def build_act(
    policy: Policy,
    kind: Kind,
    lines: list[Line],
    *,
    number: str,
    drawn_up: dt.date,
    language: Language,
    child_rows: ChildCounts | None = None,
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
            reason=grounds.text(policy, language, line.ground, line.action),
            date=_dates(line, zone),
            records=line.records,
        )
        for line in lines
    ]
    action = DEPERSONALIZE if kind == "depersonalization-record" else DESTROY
    children = _children(specs, lines, action, language, child_rows or {})
    own_notes = []
    if any(isinstance(child.rows, Counted) for child in children):
        own_notes.append(texts.label(language, "note_children_recorded"))
    if any(not isinstance(child.rows, Counted) for child in children):
        counted = "note_children_counted" if action == DEPERSONALIZE else "note_children_destroyed"
        own_notes.append(texts.label(language, counted))
    if operator.information_system is None:
        own_notes.append(texts.label(language, "note_system_default"))
    if action == DESTROY:
        sunset = "note_order_179" if drawn_up < ORDER_179_UNTIL else "note_order_179_expired"
        own_notes.append(texts.label(language, sunset))
    not_given = texts.label(language, "not_given")
    return Act(
        kind=kind,
        language=language,
        number=number,
        drawn_up=drawn_up,
        operator=operator.name,
        address=operator.address or not_given,
        processor=operator.processor or texts.label(language, "none"),
        system=information_system(policy),
        persons=list(policy.acts.responsible),
        rows=rows,
        records=sum(line.records for line in lines),
        children=children,
        methods_order=policy.acts.depersonalization_order or texts.label(language, "methods_order"),
        keys=keys or {},
        extracts=extracts or [],
        notes=own_notes + (notes or []),
    )


def _method(spec: TableSpec | None, action: str, language: Language) -> str:
    if spec is None:  # a table the policy no longer names: the ledger still says what
        return action
    if action == DESTROY:
        return texts.label(language, "destroy_method")
    methods: dict[str, list[str]] = {}
    for name, column in spec.columns.items():
        if column.depersonalize is not None:
            method = _column_method(column.depersonalize.name, language)
            methods.setdefault(method, []).append(f"{name}: {column.depersonalize.name}")
    return "; ".join(f"{method} ({', '.join(used)})" for method, used in methods.items())


def _column_method(operator_name: str, language: Language) -> str:
    operator = OPERATORS.get(operator_name)
    return texts.METHODS[language][operator.method] if operator is not None else operator_name


def _children(
    specs: dict[tuple[str, str], TableSpec],
    lines: list[Line],
    action: str,
    language: Language,
    counts: ChildCounts,
) -> list[ChildRow]:
    """Per main table of the document, each dependent table as the policy handles it:
    for destroyed records, deleted, detached, or depersonalized column by column and
    detached; for depersonalized records, its declared columns (the rest is untouched)."""
    records: dict[tuple[str, str], int] = {}
    for line in lines:
        records[(line.store, line.table)] = records.get((line.store, line.table), 0) + line.records
    found: list[ChildRow] = []
    for (store, table), count in sorted(records.items()):
        spec = specs.get((store, table))
        for child in spec.children if spec is not None else []:
            # Counted by the batches; or, for earlier runs, counted now where they still
            # exist (the ledger keeps the parents only): else None.
            rows = counts.get((store, table, child.table))
            done: list[tuple[str, str]] = []  # (column, method)
            deleted = (action == DESTROY and child.on_destroy is ChildAction.DELETE) or (
                action == DEPERSONALIZE and child.when_depersonalized is ChildOnDepersonalize.DELETE
            )
            if action == DEPERSONALIZE and child.when_depersonalized is ChildOnDepersonalize.KEEP:
                continue  # its rows stay as they were: nothing was done to them
            if deleted:
                done.append((texts.label(language, "all_columns"), _label(language, "delete")))
            else:
                for name, column in child.columns.items():
                    if column.depersonalize is not None:
                        operator_name = column.depersonalize.name
                        method = _column_method(operator_name, language)
                        done.append((name, f"{method} ({operator_name})"))
                if action == DESTROY:  # set_null, and depersonalize's detaching of the rows
                    done.append((child.fk, _label(language, "set_null")))
            found += [
                ChildRow(store, table, child.table, column, method, count, rows)
                for column, method in done
            ]
    return found


def _label(language: Language, child_action: str) -> str:
    return texts.label(language, f"child_{child_action}")


def _dates(line: Line, zone: ZoneInfo) -> str:
    first, last = (
        instant.replace(tzinfo=dt.UTC).astimezone(zone).date()
        for instant in (line.first_at, line.last_at)
    )
    return first.isoformat() if first == last else f"{first.isoformat()} – {last.isoformat()}"


def hold_notes(language: Language, held: list[HeldLine]) -> list[str]:
    """The paragraph on holds: each hold the run met, its ground and end, and how many
    due records it kept from being destroyed or depersonalized (none: no paragraph)."""
    if not held:
        return []
    items = [
        texts.label(
            language,
            "hold_item",
            store=line.store,
            table=line.table,
            kind=texts.label(language, f"hold_{line.kind}"),
            ground=line.ground,
            until=texts.label(language, "hold_until", date=line.until.isoformat())
            if line.until is not None
            else texts.label(language, "hold_no_end"),
            records=f"{line.records:,}",
        )
        for line in held
    ]
    return [texts.label(language, "note_holds", holds="; ".join(items))]
