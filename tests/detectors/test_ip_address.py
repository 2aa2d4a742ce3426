from tests.detectors.builders import matching


def test_when_values_are_v4_or_v6_addresses_then_they_match() -> None:
    good = ["192.168.1.10", "8.8.8.8", "10.0.0.1:8080", "2001:db8::1", "fe80::1ff:fe23:4567:890a"]
    assert matching("ip_address", good) == good


def test_when_values_only_have_dots_or_colons_then_they_do_not_match() -> None:
    assert matching("ip_address", ["999.1.1.1", "1.2.3", "12:30:45", "00:1A:2B:3C:4D:5E"]) == []
