"""Acting on registered requests through the same engine and ledger as the nightly run.

    withdraw_consent            the person's records are destroyed (152-FZ art. 21 p.5;
                                a purpose's on_end_by_reason may say otherwise), reason
                                consent_withdrawn; records of a purpose on another ground
                                than consent are kept, and the outcome says so (art. 6 p.1)
    destroy                     the person's records are destroyed, whatever their purpose
                                (art. 20 p.3), reason destroy_request
    cease, block                the records are blocked: later runs skip them until
                                `pdpipe unblock` (reason cease_demand)
    unlawful_processing         the records are blocked at once, which stops processing
                                (152-FZ art. 21 p.3, 3 working days); a person then makes
                                it lawful (`requests close`, `pdpipe unblock`) or has them
                                destroyed (`requests approve`, 10 working days)
    update                      the proposed values wait for `pdpipe requests approve`
    access                      a report of what is held, for the answer (access.py)

Each request's changes are one transaction per store, under the store's lock, with its
ledger rows under the run id `request-<id>`. A record a hold keeps (a policy hold or a
record hold, retention/record_holds.py) is not destroyed or depersonalized: the outcome
lists it under `kept`, with the holds' grounds (keys and counts only). Blocking keeps the
data, so a block or a demand to cease blocks held records too. A request whose records
were all processed is closed with those ledger references; one that finds no records is
closed too (the answer is that nothing is held).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd
import sqlalchemy as sa

from pdpipe.errors import BadInput
from pdpipe.execute import ledger
from pdpipe.execute.context import table_context
from pdpipe.execute.ledger_check import ledger_key
from pdpipe.execute.runner import RunOptions, TableOutcome, act, held_stores, pseudonym_secret
from pdpipe.policy.models import BLOCK, Policy, StoreSpec, TableSpec
from pdpipe.policy.reasons import EndReason, RequestKind
from pdpipe.requests import access, notices, register
from pdpipe.requests.classify import RequestType
from pdpipe.requests.identity import Keys, normalize_address
from pdpipe.requests.intake import keys_for, upgrade_register
from pdpipe.requests.match import Record, find_records, table_matches
from pdpipe.retention.record_holds import Ground, kept_now
from pdpipe.stores import tables
from pdpipe.stores.owner import Stores, owned
from pdpipe.stores.schema_check import refuse_undeclared_referrers

T = TypeVar("T")

# The reason each request's ledger rows record; older ledgers have consent_withdrawn for
# destroy requests too (report/documents/grounds.py still reads them as art. 20 p.3).
_REASON: dict[RequestType, EndReason | RequestKind] = {
    RequestType.WITHDRAW_CONSENT: EndReason.CONSENT_WITHDRAWN,
    RequestType.DESTROY: RequestKind.DESTROY,
    RequestType.CEASE: EndReason.CEASE_DEMAND,
    RequestType.BLOCK: EndReason.CEASE_DEMAND,
    RequestType.UNLAWFUL: EndReason.UNLAWFUL_PROCESSING,
}


@dataclass
class ProcessReport:
    closed: dict[str, int] = field(default_factory=dict)  # type -> requests closed
    waiting: list[str] = field(default_factory=list)  # request ids awaiting a person
    # Unlawful processing stopped (records blocked), awaiting a person's decision.
    stopped: list[str] = field(default_factory=list)
    acted: int = 0  # records acted on
    access_reports: list[Path] = field(default_factory=list)
    notices: list[Path] = field(default_factory=list)  # drafts to send (notices.py)
    destroying_runs: list[str] = field(default_factory=list)  # their acts are due


def run_id_of(request_id: str) -> str:
    return f"request-{request_id}"


def address_of(policy: Policy, keys: Keys, request: register.Request) -> str:
    plus = policy.requests.plus_addressing if policy.requests else True
    return normalize_address(keys.decrypt(request.contact), plus_addressing=plus)


def process_open(
    policy: Policy, progress: Callable[[int, int], None] | None = None
) -> ProcessReport:
    """Act on every open, classified request; close those that are done.
    `progress(done, total)` is called before the first request and after each one. One
    engine per store for the whole pass (stores/owner.py)."""
    with Stores().use():
        return _process_open(policy, progress)


def _process_open(
    policy: Policy, progress: Callable[[int, int], None] | None = None
) -> ProcessReport:
    keys = keys_for(policy)
    report = ProcessReport()
    with register.opened(policy) as engine:
        upgrade_register(policy, keys, engine)
        with engine.connect() as connection:
            pending = [
                r
                for r in register.load_all(connection, [s.value for s in register.OPEN])
                if r.type and r.has_contact  # no address: a person answers (classify refuses)
            ]
    if not pending:
        return report
    # A foreign key that would stop a destruction is named before any store is written:
    # a request must not be done in one store and fail in the next.
    refuse_undeclared_referrers(policy)
    report_progress = progress or (lambda _done, _total: None)
    with held_stores(policy, RunOptions()):
        for done, request in enumerate(pending):
            report_progress(done, len(pending))
            kind = RequestType(str(request.type))
            address = address_of(policy, keys, request)
            if kind is RequestType.UPDATE:
                _await_approval(policy, request, address)
                report.waiting.append(request.request_id)
                continue
            if kind is RequestType.UNLAWFUL:
                if request.stopped_at is None:
                    stopped = _stop(policy, request, address)
                    report.acted += stopped
                    report.notices += notices.draft(
                        policy, keys, request, notices.NoticeKind.UNLAWFUL_STOP, records=stopped
                    )
                report.stopped.append(request.request_id)
                continue
            if kind is RequestType.ACCESS:
                path, records = access.write_report(policy, request, address)
                report.access_reports.append(path)
                answer = json.loads(path.read_text(encoding="utf-8"))
                report.notices += notices.draft(
                    policy, keys, request, notices.NoticeKind.ACCESS, report=answer
                )
                _close(policy, request, records, {"access_report": str(path)})
            else:
                # A block is for the period of the check (art. 21 p.1), whatever a
                # purpose's on_end_by_reason says of a demand to cease.
                blocking = BLOCK if kind is RequestType.BLOCK else None
                records, outcome = _apply(policy, request, kind, address, action=blocking)
                acted = sum(o["records"] for o in outcome["ledger"])
                report.acted += acted
                if _destroyed_or_depersonalized(outcome):
                    report.destroying_runs.append(run_id_of(request.request_id))
                _close(policy, request, records, outcome)
                # Nothing found under the address: the person is asked who they are.
                notice = notices.DONE[kind] if records else notices.NoticeKind.REFUSAL
                report.notices += notices.draft(
                    policy,
                    keys,
                    request,
                    notice,
                    records=acted,
                    no_records=not records,
                    depersonalized=_count(outcome, "depersonalize"),
                    kept=outcome.get("kept", []),
                )
            report.closed[kind.value] = report.closed.get(kind.value, 0) + 1
        report_progress(len(pending), len(pending))
    return report


def _destroyed_or_depersonalized(outcome: dict[str, Any]) -> bool:
    """Whether a request's run destroyed or depersonalized records: its act is due."""
    done = (action for o in outcome["ledger"] for action, n in o["actions"].items() if n)
    return any(action != BLOCK for action in done)


