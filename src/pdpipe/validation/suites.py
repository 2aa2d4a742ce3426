"""The expectation suites, built from the policy and kept under version control.

Per processed table, one suite (`pdpipe-<store>-<table>`):

    key unique                                    UnexpectedRowsExpectation (keys that repeat)
    key not null                                  UnexpectedRowsExpectation (NULL keys)
    no record past its deadline remains un-acted  UnexpectedRowsExpectation (queries.py)
    no PD left in depersonalized records          UnexpectedRowsExpectation
    children reference existing parents           UnexpectedRowsExpectation, per child
    the run's ledger equals the changes made      UnexpectedRowsExpectation (run only)
    rows not acted on are unchanged               UnexpectedRowsExpectation (run only:
                                                  count and checksum against the pre-run
                                                  snapshot)

A suite is a template: what depends on the day or the run (the instants deadlines are
counted from, the run id) is a `${name}` marker in its SQL, so the file under
`expectations/` changes only when the policy or the store's schema does. `pdpipe
expectations POLICY` writes them; a run refuses to start when they disagree with the
policy (a PD column added without its check would otherwise go unreviewed), and checks
with exactly these templates, the markers filled in.

Every check is one query for the keys of rows that break a rule: GX counts them, and a
failing check names records by key without copying a value (see checks.py).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from pdpipe.errors import BadInput
from pdpipe.policy.models import Policy, StoreSpec, TableSpec
from pdpipe.retention.decide import AsOf
from pdpipe.retention.ended_sql import ended_rows, moment_names, overdue_moments
from pdpipe.stores.owner import owned
from pdpipe.validation import guarantees, queries, snapshot

FOLDER = "expectations"
RUN_ID = "run_id"
# Stand-ins rendered where the real values go, then replaced by markers; no real instant
# or run id is ever this.
_SENTINEL_DAY = dt.datetime(1900, 1, 1)
_SENTINEL_RUN = "00000000-0000-0000-0000-00000000b00c"
# ${as_of.ended.consent_withdrawn}, and in a zone: ${as_of.ended.consent_withdrawn@Europe/Moscow}
_MARKER = re.compile(r"\$\{([a-z_.]+(?:@[A-Za-z0-9_/+-]+)?)\}")
_JOIN = re.compile(r"\bJOIN\b", re.IGNORECASE)

_GX_TYPE = "unexpected_rows_expectation"
LEDGER_CHECK = "the run's ledger rows equal the changes made"
SNAPSHOT_CHECK = "rows not acted on are unchanged"


@dataclass(frozen=True)
class Check:
    description: str
    query: str  # SQL with ${name} markers; {batch} is GX's

    @property
    def markers(self) -> set[str]:
        return set(_MARKER.findall(self.query))


@dataclass
class SuiteTemplate:
    store: str
    table: str
    checks: list[Check] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"pdpipe-{self.store}-{self.table}"

    @property
    def file_name(self) -> str:
        return f"{self.name}.json"

    def to_json(self) -> dict[str, Any]:
        """GX's suite format, with pdpipe's markers listed in `meta`."""
        expectations = [
            {
                "type": _GX_TYPE,
                "kwargs": {"unexpected_rows_query": check.query},
                "description": check.description,
            }
            for check in self.checks
        ]
        markers = sorted({m for check in self.checks for m in check.markers})
        return {
            "name": self.name,
            "expectations": expectations,
            "meta": {"pdpipe": {"store": self.store, "table": self.table, "markers": markers}},
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SuiteTemplate:
        meta = data["meta"]["pdpipe"]
        checks = [
            Check(item["description"], item["kwargs"]["unexpected_rows_query"])
            for item in data["expectations"]
        ]
        return cls(store=meta["store"], table=meta["table"], checks=checks)

    def to_gx(self, values: Mapping[str, str], skip: frozenset[str] = frozenset()) -> Any:
        """A GX suite with the markers filled in; checks whose markers have no value (the
        run's, when there is no run), or named in `skip`, are left out."""
        import great_expectations as gx

        from pdpipe.validation.no_rows import ExpectNoUnexpectedRows

        suite = gx.ExpectationSuite(name=self.name)
        for check in self.checks:
            if not check.markers <= values.keys() or check.description in skip:
                continue
            query = _MARKER.sub(lambda m: values[m.group(1)], check.query)
            suite.add_expectation(
                ExpectNoUnexpectedRows(unexpected_rows_query=query, description=check.description)
            )
        return suite


def _braced(sql: str) -> str:
    """GX fills in {batch} with str.format: braces of the SQL itself (regex {2,}) double."""
    return sql.replace("{", "{{").replace("}", "}}")


def _literal(value: Any, connection: sa.Connection) -> str:
    return (
        queries.as_sql(sa.select(sa.literal(value)), connection)
        .removeprefix("SELECT ")
        .split(" AS ")[0]
    )


def _sentinels(names: list[str]) -> dict[str, dt.datetime]:
    return {name: _SENTINEL_DAY + dt.timedelta(seconds=i + 1) for i, name in enumerate(names)}


def _template_sql(
    statement: sa.Select[Any] | sa.CompoundSelect[Any],
    connection: sa.Connection,
    stand_ins: Mapping[str, Any],
) -> str:
    sql = _braced(queries.as_sql(statement, connection))
    for name, value in stand_ins.items():
        sql = sql.replace(_literal(value, connection), "${" + name + "}")
    if "1900-01-01" in sql or _SENTINEL_RUN in sql:  # a literal rendered another way
        raise RuntimeError("a stand-in value was left in a suite's SQL")
    return sql


def _gated(sql: str) -> str:
    """The keys `sql` selects, as a check on GX's batch (the whole table), which only gates
    the query: as `key IN (query)` it made PostgreSQL walk the table in key order, one
    process, where the query alone runs in parallel."""
    # GX aliases the batch it puts in place of {batch}, unless the query has a JOIN: then
    # the alias is the query's to give (PostgreSQL refuses a subquery without).
    batch = "{batch} AS pdpipe_batch" if _JOIN.search(sql) else "{batch}"
    return f"SELECT q.key FROM ({sql}) q WHERE EXISTS (SELECT 1 FROM {batch})"


FLAGGED_CHECK = "no email or phone left in columns the latest discovery scan flagged"


def flagged_check(
    connection: sa.Connection, spec: TableSpec, flagged: Mapping[str, list[str]]
) -> Check | None:
    """The check a discovery scan adds to the table's suite: depersonalized records keep no
    email or phone in the columns, of the table or its children, where the latest scan
    found PD the policy does not name (discovery/record.py). Not part of the reviewed
    template: it follows the scans, not the policy."""
    statement = queries.flagged_data_left(connection, spec, flagged)
    if statement is None:
        return None
    return Check(FLAGGED_CHECK, _gated(_template_sql(statement, connection, {})))


def build_template(
    connection: sa.Connection, policy: Policy, store: StoreSpec, spec: TableSpec
) -> SuiteTemplate:
    """The suite for one table, from the policy and the table's schema."""
    template = SuiteTemplate(store=store.name, table=spec.name)
    # Uniqueness as keys that repeat: GX's own expectation counts each key's rows with a
    # window over the sorted table, four times the cost (0.78 s against 0.19 s at a
    # million subscribers).
    quote = connection.dialect.identifier_preparer.quote
    key, alias = quote(spec.key), quote("key")  # KEY is a reserved word in MariaDB
    repeated = f"SELECT {key} AS {alias} FROM {{batch}} GROUP BY {key} HAVING COUNT(*) > 1"
    unique = guarantees.unique_key(connection, spec.name, spec.key)
    if unique is not None:  # the server skips the scan when its unique index vouches
        repeated = f"SELECT q.{alias} FROM ({repeated}) q WHERE NOT {_braced(unique)}"
    # Not GX's not-null expectation, which counts NULLs over the whole table: an index on
    # the key answers IS NULL without reading it, and a NOT NULL column needs no look.
    missing = f"SELECT {key} AS {alias} FROM {{batch}} WHERE {key} IS NULL"
    template.checks += [
        Check(f"key {spec.key} is unique", query=repeated),
        Check(f"key {spec.key} is not null", query=missing),
    ]
    # Counting deadlines from a sentinel day would make the calendar of working days
    # span the years between it and today (0.4 s of `holidays`).
    moments = _sentinels(moment_names(policy, spec))
    # The checks' tables reflected once for the suite, not once per check (24 reflections
    # of 8 tables, 0.3 s of catalog queries for the benchmark's two suites).
    reflected = sa.MetaData()
    overdue = ended_rows(connection, policy, spec, moments, metadata=reflected)
    leaks = queries.personal_data_left(
        connection, policy, spec, with_state=True, metadata=reflected
    )

    def whole(
        statement: sa.Select[Any] | sa.CompoundSelect[Any],
        stand_ins: Mapping[str, Any] | None = None,
    ) -> str:
        return _gated(_template_sql(statement, connection, stand_ins or {RUN_ID: _SENTINEL_RUN}))

    on_day = {f"as_of.{n}": v for n, v in moments.items()}
    template.checks += [
        Check(
            "no record past its statutory deadline remains un-acted",
            query=whole(overdue, on_day),
        ),
        Check(
            "no email, phone or full name left in depersonalized records",
            query=whole(leaks),
        ),
    ]
    for child in spec.children:
        orphans = queries.orphaned_children(connection, spec, child, reflected)
        template.checks.append(
            Check(
                f"rows of {child.table} reference existing {spec.name} (or NULL)",
                query=whole(orphans),
            )
        )
    template.checks += [
        Check(
            LEDGER_CHECK,
            query=whole(queries.ledger_disagrees(connection, spec, _SENTINEL_RUN, reflected)),
        ),
        Check(
            SNAPSHOT_CHECK,
            query=whole(snapshot.checksum_query(connection, spec, _SENTINEL_RUN, reflected)),
        ),
    ]
    return template


def store_templates(
    connection: sa.Connection, policy: Policy, store: StoreSpec
) -> list[SuiteTemplate]:
    return [build_template(connection, policy, store, spec) for spec in store.tables]


def values(
    connection: sa.Connection, policy: Policy, spec: TableSpec, as_of: AsOf, run_id: str | None
) -> dict[str, str]:
    """The markers' values for one table on this day and run, as SQL literals."""
    found = {
        f"as_of.{name}": _literal(moment, connection)
        for name, moment in overdue_moments(policy, spec, as_of).items()
    }
    if run_id is not None:
        found[RUN_ID] = _literal(run_id, connection)
    return found


def folder_for(policy: Policy) -> Path | None:
    """The policy's `expectations:` folder (relative to the policy file), else
    `expectations/` beside the policy file."""
    if policy.expectations is not None:
        base = Path() if policy.file is None else policy.file.parent
        return base / policy.expectations
    return None if policy.file is None else policy.file.parent / FOLDER


def configured_folder(policy: Policy) -> Path | None:
    """The folder the policy's `expectations:` names, refused when it is not a folder: a
    policy that says where its reviewed suites are must not run without them. None when
    the policy names none (then suites beside it are checked if present)."""
    if policy.expectations is None:
        return None
    folder = folder_for(policy)
    assert folder is not None
    where = f"{policy.file}: " if policy.file is not None else ""
    if not folder.is_dir():
        problem = "is not a folder" if folder.exists() else "does not exist"
        raise BadInput(
            f"{where}expectations: {policy.expectations!r} ({folder.resolve()}) {problem}; "
            "it is relative to the policy file: write the suites there with `pdpipe "
            "expectations POLICY`, or fix the path"
        )
    return folder


def render(template: SuiteTemplate) -> str:
    return json.dumps(template.to_json(), indent=2, ensure_ascii=False) + "\n"


def build_all(policy: Policy) -> list[SuiteTemplate]:
    """Every processed table's suite, reading each store's schema (read-only)."""
    built: list[SuiteTemplate] = []
    for store in policy.stores:
        with owned(read_only=True) as stores, stores.connect(store) as connection:
            built += store_templates(connection, policy, store)
    return built


def write(policy: Policy, folder: Path) -> list[Path]:
    """Write the suites into `folder`, removing suites of tables no longer processed."""
    built = build_all(policy)  # before the folder: a failure leaves no empty one behind
    folder.mkdir(parents=True, exist_ok=True)
    names = {t.file_name for t in built}
    for stale in folder.glob("pdpipe-*.json"):
        if stale.name not in names:
            stale.unlink()
    written = []
    for template in built:
        path = folder / template.file_name
        path.write_text(render(template), encoding="utf-8")
        written.append(path)
    return written


def drift(built: list[SuiteTemplate], folder: Path) -> list[str]:
    """How the suites in `folder` differ from those the policy gives, one line each."""
    wanted = {t.file_name: render(t) for t in built}
    found = {p.name: p.read_text(encoding="utf-8") for p in folder.glob("pdpipe-*.json")}
    problems = [f"{folder / name}: missing" for name in sorted(wanted.keys() - found.keys())]
    problems += [
        f"{folder / name}: its table is no longer processed"
        for name in sorted(found.keys() - wanted.keys())
    ]
    problems += [
        f"{folder / name}: differs from the suite the policy gives"
        for name in sorted(wanted.keys() & found.keys())
        if wanted[name] != found[name]
    ]
    return problems


def read_or_build(policy: Policy) -> list[SuiteTemplate]:
    """The suites the policy gives; where the policy keeps `expectations/`, they must be
    the same as the files there (BadInput otherwise, before anything is checked)."""
    folder = configured_folder(policy) or folder_for(policy)
    built = build_all(policy)
    if folder is not None and folder.is_dir():
        check_drift(policy, built, folder)
    return built


def verify(policy: Policy) -> None:
    """Refuse (BadInput) when the policy keeps `expectations/` and it is out of date."""
    folder = configured_folder(policy) or folder_for(policy)
    if folder is not None and folder.is_dir():
        check_drift(policy, build_all(policy), folder)


def check_drift(policy: Policy, built: list[SuiteTemplate], folder: Path) -> None:
    problems = drift(built, folder)
    if problems:
        raise BadInput(
            f"{folder}: the expectation suites are out of date with the policy "
            f"(run `pdpipe expectations {policy.file}` and review the change):\n  "
            + "\n  ".join(problems)
        )
