"""Checks a policy against the live schema of its stores (``pdpipe check``).

Reads the catalog; where no unique constraint proves it, counts duplicate keys; and has
the database compare each value a condition holds with its column, reading no row
(stores/condition_values.py). Every problem carries the policy path it concerns; values
are never read.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import sqlalchemy as sa

from pdpipe.errors import DatabaseMissing, StoreError
from pdpipe.operators.base import ColumnInfo, OperatorContext, OperatorError
from pdpipe.operators.columns import describe_column
from pdpipe.operators.registry import build_operator
from pdpipe.policy.conditions import referenced_columns
from pdpipe.policy.errors import Loc, PolicyError, Problem
from pdpipe.policy.loading import located
from pdpipe.policy.models import (
    ChildAction,
    ColumnRef,
    ColumnSpec,
    Policy,
    StoreSpec,
    TableSpec,
)
from pdpipe.stores.condition_values import value_problems
from pdpipe.stores.owner import owned
from pdpipe.stores.unique_indexes import UniqueIndex, unique_indexes


def _can_hold_json(kind: sa.types.TypeEngine[object]) -> bool:
    """JSON, or unbounded text: MariaDB reflects JSON as LONGTEXT, SQLite may keep TEXT."""
    if isinstance(kind, sa.JSON | sa.Text):
        return True
    return isinstance(kind, sa.String) and kind.length is None


@dataclass
class _Catalog:
    inspector: sa.Inspector
    tables: set[str]
    connection: sa.Connection
    _referring: dict[str, list[tuple[str, list[str], str | None]]] | None = None

    def columns(self, table: str) -> dict[str, sa.types.TypeEngine[object]]:
        return {c["name"]: c["type"] for c in self.inspector.get_columns(table)}

    def nullable(self, table: str) -> dict[str, bool]:
        return {c["name"]: bool(c["nullable"]) for c in self.inspector.get_columns(table)}

    def referring(self, table: str) -> list[tuple[str, list[str], str | None]]:
        """(table, columns, ON DELETE) of each foreign key of another table referring to
        `table`. One catalog read per store: a store may hold hundreds of tables."""
        if self._referring is None:
            self._referring = {}
            for (_, name), constraints in self.inspector.get_multi_foreign_keys().items():
                for constraint in constraints:
                    ondelete = constraint.get("options", {}).get("ondelete")
                    self._referring.setdefault(constraint["referred_table"], []).append(
                        (name, list(constraint["constrained_columns"]), ondelete)
                    )
        return [r for r in self._referring.get(table, []) if r[0] != table]

    def unique(self, table: str) -> list[UniqueIndex]:
        """Every unique index on `table`, whatever its form: changing a column one
        constrains can make two rows collide, alone or with the index's other parts."""
        return unique_indexes(self.connection, self.inspector, table)


def store_problems(policy: Policy) -> list[Problem]:
    problems: list[Problem] = []
    for index, store in enumerate(policy.stores):
        problems += _check_store(("stores", index), store)
    return problems


def refuse_store_problems(policy: Policy) -> None:
    """Raise PolicyError (exit 2) naming the policy file, and the line there, of every
    place the stores do not match: before a command reads or writes anything more."""
    PolicyError.collect(located(store_problems(policy), policy.file), policy.file)


def refuse_undeclared_referrers(policy: Policy) -> None:
    """Raise PolicyError (exit 2) for each foreign key that would stop a destruction
    halfway (`_undeclared_referrers`): what requests check before they write, the part of
    `refuse_store_problems` they need."""
    problems: list[Problem] = []
    for index, store in enumerate(policy.stores):
        try:
            with owned(read_only=True) as stores, stores.connect(store) as connection:
                catalog = _catalog(connection)
                for t_index, table in enumerate(store.tables):
                    if table.name in catalog.tables:
                        loc: Loc = ("stores", index, "tables", t_index)
                        problems += _undeclared_referrers(loc, table, catalog)
        except (StoreError, DatabaseMissing) as exc:
            problems.append(Problem(("stores", index), str(exc)))
    PolicyError.collect(located(problems, policy.file), policy.file)


def _catalog(connection: sa.Connection) -> _Catalog:
    inspector = sa.inspect(connection)
    return _Catalog(inspector, set(inspector.get_table_names()), connection)


def _check_store(loc: Loc, store: StoreSpec) -> list[Problem]:
    try:
        with owned(read_only=True) as stores, stores.connect(store) as connection:
            catalog = _catalog(connection)
            problems: list[Problem] = []
            for t_index, table in enumerate(store.tables):
                problems += _check_table((*loc, "tables", t_index), table, catalog, connection)
            return problems
    except (StoreError, DatabaseMissing) as exc:
        return [Problem(loc, str(exc))]


