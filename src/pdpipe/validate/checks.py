"""Great Expectations checks of a run's result, built from the policy.

Per processed table, one suite (`pdpipe-<store>-<table>`):

    key unique, key not null                      ExpectColumnValuesToBe{Unique,NotNull}
    no record past its deadline remains un-acted  UnexpectedRowsExpectation (queries.py)
    no PD left in depersonalized records          UnexpectedRowsExpectation
    children reference existing parents           UnexpectedRowsExpectation, per child

Every check runs in the database (no table is loaded into memory), and every result is
PD-safe: the queries select keys only, and the result format keeps counts and drops
sample values (GX's default copies failing values into results and Data Docs).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from pdpipe.errors import ValidationFailed
from pdpipe.policy.models import Policy, StoreSpec, TableSpec
from pdpipe.retention.decide import AsOf
from pdpipe.stores.engine import create_store_engine
from pdpipe.validate import queries, snapshot

# Counts only: no partial_unexpected_list, no values (checked per expectation type in
# tests/validate, Data Docs included).
PD_SAFE_RESULT = {
    "result_format": "BASIC",
    "partial_unexpected_count": 0,
    "exclude_unexpected_values": True,
}


@dataclass(frozen=True)
class CheckResult:
    store: str
    table: str
    check: str
    success: bool
    unexpected: int | None


@dataclass
class ValidationReport:
    checks: list[CheckResult] = field(default_factory=list)
    data_docs: Path | None = None

    @property
    def success(self) -> bool:
        return all(c.success for c in self.checks)

    @property
    def failed(self) -> list[CheckResult]:
        return [c for c in self.checks if not c.success]


def _braced(sql: str) -> str:
    """GX fills in {batch} with str.format: braces of the SQL itself (regex {2,}) double."""
    return sql.replace("{", "{{").replace("}", "}}")


def _key_in(table: str, key: str, statement_sql: str) -> str:
    """The check's SQL over GX's batch: keys of `table` that the statement selects."""
    return f"SELECT {key} FROM {{batch}} WHERE {key} IN ({_braced(statement_sql)})"


def _suite_for(
    connection: sa.Connection,
    policy: Policy,
    spec: TableSpec,
    as_of: AsOf,
    name: str,
    run_id: str | None,
) -> Any:
    import great_expectations as gx

    suite = gx.ExpectationSuite(name=name)
    suite.add_expectation(
        gx.expectations.ExpectColumnValuesToBeUnique(
            column=spec.key, description=f"key {spec.key} is unique"
        )
    )
    suite.add_expectation(
        gx.expectations.ExpectColumnValuesToNotBeNull(
            column=spec.key, description=f"key {spec.key} is not null"
        )
    )
    checks = {
        "no record past its statutory deadline remains un-acted": queries.overdue_rows(
            connection, policy, spec, as_of
        ),
        "no email, phone or full name left in depersonalized records": (
            queries.personal_data_left(connection, policy, spec)
        ),
    }
    for description, statement in checks.items():
        sql = _key_in(spec.name, spec.key, queries.as_sql(statement, connection))
        suite.add_expectation(
            gx.expectations.UnexpectedRowsExpectation(
                unexpected_rows_query=sql, description=description
            )
        )
    if run_id is not None:
        disagreements = queries.as_sql(
            queries.ledger_disagrees(connection, spec, run_id), connection
        )
        suite.add_expectation(
            gx.expectations.UnexpectedRowsExpectation(
                unexpected_rows_query=f"SELECT q.key FROM ({_braced(disagreements)}) q "
                f"WHERE EXISTS (SELECT 1 FROM {{batch}})",
                description="the run's ledger rows equal the changes made",
            )
        )
    for child in spec.children:
        orphans = queries.as_sql(
            queries.orphaned_children(connection, spec, child.table, child.fk), connection
        )
        suite.add_expectation(
            gx.expectations.UnexpectedRowsExpectation(
                unexpected_rows_query=f"SELECT q.key FROM ({_braced(orphans)}) q "
                f"WHERE EXISTS (SELECT 1 FROM {{batch}})",
                description=f"rows of {child.table} reference existing {spec.name} (or NULL)",
            )
        )
    return suite


def validate_policy(
    policy: Policy,
    as_of: AsOf,
    folder: Path,
    run_id: str | None = None,
    snapshot_file: Path | None = None,
) -> ValidationReport:
    """Run every table's suite; the Data Docs go under `folder`."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    folder.mkdir(parents=True, exist_ok=True)
    # Ephemeral: a file context would write each store's URL, password included, into
    # great_expectations.yml. Only the Data Docs (counts) are written, into `folder`.
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    docs = folder / "data-docs"
    context.add_data_docs_site(
        site_name="pdpipe",
        site_config={
            "class_name": "SiteBuilder",
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            "store_backend": {
                "class_name": "TupleFilesystemStoreBackend",
                "base_directory": str(docs),
            },
        },
    )
    report = ValidationReport(data_docs=docs / "index.html")
    for store in policy.stores:
        report.checks += _validate_store(context, policy, store, as_of, run_id)
    if run_id is not None and snapshot_file is not None and snapshot_file.exists():
        for (store_name, table), count in snapshot.changed_rows(
            policy, snapshot_file, run_id
        ).items():
            report.checks.append(
                CheckResult(store_name, table, "rows not acted on are unchanged", count == 0, count)
            )
    return report


