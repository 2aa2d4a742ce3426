"""Rows of the listmonk-shaped `mailing` store.

Subscribers fall into the groups a real list accumulates over years: active readers,
people who unsubscribed from every list, blocklisted addresses, disabled accounts and
double opt-ins never confirmed. Those whose purpose has ended carry the time it ended in
`updated_at`, some long past the 30-day deadline and some within it.
"""

from __future__ import annotations

import datetime

import numpy as np

from pdpipe.demo import content, phones
from pdpipe.demo.batch import Batch
from pdpipe.demo.people import KAZAKH, LATIN, People
from pdpipe.demo.period import Period
from pdpipe.demo.vector import (
    DAY,
    HOUR,
    MINUTE,
    STR,
    Bools,
    Floats,
    Ids,
    Ints,
    Strings,
    between,
    cat,
    choose,
    fill,
    numbers,
    offsets,
    segments,
    strings,
    timestamps,
    uuid4,
)

ACTIVE, UNSUBSCRIBED, BLOCKLISTED, DISABLED, UNCONFIRMED = range(5)
_GROUP_WEIGHTS = (0.55, 0.20, 0.08, 0.05, 0.12)
_RECENT_END_SHARE = 0.12
_ACTIVE_EDITED = 0.6  # active subscribers whose record changed after signing up

_LISTS_PER_SUBSCRIBER = (0.5, 0.35, 0.15)  # 1, 2 or 3 lists
# Campaign events per subscriber, by group; people who never confirmed get no mail.
_VIEWS = (2.0, 1.5, 1.2, 1.0, 0.0)
_CLICKS_PER_VIEW = 1 / 3
_ANONYMOUS_EVENTS = 0.02  # listmonk keeps events of deleted subscribers with a NULL id
_CAMPAIGNS = 20
_UTM = "?utm_source=listmonk&utm_medium=email&utm_campaign=ipm-"

_PHONE_SHARE, _CITY_SHARE = 0.6, 0.5
_NAME_FORMATS = (0.45, 0.40, 0.15)  # "Фамилия Имя Отчество", "Имя Фамилия", "Фамилия Имя"