def _check_table(
    loc: Loc, table: TableSpec, catalog: _Catalog, connection: sa.Connection
) -> list[Problem]:
    if table.name not in catalog.tables:
        return [Problem((*loc, "name"), f"table '{table.name}' not found in the store")]
    columns = catalog.columns(table.name)
    problems = list(_without_transactions(loc, table, catalog, connection))
    problems += _column_refs(loc, table, columns, catalog)
    problems += _undeclared_referrers(loc, table, catalog)
    problems += value_problems(loc, table, connection, catalog.inspector)
    if table.key in columns:
        problems += _key_problems(loc, table, catalog, connection)
    return problems


# MariaDB engines whose changes a ROLLBACK undoes: a batch in any other (MyISAM, Aria,
# MEMORY, CSV, ARCHIVE) would be half-done when it fails, and its ledger rows gone.
_TRANSACTIONAL = {"innodb", "rocksdb", "tokudb"}


def _without_transactions(
    loc: Loc, table: TableSpec, catalog: _Catalog, connection: sa.Connection
) -> Iterator[Problem]:
    """Tables a run writes to whose engine cannot roll a batch back (MariaDB only)."""
    if connection.dialect.name not in ("mysql", "mariadb"):
        return
    written = [((*loc, "name"), table.name)]
    written += [((*loc, "children", i, "table"), c.table) for i, c in enumerate(table.children)]
    for where, name in written:
        if name not in catalog.tables:
            continue
        engine = catalog.inspector.get_table_options(name).get("mysql_engine")
        if engine and str(engine).lower() not in _TRANSACTIONAL:
            yield Problem(
                where,
                f"table '{name}' uses the {engine} engine, which has no transactions: a "
                "batch that fails could not be undone, leaving records changed without "
                f"their ledger rows; convert it first (ALTER TABLE {name} ENGINE=InnoDB)",
            )


def _missing(loc: Loc, table: str, column: str, columns: Mapping[str, object]) -> Problem:
    known = ", ".join(sorted(columns))
    return Problem(loc, f"column '{column}' not found in table '{table}' (has: {known})")


def _column_refs(
    loc: Loc,
    table: TableSpec,
    columns: dict[str, sa.types.TypeEngine[object]],
    catalog: _Catalog,
) -> Iterator[Problem]:
    singles: list[tuple[Loc, str | None]] = [
        ((*loc, "key"), table.key),
        ((*loc, "clock"), table.clock),
        ((*loc, "consent_given"), table.consent_given),
    ]
    singles += [((*loc, "subject", kind), column) for kind, column in table.subject.items()]
    singles += [((*loc, "ends", i, "since"), rule.since) for i, rule in enumerate(table.ends)]
    for where, column in singles:
        if column is not None and ColumnRef(column).column not in columns:
            yield _missing(where, table.name, ColumnRef(column).column, columns)
    yield from _pd_columns((*loc, "columns"), table.name, table.columns, columns, catalog)
    conditions = [((*loc, "ends", i, "when"), r.when) for i, r in enumerate(table.ends)]
    conditions += [((*loc, "holds", i, "when"), h.when) for i, h in enumerate(table.holds)]
    for where, condition in conditions:
        if condition is None:
            continue
        for on_table, column in sorted(referenced_columns(condition, table.name)):
            if on_table not in catalog.tables:
                yield Problem(where, f"table '{on_table}' not found in the store")
                continue
            known = columns if on_table == table.name else catalog.columns(on_table)
            if column not in known:
                yield _missing(where, on_table, column, known)
    for c_index, child in enumerate(table.children):
        child_loc: Loc = (*loc, "children", c_index)
        if child.table not in catalog.tables:
            yield Problem((*child_loc, "table"), f"table '{child.table}' not found in the store")
            continue
        child_columns = catalog.columns(child.table)
        if child.fk not in child_columns:
            yield _missing((*child_loc, "fk"), child.table, child.fk, child_columns)
        else:
            yield from _declared_fk(child_loc, table, child.table, child.fk, catalog)
            yield from _child_action(child_loc, child.table, child.fk, child.on_destroy, catalog)
        if (
            child.depersonalized_with_parent
            and child.columns
            and child.on_destroy is not (ChildAction.DEPERSONALIZE)
        ):
            yield from _write_back_key((*child_loc, "on_depersonalize"), child.table, catalog)
        if child.where is not None:
            for _, column in sorted(referenced_columns(child.where, child.table)):
                if column not in child_columns:
                    yield _missing((*child_loc, "where"), child.table, column, child_columns)
        yield from _pd_columns(
            (*child_loc, "columns"), child.table, child.columns, child_columns, catalog
        )


