"""Runs that acted and whose documents were never issued: a run killed after its last
batch (while it validated, or wrote its act) leaves destructions without their act.

The next run, holding the stores' locks, finds them here and issues their documents
(pdpipe.job); `pdpipe ledger verify` reports them. A run still marked running or
interrupted that this run did not resume can never be resumed by a scheduled run again:
it is marked `superseded`, and its documents are owed like any other's.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from pdpipe.execute.runner import ACTIONS, DOCUMENTED, RESUMABLE, SUPERSEDED
from pdpipe.policy.models import Policy, StoreSpec
from pdpipe.report.documents.gather import DOCUMENT, Scope
from pdpipe.stores import tables
from pdpipe.stores.owner import opened_store

ACTED_ON_RECORDS = tuple(a for a in ACTIONS if a != "block")  # what an act speaks of


@dataclass(frozen=True)
class Owed:
    run_id: str
    as_of_date: str
    status: str

    @property
    def folder(self) -> str:
        """The run's folder name under the output folder, as its own summary's."""
        return f"{self.as_of_date}-{self.run_id}"


def owed(policy: Policy, exclude: str | None = None, *, settle: bool = True) -> list[Owed]:
    """Runs other than `exclude` that destroyed or depersonalized records and have no
    documents. With `settle` (the caller holds the stores' locks), runs found to owe
    nothing are marked documented and abandoned ones superseded, so that each is looked
    at once."""
    found: dict[str, Owed] = {}
    for store in {s.url: s for s in policy.stores}.values():
        for run in _owed_in(store, exclude, settle):
            found.setdefault(run.run_id, run)
    return sorted(found.values(), key=lambda r: (r.as_of_date, r.run_id))


def _owed_in(store: StoreSpec, exclude: str | None, settle: bool) -> list[Owed]:
    runs, ledger = tables.runs, tables.ledger
    with opened_store(store, read_only=not settle) as connection:
        inspector = sa.inspect(connection)
        if not inspector.has_table(runs.name) or not inspector.has_table(ledger.name):
            return []
        staged = "stage" in {c["name"] for c in inspector.get_columns(runs.name)}
        stage = runs.c.stage if staged else sa.null()
        candidates = connection.execute(
            sa.select(runs.c.run_id, runs.c.as_of_date, runs.c.status, stage).where(
                (runs.c.run_id != (exclude or "")) & sa.or_(stage.is_(None), stage != DOCUMENTED)
            )
        ).all()
        legacy_documented: set[str] | None = None
        result = []
        for run_id, as_of_date, status, run_stage in candidates:
            run = Owed(str(run_id), str(as_of_date), str(status))
            acted = connection.execute(
                sa.select(sa.literal(1))
                .where((ledger.c.run_id == run.run_id) & ledger.c.action.in_(ACTED_ON_RECORDS))
                .limit(1)
            ).first()
            documented = False
            if acted is not None and run_stage is None:
                # A run of a release that kept no stage: its documents, if any, are in the
                # ledger (one pass over the documents' rows, for all such runs at once).
                if legacy_documented is None:
                    legacy_documented = {
                        str(reason)
                        for (reason,) in connection.execute(
                            sa.select(ledger.c.reason).where(ledger.c.action == DOCUMENT).distinct()
                        )
                    }
                documented = Scope(run.run_id).label[:40] in legacy_documented
            if acted is not None and not documented:
                result.append(run)
            if settle:
                _settle(connection, run, owes=acted is not None and not documented)
        if settle:
            connection.commit()
        return result


def _settle(connection: sa.Connection, run: Owed, *, owes: bool) -> None:
    runs = tables.runs
    values: dict[str, str] = {}
    if run.status in RESUMABLE:
        values["status"] = SUPERSEDED
    if not owes and "stage" in runs.c:
        values["stage"] = DOCUMENTED
    if values:
        connection.execute(runs.update().where(runs.c.run_id == run.run_id).values(**values))