def _validate_store(
    context: Any, policy: Policy, store: StoreSpec, as_of: AsOf, run_id: str | None
) -> list[CheckResult]:
    import great_expectations as gx
    from great_expectations.checkpoint import UpdateDataDocsAction

    backend = sa.engine.make_url(store.url).get_backend_name()
    add = {
        "sqlite": context.data_sources.add_sqlite,
        "postgresql": context.data_sources.add_postgres,
    }
    source = add.get(backend, context.data_sources.add_sql)(
        name=f"pdpipe-{store.name}", connection_string=store.url
    )
    engine = create_store_engine(store, read_only=True)
    results: list[CheckResult] = []
    try:
        with engine.connect() as connection:
            for spec in store.tables:
                name = f"pdpipe-{store.name}-{spec.name}"
                batch = source.add_table_asset(name=spec.name, table_name=spec.name)
                definition = batch.add_batch_definition_whole_table("whole")
                suite = context.suites.add(
                    _suite_for(connection, policy, spec, as_of, name, run_id)
                )
                validation = context.validation_definitions.add(
                    gx.ValidationDefinition(name=name, data=definition, suite=suite)
                )
                checkpoint = context.checkpoints.add(
                    gx.Checkpoint(
                        name=name,
                        validation_definitions=[validation],
                        actions=[UpdateDataDocsAction(name="docs", site_names=["pdpipe"])],
                        result_format=PD_SAFE_RESULT,
                    )
                )
                outcome = checkpoint.run()
                for run in outcome.run_results.values():
                    for item in run.results:
                        result = item.result or {}
                        unexpected = result.get("unexpected_count", result.get("observed_value"))
                        results.append(
                            CheckResult(
                                store.name,
                                spec.name,
                                str(item.expectation_config.description),
                                bool(item.success),
                                int(unexpected) if isinstance(unexpected, int | float) else None,
                            )
                        )
    finally:
        engine.dispose()
    return results


def require_success(report: ValidationReport) -> None:
    """Raise ValidationFailed naming each failed check (table, check, count)."""
    if report.success:
        return
    failed = "; ".join(
        f"{c.store}.{c.table}: {c.check}"
        + (
            f" ({c.unexpected} record(s))"
            if c.unexpected is not None
            else " (the check could not run)"
        )
        for c in report.failed
    )
    raise ValidationFailed(f"validation failed: {failed}")
