"""IP addresses, v4 in dotted quads and v6 in any form the ``ipaddress`` module reads
(an optional v4 port or v6 zone is allowed). Version strings such as "1.2.3.4" are
indistinguishable from an address and match: the column name and share decide."""

from __future__ import annotations

import ipaddress
import re

import pandas as pd

from pdpipe.detectors.base import Category, Detector, Evidence
from pdpipe.detectors.registry import register

_V4 = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}"
V4 = re.compile(rf"{_V4}(?::\d{{1,5}})?")
# In text, a dotted quad after a product's "/" or "rv:" is its version, as user agents
# write them ("Firefox/3.6.10.1", "rv:1.9.2.20"), not an address.
V4_IN_TEXT = re.compile(rf"(?<![\d./])(?<!rv:){_V4}(?![\d.]*\d)", re.IGNORECASE)
V6_CANDIDATE = re.compile(r"\[?[0-9A-Fa-f:.]{2,45}(?:%\w{1,16})?\]?(?::\d{1,5})?")
V6_IN_TEXT = re.compile(r"(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f.]{0,15}(?![\w:])")


def is_v6(text: str) -> bool:
    if text.count(":") < 2:
        return False
    host = text
    if host.startswith("["):
        host = host[1 : host.find("]")] if "]" in host else host
    try:
        ipaddress.IPv6Address(host)
    except ValueError:
        return False
    return True


@register
class IpAddress(Detector):
    name = "ip_address"
    category = Category.IP_ADDRESS
    evidence = Evidence.SHAPE
    name_words = frozenset({"ip", "ipaddr", "ipaddress", "ipv4", "ipv6", "ip4", "ip6"})
    name_phrases = ("remote addr", "client addr", "ip addr", "ip address", "remote host")
    max_length = 60

    def _match(self, texts: pd.Series, named: bool) -> pd.Series:
        v4 = texts.str.fullmatch(V4.pattern)
        candidates = ~v4 & texts.str.fullmatch(V6_CANDIDATE.pattern)
        v6 = pd.Series(False, index=texts.index)
        if candidates.any():
            v6[candidates] = texts[candidates].map(is_v6).astype(bool)
        return v4 | v6
