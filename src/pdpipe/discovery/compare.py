"""What a scan found, against what the policy declares (clause 5.5: no PD beyond what the
purpose needs, so none the policy does not name).

A pure function of the policy and the detections: each column the detectors flagged, or
the policy names, gets one verdict.

    declared                 the policy names the column, and PD was found in it
    undeclared               PD was found in a column the policy does not name
    declared, not found      the policy names the column; its sample held none of the PD
                             the detectors know (a column renamed, emptied, or mis-named)
    declared, not sampled    the policy names it; the table or column held no values

A column is named by the policy in a processed table's `columns`, or a child table's
(`attribs.phone` names a key inside the JSON column `attribs`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from pdpipe.policy.models import Policy


class Status(StrEnum):
    DECLARED = "declared"
    UNDECLARED = "undeclared"
    NOT_FOUND = "declared, not found"
    NOT_SAMPLED = "declared, not sampled"


@dataclass(frozen=True)
class Detection:
    """PD of one category in one sampled column: the share of its sampled values that hold
    it, and the kind of evidence (column name, value shape, checksum, dictionary)."""

    store: str
    table: str
    column: str
    category: str
    share: float
    evidence: str


@dataclass(frozen=True)
class Verdict:
    store: str
    table: str
    column: str
    status: Status
    found: tuple[str, ...] = ()  # categories detected
    declared: tuple[str, ...] = ()  # categories the policy gives the column
    share: float | None = None  # the largest share of any category found
    # (category, share, evidence) of each finding, strongest share first
    details: tuple[tuple[str, float, str], ...] = ()


Place = tuple[str, str, str]  # store, table, column


def declared_columns(policy: Policy) -> dict[Place, tuple[str, ...]]:
    """Every column the policy names, with the categories it gives each."""
    named: dict[Place, tuple[str, ...]] = {}
    for store in policy.stores:
        for table in store.tables:
            for column, spec in table.columns.items():
                named[(store.name, table.name, column)] = tuple(spec.data)
            for child in table.children:
                for column, spec in child.columns.items():
                    named[(store.name, child.table, column)] = tuple(spec.data)
    return named


def against_policy(
    policy: Policy | None, detections: Iterable[Detection], sampled: Iterable[Place]
) -> list[Verdict]:
    """The verdicts, in store, table, column order. `sampled` are the columns that held
    at least one value in the sample. Without a policy nothing is declared."""
    named = declared_columns(policy) if policy is not None else {}
    held = set(sampled)
    found: dict[Place, list[Detection]] = {}
    for detection in detections:
        found.setdefault((detection.store, detection.table, detection.column), []).append(detection)
    verdicts = []
    for place in sorted(named.keys() | found.keys()):
        hits = found.get(place, [])
        categories = tuple(sorted({d.category for d in hits}))
        share = max((d.share for d in hits), default=None)
        if place not in named:
            status = Status.UNDECLARED
        elif hits:
            status = Status.DECLARED
        elif place in held:
            status = Status.NOT_FOUND
        else:
            status = Status.NOT_SAMPLED
        best: dict[str, Detection] = {}
        for d in hits:  # several detectors of one category: the one that found most
            if d.category not in best or d.share > best[d.category].share:
                best[d.category] = d
        details = tuple(
            (d.category, d.share, d.evidence)
            for d in sorted(best.values(), key=lambda d: (-d.share, d.category))
        )
        verdicts.append(Verdict(*place, status, categories, named.get(place, ()), share, details))
    return verdicts