def _count(outcome: dict[str, Any], action: str) -> int:
    return sum(sum(o["actions"].get(action, {}).values()) for o in outcome["ledger"])


def _close(
    policy: Policy, request: register.Request, records: list[Record], outcome: dict[str, Any]
) -> None:
    with register.connect(policy) as connection:
        register.update(
            connection,
            request.request_id,
            status=register.Status.DONE.value,
            matched=[[r.store, r.table, r.key] for r in records],
            outcome=outcome,
            closed_at=register.now(),
        )


def _stop(policy: Policy, request: register.Request, address: str) -> int:
    """Unlawful processing's first step: block the person's records (later runs skip them,
    nothing processes them) and keep the request open for the decision."""
    records, outcome = _apply(policy, request, RequestType.UNLAWFUL, address, action="block")
    with register.connect(policy) as connection:
        register.update(
            connection,
            request.request_id,
            status=register.Status.IN_PROGRESS.value,
            matched=[[r.store, r.table, r.key] for r in records],
            outcome={"stopped": outcome["ledger"]},
            stopped_at=register.now(),
        )
    return sum(int(o["records"]) for o in outcome["ledger"])


def _each_table(policy: Policy) -> list[tuple[StoreSpec, TableSpec]]:
    return [(store, spec) for store in policy.stores for spec in store.tables]


