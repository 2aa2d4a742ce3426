"""Jurisdiction profiles: the statutory terms of ../shared/legal.md as defaults.

Each term names its source. Terms marked UNVERIFIED could not be confirmed from a
primary source; they are defaults a policy should review and may override under
``terms:``; so may the extension of request deadlines and which requests have one
(``requests.extension``, ``requests.extendable``), and whether a request's calendar-day
term ending on a day off moves to the next working day (``requests.roll_to_working_day``).
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
    # How far a reasoned notice extends a request's deadline, and the terms the statute
    # lets it extend: none other (an extension the law does not grant makes the operator
    # late, so pdpipe refuses it).
    extension: Term | None = None
    extendable: frozenset[TermKey] = frozenset()
    # Whether a request's calendar-day or month term whose last day is a day off ends on
    # the next working day (Civil Code art. 193). Whether art. 193 reaches the public-law
    # duties of 152-FZ is arguable (legal.md): the cautious reading keeps the literal day.
    roll_request_terms: bool = False


def _days(n: int, source: str) -> Term:
    return Term(amount=n, unit=TermUnit.DAYS, source=source)


def _working(n: int, source: str) -> Term:
    return Term(amount=n, unit=TermUnit.WORKING_DAYS, source=source)


def _months(n: int, source: str) -> Term:
    return Term(amount=n, unit=TermUnit.MONTHS, source=source)


def _at_once(source: str) -> Term:
    return Term(amount=0, unit=TermUnit.DAYS, roll_to_working_day=False, source=source)


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
            RequestKind.BLOCK: _at_once("152-FZ art. 21 p.1 (from the moment of the request)"),
            RequestKind.DESTROY: _working(7, "152-FZ art. 20 p.3"),
            RequestKind.UNLAWFUL_STOP: _working(3, "152-FZ art. 21 p.3"),
        },
        extension=_working(5, "152-FZ art. 14 p.3, art. 20 p.1-2 and p.4, art. 21 p.5.1"),
        # Not withdrawal (art. 21 p.5), update or destruction (art. 20 p.3), blocking
        # (art. 21 p.1) or unlawful processing (art. 21 p.3): their articles give none.
        extendable=frozenset({RequestKind.ACCESS, RequestKind.REGULATOR, EndReason.CEASE_DEMAND}),
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
            RequestKind.BLOCK: _days(15, "as cease_demand (UNVERIFIED)"),
            RequestKind.DESTROY: _days(15, "Digital Code 2026 (unit UNVERIFIED)"),
            RequestKind.UNLAWFUL_STOP: _working(1, "94-V art. 6 (UNVERIFIED for this step)"),
        },
        # legal.md knows no extension in 94-V: none until a lawyer names one.
        extension=_working(5, "UNVERIFIED"),
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
            RequestKind.BLOCK: _months(1, "GDPR art. 12(3), 18"),
            RequestKind.DESTROY: _months(1, "GDPR art. 12(3), 17"),
            RequestKind.UNLAWFUL_STOP: _months(1, "GDPR art. 12(3), 17(1)(d) (policy choice)"),
        },
        # Art. 12(3): at most two further months, three from receipt in all.
        extension=_months(2, "GDPR art. 12(3)"),
        extendable=frozenset({*EndReason, *RequestKind}),
    ),
}
