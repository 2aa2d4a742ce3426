"""Great Expectations checks of a run's result: the suites of ``suites.py``, run in the
database (no table is loaded into memory), with PD-safe results.

One checkpoint per store, the stores' at once; results are scrubbed before anything
renders them: counts are kept, sample values never (GX's default result formats copy
failing values into results and Data Docs), and a check that could not run keeps its
class of failure, not the database's message (which can quote a value). The Data Docs
are built once, from the scrubbed results, into the run's folder, and made to work
offline (offline_docs.py).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from pdpipe.discovery.record import latest_undeclared
from pdpipe.errors import BadInput, ValidationFailed
from pdpipe.policy.models import Policy, StoreSpec
from pdpipe.retention.decide import AsOf
from pdpipe.stores import tables
from pdpipe.stores.digest import install_for_every_engine
from pdpipe.stores.engine import session_url
from pdpipe.stores.owner import owned
from pdpipe.validation import offline_docs, preload, snapshot, suites

log = logging.getLogger("pdpipe.validation")

# What a caller shows while the checks run: (stage, steps done, steps in all).
Progress = Callable[[str, int, int], None]

# Stores whose checks run at once (each its own connection, on the machine's cores).
MAX_STORES_AT_ONCE = 4

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


def validate_policy(
    policy: Policy,
    as_of: AsOf,
    folder: Path,
    run_id: str | None = None,
    *,
    expect_snapshot: bool = False,
    progress: Progress | None = None,
) -> ValidationReport:
    """Run every table's suite; the Data Docs go under `folder`.

    With a run id, the run's own checks too: its ledger against the stores, and, where a
    snapshot was taken before it, the rows it did not act on against the snapshot. With
    `expect_snapshot`, a table without one fails that check rather than skipping it.
    `progress(stage, done, total)` is called as each store's results are awaited (the
    stores' checks run at once), then for the Data Docs, counting steps (one per store,
    one for the Data Docs).
    """
    report_progress: Progress = progress or (lambda _stage, _done, _total: None)
    steps = len(policy.stores) + 1
    preload.wait()  # a job began importing GX as its run started: it is loaded, or failed
    preload.quiet()
    import great_expectations as gx  # raises here when the import failed
    from great_expectations.data_context.types.base import ProgressBarsConfig

    install_for_every_engine()  # GX's own engines run the snapshot check's digests

    folder = folder.resolve()  # GX's Data Docs site takes absolute folders only
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
    templates = suites.read_or_build(policy)
    checkpoints = []
    for store in policy.stores:
        mine = [t for t in templates if t.store == store.name]
        built = _suites_for(policy, store, mine, as_of, run_id, expect_snapshot)
        checkpoints.append(_checkpoint(context, store, mine, built))
    # Each store's checkpoint on a thread of its own, with its own connection: a check
    # mostly waits on its database, and MariaDB runs each query on one core.
    with ThreadPoolExecutor(
        max_workers=min(len(checkpoints), MAX_STORES_AT_ONCE) or 1,
        thread_name_prefix="pdpipe-validate",
    ) as pool:
        running = [pool.submit(checkpoint.run) for checkpoint in checkpoints]
        for done, (store, outcome) in enumerate(zip(policy.stores, running, strict=True)):
            report_progress(f"validating {store.name}", done, steps)
            checks = _results(context, store, outcome.result())
            failed = sum(1 for c in checks if not c.success)
            log.info("validated %s: %d check(s), %d failed", store.name, len(checks), failed)
            report.checks += checks
    report_progress("writing the Data Docs", steps - 1, steps)
    context.build_data_docs(site_names=["pdpipe"])
    offline_docs.make_offline(docs)
    report_progress("validated", steps, steps)
    return report


def _suites_for(
    policy: Policy,
    store: StoreSpec,
    templates: list[suites.SuiteTemplate],
    as_of: AsOf,
    run_id: str | None,
    expect_snapshot: bool,
) -> list[Any]:
    with owned(read_only=True) as stores, stores.connect(store) as connection:
        if not sa.inspect(connection).has_table(tables.state.name):
            raise BadInput(
                f"store '{store.name}': pdpipe has not processed it yet (no "
                f"{tables.state.name} table); validation checks what a run left"
            )
        specs = {spec.name: spec for spec in store.tables}
        flagged = latest_undeclared(connection, store.name)
        built = []
        for template in templates:
            spec = specs[template.table]
            extra = suites.flagged_check(connection, spec, flagged) if flagged else None
            if extra is not None:
                template = replace(template, checks=[*template.checks, extra])
            values = suites.values(connection, policy, spec, as_of, run_id)
            skip: frozenset[str] = frozenset()
            if run_id is None or not (
                expect_snapshot or snapshot.exists(connection, run_id, spec.name)
            ):
                skip = frozenset({suites.SNAPSHOT_CHECK})
            built.append(template.to_gx(values, skip))
        return built


def _checkpoint(
    context: Any, store: StoreSpec, templates: list[suites.SuiteTemplate], built: list[Any]
) -> Any:
    """The store's checkpoint in `context`: one validation definition per table."""
    import great_expectations as gx

    backend = sa.engine.make_url(store.url).get_backend_name()
    add = {
        "sqlite": context.data_sources.add_sqlite,
        "postgresql": context.data_sources.add_postgres,
    }
    url = session_url(store)
    source = add.get(backend, context.data_sources.add_sql)(
        name=f"pdpipe-{store.name}", connection_string=url.render_as_string(hide_password=False)
    )
    preparer = url.get_dialect()().identifier_preparer
    definitions = []
    for template, suite in zip(templates, built, strict=True):
        # GX quotes a table name given in quotes: "Contacts", "user" (a reserved word).
        table_name = preparer.quote(template.table)
        batch = source.add_table_asset(name=template.table, table_name=table_name)
        definitions.append(
            context.validation_definitions.add(
                gx.ValidationDefinition(
                    name=template.name,
                    data=batch.add_batch_definition_whole_table("whole"),
                    suite=context.suites.add(suite),
                )
            )
        )
    return context.checkpoints.add(
        gx.Checkpoint(
            name=f"pdpipe-{store.name}",
            validation_definitions=definitions,
            actions=[],  # Data Docs are built once, from the scrubbed results
            result_format=PD_SAFE_RESULT,
        )
    )


