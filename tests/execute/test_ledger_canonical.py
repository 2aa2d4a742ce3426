"""The ledger hashes each row's canonical text; appending uses a faster builder of the
same text. Any difference would break every chain written since: prove they agree."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from pdpipe.execute.ledger import Entry, _Canonical, _canonical

TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=30)  # quotes, \, control chars


@given(
    run_id=TEXT,
    store=TEXT,
    seq=st.integers(min_value=1, max_value=2**62),
    entries=st.lists(st.builds(Entry, TEXT, TEXT, TEXT, TEXT, TEXT, TEXT), min_size=1),
    acted_at=st.datetimes(min_value=dt.datetime(2000, 1, 1)),
)
def test_the_fast_canonical_text_is_the_canonical_text(
    run_id: str, store: str, seq: int, entries: list[Entry], acted_at: dt.datetime
) -> None:
    acted_at = acted_at.replace(microsecond=0)
    fast = _Canonical(run_id, store, acted_at)
    for offset, entry in enumerate(entries):
        assert fast(seq + offset, entry) == _canonical(seq + offset, run_id, store, entry, acted_at)