def _pd_columns(
    loc: Loc,
    table: str,
    specs: Mapping[str, ColumnSpec],
    columns: dict[str, sa.types.TypeEngine[object]],
    catalog: _Catalog,
) -> Iterator[Problem]:
    nullable = catalog.nullable(table) if specs else {}
    unique = catalog.unique(table) if specs else []
    for name, spec in specs.items():
        ref = ColumnRef(name)
        if ref.column not in columns:
            yield _missing((*loc, name), table, ref.column, columns)
        elif ref.is_json_path and not _can_hold_json(columns[ref.column]):
            yield Problem(
                (*loc, name),
                f"'{name}' is a path inside column '{ref.column}', which is "
                f"{columns[ref.column]!r}, not a JSON column",
            )
        elif spec.depersonalize is not None:
            info = describe_column(table, name, columns[ref.column], nullable.get(ref.column, True))
            indexes = [i for i in unique if _constrains(i, ref)]
            yield from _operator_fits((*loc, name, "depersonalize"), spec, info, indexes)


def _constrains(index: UniqueIndex, ref: ColumnRef) -> bool:
    """A new value in `ref` can collide in `index`: a key inside a JSON column only where
    an expression picks that key out (`attribs->>'phone'`)."""
    if ref.is_json_path:
        return index.holds_json_key(ref.column, ref.json_path[-1])
    return ref.column in index.columns


def _operator_fits(
    loc: Loc, spec: ColumnSpec, info: ColumnInfo, unique: list[UniqueIndex]
) -> Iterator[Problem]:
    """The operator can write this column's type, and its unique index if it has one (the
    policy file alone cannot tell)."""
    assert spec.depersonalize is not None
    try:
        operator = build_operator(spec.depersonalize.name, spec.depersonalize.options)
        # The key is checked when a run needs it, not here: check runs without secrets.
        operator.check(OperatorContext(info, secret=b"checked-at-run-time"))
    except OperatorError as exc:
        yield Problem(loc, str(exc))
        return
    if unique and not operator.may_write_unique(info):
        indexes = "; ".join(index.describe() for index in unique)
        yield Problem(
            loc,
            f"{info.label} is in a unique index ({indexes}), and operator '{operator.name}' "
            "can give two records the same value, which the index would refuse mid-run: use "
            "pseudonym or pseudonym_email (or redact, if the column allows NULL)",
        )


def _child_action(
    loc: Loc, child: str, fk: str, action: ChildAction, catalog: _Catalog
) -> Iterator[Problem]:
    """Kept children need a nullable fk; depersonalize needs a primary key to write back."""
    if action in (ChildAction.SET_NULL, ChildAction.DEPERSONALIZE):
        # Both keep the child rows and detach them from the destroyed record.
        nullable = {c["name"]: c["nullable"] for c in catalog.inspector.get_columns(child)}
        if not nullable.get(fk, True):
            yield Problem(
                (*loc, "on_destroy"),
                f"{action.value}: '{child}.{fk}' is NOT NULL, so its rows cannot outlive the "
                "record; use delete, or allow NULL",
            )
    if action is ChildAction.DEPERSONALIZE:
        yield from _write_back_key((*loc, "on_destroy"), child, catalog)


def _write_back_key(loc: Loc, child: str, catalog: _Catalog) -> Iterator[Problem]:
    primary_key = catalog.inspector.get_pk_constraint(child).get("constrained_columns")
    if not primary_key:
        yield Problem(loc, f"depersonalize: '{child}' has no primary key to write its rows back by")


def _declared_fk(
    loc: Loc, parent: TableSpec, child: str, fk: str, catalog: _Catalog
) -> Iterator[Problem]:
    """A declared foreign key on the fk column must point at the parent's key."""
    for constraint in catalog.inspector.get_foreign_keys(child):
        if fk in constraint["constrained_columns"]:
            target = constraint["referred_table"]
            referred = dict(
                zip(constraint["constrained_columns"], constraint["referred_columns"], strict=True)
            )
            if target != parent.name or referred.get(fk) != parent.key:
                yield Problem(
                    (*loc, "fk"),
                    f"'{child}.{fk}' is declared as a foreign key to "
                    f"'{target}.{referred.get(fk)}', not to '{parent.name}.{parent.key}'",
                )


# What the database does itself to a referring row when its record is deleted: the row
# goes or lets go, and the DELETE succeeds.
_HANDLED_BY_DATABASE = {"CASCADE", "SET NULL", "SET DEFAULT"}