def _apply(
    policy: Policy,
    request: register.Request,
    kind: RequestType,
    address: str,
    action: str | None = None,
) -> tuple[list[Record], dict[str, Any]]:
    """Destroy/depersonalize or block every record of the person, store by store; `action`
    for all of them when given, else as the request's type and each purpose say."""
    run_id = run_id_of(request.request_id)
    secret = pseudonym_secret(policy)  # read once: a Prefect block is a round trip
    records: list[Record] = []
    references: list[dict[str, Any]] = []
    kept: list[dict[str, Any]] = []
    for store in policy.stores:
        found, outcomes, kept_here = _in_store(
            store,
            partial(
                _apply_in_store,
                policy=policy,
                store=store,
                kind=kind,
                address=address,
                run_id=run_id,
                secret=secret,
                action=action,
            ),
        )
        records += found
        references += [
            {
                "store": o.store,
                "table": o.table,
                "run_id": run_id,
                "records": o.total,
                "actions": o.acted,
            }
            for o in outcomes
        ]
        kept += kept_here
    # Records the demand leaves: their purpose rests on another ground than consent, or a
    # hold keeps them. Counted, with the ground, for the answer; never their values.
    return sorted(records), {"ledger": references, **({"kept": kept} if kept else {})}


def _apply_in_store(
    connection: sa.Connection,
    policy: Policy,
    store: StoreSpec,
    kind: RequestType,
    address: str,
    run_id: str,
    secret: bytes,
    action: str | None = None,
) -> tuple[list[Record], list[TableOutcome], list[dict[str, Any]]]:
    plus = policy.requests.plus_addressing if policy.requests else True
    metadata = sa.MetaData()
    records: list[Record] = []
    outcomes: list[TableOutcome] = []
    kept: list[dict[str, Any]] = []
    reason = _REASON[kind]
    today = dt.datetime.now(policy.operator.zone).date()
    for spec in store.tables:
        keys = table_matches(connection, spec, address, plus)
        if not keys:
            continue
        records += [Record(store.name, spec.name, str(k)) for k in keys]
        purpose = policy.purpose(spec.purpose)
        if isinstance(reason, EndReason) and not purpose.ends_on(reason):
            # A withdrawal ends consent-based processing only (art. 21 p.5): these records
            # stay as they are, with any earlier block or mark.
            ground = str(purpose.ground)
            kept.append(
                {"store": store.name, "table": spec.name, "records": len(keys), "ground": ground}
            )
            continue
        chosen = action or purpose.action_for(reason)
        if chosen != "block":  # blocking keeps the data: held records are blocked too
            held = kept_now(connection, spec, keys, today)
            if held:
                kept.append(_kept(store.name, spec.name, held))
                keys = [k for k in keys if str(k) not in held]
            if not keys:
                continue
        context = table_context(connection, policy, store.name, spec, metadata)
        # The demand supersedes an earlier block or mark of the same records.
        connection.execute(
            tables.state.delete().where(
                (tables.state.c.table_name == spec.name)
                & tables.state.c.record_key.in_([str(k) for k in keys])
            )
        )
        decisions = pd.DataFrame(
            {
                "key": keys,
                "action": chosen,
                "reason": reason.value,
            },
            dtype=object,
        )
        outcome = TableOutcome(store.name, spec.name)
        act(
            connection,
            policy,
            context,
            decisions,
            run_id,
            secret,
            outcome,
            ledger_key=ledger_key(policy),
        )
        outcomes.append(outcome)
    return records, outcomes, kept


def _kept(store: str, table: str, held: dict[str, list[Ground]]) -> dict[str, Any]:
    """The outcome's entry for a table's records a hold kept: how many, their keys, and
    each ground that kept them with its end (never a value of the records)."""
    grounds = list(dict.fromkeys(ground for found in held.values() for ground in found))
    return {
        "store": store,
        "table": table,
        "records": len(held),
        "keys": sorted(held),
        "holds": [ground.as_json() for ground in grounds],
    }


def _in_store(store: StoreSpec, work: Callable[[sa.Connection], T]) -> T:
    with owned() as stores, stores.begin(store) as connection:
        tables.ensure_tables(connection)
        return work(connection)


def _await_approval(policy: Policy, request: register.Request, address: str) -> None:
    records = find_records(policy, address)
    with register.connect(policy) as connection:
        register.update(
            connection,
            request.request_id,
            status=register.Status.IN_PROGRESS.value,
            matched=[[r.store, r.table, r.key] for r in records],
        )


@dataclass(frozen=True)
class Approved:
    kind: RequestType
    records: int  # records updated or destroyed
    destroying_run: str | None  # the run whose act of destruction is due
    notices: list[Path] = field(default_factory=list)  # drafts to send (notices.py)


