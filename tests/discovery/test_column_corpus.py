"""Discovery measured at column level on a labeled schema that is not the demo's: a shop's
tables (bench/corpus_schema.py) with Russian transliterated, English and abbreviated
column names, Kazakh and English people, JSON documents, free text, and many columns that
tempt a detector without holding PD. Every PD category reaches issue 22's targets on each
database, so a detector or scan regression fails here (`python -m bench.discovery` prints
the same measures at full size, docs/discovery.md)."""

from __future__ import annotations

from functools import cache

import pytest
from bench.column_scores import PRECISION, RECALL, found_by, score
from bench.corpus_schema import Corpus, generate, load

from pdpipe.discovery.sample import sample_store
from pdpipe.discovery.scan import scan
from pdpipe.discovery.store_url import bare_store

ROWS = 300  # per table: a sample of all of them, as a scan of a small database is


@cache
def corpus() -> Corpus:
    return generate(rows=ROWS, seed=5)


@pytest.fixture
def shop_url(store_url: str) -> str:
    load(corpus(), store_url)
    return store_url


def test_every_category_reaches_the_targets_at_column_level(shop_url: str) -> None:
    report = scan([bare_store(shop_url)], None)

    scores = score(corpus().truth, found_by(report.verdicts))
    for category, entry in scores.items():
        assert len(entry.hits) + len(entry.misses) >= 3, f"{category}: too few columns to judge"
        wrong = ", ".join(f"{t}.{c}" for t, c in entry.false)
        missed = ", ".join(f"{t}.{c}" for t, c in entry.misses)
        assert entry.recall is not None and entry.recall >= RECALL, f"{category} missed {missed}"
        assert entry.precision is not None and entry.precision >= PRECISION, (
            f"{category} reported in {wrong}"
        )


def test_the_truth_names_every_place_a_scan_samples(shop_url: str) -> None:
    """A column added to the generator without its label would count as holding no PD."""
    sampled = {
        (table.table, column.column)
        for table in sample_store(bare_store(shop_url))
        for column in table.columns
    }
    json_columns = {(t, c.split(".")[0]) for t, c in corpus().truth if "." in c}
    assert sampled - json_columns == set(corpus().truth)
