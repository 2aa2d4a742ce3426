import pytest

from pdpipe.detectors import detector

SUGGESTS = [
    ("email", ["email", "e_mail", "customerEmail", "attribs.mail", "pochta"]),
    ("phone", ["phone", "tel", "telefon", "mobile_phone", "msisdn", "mob"]),
    ("full_name", ["fio", "name", "full_name", "contact_name"]),
    ("last_name", ["last_name", "lastName", "familiya", "surname"]),
    ("first_name", ["first_name", "imya", "fname"]),
    ("patronymic", ["otchestvo", "middle_name", "patronymic"]),
    ("birth_date", ["dob", "birth_date", "data_rozhdeniya", "dr", "birthday"]),
    ("ip_address", ["ip", "ip_addr", "client_ip", "remote_addr"]),
    ("inn", ["inn"]),
    ("snils", ["snils"]),
    ("iin", ["iin"]),
    ("passport", ["passport", "pasport", "doc_num"]),
    ("bank_card", ["card", "pan", "card_number"]),
    ("address", ["address", "adres", "home_address"]),
]


@pytest.mark.parametrize("name, columns", SUGGESTS)
def test_when_a_column_is_named_for_a_category_then_its_detector_says_so(
    name: str, columns: list[str]
) -> None:
    assert [c for c in columns if not detector(name).name_suggests(c)] == []


def test_when_a_name_describes_pd_rather_than_holds_it_then_no_suggestion() -> None:
    assert not detector("email").name_suggests("email_verified")
    assert not detector("phone").name_suggests("has_phone")
    assert not detector("ip_address").name_suggests("zip")
    assert not detector("address").name_suggests("email_address")
    assert not detector("full_name").name_suggests("product_name")
    assert not detector("full_name").name_suggests("first_name")
