"""`pdpipe init`: a starter policy from a scan and the schema of one database.

What it proposes, from names, categories and shares only (never a value read):

- a processed table for each table holding PD with a one-column primary key and no
  foreign key to another such table; a table without one is named in a comment;
- as children of a processed table, the tables whose declared foreign key refers to its
  key (PD of their own or not), with `on_destroy`:
      delete        a link table (two foreign keys or more, no PD) or an event table
                    (views, clicks, logs ...): its rows say what the person did;
      depersonalize the child holds PD, its fk allows NULL and it has a primary key: the
                    rows outlive the record, their PD does not;
      delete        the child holds PD but cannot be detached (fk NOT NULL, no key);
      set_null      no PD and an fk that allows NULL: the rows stay, unlinked;
      delete        no PD and an fk NOT NULL;
- the clock: a timestamp column, names of updates first, then of creation;
- status-like columns (status, state, consent*, unsubscribed*, deleted*, blocked*) as
  commented candidate end rules;
- each PD column with its categories and the first operator of its category that can
  write the column (its type, NULL, a unique index), checked as `pdpipe check` checks;
- `TODO` where a person must decide: operator, purpose title, legal ground, kinds of
  processing, retention term, what happens at the end (policy/placeholders.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pdpipe.detectors.column_names import tokens
from pdpipe.discovery.compare import Verdict
from pdpipe.discovery.sample import DEFAULT_ROWS
from pdpipe.discovery.scan import scan
from pdpipe.discovery.schema import ColumnShape, TableShape, read_schema
from pdpipe.discovery.starter_text import name as yaml_name
from pdpipe.discovery.starter_text import render
from pdpipe.discovery.store_url import bare_store
from pdpipe.operators.base import OperatorContext, OperatorError
from pdpipe.operators.columns import describe_column
from pdpipe.operators.registry import build_operator
from pdpipe.stores.owner import Stores, owned

Progress = Callable[[str, int, int], None]  # (stage, steps done, steps)
Operator = tuple[str, dict[str, Any]]  # name, options

# A detector's category -> the policy's categories (the demo policy's names).
CATEGORIES: dict[str, tuple[str, ...]] = {"full_name": ("last_name", "first_name", "patronymic")}
ORDER = (
    "last_name",
    "first_name",
    "patronymic",
    "email",
    "phone",
    "birth_date",
    "address",
    "ip_address",
    "inn",
    "snils",
    "iin",
    "passport",
    "bank_card",
)
_REDACT: Operator = ("redact", {})
_PSEUDONYM: Operator = ("pseudonym", {})
# First choice per category; then redact, then pseudonym (distinct values stay distinct,
# for a unique NOT NULL column).
PROPOSED: dict[str, Operator] = {
    "email": ("pseudonym_email", {}),
    "phone": ("mask", {"keep_last": 2}),
    "birth_date": ("generalize", {"to": "year"}),
    "bank_card": ("mask", {"keep_last": 4}),
}
EVENT_WORDS = frozenset(
    {"event", "events", "log", "logs", "click", "clicks", "view", "views", "open", "opens"}
    | {"visit", "visits", "session", "sessions", "history", "audit", "activity", "hits"}
)
UPDATED_WORDS = frozenset({"updated", "modified", "changed"})
CREATED_WORDS = frozenset({"created", "inserted", "registered", "added"})
STATUS_STEMS = ("status", "state", "consent", "unsubscrib", "deleted", "block", "withdraw")
_NOT_A_CLOCK = ("consent", "until", "expir", "deleted", "withdraw", "unsubscrib", "birth", "dob")


@dataclass(frozen=True)
class PdColumn:
    name: str
    data: tuple[str, ...]
    operator: Operator | None
    found: str  # "email 100% (value shape)": categories, shares, evidence


@dataclass(frozen=True)
class Child:
    table: str
    fk: str
    on_destroy: str
    why: str
    columns: list[PdColumn]


@dataclass
class Processed:
    name: str
    key: str
    clock: str | None
    clock_note: str
    subject_email: str | None
    ends: list[str]  # candidate rules, commented
    columns: list[PdColumn]
    children: list[Child] = field(default_factory=list)


@dataclass
class StarterPolicy:
    """The policy's text, and what it holds."""

    text: str
    tables: list[str]  # processed tables
    children: int
    skipped: list[tuple[str, str]]  # PD tables it could not declare, and why
    todos: int


