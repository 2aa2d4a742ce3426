"""`pdpipe scan`: sample every table of every store, ask every detector, and compare what
was found with what the policy declares.

A finding is a category in a column with the share of the column's sampled values that
hold it, and the evidence it rests on. Below `min_share` a match is noise (a stray
phone-shaped number in a column of amounts), unless the column's name says the same
category. A JSON column is judged by its keys (`attribs.phone`), not as one text.

Counts, shares and names only ever leave this module: the sampled values stay in memory.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pdpipe.discovery.compare import Detection, Place, Status, Verdict, against_policy
from pdpipe.discovery.sample import DEFAULT_ROWS, ColumnSample, TableSample, sample_store
from pdpipe.errors import StoreUnavailable, StoreUnreachable
from pdpipe.policy.models import Policy, StoreSpec
from pdpipe.stores.owner import Stores, owned

if TYPE_CHECKING:
    import pandas as pd

    from pdpipe.detectors.base import Evidence

MIN_SHARE = 0.05  # of a column's sampled values
# A column whose own name says it holds places, things or codes: a value there that is
# also in a name dictionary ("Астана", a city and a given name; "Киров", a city and a
# surname; "Scarlett", a brand) is the thing's, unless most of the column's values are
# names. English, and Russian in transliteration.
THINGS = frozenset(
    (
        "city", "town", "country", "region", "district", "settlement", "place", "location",
        "street", "address", "company", "organization", "org", "employer", "brand", "product",
        "item", "sku", "title", "category", "tag", "label", "kind", "type", "status", "channel",
        "lang", "language", "currency", "source", "campaign", "plan", "tier", "manufacturer",
        "vendor", "supplier", "merchant", "shop", "store", "bank", "branch", "department",
        "job", "position", "role", "model",
        "gorod", "strana", "oblast", "raion", "rayon", "punkt", "mesto", "ulitsa", "kompaniya",
        "kompania", "organizatsiya", "firma", "brend", "marka", "tovar", "produkt", "nazvanie",
        "naimenovanie", "kategoriya", "tip", "vid", "kanal", "istochnik", "tarif", "yazyk",
        "til", "valyuta", "proizvoditel", "postavshchik", "magazin", "sklad", "filial", "otdel",
        "dolzhnost",
    )
)  # fmt: skip
DICTIONARY_MAJORITY = 0.5
# A checksum's matches count only when most values of its written shape pass the check:
# random numbers of that shape pass one time in ten or eleven (order numbers, barcodes).
CHECKSUM_MAJORITY = 0.5
# A column of single name parts holds one part (surnames, or given names): a second part
# found in under half as many values is the first's ambiguous words ("Thomas", "Роман").
ONE_PART = 0.5
NAME_PARTS = frozenset({"first_name", "last_name", "patronymic"})
# A column most of whose values are of one category as a whole (addresses) is a field of
# it, not prose: the name of a street or town inside an address is no person's.
FIELD_MAJORITY = 0.5

Progress = Callable[[str, int, int], None]  # (store, databases done, databases)


@dataclass
class ScanReport:
    """What a scan found: every verdict, and what was sampled."""

    verdicts: list[Verdict] = field(default_factory=list)
    tables: int = 0
    columns: int = 0
    rows_sampled: int = 0
    scan_id: str | None = None  # once kept in the stores (discovery/record.py)

    @property
    def undeclared(self) -> list[Verdict]:
        return [v for v in self.verdicts if v.status is Status.UNDECLARED]


def scan_policy(
    policy: Policy,
    *,
    rows: int = DEFAULT_ROWS,
    min_share: float = MIN_SHARE,
    progress: Progress | None = None,
    stores: Stores | None = None,
) -> ScanReport:
    """Scan every database the policy's stores are in, once each, and judge the findings
    against the policy. A table no store names is reported under the first store of its
    database."""
    return scan(
        policy.stores, policy, rows=rows, min_share=min_share, progress=progress, stores=stores
    )


def scan(
    specs: list[StoreSpec],
    policy: Policy | None,
    *,
    rows: int = DEFAULT_ROWS,
    min_share: float = MIN_SHARE,
    progress: Progress | None = None,
    stores: Stores | None = None,
) -> ScanReport:
    """Scan `specs`; with no policy, every finding is undeclared."""
    report = ScanReport()
    detections: list[Detection] = []
    sampled: list[Place] = []
    databases = _databases(specs)
    try:
        with owned(stores, read_only=True) as owner:
            for done, (first, named_by) in enumerate(databases):
                if progress is not None:
                    progress(first.name, done, len(databases))
                for table in sample_store(first, rows=rows, stores=owner):
                    store = named_by.get(table.table, first.name)
                    found, held = detect_table(store, table, min_share)
                    detections += found
                    sampled += held
                    report.tables += 1
                    report.columns += len(table.columns)
                    report.rows_sampled += max((c.sampled_rows for c in table.columns), default=0)
    except StoreUnavailable as exc:  # a scan only reads: nothing was written anywhere
        raise StoreUnreachable(str(exc)) from None
    if progress is not None:
        progress("", len(databases), len(databases))
    report.verdicts = against_policy(policy, detections, sampled)
    return report


def _databases(specs: list[StoreSpec]) -> list[tuple[StoreSpec, dict[str, str]]]:
    """Each database once (stores may share one), with the store that names each table."""
    grouped: dict[str, tuple[StoreSpec, dict[str, str]]] = {}
    for store in specs:
        _, named_by = grouped.setdefault(store.url, (store, {}))
        for table in store.tables:
            named_by.setdefault(table.name, store.name)
            for child in table.children:
                named_by.setdefault(child.table, store.name)
    return list(grouped.values())


def detect_table(
    store: str, table: TableSample, min_share: float = MIN_SHARE
) -> tuple[list[Detection], list[Place]]:
    """The detections in one sampled table, and the columns that held values."""
    parents = {c.column.split(".")[0].removesuffix("[]") for c in table.columns if "." in c.column}
    found: list[Detection] = []
    held: list[Place] = []
    for column in table.columns:
        if column.column in parents:
            continue  # a JSON column: its keys are judged one by one
        if column.values:
            held.append((store, table.table, column.column))
        found += detect_column(store, table.table, column, min_share)
    return found, held


def detect_column(
    store: str, table: str, sample: ColumnSample, min_share: float = MIN_SHARE
) -> list[Detection]:
    import pandas as pd

    from pdpipe.detectors import DETECTORS
    from pdpipe.detectors.base import Evidence, Texts

    values = pd.Series(sample.values, dtype=object)
    if not len(values):  # nothing to look at: the name alone says it
        return [
            Detection(store, table, sample.column, d.category.value, 0.0, "column name")
            for d in DETECTORS.values()
            if d.name_suggests(sample.column)
        ]
    texts = Texts.of(values)
    named = {key: d.name_suggests(sample.column) for key, d in DETECTORS.items()}
    hits = {key: d.matches(texts, named=named[key]) for key, d in DETECTORS.items()}
    # A value of the category the column's name gives is that category's alone: in a
    # `passport` column "45 12 345678" is no phone; in a `tel` column ten digits that
    # pass the ИНН check are a phone number.
    claimed = pd.Series(False, index=values.index)
    for key, is_named in named.items():
        if is_named:
            claimed |= hits[key]
    a_thing = _names_a_thing(sample.column)
    shares: dict[str, tuple[float, Evidence]] = {}
    for key, detector in DETECTORS.items():
        found = hits[key] if named[key] else hits[key] & ~claimed
        share = float(found.mean())
        if a_thing and detector.evidence is Evidence.DICTIONARY and share < DICTIONARY_MAJORITY:
            continue
        chance = detector.evidence is Evidence.CHECKSUM and not named[key]
        if chance and found.sum() < CHECKSUM_MAJORITY * detector.shaped(texts).sum():
            continue  # what chance gives numbers of this shape
        if share >= min_share or (named[key] and share > 0):
            category = detector.category.value
            if category not in shares or share > shares[category][0]:
                shares[category] = (share, detector.evidence)
    _one_name_part(shares, sample.column)
    found_list = [
        Detection(store, table, sample.column, category, share, evidence.value)
        for category, (share, evidence) in shares.items()
    ]
    if max((share for share, _ in shares.values()), default=0.0) >= FIELD_MAJORITY:
        return found_list
    for category, (rows, share) in embedded(values).items():
        # Prose that names a person's phone twice holds PD whatever else it says: a
        # lower bar than for a column's whole values, where one stray match is noise.
        if category not in shares and rows >= FREE_TEXT_ROWS:
            found_list.append(Detection(store, table, sample.column, category, share, "free text"))
    return found_list


def _one_name_part(shares: dict[str, tuple[float, Evidence]], column: str) -> None:
    """Drops the name parts found in under ONE_PART of the most found part's share,
    unless the column's name gives them."""
    from pdpipe.detectors import DETECTORS

    parts = {c: s for c, (s, _) in shares.items() if c in NAME_PARTS}
    if len(parts) < 2:
        return
    top = max(parts.values())
    for category, share in parts.items():
        if share < ONE_PART * top and not DETECTORS[category].name_suggests(column):
            del shares[category]


def _names_a_thing(column: str) -> bool:
    from pdpipe.detectors.column_names import tokens

    own = column.rsplit(".", 1)[-1]
    return bool(set(tokens(own)) & THINGS)


FREE_TEXT_WORDS = 4  # a column whose values run to this many words on average is prose
FREE_TEXT_ROWS = 2  # sampled values that must embed a category for prose to hold it


def embedded(values: pd.Series) -> dict[str, tuple[int, float]]:
    """For a column of prose (notes, comments): per category, how many of its values
    embed it somewhere in the text, and their share; {} for a column of short values."""
    from pdpipe.detectors.text import find_spans

    texts = [str(v) for v in values.dropna()]
    if not texts or sum(len(t.split()) for t in texts) / len(texts) < FREE_TEXT_WORDS:
        return {}
    held: dict[str, int] = {}
    for text in texts:
        for category in {span.category.value for span in find_spans(text)}:
            held[category] = held.get(category, 0) + 1
    return {category: (count, count / len(values)) for category, count in held.items()}