def approve(policy: Policy, request_id: str) -> Approved:
    """Apply what an open request asks once a person has decided: an update request's
    proposed values; for unlawful processing that cannot be made lawful, destruction of
    the person's records (152-FZ art. 21 p.3). Closes it."""
    with register.connect(policy) as connection:
        request = register.load_one(connection, request_id)
    if request.type == RequestType.UNLAWFUL.value and request.open:
        return _destroy_unlawful(policy, request)
    if request.type != RequestType.UPDATE.value or not request.open:
        raise BadInput(f"request {request_id} is not an open update or unlawful_processing request")
    updated, categories = _approve_update(policy, request)
    drafted = notices.draft(
        policy,
        keys_for(policy),
        request,
        notices.NoticeKind.UPDATE,
        records=updated,
        categories=categories,
    )
    return Approved(RequestType.UPDATE, updated, None, drafted)


def _destroy_unlawful(policy: Policy, request: register.Request) -> Approved:
    address = address_of(policy, keys_for(policy), request)
    refuse_undeclared_referrers(policy)
    with held_stores(policy, RunOptions()):
        records, outcome = _apply(policy, request, RequestType.UNLAWFUL, address)
    acted = sum(int(o["records"]) for o in outcome["ledger"])
    _close(policy, request, records, {**request.outcome, **outcome})
    drafted = notices.draft(
        policy, keys_for(policy), request, notices.NoticeKind.UNLAWFUL_DESTROYED, records=acted
    )
    return Approved(
        RequestType.UNLAWFUL, acted, run_id_of(request.request_id) if acted else None, drafted
    )


def _approve_update(policy: Policy, request: register.Request) -> tuple[int, list[str]]:
    """Records updated, and the categories proposed (the notice names them, not values)."""
    request_id = request.request_id
    keys = keys_for(policy)
    if request.proposal is None:
        raise BadInput(
            f"request {request_id}: no new values could be read from the message; "
            "answer it by hand and close it with `pdpipe requests close`"
        )
    values: dict[str, str] = json.loads(keys.decrypt(request.proposal))
    address = address_of(policy, keys, request)
    run_id = run_id_of(request_id)
    records: list[Record] = []
    references: list[dict[str, Any]] = []
    with held_stores(policy, RunOptions()):
        for store in policy.stores:
            found, refs = _in_store(
                store,
                partial(
                    _update_in_store,
                    policy=policy,
                    store=store,
                    values=values,
                    address=address,
                    run_id=run_id,
                ),
            )
            records += found
            references += refs
    _close(policy, request, sorted(records), {"ledger": references})
    return sum(int(r["records"]) for r in references), sorted(values)


def _update_in_store(
    connection: sa.Connection,
    policy: Policy,
    store: StoreSpec,
    values: dict[str, str],
    address: str,
    run_id: str,
) -> tuple[list[Record], list[dict[str, Any]]]:
    """Write the approved values into the person's records; a ledger row for each."""
    plus = policy.requests.plus_addressing if policy.requests else True
    term = policy.term(RequestKind.UPDATE)
    records: list[Record] = []
    references: list[dict[str, Any]] = []
    for spec in store.tables:
        found = table_matches(connection, spec, address, plus)
        records += [Record(store.name, spec.name, str(k)) for k in found]
        # Only a column holding exactly the proposed category: a full-name column given a
        # new last name, or a JSON path, is for a person to edit.
        changes = {
            name: values[column.data[0]]
            for name, column in spec.columns.items()
            if "." not in name and len(column.data) == 1 and column.data[0] in values
        }
        if not found or not changes:
            continue
        table = sa.Table(spec.name, sa.MetaData(), autoload_with=connection)
        connection.execute(table.update().where(table.c[spec.key].in_(found)).values(**changes))
        categories = ",".join(sorted({c for n in changes for c in spec.columns[n].data}))
        basis = f"{policy.purpose(spec.purpose).legal_ground}; {term.source}"
        entries = [
            ledger.Entry(spec.name, str(k), "update", RequestKind.UPDATE.value, basis, categories)
            for k in found
        ]
        ledger.append(
            connection, run_id, store.name, entries, dt.datetime.now(dt.UTC), ledger_key(policy)
        )
        references.append(
            {
                "store": store.name,
                "table": spec.name,
                "run_id": run_id,
                "records": len(found),
                "columns": sorted(changes),
            }
        )
    return records, references
