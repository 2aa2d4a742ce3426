from tests.detectors.builders import matching


def test_when_luhn_and_issuer_hold_then_a_card_matches_bare_or_grouped() -> None:
    good = [
        "4219 9351 8190 9371",
        "5469865797543237",
        "2202-1948-7574-9114",
        "3797 971147 10498",
        "2200862527601895553",
    ]
    assert matching("bank_card", good) == good


def test_when_luhn_fails_or_no_network_issues_it_then_no_card() -> None:
    bad = ["4219 9351 8190 9372", "1234 5678 9012 3456", "9999999999999995", "4219 9351 8190"]
    assert matching("bank_card", bad) == []
