"""The ground truth of the demo stores (src/pdpipe/demo/), written down from what the demo
generates, not from a scan: every column of every table, with its PD categories.

Mailing (demo/mailing.py): `subscribers.email`; `subscribers.name`, a whole name
("Фамилия Имя Отчество", "Имя Фамилия", "Фамилия Имя"), which the policy declares as
[last_name, first_name, patronymic] and which is one `full_name` column to a scan;
`attribs.phone` inside the JSON column (`city`, `lang`, `source` beside it are not PD).
Lists, campaigns, memberships, views and clicks hold ids, statuses, subjects, URLs and
timestamps.

CRM (demo/crm.py): the contacts' name parts and e-mail, their phones, and the free-text
`interactions.note`, into which the demo writes the contact's own phone or e-mail in 5% of
the notes (60% of those a phone): PD the demo policy does not declare.
"""

from __future__ import annotations

EMAIL, PHONE, FULL = "email", "phone", "full_name"

NONE: frozenset[str] = frozenset()

DEMO_TRUTH: dict[tuple[str, str], frozenset[str]] = {
    # mailing
    **{("lists", c): NONE for c in ("id", "uuid", "name", "type", "optin")},
    **{("lists", c): NONE for c in ("created_at", "updated_at")},
    ("subscribers", "id"): NONE,
    ("subscribers", "uuid"): NONE,
    ("subscribers", "email"): frozenset({EMAIL}),
    ("subscribers", "name"): frozenset({FULL}),
    ("subscribers", "attribs.phone"): frozenset({PHONE}),
    ("subscribers", "attribs.city"): NONE,
    ("subscribers", "attribs.lang"): NONE,
    ("subscribers", "attribs.source"): NONE,
    ("subscribers", "status"): NONE,
    ("subscribers", "created_at"): NONE,
    ("subscribers", "updated_at"): NONE,
    **{
        ("subscriber_lists", c): NONE
        for c in ("subscriber_id", "list_id", "status", "created_at", "updated_at")
    },
    **{("campaigns", c): NONE for c in ("id", "name", "subject", "created_at")},
    **{("campaign_views", c): NONE for c in ("id", "campaign_id", "subscriber_id", "created_at")},
    **{
        ("link_clicks", c): NONE
        for c in ("id", "campaign_id", "url", "subscriber_id", "created_at")
    },
    # crm
    ("contacts", "id"): NONE,
    ("contacts", "last_name"): frozenset({"last_name"}),
    ("contacts", "first_name"): frozenset({"first_name"}),
    ("contacts", "patronymic"): frozenset({"patronymic"}),
    ("contacts", "email"): frozenset({EMAIL}),
    **{
        ("contacts", c): NONE
        for c in (
            "consent_given_at",
            "consent_valid_until",
            "consent_withdrawn_at",
            "created_at",
            "updated_at",
        )
    },
    ("contact_phones", "id"): NONE,
    ("contact_phones", "contact_id"): NONE,
    ("contact_phones", "phone"): frozenset({PHONE}),
    ("contact_phones", "kind"): NONE,
    ("interactions", "id"): NONE,
    ("interactions", "contact_id"): NONE,
    ("interactions", "channel"): NONE,
    ("interactions", "note"): frozenset({PHONE, EMAIL}),
    ("interactions", "created_at"): NONE,
}
