"""Rows of the `crm` contact store.

Consent is what ends processing here: most contacts hold a valid consent, some expired
(years ago or within the last 30 days), some were withdrawn, a few never recorded one.
A small share of interaction notes leak the contact's own phone or e-mail into free text,
the kind of undeclared personal data a discovery scan has to find.
"""

from __future__ import annotations

import numpy as np

from pdpipe.demo import content, phones
from pdpipe.demo.batch import Batch
from pdpipe.demo.people import KAZAKH, People
from pdpipe.demo.period import RECENT, Period
from pdpipe.demo.vector import (
    DAY,
    HOUR,
    STR,
    YEAR,
    Bools,
    Ids,
    Ints,
    Strings,
    between,
    cat,
    choose,
    fill,
    offsets,
    segments,
    strings,
    timestamps,
)

ACTIVE, EXPIRED_LONG_AGO, EXPIRED_RECENTLY, WITHDRAWN, NO_CONSENT = range(5)
_GROUP_WEIGHTS = (0.68, 0.14, 0.04, 0.10, 0.04)
_CONSENT_YEARS = (0.5, 0.3, 0.2)  # consent granted for 1, 2 or 3 years
_RECENT_WITHDRAWAL_SHARE = 0.2
_TOUCHED_LATER = 0.3

_NO_EMAIL = 0.04  # CRM-only contacts without an address
# People re-type their address in the CRM: Capitalized, Title.Case, UPPER.
_CASE_CHANGES = (0.82, 0.10, 0.05, 0.03)

_PHONES_PER_CONTACT = (0.6, 0.3, 0.1)
_EXTRA_PHONE_KINDS = (0.3, 0.5, 0.2)  # mobile, work, home
# Extra numbers with a Kazakh operator code: for people with Kazakh names, for the rest.
_EXTRA_PHONE_KAZAKH = (0.85, 0.6)

_INTERACTIONS = 1.5
_LEAKS = 0.05
_PHONE_LEAK_SHARE = 0.6