class MailingGenerator:
    """Builds the mailing store's rows; ids run on across `chunk()` calls."""

    def __init__(self, period: Period, rng: np.random.Generator) -> None:
        self.period = period
        # Roughly one campaign a quarter, the first shortly before the first subscriber.
        first, last = period.start - 30 * DAY, period.end - 2 * DAY
        slot = (last - first) // _CAMPAIGNS
        self._campaign_times = (
            first + np.arange(_CAMPAIGNS, dtype=np.int64) * slot + offsets(rng, _CAMPAIGNS, 0, slot)
        )
        self._fixed = [self._lists(rng), self._campaigns()]
        self._subscriber_ids = Ids()
        self._view_ids = Ids()
        self._click_ids = Ids()

    def fixed(self) -> list[Batch]:
        """Lists and campaigns: the same for any number of subjects."""
        return self._fixed

    def _lists(self, rng: np.random.Generator) -> Batch:
        n = len(content.LISTS)
        created = (
            self.period.start
            - 90 * DAY
            + np.arange(n, dtype=np.int64) * 14 * DAY
            + offsets(rng, n, 9 * HOUR, 18 * HOUR)
        )
        return Batch(
            "lists",
            {
                "id": np.arange(1, n + 1, dtype=np.int64),
                "uuid": uuid4(rng, n),
                "name": strings([item[0] for item in content.LISTS]),
                "type": strings([item[1] for item in content.LISTS]),
                "optin": strings([item[2] for item in content.LISTS]),
                "created_at": timestamps(created),
                "updated_at": timestamps(created + offsets(rng, n, 0, 365 * DAY)),
            },
        )

    def _campaigns(self) -> Batch:
        when = [
            datetime.datetime.fromtimestamp(int(t), tz=datetime.UTC) for t in self._campaign_times
        ]
        subjects = [
            content.CAMPAIGN_SUBJECTS[i % len(content.CAMPAIGN_SUBJECTS)] for i in range(_CAMPAIGNS)
        ]
        names = [f"Рассылка — {content.MONTHS[w.month - 1]} {w.year}" for w in when]
        return Batch(
            "campaigns",
            {
                "id": np.arange(1, _CAMPAIGNS + 1, dtype=np.int64),
                "name": strings(names),
                "subject": strings(subjects),
                "created_at": timestamps(self._campaign_times),
            },
        )

    def chunk(self, rng: np.random.Generator, everyone: People) -> list[Batch]:
        """The rows of the people in `everyone` who are on the mailing list."""
        people = everyone.take(everyone.in_mailing)
        n = len(people)
        ids = self._subscriber_ids.take(n)

        group = choose(rng, n, _GROUP_WEIGHTS)
        created = self.period.at(people.arrival)
        ended = self.period.ended(rng, created, _RECENT_END_SHARE)
        gone = (group == UNSUBSCRIBED) | (group == BLOCKLISTED)
        touched = rng.random(n) < _ACTIVE_EDITED
        updated = np.select(
            [gone, group == DISABLED, (group == ACTIVE) & touched],
            [ended, self.period.after(rng, created), self.period.after(rng, created)],
            default=created,
        )
        # Mail stops at the end of the subscription: the last unsubscribe, the block, or
        # the moment the account was disabled.
        window_end = np.where(gone | (group == DISABLED), updated, self.period.end - 1)
        status = np.select(
            [group == BLOCKLISTED, group == DISABLED], ["blocklisted", "disabled"], "enabled"
        ).astype(STR)

        subscribers = Batch(
            "subscribers",
            {
                "id": ids,
                "uuid": uuid4(rng, n),
                "email": people.email,
                "name": _display_names(rng, people),
                "attribs": _attribs(rng, people),
                "status": status,
                "created_at": timestamps(created),
                "updated_at": timestamps(updated),
            },
        )
        subscriptions = self._subscriptions(rng, ids, group, created, ended, window_end)
        views, clicks = self._events(rng, ids, group, created, window_end)
        return [subscribers, subscriptions, views, clicks]

    def _subscriptions(
        self,
        rng: np.random.Generator,
        ids: Ints,
        group: Ints,
        created: Ints,
        ended: Ints,
        window_end: Ints,
    ) -> Batch:
        n = len(ids)
        per = choose(rng, n, _LISTS_PER_SUBSCRIBER) + 1
        # Weighted sampling without replacement (Gumbel top-k): popular lists come first.
        weights = np.log([item[3] for item in content.LISTS])
        keys = weights + rng.gumbel(size=(n, len(content.LISTS)))
        order = np.argsort(-keys, axis=1)
        owner, position = segments(per)
        first = position == 0
        row_group = group[owner]
        m = len(owner)

        drawn = choose(rng, m, (0.75, 0.10, 0.15))  # confirmed, unconfirmed, unsubscribed
        disabled_drawn = np.where(rng.random(m) < 0.8, 0, 1)
        state = np.select(
            [
                row_group == ACTIVE,
                (row_group == UNSUBSCRIBED) | (row_group == BLOCKLISTED),
                row_group == DISABLED,
            ],
            [np.where(first, 0, drawn), 2, disabled_drawn],
            default=1,
        )
        status = strings(("confirmed", "unconfirmed", "unsubscribed"))[state]

        start, stop = created[owner], window_end[owner]
        joined = np.where(
            first,
            np.minimum(start + offsets(rng, m, 0, 10 * MINUTE), stop),
            between(rng, start, start + (stop - start) // 2),
        )
        confirmed_at = np.minimum(joined + offsets(rng, m, MINUTE, 2 * DAY), stop)
        left_at = between(rng, joined, stop)
        # The unsubscribed group's last unsubscribe is the subscriber's updated_at; a block
        # unsubscribes from every list at once.
        left_at = np.where(
            (row_group == BLOCKLISTED) | ((row_group == UNSUBSCRIBED) & first),
            ended[owner],
            left_at,
        )
        updated = np.choose(state, [confirmed_at, joined, left_at])
        return Batch(
            "subscriber_lists",
            {
                "subscriber_id": ids[owner],
                "list_id": order[owner, position].astype(np.int64) + 1,
                "status": status,
                "created_at": timestamps(joined),
                "updated_at": timestamps(updated),
            },
        )

    def _events(
        self, rng: np.random.Generator, ids: Ints, group: Ints, created: Ints, window_end: Ints
    ) -> tuple[Batch, Batch]:
        """Views and clicks of campaigns sent while each subscriber was subscribed."""
        sent = self._campaign_times
        first = np.searchsorted(sent, created, side="left")
        available = np.searchsorted(sent, window_end, side="left") - first

        def draw(mean: Floats) -> tuple[dict[str, Ints], dict[str, Bools]]:
            count = np.where(available > 0, rng.poisson(mean), 0)
            owner, _ = segments(count)
            m = len(owner)
            campaign = first[owner] + np.floor(rng.random(m) * available[owner]).astype(np.int64)
            opened = sent[campaign] + np.floor(rng.exponential(DAY, size=m)).astype(np.int64)
            columns = {
                "campaign_id": campaign + 1,
                "subscriber_id": ids[owner],
                "created_at": np.minimum(opened, window_end[owner]),
            }
            return columns, {"subscriber_id": rng.random(m) < _ANONYMOUS_EVENTS}

        views_mean = np.take(_VIEWS, group)
        view, anonymous_view = draw(views_mean)
        click, anonymous_click = draw(views_mean * _CLICKS_PER_VIEW)
        n_clicks = len(click["campaign_id"])
        links = strings(content.LINKS)[rng.integers(0, len(content.LINKS), size=n_clicks)]
        url = cat(links, _UTM, numbers(click["campaign_id"]))
        views = Batch(
            "campaign_views",
            {
                "id": self._view_ids.take(len(view["campaign_id"])),
                "campaign_id": view["campaign_id"],
                "subscriber_id": view["subscriber_id"],
                "created_at": timestamps(view["created_at"]),
            },
            anonymous_view,
        )
        clicks = Batch(
            "link_clicks",
            {
                "id": self._click_ids.take(n_clicks),
                "campaign_id": click["campaign_id"],
                "url": url,
                "subscriber_id": click["subscriber_id"],
                "created_at": timestamps(click["created_at"]),
            },
            anonymous_click,
        )
        return views, clicks


def _display_names(rng: np.random.Generator, people: People) -> Strings:
    n = len(people)
    form = choose(rng, n, _NAME_FORMATS)
    last, first, middle = people.last_name, people.first_name, people.patronymic
    full = cat(last, " ", first, " ", middle)
    last_first = cat(last, " ", first)
    first_last = cat(first, " ", last)
    return np.select(
        [people.origin == LATIN, (form == 0) & people.has_patronymic, form == 1],
        [first_last, full, first_last],
        default=last_first,
    ).astype(STR)


def _attribs(rng: np.random.Generator, people: People) -> Strings:
    """The `attribs` JSON object as text, with keys in listmonk's usual order.

    Built by concatenation (every value is free of quotes and backslashes), it equals
    `json.dumps(obj, ensure_ascii=False)`.
    """
    n = len(people)
    has_phone = rng.random(n) < _PHONE_SHARE
    has_city = rng.random(n) < _CITY_SHARE
    phone = phones.render(people.phone_code, people.phone_number, phones.draw_styles(rng, n))
    city = strings([c[0] for c in content.CITIES])[people.city]
    kazakh_speaker = (people.origin == KAZAKH) & (rng.random(n) < 0.25)
    lang = np.select([people.origin == LATIN, kazakh_speaker], ["en", "kk"], "ru").astype(STR)
    source = strings([s[0] for s in content.SOURCES])[
        choose(rng, n, [s[1] for s in content.SOURCES])
    ]
    return cat(
        "{",
        _optional(has_phone, cat('"phone": "', phone, '", ')),
        _optional(has_city, cat('"city": "', city, '", ')),
        '"lang": "',
        lang,
        '", "source": "',
        source,
        '"}',
    )


def _optional(present: Bools, text: Strings) -> Strings:
    out = fill(len(present))
    out[present] = text[present]
    return out
