"""Precision and recall of a scan per PD category, at column level, against a labeled
truth: a column (or a JSON key path) is a true positive for category C when the truth
gives it C and the scan reported C for it; a false positive when the scan reported C and
the truth does not give it C (a place the truth does not know counts as holding nothing);
a miss when the truth gives C and the scan did not report it.

Only names and counts: places are (table, column), never a value.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from pdpipe.detectors import Category
from pdpipe.discovery.compare import Verdict

RECALL, PRECISION = 0.95, 0.90  # issue 22's targets, per category
Place = tuple[str, str]  # table, column (or JSON key path)


@dataclass
class Score:
    category: str
    hits: list[Place] = field(default_factory=list)
    misses: list[Place] = field(default_factory=list)
    false: list[Place] = field(default_factory=list)  # reported, not in the truth

    @property
    def recall(self) -> float | None:
        positives = len(self.hits) + len(self.misses)
        return len(self.hits) / positives if positives else None

    @property
    def precision(self) -> float | None:
        reported = len(self.hits) + len(self.false)
        return len(self.hits) / reported if reported else None

    @property
    def met(self) -> bool:
        recall, precision = self.recall, self.precision
        recall_ok = recall is None or recall >= RECALL
        return recall_ok and (precision is None or precision >= PRECISION)

    def add(self, other: Score) -> Score:
        return Score(
            self.category,
            self.hits + other.hits,
            self.misses + other.misses,
            self.false + other.false,
        )


def found_by(verdicts: Iterable[Verdict]) -> dict[Place, frozenset[str]]:
    """What a scan reported, per place (store names left out: tables do not collide)."""
    found: dict[Place, frozenset[str]] = {}
    for verdict in verdicts:
        if verdict.found:
            place = (verdict.table, verdict.column)
            found[place] = found.get(place, frozenset()) | frozenset(verdict.found)
    return found


def score(
    truth: Mapping[Place, frozenset[str]], found: Mapping[Place, frozenset[str]]
) -> dict[str, Score]:
    """One Score per category pdpipe detects, places in sorted order."""
    scores = {c.value: Score(c.value) for c in Category}
    for place in sorted(truth.keys() | found.keys()):
        labels, reported = truth.get(place, frozenset()), found.get(place, frozenset())
        for category in labels | reported:
            entry = scores.setdefault(category, Score(category))
            if category in labels and category in reported:
                entry.hits.append(place)
            elif category in labels:
                entry.misses.append(place)
            else:
                entry.false.append(place)
    return scores