def starter_policy(
    url: str,
    *,
    rows: int = DEFAULT_ROWS,
    policy_dir: Path | None = None,
    progress: Progress | None = None,
    stores: Stores | None = None,
) -> StarterPolicy:
    """Scan the database at `url` and read its schema, then write a starter policy for
    it. `policy_dir` is where the file will live: a relative SQLite path in its `url:` is
    read from there. Reads only (SQLite files are opened read-only)."""
    store = bare_store(url)
    report = progress or (lambda _stage, _done, _total: None)
    with owned(stores, read_only=True) as owner:
        report(f"sampling {store.name}", 0, 2)
        verdicts = scan([store], None, rows=rows, stores=owner).verdicts
        report("reading the schema", 1, 2)
        schema = read_schema(store, stores=owner)
    report("", 2, 2)
    tables, skipped = plan_tables(schema, verdicts)
    text = render(store.name, url, policy_dir, tables, skipped, _purpose_data(tables))
    return StarterPolicy(
        text,
        [t.name for t in tables],
        sum(len(t.children) for t in tables),
        skipped,
        sum(1 for line in text.splitlines() if _is_todo_line(line)),
    )


def _is_todo_line(line: str) -> bool:
    value = line.split("#", 1)[0]
    return "TODO" in value and not line.lstrip().startswith("#")


def plan_tables(
    schema: dict[str, TableShape], verdicts: list[Verdict]
) -> tuple[list[Processed], list[tuple[str, str]]]:
    """The processed tables with their children, and the PD tables left out (why)."""
    found: dict[str, list[Verdict]] = {}
    for verdict in verdicts:
        if verdict.table in schema and verdict.found:
            found.setdefault(verdict.table, []).append(verdict)
    pd_tables = set(found)

    def parents(shape: TableShape) -> list[str]:
        return [
            fk.table
            for fk in shape.foreign_keys
            if fk.table in pd_tables and fk.table != shape.name and schema[fk.table].key
        ]

    roots = [t for t in sorted(pd_tables) if schema[t].key and not parents(schema[t])]
    skipped = [
        (t, "no one-column primary key: pdpipe needs a key to name each record")
        for t in sorted(pd_tables)
        if not schema[t].key and not any(fk.table in roots for fk in schema[t].foreign_keys)
    ]
    processed = {t: _processed(schema[t], found[t]) for t in roots}
    adopted: set[str] = set()
    for name, shape in schema.items():
        for fk in shape.foreign_keys:
            parent = processed.get(fk.table)
            if parent is None or name == fk.table or fk.referred != parent.key:
                continue
            parent.children.append(_child(shape, fk.column, found.get(name, [])))
            adopted.add(name)
    for table in sorted(pd_tables - set(roots) - adopted - {t for t, _ in skipped}):
        # PD reached through another child, or a cycle: processed on its own.
        processed[table] = _processed(schema[table], found[table])
    return [processed[t] for t in sorted(processed)], skipped


def _processed(shape: TableShape, verdicts: list[Verdict]) -> Processed:
    assert shape.key is not None
    columns = _pd_columns(shape, verdicts)
    clock, note = _clock(shape, {c.name.split(".")[0] for c in columns})
    emails = [c.name for c in columns if c.data == ("email",) and "." not in c.name]
    return Processed(
        shape.name,
        shape.key,
        clock,
        note,
        emails[0] if emails else None,
        _end_rules(shape, clock),
        columns,
    )


def _child(shape: TableShape, fk: str, verdicts: list[Verdict]) -> Child:
    columns = _pd_columns(shape, verdicts)
    nullable = shape.columns[fk].nullable
    links = {f.table for f in shape.foreign_keys}
    if set(tokens(shape.name)) & EVENT_WORDS:
        action, why = "delete", "an event table: its rows say what the person did"
    elif len(links) >= 2 and not columns:
        action, why = "delete", "a link table: its rows only tie the person to other records"
    elif columns and nullable and shape.primary_key:
        action, why = (
            "depersonalize",
            "holds PD: its rows are detached and outlive the record, their PD does not",
        )
    elif columns:
        why = f"holds PD; {fk} is NOT NULL" if not nullable else "holds PD; it has no primary key"
        action, why = "delete", f"{why}, so its rows cannot outlive the record"
    elif nullable:
        action, why = "set_null", "no PD of its own: its rows stay, no longer tied to the person"
    else:
        action, why = "delete", f"no PD of its own, but {fk} is NOT NULL"
    return Child(shape.name, fk, action, why, columns)


