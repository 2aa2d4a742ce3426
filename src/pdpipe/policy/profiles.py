"""Jurisdiction profiles: the statutory terms of ../shared/legal.md as defaults.

Each term names its source. Terms marked UNVERIFIED could not be confirmed from a
primary source; they are defaults a policy should review and may override under
``terms:``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from pdpipe.policy.reasons import EndReason, RequestKind
from pdpipe.policy.terms import Term, TermUnit


class Jurisdiction(StrEnum):
    RU_152FZ = "RU-152FZ"
    KZ_94V = "KZ-94V"
    EU_GDPR = "EU-GDPR"


TermKey = EndReason | RequestKind


@dataclass(frozen=True)
class Profile:
    jurisdiction: Jurisdiction
    title: str
    calendar_country: str | None  # production calendar for working days; None: weekends only
    terms: dict[TermKey, Term] = field(default_factory=dict)


def _days(n: int, source: str) -> Term:
    return Term(amount=n, unit=TermUnit.DAYS, source=source)


def _working(n: int, source: str) -> Term:
    return Term(amount=n, unit=TermUnit.WORKING_DAYS, source=source)


def _months(n: int, source: str) -> Term:
    return Term(amount=n, unit=TermUnit.MONTHS, source=source)


PROFILES: dict[Jurisdiction, Profile] = {
    Jurisdiction.RU_152FZ: Profile(
        Jurisdiction.RU_152FZ,
        'Federal Law No. 152-FZ "On Personal Data" (Russian Federation)',
        calendar_country="RU",
        terms={
            EndReason.PURPOSE_ACHIEVED: _days(30, "152-FZ art. 21 p.4"),
            EndReason.RETENTION_ELAPSED: _days(30, "152-FZ art. 21 p.4; art. 5 p.7"),
            EndReason.CONSENT_EXPIRED: _days(30, "152-FZ art. 21 p.4-5"),
            EndReason.CONSENT_WITHDRAWN: _days(30, "152-FZ art. 21 p.5"),
            EndReason.CEASE_DEMAND: _working(10, "152-FZ art. 21 p.5.1"),
            EndReason.UNLAWFUL_PROCESSING: _working(10, "152-FZ art. 21 p.3"),
            RequestKind.ACCESS: _working(10, "152-FZ art. 14, art. 20 p.1-2"),
            RequestKind.UPDATE: _working(7, "152-FZ art. 20 p.3"),
            RequestKind.REGULATOR: _working(10, "152-FZ art. 20 p.4"),
        },
    ),
    Jurisdiction.KZ_94V: Profile(
        Jurisdiction.KZ_94V,
        'Law No. 94-V "On Personal Data and their Protection" (Republic of Kazakhstan)',
        calendar_country="KZ",
        terms={
            EndReason.PURPOSE_ACHIEVED: _days(0, "94-V arts. 12, 18 (UNVERIFIED detail)"),
            EndReason.RETENTION_ELAPSED: _days(0, "94-V arts. 12, 18 (UNVERIFIED detail)"),
            EndReason.CONSENT_EXPIRED: _days(0, "94-V arts. 12, 18 (UNVERIFIED detail)"),
            EndReason.CONSENT_WITHDRAWN: _days(15, "Digital Code 2026 (unit UNVERIFIED)"),
            EndReason.CEASE_DEMAND: _days(15, "Digital Code 2026 (unit UNVERIFIED)"),
            EndReason.UNLAWFUL_PROCESSING: _working(1, "94-V art. 6"),
            RequestKind.ACCESS: _working(3, "94-V (article UNVERIFIED)"),
            RequestKind.UPDATE: _working(3, "94-V (article UNVERIFIED)"),
            RequestKind.REGULATOR: _working(10, "UNVERIFIED"),
        },
    ),
    Jurisdiction.EU_GDPR: Profile(
        Jurisdiction.EU_GDPR,
        "Regulation (EU) 2016/679 (GDPR)",
        calendar_country=None,
        terms={
            EndReason.PURPOSE_ACHIEVED: _months(1, "GDPR art. 5(1)(e), 17 (policy choice)"),
            EndReason.RETENTION_ELAPSED: _months(1, "GDPR art. 5(1)(e), 30(1)(f)"),
            EndReason.CONSENT_EXPIRED: _months(1, "GDPR art. 17(1)(b)"),
            EndReason.CONSENT_WITHDRAWN: _months(1, "GDPR art. 12(3), 17(1)(b)"),
            EndReason.CEASE_DEMAND: _months(1, "GDPR art. 12(3), 21"),
            EndReason.UNLAWFUL_PROCESSING: _months(1, "GDPR art. 17(1)(d)"),
            RequestKind.ACCESS: _months(1, "GDPR art. 12(3), 15"),
            RequestKind.UPDATE: _months(1, "GDPR art. 12(3), 16"),
            RequestKind.REGULATOR: _months(1, "GDPR art. 31 (policy choice)"),
        },
    ),
}
