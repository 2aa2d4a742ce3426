"""How a scan judges one sampled column: the column's name, the shares and the shapes
together, for columns that tempt a detector and for PD columns whose values are ambiguous.
"""

from __future__ import annotations

from collections.abc import Sequence

from stdnum.ru import inn

from pdpipe.discovery.sample import ColumnSample
from pdpipe.discovery.scan import detect_column


def found(column: str, values: Sequence[str]) -> dict[str, str]:
    """Category -> evidence of what the scan reports for a column of these values."""
    sample = ColumnSample(column, "VARCHAR(255)", list(values), len(values))
    return {d.category: d.evidence for d in detect_column("shop", "t", sample)}


def _ean13(body: str) -> str:
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


def test_numbers_that_pass_a_check_digit_by_chance_are_not_pd() -> None:
    """Sequential 10-digit order numbers: one in eleven is a valid ИНН, as chance has it;
    EAN-13 barcodes: one in ten passes the card's Luhn check."""
    orders = [str(4_100_000_000 + i) for i in range(400)]
    assert 0.05 < sum(inn.is_valid(o) for o in orders) / len(orders) < 0.15
    assert found("nomer_zakaza", orders) == {}
    barcodes = [_ean13(f"46{i:010d}") for i in range(0, 4_000_000, 10_000)]
    assert found("ean", barcodes) == {}


def test_a_column_of_real_inns_is_found_by_its_checksum_without_a_name() -> None:
    inns = ["926018159086", "101661318615", "324628194853", "500100732259"] * 10
    assert found("col_17", inns) == {"inn": "checksum"}


def test_a_value_of_the_category_the_column_is_named_for_counts_for_it_alone() -> None:
    """Ten bare digits in a `tel` column are phone numbers, though some pass the ИНН
    check; "45 12 345678" in a `pasport` column is a passport, though shaped like a phone."""
    phones = [f"9{n:09d}" for n in range(161_234_567, 161_234_967)]
    assert found("tel_dop", phones) == {"phone": "value shape"}
    passports = [f"91 {year} {n}" for year in range(20, 25) for n in range(234_567, 234_587)]
    assert found("pasport", passports) == {"passport": "value shape"}


def test_a_column_of_surnames_is_last_names_though_some_are_also_given_names() -> None:
    surnames = ["Smith", "Brown", "Jones", "Miller", "Garcia", "Rodriguez", "Martinez", "Moore"]
    both = ["Taylor", "Jackson"]  # surnames the census also lists as given names
    assert found("ln", surnames * 10 + both * 4) == {"last_name": "dictionary"}


def test_a_city_column_named_in_transliteration_holds_cities_not_people() -> None:
    """Киров, Пушкин and Чехов are surnames too; Астана a given name."""
    cities = ["Москва", "Киров", "Пушкин", "Чехов", "Астана", "Казань", "Тула", "Омск"]
    assert found("gorod", cities * 20) == {}


def test_an_address_column_is_addresses_though_streets_are_named_after_people() -> None:
    addresses = [f"г. Тында, пр. Карла Маркса, д. {n}, кв. {n + 3}" for n in range(1, 30)] + [
        f"{n} Erica Spring Suite 692, Lake Tammy, CA 8570{n % 10}" for n in range(1, 30)
    ]
    assert found("adres", addresses) == {"address": "value shape"}