def _pd_columns(shape: TableShape, verdicts: list[Verdict]) -> list[PdColumn]:
    columns = []
    for verdict in sorted(verdicts, key=lambda v: v.column):
        if not _addressable(verdict.column):
            continue  # a key inside a list, or a key that is data: see the comment
        data: list[str] = []
        for category, _, _ in verdict.details:
            data += [c for c in CATEGORIES.get(category, (category,)) if c not in data]
        found = ", ".join(f"{c} {s:.0%} ({e})" for c, s, e in verdict.details)
        prose = any(e == "free text" for _, _, e in verdict.details)
        first = verdict.details[0][0] if verdict.details else ""
        wanted = _REDACT if prose else PROPOSED.get(first, _REDACT)
        columns.append(
            PdColumn(verdict.column, tuple(data), _fitting(shape, verdict, wanted), found)
        )
    return columns


def _addressable(column: str) -> bool:
    """A column, or `column.key`: what a policy's `columns` can name."""
    return "[" not in column and "*" not in column and column.count(".") <= 1


def _fitting(shape: TableShape, verdict: Verdict, wanted: Operator) -> Operator | None:
    """The first of `wanted`, redact, pseudonym that can write the column, as check asks."""
    own = verdict.column.split(".")[0]
    column: ColumnShape | None = shape.columns.get(own)
    if column is None:
        return None
    info = describe_column(shape.name, verdict.column, column.type, column.nullable)
    unique = own in shape.unique and "." not in verdict.column
    for name, options in (wanted, _REDACT, _PSEUDONYM):
        try:
            operator = build_operator(name, options)
            operator.check(OperatorContext(info, secret=b"checked-at-run-time"))
        except OperatorError:
            continue
        if not unique or operator.may_write_unique(info):
            return name, options
    return None


def _clock(shape: TableShape, pd: set[str]) -> tuple[str | None, str]:
    """A timestamp the retention term counts from: the last update first (a record in use
    is not due because it is old), then its creation, then any other."""
    stamps = [c for c in shape.columns.values() if c.is_timestamp and c.name not in pd]

    def rank(column: ColumnShape) -> int:
        words = set(tokens(column.name))
        if words & UPDATED_WORDS:
            return 0
        if words & CREATED_WORDS:
            return 1
        return 3 if any(stem in column.name.lower() for stem in _NOT_A_CLOCK) else 2

    ranked = sorted((c for c in stamps if rank(c) < 3), key=lambda c: (rank(c), c.name))
    if not ranked:
        return None, "no timestamp column to count the term from: add one, or name one"
    chosen = ranked[0]
    others = [yaml_name(c.name) for c in stamps if c is not chosen]
    kind = {0: "its last change", 1: "its creation"}.get(rank(chosen), "a timestamp")
    note = f"keep_for counts from {kind}"
    return chosen.name, note + (f"; other timestamps: {', '.join(others)}" if others else "")


def _end_rules(shape: TableShape, clock: str | None) -> list[str]:
    """Commented candidate rules, one per status-like column."""
    since = yaml_name(clock) if clock else "TIMESTAMP"
    rules = []
    for column in shape.columns.values():
        name = yaml_name(column.name)
        lowered = column.name.lower()
        if column.name == clock or not any(stem in lowered for stem in STATUS_STEMS):
            continue
        words = set(tokens(name))
        if column.is_timestamp:
            if words & {"until", "expires", "expiry", "valid", "till", "expiration"}:
                rules.append(f"{{reason: consent_expired, since: {name}}}")
            elif "consent" in lowered and not ("withdraw" in lowered or "revok" in lowered):
                rules.append(f"# consent_given: {name}  (with the purpose's consent_valid_for)")
            else:
                reason = "purpose_achieved" if "deleted" in lowered else "consent_withdrawn"
                rules.append(
                    f"{{reason: {reason}, when: {{{name}: {{is_null: false}}}}, since: {name}}}"
                )
        elif column.kind == "text":
            rules.append(
                f"{{reason: REASON, when: {{{name}: VALUE}}, since: {since}}}"
                f"  # which value of {name} ends the purpose, and why?"
            )
        else:
            flag = "false" if "consent" in lowered else "true"
            reason = "purpose_achieved" if "deleted" in lowered else "consent_withdrawn"
            rules.append(f"{{reason: {reason}, when: {{{name}: {flag}}}, since: {since}}}")
    return rules


def _purpose_data(tables: list[Processed]) -> list[str]:
    used = {
        category
        for table in tables
        for column in [*table.columns, *(c for child in table.children for c in child.columns)]
        for category in column.data
    }
    return [c for c in ORDER if c in used] + sorted(used - set(ORDER))
