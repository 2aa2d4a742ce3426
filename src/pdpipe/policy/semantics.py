"""Checks across the parts of a policy that pydantic cannot see one model at a time.

Each check yields Problems with the path of the offending value; ``policy_problems``
returns them all so the user fixes a file in one pass.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import cache

from pydantic import ValidationError
from pydantic_core import ErrorDetails
from sqlalchemy.engine import make_url

from pdpipe.operators.registry import OPERATORS
from pdpipe.policy.conditions import Exists, walk
from pdpipe.policy.drivers import C_DRIVER, PURE_DRIVER, c_extension_loads, driver_url
from pdpipe.policy.errors import Loc, Problem, format_loc
from pdpipe.policy.models import (
    Action,
    ChildAction,
    ChildOnDepersonalize,
    ChildTable,
    ColumnRef,
    ColumnSpec,
    Policy,
    Purpose,
    TableSpec,
)


def policy_problems(policy: Policy) -> list[Problem]:
    checks = (_unique_names, _store_urls, _purposes, _tables, _incompatible_tables, _requests)
    return [problem for check in checks for problem in check(policy)]


# The databases pdpipe's bulk writers, locks and checks are written for, as URLs begin.
# MariaDB's first driver is the one a URL naming none gets (policy/drivers.py).
SUPPORTED_URLS = (
    "sqlite",
    "postgresql+psycopg",
    f"mysql+{C_DRIVER}",
    f"mariadb+{C_DRIVER}",
    f"mysql+{PURE_DRIVER}",
    f"mariadb+{PURE_DRIVER}",
)
_SUGGESTED: dict[str, str] = {}
for _url in SUPPORTED_URLS:
    _SUGGESTED.setdefault(_url.partition("+")[0], _url)


def _store_urls(policy: Policy) -> Iterator[Problem]:
    """A URL whose database or driver pdpipe cannot use, at load rather than at the first
    connection (where SQLAlchemy's NoSuchModuleError ended a run with exit 1)."""
    for index, store in enumerate(policy.stores):
        backend, _, driver = make_url(store.url).drivername.partition("+")
        if problem := driver_problem(backend, driver or None):
            yield Problem(("stores", index, "url"), f"store '{store.name}': {problem}")


@cache
def driver_problem(backend: str, driver: str | None) -> str | None:
    """What is wrong with `backend+driver://` for pdpipe, or None. Names only the scheme:
    the rest of a URL may hold a password."""
    works_with = f"pdpipe works with {', '.join(f'{url}://' for url in SUPPORTED_URLS)}"
    written = backend if driver is None else f"{backend}+{driver}"
    if backend not in _SUGGESTED:
        return f"'{_scheme(backend)}' is not a database pdpipe works with ({works_with})"
    try:
        url = driver_url(make_url(f"{written}://"))
        dialect = url.get_dialect()
    except Exception:  # NoSuchModuleError: SQLAlchemy has no such driver
        return (
            f"unknown driver '{_scheme(driver or '')}' for {backend} "
            f"(write {_SUGGESTED[backend]}://; {works_with})"
        )
    if dialect.is_async:
        return (
            f"'{written}' is an asyncio driver; pdpipe needs a synchronous one "
            f"(write {_SUGGESTED[backend]}://)"
        )
    try:
        dialect.import_dbapi()
    except ImportError:
        default = " (the default of " + backend + "://)" if driver is None else ""
        return (
            f"the driver '{dialect.driver}'{default} is not installed "
            f"(write {_SUGGESTED[backend]}://; {works_with})"
        )
    if dialect.driver == C_DRIVER and not c_extension_loads():
        return (
            f"the C extension of mysql-connector-python does not load here "
            f"(write {backend}://, which uses PyMySQL then, or {backend}+{PURE_DRIVER}://)"
        )
    return None


def _scheme(text: str) -> str:
    return text if len(text) <= 30 else f"{text[:29]}…"


def _repeats(names: list[str], at: Callable[[int], Loc], what: str) -> Iterator[Problem]:
    """Each repeated name, reported where it repeats, pointing back at its first use."""
    first: dict[str, int] = {}
    for index, name in enumerate(names):
        if name in first:
            yield Problem(
                at(index), f"{what} '{name}' is already used at {format_loc(at(first[name]))}"
            )
        else:
            first[name] = index


def _unique_names(policy: Policy) -> Iterator[Problem]:
    yield from _repeats(
        [p.id for p in policy.purposes], lambda i: ("purposes", i, "id"), "purpose id"
    )
    yield from _repeats(
        [s.name for s in policy.stores], lambda i: ("stores", i, "name"), "store name"
    )
    for s_index, store in enumerate(policy.stores):
        yield from _repeats(
            [t.name for t in store.tables],
            lambda i, s=s_index: ("stores", s, "tables", i, "name"),  # type: ignore[misc]
            "table",
        )


def _purposes(policy: Policy) -> Iterator[Problem]:
    known = {p.id for p in policy.purposes}
    for index, purpose in enumerate(policy.purposes):
        for i, other in enumerate(purpose.incompatible_with):
            if other not in known:
                yield Problem(
                    ("purposes", index, "incompatible_with", i),
                    f"unknown purpose '{other}' (known: {', '.join(sorted(known))})",
                )
            elif other == purpose.id:
                yield Problem(
                    ("purposes", index, "incompatible_with", i),
                    "a purpose cannot be incompatible with itself",
                )


def _tables(policy: Policy) -> Iterator[Problem]:
    known: dict[str, Purpose] = {}
    for declared in policy.purposes:
        known.setdefault(declared.id, declared)  # a repeated id is reported; the first counts
    for s_index, store in enumerate(policy.stores):
        for t_index, table in enumerate(store.tables):
            loc: Loc = ("stores", s_index, "tables", t_index)
            purpose = known.get(table.purpose)
            if purpose is None:
                yield Problem(
                    (*loc, "purpose"),
                    f"unknown purpose '{table.purpose}' (known: {', '.join(sorted(known))})",
                )
                continue
            allowed = set(purpose.data)
            yield from _columns(loc, table.columns, allowed, purpose.id)
            if purpose.may_depersonalize:
                yield from _operators_required(loc, table.columns, _why_depersonalized(purpose))
            for c_index, child in enumerate(table.children):
                child_loc: Loc = (*loc, "children", c_index)
                yield from _columns(child_loc, child.columns, allowed, purpose.id)
                if child.on_destroy is ChildAction.DEPERSONALIZE:
                    if not child.columns:
                        yield Problem(
                            (*child_loc, "columns"),
                            "on_destroy: depersonalize needs the child's PD columns "
                            "with their operators",
                        )
                    yield from _operators_required(
                        child_loc, child.columns, "on_destroy: depersonalize"
                    )
                yield from _on_depersonalize(child_loc, child, purpose)
                yield from _child_where(child_loc, child)
            yield from _children_once(loc, table)
            yield from _rules(loc, table)


def _on_depersonalize(loc: Loc, child: ChildTable, purpose: Purpose) -> Iterator[Problem]:
    handling = child.on_depersonalize
    if handling is ChildOnDepersonalize.DEPERSONALIZE and not child.columns:
        yield Problem(
            (*loc, "columns"),
            "on_depersonalize: depersonalize needs the child's PD columns with their operators",
        )
    if handling is ChildOnDepersonalize.KEEP and child.columns:
        yield Problem(
            (*loc, "on_depersonalize"),
            "keep would leave the PD columns declared here beside the depersonalized record: "
            "use depersonalize or delete (or declare no columns if the rows hold no PD)",
        )
    already = child.on_destroy is ChildAction.DEPERSONALIZE  # its operators checked there
    if child.depersonalized_with_parent and purpose.may_depersonalize and not already:
        yield from _operators_required(loc, child.columns, "on_depersonalize: depersonalize")


def _why_depersonalized(purpose: Purpose) -> str:
    """What in the purpose makes its records depersonalized, for the message."""
    if purpose.on_end is Action.DEPERSONALIZE:
        return "on_end: depersonalize"
    return "on_end_by_reason: depersonalize"


def _child_where(loc: Loc, child: ChildTable) -> Iterator[Problem]:
    """A child's `where:` selects its own rows by their columns; it cannot look further."""
    if child.where is None:
        return
    if any(isinstance(node, Exists) for node in walk(child.where)):
        yield Problem(
            (*loc, "where"),
            "a child's where: compares the child's own columns; 'exists' is not allowed here",
        )


def _children_once(loc: Loc, table: TableSpec) -> Iterator[Problem]:
    seen: set[str] = set()
    for index, child in enumerate(table.children):
        if child.table in seen:
            yield Problem(
                (*loc, "children", index, "table"),
                f"'{child.table}' is already a child of this table: one entry per child table "
                "(its where: selects the rows that belong to this table)",
            )
        seen.add(child.table)


def _columns(
    loc: Loc, columns: dict[str, ColumnSpec], allowed: set[str], purpose_id: str
) -> Iterator[Problem]:
    for name, spec in columns.items():
        column_loc: Loc = (*loc, "columns", name)
        for category in spec.data:
            if category not in allowed:
                yield Problem(
                    (*column_loc, "data"),
                    f"PD category '{category}' is not among the data of purpose "
                    f"'{purpose_id}' ({', '.join(sorted(allowed))}): redundant personal "
                    "data is not permitted (policy clause 5.5); declare it in the purpose "
                    "or stop keeping it",
                )
        if spec.depersonalize is not None:
            yield from _operator(column_loc, name, spec)


def _operator(column_loc: Loc, name: str, spec: ColumnSpec) -> Iterator[Problem]:
    assert spec.depersonalize is not None
    op_loc: Loc = (*column_loc, "depersonalize")
    op = spec.depersonalize
    operator = OPERATORS.get(op.name)
    if operator is None:
        known = ", ".join(sorted(OPERATORS))
        yield Problem(op_loc, f"unknown operator '{op.name}' (known: {known})")
        return
    options_model = operator.options_model
    if op.name == "drop_key" and not ColumnRef(name).is_json_path:
        yield Problem(op_loc, "drop_key removes a key inside a JSON column: use it on column.key")
    try:
        options_model.model_validate(op.options)
    except ValidationError as exc:
        for error in exc.errors():
            where = tuple(str(p) for p in error["loc"])
            yield Problem((*op_loc, *where), _option_message(op.name, error))


def _option_message(operator: str, error: ErrorDetails) -> str:
    if error["type"] == "extra_forbidden":
        known = ", ".join(OPERATORS[operator].options_model.model_fields) or "none"
        return f"unknown option of '{operator}' (known: {known})"
    return str(error["msg"]).removeprefix("Value error, ")


def _operators_required(
    loc: Loc, columns: dict[str, ColumnSpec], because: str
) -> Iterator[Problem]:
    for name, spec in columns.items():
        if spec.depersonalize is None:
            yield Problem(
                (*loc, "columns", name, "depersonalize"),
                f"{because} needs an operator for every PD column (e.g. redact, pseudonym)",
            )


def _rules(loc: Loc, table: TableSpec) -> Iterator[Problem]:
    child_tables = {child.table for child in table.children}
    for r_index, rule in enumerate(table.ends):
        if rule.when is None:
            continue
        for node in walk(rule.when):
            if isinstance(node, Exists) and node.table not in child_tables:
                yield Problem(
                    (*loc, "ends", r_index, "when"),
                    f"'exists' names table '{node.table}', which is not among this table's "
                    "children: declare it under children so its rows are handled on destroy",
                )


def _incompatible_tables(policy: Policy) -> Iterator[Problem]:
    """Clause 5.3: no database combines data of purposes marked incompatible."""
    incompatible: set[frozenset[str]] = set()
    for declared in policy.purposes:
        for other in declared.incompatible_with:
            incompatible.add(frozenset((declared.id, other)))
    if not incompatible:
        return
    owners: dict[tuple[str, str], list[tuple[Loc, str]]] = {}
    for s_index, store in enumerate(policy.stores):
        for t_index, table in enumerate(store.tables):
            loc: Loc = ("stores", s_index, "tables", t_index)
            owners.setdefault((store.url, table.name), []).append((loc, table.purpose))
            for c_index, child in enumerate(table.children):
                owners.setdefault((store.url, child.table), []).append(
                    ((*loc, "children", c_index), table.purpose)
                )
    for (_, table_name), uses in owners.items():
        for i, (loc, purpose) in enumerate(uses):
            for other_loc, other in uses[:i]:
                if frozenset((purpose, other)) in incompatible:
                    yield Problem(
                        loc,
                        f"table '{table_name}' serves purposes '{other}' (at "
                        f"{_short(other_loc)}) and '{purpose}', which the policy marks "
                        "incompatible: combining them is not permitted (policy clause 5.3)",
                    )


def _short(loc: Loc) -> str:
    return format_loc(loc)


def _requests(policy: Policy) -> Iterator[Problem]:
    if policy.requests is None:
        return
    stores = [s.name for s in policy.stores]
    if policy.requests.store not in stores:
        yield Problem(
            ("requests", "store"),
            f"no store '{policy.requests.store}' (stores: {', '.join(stores)})",
        )
    if "contact_key" not in policy.secrets:
        yield Problem(
            ("secrets",),
            "requests need secrets.contact_key (env:VAR or prefect:block): the register "
            "keeps requesters as keyed hashes and their addresses encrypted",
        )