def _results(context: Any, store: StoreSpec, outcome: Any) -> list[CheckResult]:
    """A checkpoint's results, scrubbed, and kept in `context` for the Data Docs."""
    results: list[CheckResult] = []
    for key, run in outcome.run_results.items():
        table = run.suite_name.removeprefix(f"pdpipe-{store.name}-")
        for item in run.results:
            scrub(item)
            unexpected = item.result.get("unexpected_count", item.result.get("observed_value"))
            results.append(
                CheckResult(
                    store.name,
                    table,
                    str(item.expectation_config.description),
                    bool(item.success),
                    int(unexpected) if isinstance(unexpected, int | float) else None,
                )
            )
        context.validation_results_store.set(key, run)
    return results


_EXCEPTION_LINE = re.compile(r"^([A-Za-z_][\w.]*(?:Error|Exception)):", re.MULTILINE)
_WITHHELD = (
    "the check could not run: {kind} (the database's message is withheld: it can quote values)"
)


def scrub(item: Any) -> None:
    """Keep a result's counts and nothing that could be a value."""
    result = item.result or {}
    kept: dict[str, Any] = {
        name: value
        for name, value in result.items()
        if isinstance(value, int | float) and not isinstance(value, bool)
    }
    observed = result.get("observed_value")
    if isinstance(observed, str) and observed.endswith(" unexpected rows"):
        count = observed.removesuffix(" unexpected rows")
        if count.isdigit():
            kept["observed_value"] = int(count)
    item.result = kept
    # GX keeps one exception or, per metric, a mapping of them: both become one, flat.
    info = item.exception_info or {}
    raised = [info] if "raised_exception" in info else list(info.values())
    failures = [e for e in raised if isinstance(e, dict) and e.get("raised_exception")]
    if failures:
        trace = str(failures[0].get("exception_traceback") or "")
        kinds = _EXCEPTION_LINE.findall(trace)
        kind = kinds[0] if kinds else "error"  # the root cause, first in the chain
        withheld = _WITHHELD.format(kind=kind)
        item.exception_info = {  # Data Docs render the traceback: it must be text
            "raised_exception": True,
            "exception_message": withheld,
            "exception_traceback": withheld,
        }
    else:
        item.exception_info = {
            "raised_exception": False,
            "exception_message": None,
            "exception_traceback": None,
        }


def require_success(report: ValidationReport) -> None:
    """Raise ValidationFailed naming each failed check (table, check, count)."""
    if report.success:
        return
    failed = "; ".join(f"{c.store}.{c.table}: {c.check} ({_detail(c)})" for c in report.failed)
    docs = f"; Data Docs: {report.data_docs}" if report.data_docs else ""
    raise ValidationFailed(f"validation failed: {failed}{docs}")


def _detail(check: CheckResult) -> str:
    if check.unexpected is None:
        return "the check could not run"
    if check.check == suites.SNAPSHOT_CHECK:  # one row, whatever the number of rows
        return "their count or checksum differs from the snapshot's"
    return f"{check.unexpected} record(s)"
