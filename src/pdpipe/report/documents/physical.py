"""What an act says about the destroyed values beyond the rows: whether they were erased
from the database's files (execute/reclaim.py), what the server's logs keep, and by when
the backup copies the policy declares no longer hold them.

An act certifies destruction: it says exactly what was done and what was not, so that
no reader takes a DELETE for an erasure, or a database for all of its copies.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pandas as pd

from pdpipe.execute.reclaim import Reclaimed, recorded
from pdpipe.policy.models import Physical, Policy
from pdpipe.report.documents import gather
from pdpipe.report.documents.gather import Scope
from pdpipe.report.documents.texts import Language, label


def notes(
    policy: Policy, scope: Scope, language: Language, last_acted: dict[str, dt.datetime]
) -> list[str]:
    """One or more notes per store the act speaks of (`last_acted`: the last time, naive
    UTC, it acted there)."""
    run_ids = [scope.run_id] if scope.run_id else gather.run_ids(policy, scope)
    done = recorded(policy, run_ids)
    found = []
    for store in (s for s in policy.stores if s.name in last_acted):
        entries = [e for run in run_ids for e in done.get(run, []) if e.store == store.name]
        found += _erasure(
            store.name, store.destruction.physical, entries, len(run_ids), language, policy
        )
        if entries:
            found += _logs(entries[-1], language)
        found += _backups(policy, store.name, last_acted[store.name], language)
    return found


def _erasure(
    store: str,
    physical: Physical,
    entries: list[Reclaimed],
    runs: int,
    language: Language,
    policy: Policy,
) -> list[str]:
    if physical is Physical.NONE:
        return [label(language, "note_physical_none", store=store)]
    if not entries:
        return [label(language, "note_physical_missing", store=store, physical=physical.value)]
    if runs > 1:
        statements = Counter(e.statement or "-" for e in entries)
        return [
            label(
                language,
                "note_physical_period",
                store=store,
                statements=", ".join(sorted(statements)),
                done=len(entries),
                runs=runs,
            )
        ]
    entry = entries[0]
    values = {
        "store": store,
        "tables": ", ".join(entry.tables),
        "date": _local_day(entry.at, policy),
        "statement": entry.statement,
    }
    if entry.physical == Physical.REWRITE.value:
        # On PostgreSQL, the files hold none only if VACUUM FULL itself reported keeping
        # no dead row version (execute/reclaim.py): waiting for older transactions first
        # makes that likely, it does not prove it. On SQLite, only if the checkpoint
        # after VACUUM completed.
        erased = entry.kept == 0 if entry.dialect == "postgresql" else not entry.held_back
        if erased:
            return [label(language, "note_physical_rewrite", **values)]
        if entry.dialect == "sqlite":
            return [label(language, "note_physical_rewrite_held_sqlite", **values)]
        if entry.held_back:  # older transactions could still see the values
            return [label(language, "note_physical_rewrite_held", held=entry.held_back, **values)]
        if entry.kept:
            return [label(language, "note_physical_rewrite_kept", kept=entry.kept, **values)]
        return [label(language, "note_physical_rewrite_unverified", **values)]
    if entry.dialect == "sqlite" and entry.held_back:
        return [label(language, "note_physical_vacuum_sqlite_held", **values)]
    dialect = "mysql" if entry.dialect in ("mysql", "mariadb") else entry.dialect
    return [label(language, f"note_physical_vacuum_{dialect}", **values)]


def _local_day(at: str, policy: Policy) -> dt.date:
    """The operator's day of an instant reclaim recorded in UTC, as every date of the
    documents is the operator's."""
    instant = dt.datetime.fromisoformat(at)
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=dt.UTC)
    return instant.astimezone(policy.operator.zone).date()


def _logs(entry: Reclaimed, language: Language) -> list[str]:
    logs, store = entry.logs, entry.store
    if "archive_mode" in logs:
        state = "off" if logs["archive_mode"] == "off" else "on"
        return [label(language, f"note_logs_archive_{state}", store=store)]
    if "log_bin" in logs:
        if logs["log_bin"] == "off":
            return [label(language, "note_logs_binlog_off", store=store)]
        return [
            label(
                language,
                "note_logs_binlog_on",
                store=store,
                format=logs.get("binlog_format", "?"),
                days=logs.get("expire_logs_days", "?"),
            )
        ]
    return []


def _backups(policy: Policy, store: str, acted: dt.datetime, language: Language) -> list[str]:
    spec = next(s for s in policy.stores if s.name == store)
    if spec.backups is None:
        return [label(language, "note_backups_unknown", store=store)]
    if not spec.backups:
        return [label(language, "note_backups_none", store=store)]
    day = acted.replace(tzinfo=dt.UTC).astimezone(policy.operator.zone).date()
    return [
        label(
            language,
            "note_backup",
            store=store,
            where=backup.where,
            keep_for=str(backup.keep_for),
            until=(pd.Timestamp(day) + backup.keep_for.offset()).date().isoformat(),
        )
        for backup in spec.backups
    ]