def _undeclared_referrers(loc: Loc, table: TableSpec, catalog: _Catalog) -> Iterator[Problem]:
    """A foreign key referring to the table's records that is not among its children: a
    DELETE of a record some row refers to fails, so destroying one (a withdrawal of
    consent, 152-FZ art. 21 p.5; unlawful processing, art. 21 p.3; a demand to destroy,
    art. 20 p.3) would stop a run or a request halfway. Named before anything is written.
    (A table referring to itself is not checked.)"""
    declared = {(child.table, child.fk) for child in table.children}
    for name, columns, ondelete in catalog.referring(table.name):
        if (ondelete or "").upper() in _HANDLED_BY_DATABASE:
            continue
        if any((name, column) in declared for column in columns):
            continue
        yield Problem(
            (*loc, "children"),
            f"'{name}.{', '.join(columns)}' refers to records of '{table.name}' by a foreign "
            "key that is not among its children: destroying a record a row there refers to "
            "would fail; declare it under children (with its on_destroy), or give the "
            "foreign key ON DELETE CASCADE or SET NULL",
        )


def _key_problems(
    loc: Loc, table: TableSpec, catalog: _Catalog, connection: sa.Connection
) -> list[Problem]:
    if _declared_unique(table, catalog):
        return []
    # No constraint proves it: count. Only the number of duplicates is reported.
    t = sa.table(table.name, sa.column(table.key))
    key = t.c[table.key]
    duplicated = sa.select(key).group_by(key).having(sa.func.count() > 1).subquery()
    duplicates = connection.execute(sa.select(sa.func.count()).select_from(duplicated)).scalar()
    nulls = connection.execute(
        sa.select(sa.func.count()).select_from(t).where(key.is_(None))
    ).scalar()
    problems = []
    if duplicates:
        problems.append(
            Problem(
                (*loc, "key"),
                f"key '{table.key}' is not unique in '{table.name}': {duplicates} value(s) "
                "occur more than once (a key must identify one record)",
            )
        )
    if nulls:
        problems.append(
            Problem((*loc, "key"), f"key '{table.key}' is NULL in {nulls} row(s) of '{table.name}'")
        )
    return problems


def _declared_unique(table: TableSpec, catalog: _Catalog) -> bool:
    """A primary key, or a unique index over all rows on the key alone, not NULL. A
    partial index or one on an expression (lower(key)) proves nothing of the key."""
    nullable = catalog.nullable(table.name)
    for index in catalog.unique(table.name):
        if (
            index.plain
            and index.key_columns == (table.key,)
            and (index.primary or not nullable.get(table.key, True))
        ):
            return True
    return False


def timestamp_warnings(policy: Policy) -> list[Problem]:
    """Warnings, one per column: timestamps a store writes without a zone, in a store (and
    table) that does not say which zone (`timestamps:`). Read as UTC, a store kept in
    Moscow time shifts every retention clock by three hours."""
    found: list[Problem] = []
    for s_index, store in enumerate(policy.stores):
        if store.timestamps is not None:
            continue
        try:
            with owned(read_only=True) as stores, stores.connect(store) as connection:
                for t_index, spec in enumerate(store.tables):
                    found += _unzoned((s_index, t_index), spec, connection)
        except (StoreError, DatabaseMissing):
            continue  # reported by store_problems
    return found


def _unzoned(where: tuple[int, int], spec: TableSpec, connection: sa.Connection) -> list[Problem]:
    from pdpipe.stores.instants import naive

    inspector = sa.inspect(connection)
    if not inspector.has_table(spec.name):
        return []
    types = {c["name"]: c["type"] for c in inspector.get_columns(spec.name)}
    given = spec.timestamps if isinstance(spec.timestamps, dict) else {}
    if isinstance(spec.timestamps, str):
        return []
    loc: Loc = ("stores", where[0], "tables", where[1])
    places: list[tuple[Loc, str]] = [((*loc, "clock"), spec.clock)]
    if spec.consent_given is not None:
        places.append(((*loc, "consent_given"), spec.consent_given))
    places += [
        ((*loc, "ends", i, "since"), rule.since)
        for i, rule in enumerate(spec.ends)
        if rule.since is not None
    ]
    warned: set[str] = set()
    found = []
    for path, column in places:
        kind = types.get(column)
        if (
            kind is None
            or column in given
            or column in warned
            or not naive(kind, connection.dialect)
        ):
            continue
        warned.add(column)
        found.append(
            Problem(
                path,
                f"column '{spec.name}.{column}' holds timestamps without a zone, which pdpipe "
                "reads as UTC; say the zone the store writes them in (timestamps: utc, "
                "local or e.g. Europe/Moscow, for the store or the table), or a store "
                "kept in local time has its retention clocks shifted by hours",
            )
        )
    return found
