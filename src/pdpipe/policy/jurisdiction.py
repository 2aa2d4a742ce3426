"""Which law the operator's own details point to, beside the profile the policy names.

A policy names its profile (`operator.jurisdiction`); its operator's address, contact
domain and timezone often say where the operator actually is. When they point to another
jurisdiction the profile may be the wrong one to apply first: an operator in Almaty with a
`.kz` site is first of all under Kazakh Law 94-V, and 152-FZ reaches it only through
art. 1 p.1.1 (legal.md, "Which law applies"). That is a lawyer's question, so pdpipe only
warns, naming the line of `operator.jurisdiction`.
"""

from __future__ import annotations

import importlib.resources
import re
from functools import cache
from pathlib import Path

from pdpipe.policy.errors import Problem
from pdpipe.policy.models import Policy
from pdpipe.policy.profiles import Jurisdiction

_EU = frozenset(
    {"AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "IE", "IT"}
    | {"LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE"}
)
_COUNTRY_NAMES = {"KZ": "Kazakhstan", "RU": "Russia"}
_LAW = {
    Jurisdiction.KZ_94V: "Kazakh Law 94-V",
    Jurisdiction.RU_152FZ: "Federal Law 152-FZ",
    Jurisdiction.EU_GDPR: "the GDPR",
}
# Words of an address that name a country (or its largest cities), case-insensitively.
_ADDRESS_WORDS: dict[str, tuple[str, ...]] = {
    "KZ": (
        "kazakhstan",
        "казахстан",
        "қазақстан",
        "almaty",
        "алматы",
        "astana",
        "астана",
        "shymkent",
        "шымкент",
        "karaganda",
        "караганда",
    ),
    "RU": (
        "russia",
        "russian federation",
        "россия",
        "российская федерация",
        "moscow",
        "москва",
        "saint petersburg",
        "st. petersburg",
        "санкт-петербург",
    ),
    "EU": (
        "germany",
        "deutschland",
        "france",
        "italy",
        "spain",
        "netherlands",
        "poland",
        "austria",
        "belgium",
        "ireland",
        "portugal",
        "sweden",
        "finland",
        "denmark",
        "czech republic",
        "czechia",
        "greece",
        "latvia",
        "lithuania",
        "estonia",
    ),
}
_DOMAINS = {"kz": "KZ", "қаз": "KZ", "ru": "RU", "рф": "RU", "su": "RU", "eu": "EU"}


def _jurisdiction_of(country: str) -> Jurisdiction | None:
    if country == "KZ":
        return Jurisdiction.KZ_94V
    if country == "RU":
        return Jurisdiction.RU_152FZ
    if country == "EU" or country in _EU:
        return Jurisdiction.EU_GDPR
    return None


@cache
def _zone_countries() -> dict[str, str]:
    """Timezone -> ISO country code, from the tz database's zone.tab (the tzdata package
    pandas brings, else the system's); {} when neither is there."""
    text = ""
    try:
        text = importlib.resources.files("tzdata").joinpath("zoneinfo/zone.tab").read_text()
    except (ModuleNotFoundError, FileNotFoundError, OSError):
        try:
            text = Path("/usr/share/zoneinfo/zone.tab").read_text(encoding="utf-8")
        except OSError:
            return {}
    found: dict[str, str] = {}
    for line in text.splitlines():
        fields = line.split("\t")
        if len(fields) >= 3 and not line.startswith("#"):
            found[fields[2]] = fields[0]
    return found


def _hints(policy: Policy) -> list[tuple[str, str]]:
    """(country code or EU, what said so) for each of the operator's details."""
    operator = policy.operator
    hints: list[tuple[str, str]] = []
    zone_country = _zone_countries().get(operator.timezone)
    if zone_country is not None:
        hints.append((zone_country, f"timezone {operator.timezone}"))
    domain = operator.contact.rsplit("@", 1)[-1].rsplit(".", 1)[-1].casefold()
    if "." in operator.contact and domain in _DOMAINS:
        hints.append((_DOMAINS[domain], f"contact domain .{domain}"))
    elif "." in operator.contact and domain.upper() in _EU:
        hints.append((domain.upper(), f"contact domain .{domain}"))
    address = (operator.address or "").casefold()
    for country, words in _ADDRESS_WORDS.items():
        if any(re.search(rf"(?<!\w){re.escape(word)}(?!\w)", address) for word in words):
            hints.append((country, f"address ({_COUNTRY_NAMES.get(country, 'the EU')})"))
    return hints


def jurisdiction_warnings(policy: Policy) -> list[Problem]:
    """A warning when the operator's details point away from the policy's profile: one
    problem at `operator.jurisdiction`, naming the details and the law they point to."""
    profile = policy.operator.jurisdiction
    elsewhere: dict[Jurisdiction, list[str]] = {}
    for country, said_by in _hints(policy):
        pointed = _jurisdiction_of(country)
        if pointed is not None and pointed is not profile:
            elsewhere.setdefault(pointed, []).append(said_by)
    problems = []
    for pointed, details in elsewhere.items():
        problems.append(
            Problem(
                ("operator", "jurisdiction"),
                f"the operator's {', '.join(details)} "
                f"{'points' if len(details) == 1 else 'point'} to {pointed.value}, not the "
                f"profile {profile.value}: {_LAW[pointed]} likely applies first"
                + (
                    " (152-FZ reaches an operator abroad through its art. 1 p.1.1)"
                    if profile is Jurisdiction.RU_152FZ
                    else ""
                )
                + "; have a lawyer confirm which profile to apply",
            )
        )
    return problems
