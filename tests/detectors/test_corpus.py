"""Precision and recall per category at value level, on a small hand-written corpus
(cases/values.tsv: label, column, value; "none" rows are hard negatives).

Each detector sees every value as a scan will show it: with ``named`` true where the
row's column name suggests the detector's category. A match on a row labelled with
another category (or none) is a false positive.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from pdpipe.detectors import DETECTORS, Category

CASES = Path(__file__).parent / "cases" / "values.tsv"
RECALL, PRECISION = 0.95, 0.90


def _corpus() -> pd.DataFrame:
    rows = [
        line.split("\t")
        for line in CASES.read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    ]
    return pd.DataFrame(rows, columns=["labels", "column", "value"])


def _scores(category: Category) -> tuple[float, float, int]:
    corpus = _corpus()
    detector = DETECTORS[category.value]
    found = pd.Series(False, index=corpus.index)
    for column, rows in corpus.groupby("column"):
        found[rows.index] = detector.matches(
            rows["value"], named=detector.name_suggests(str(column))
        )
    truth = corpus["labels"].str.split(",").map(lambda labels: category.value in labels)
    hits = int((found & truth).sum())
    recall = hits / int(truth.sum())
    precision = hits / int(found.sum()) if found.any() else 0.0
    return recall, precision, int(truth.sum())


@pytest.mark.parametrize("category", list(Category), ids=str)
def test_when_the_corpus_is_scanned_then_recall_and_precision_reach_the_targets(
    category: Category,
) -> None:
    recall, precision, positives = _scores(category)
    assert positives >= 4, "every category has examples"
    assert recall >= RECALL, f"{category}: recall {recall:.2f}"
    assert precision >= PRECISION, f"{category}: precision {precision:.2f}"
