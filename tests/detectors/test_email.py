from tests.detectors.builders import matching


def test_when_values_are_addresses_then_each_matches() -> None:
    good = ["ivan.petrov@mail.ru", "директор@почта.рф", "Sergey.K+news@bk.ru", " a@b.kz "]
    assert matching("email", good) == good


def test_when_values_only_contain_an_at_sign_then_none_matches() -> None:
    assert matching("email", ["icon@2x.png", "@ivan", "user@localhost", "mail.ru", None]) == []