class CrmGenerator:
    """Builds the CRM store's rows; ids run on across `chunk()` calls."""

    def __init__(self, period: Period) -> None:
        self.period = period
        self._contact_ids = Ids()
        self._phone_ids = Ids()
        self._interaction_ids = Ids()

    def chunk(self, rng: np.random.Generator, everyone: People) -> list[Batch]:
        """The rows of the people in `everyone` who are in the CRM."""
        people = everyone.take(everyone.in_crm)
        n = len(people)
        ids = self._contact_ids.take(n)

        group = choose(rng, n, _GROUP_WEIGHTS)
        given, valid_until, withdrawn = self._consents(rng, group)
        has_consent = group != NO_CONSENT

        arrived = self.period.at(people.arrival) + offsets(rng, n, 0, 90 * DAY)
        arrived = np.minimum(arrived, self.period.end - DAY)
        created = np.where(
            has_consent, np.minimum(arrived, given - offsets(rng, n, 0, 3 * DAY)), arrived
        )
        last_change = np.maximum(created, np.where(group == WITHDRAWN, withdrawn, given))
        last_change = np.where(has_consent, last_change, created)
        updated = np.where(
            rng.random(n) < _TOUCHED_LATER, self.period.after(rng, last_change), last_change
        )

        email = _retyped(rng, people.email)
        no_email = ~people.in_mailing & (rng.random(n) < _NO_EMAIL)
        contacts = Batch(
            "contacts",
            {
                "id": ids,
                "last_name": people.last_name,
                "first_name": people.first_name,
                "patronymic": people.patronymic,
                "email": email,
                "consent_given_at": timestamps(given),
                "consent_valid_until": timestamps(valid_until),
                "consent_withdrawn_at": timestamps(withdrawn),
                "created_at": timestamps(created),
                "updated_at": timestamps(updated),
            },
            {
                "patronymic": ~people.has_patronymic,
                "email": no_email,
                "consent_given_at": ~has_consent,
                "consent_valid_until": ~has_consent,
                "consent_withdrawn_at": group != WITHDRAWN,
            },
        )
        # Nothing is noted about a contact after they withdrew consent.
        window_end = np.where(group == WITHDRAWN, withdrawn, self.period.end - 1)
        leakable = np.where(no_email, "", email).astype(STR)
        return [
            contacts,
            self._phones(rng, ids, people),
            self._interactions(rng, ids, people, leakable, created, window_end),
        ]

    def _consents(self, rng: np.random.Generator, group: Ints) -> tuple[Ints, Ints, Ints]:
        n = len(group)
        end, start = self.period.end, self.period.start
        term = (choose(rng, n, _CONSENT_YEARS) + 1) * YEAR
        full = np.full(n, 1, dtype=np.int64)
        # Active consents still run at `end`; long-expired ones ran out before the last 30
        # days; recently expired ones inside them.
        active = between(rng, end - term + HOUR, full * (end - HOUR))
        long_ago = between(rng, full * start, end - RECENT - term)
        recent_end = between(rng, full * (end - RECENT), full * (end - HOUR))
        # A withdrawal falls while the consent still runs.
        withdrawn = self.period.ended(rng, full * start, _RECENT_WITHDRAWAL_SHARE)
        before_withdrawal = between(
            rng, np.maximum(withdrawn - term + DAY, start), withdrawn - HOUR
        )
        given = np.select(
            [group == ACTIVE, group == EXPIRED_LONG_AGO, group == EXPIRED_RECENTLY],
            [active, long_ago, recent_end - term],
            default=before_withdrawal,
        )
        return given, given + term, withdrawn

    def _phones(self, rng: np.random.Generator, ids: Ints, people: People) -> Batch:
        per = choose(rng, len(ids), _PHONES_PER_CONTACT) + 1
        owner, position = segments(per)
        m = len(owner)
        primary = position == 0
        kazakh_name = people.origin[owner] == KAZAKH
        kazakh = rng.random(m) < np.where(kazakh_name, *_EXTRA_PHONE_KAZAKH)
        code = np.where(primary, people.phone_code[owner], phones.draw_codes(rng, kazakh))
        number = np.where(
            primary, people.phone_number[owner], phones.draw_subscriber_numbers(rng, m)
        )
        kind = np.where(primary, 0, choose(rng, m, _EXTRA_PHONE_KINDS))
        return Batch(
            "contact_phones",
            {
                "id": self._phone_ids.take(m),
                "contact_id": ids[owner],
                "phone": phones.render(code, number, phones.draw_styles(rng, m)),
                "kind": strings(("mobile", "work", "home"))[kind],
            },
        )

    def _interactions(
        self,
        rng: np.random.Generator,
        ids: Ints,
        people: People,
        email: Strings,
        created: Ints,
        window_end: Ints,
    ) -> Batch:
        count = rng.poisson(_INTERACTIONS, size=len(ids))
        owner, _ = segments(count)
        m = len(owner)
        channel = choose(rng, m, [c[1] for c in content.INTERACTION_CHANNELS])
        note = fill(m)
        for code, (name, _weight) in enumerate(content.INTERACTION_CHANNELS):
            mask = channel == code
            texts = strings(content.NOTES[name])
            note[mask] = texts[rng.integers(0, len(texts), size=int(mask.sum()))]

        leak = rng.random(m) < _LEAKS
        owner_email = email[owner]
        by_phone = (rng.random(m) < _PHONE_LEAK_SHARE) | (owner_email == "")
        phone = phones.render(
            people.phone_code[owner], people.phone_number[owner], phones.draw_styles(rng, m)
        )
        note = _leak(rng, note, leak & by_phone, phone, content.PHONE_LEAKS)
        note = _leak(rng, note, leak & ~by_phone, owner_email, content.EMAIL_LEAKS)

        at = between(rng, created[owner], window_end[owner])
        return Batch(
            "interactions",
            {
                "id": self._interaction_ids.take(m),
                "contact_id": ids[owner],
                "channel": strings([c[0] for c in content.INTERACTION_CHANNELS])[channel],
                "note": note,
                "created_at": timestamps(at),
            },
        )


def _retyped(rng: np.random.Generator, email: Strings) -> Strings:
    change = choose(rng, len(email), _CASE_CHANGES)
    out = email.copy()
    for code, fn in ((1, np.strings.capitalize), (2, np.strings.title), (3, np.strings.upper)):
        mask = change == code
        out[mask] = fn(email[mask])
    return out


def _leak(
    rng: np.random.Generator,
    note: Strings,
    where: Bools,
    value: Strings,
    templates: tuple[tuple[str, str], ...],
) -> Strings:
    pick = rng.integers(0, len(templates), size=int(where.sum()))
    before = strings([t[0] for t in templates])[pick]
    after = strings([t[1] for t in templates])[pick]
    out = note.copy()
    out[where] = cat(before, value[where], after)
    return out
