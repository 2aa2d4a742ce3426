"""The limit: the same transformation as hand-written SQL, no ledger, one transaction.

What a nightly script written for exactly these tables would do: compute the due
subscribers once into a temporary table (deleting memberships first would change who is
due), then one set-based statement per table: delete the memberships, detach views and
clicks, delete the subscribers; delete the contacts who withdrew their consent with their
phones and interactions (a withdrawal destroys, 152-FZ art. 21 p.5, though the contacts'
purpose depersonalizes at its other ends); one UPDATE that masks the other due contacts'
phones (the policy's PD column of their child `contact_phones`) and one that
depersonalizes those contacts in place. No state, no checkpoints, no ledger, no
validation.

The due conditions are the benchmark policy's end rules, written out by hand:

    subscribers  (blocklisted, since updated_at)            consent_withdrawn
                 (no membership other than 'unsubscribed',
                  since updated_at)                          purpose_achieved
                 updated_at + keep_for (P5Y)                 retention_elapsed
    contacts     consent_withdrawn_at not null, since it    consent_withdrawn
                 consent_valid_until                         consent_expired
                 updated_at + keep_for (P5Y)                 retention_elapsed

each one "ended at or before the as-of instant" (end of the as-of day in the operator's
timezone, as UTC like the stored timestamps).

Depersonalization follows the policy's operators: last_name redacted to "[redacted]"
(NOT NULL column), patronymic NULL, first_name masked but for its first character (the
mask's separators kept), email as ``u_<24 hex>@anon.invalid``; a phone masked but for
its last two characters (separators kept). The hex is HMAC-SHA256 of
the trimmed, lower-cased email with pgcrypto on PostgreSQL (the same value pdpipe
writes); MariaDB 10.11 has no HMAC function, so there it is SHA2(key || email, 256), a
keyed hash of the same cost but not the same value.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa

from pdpipe.policy import Policy
from pdpipe.retention.decide import AsOf
from pdpipe.stores.drivers import plain_engine

SUBSCRIBERS_DUE = """
SELECT s.id FROM subscribers s
WHERE (s.status = 'blocklisted' AND s.updated_at <= :cut)
   OR (s.updated_at <= :cut AND NOT EXISTS (
         SELECT 1 FROM subscriber_lists l
         WHERE l.subscriber_id = s.id AND l.status <> 'unsubscribed'))
   OR s.updated_at <= :retention_cut"""

CONTACTS_WITHDRAWN = "consent_withdrawn_at IS NOT NULL AND consent_withdrawn_at <= :cut"
# Due for depersonalization: ended otherwise, and not withdrawn (a withdrawal destroys,
# whichever end came first: pdpipe's decide() does the same).
CONTACTS_DUE = f"""
    NOT ({CONTACTS_WITHDRAWN})
 AND (consent_valid_until <= :cut OR updated_at <= :retention_cut)"""

REDACTED = "[redacted]"
PSEUDONYM_HEX = 24
PSEUDONYM_DOMAIN = "@anon.invalid"
MASK_KEEPS = "[^ +().@-]"  # the mask's separators stay; every other character is hidden
# The phones of the due contacts (the contacts' columns the end rules read are not PD, so
# they can be updated first or after).
DUE_CONTACTS_PHONES = f"contact_id IN (SELECT id FROM contacts WHERE {CONTACTS_DUE})"
WITHDRAWN_CONTACTS = f"contact_id IN (SELECT id FROM contacts WHERE {CONTACTS_WITHDRAWN})"

POSTGRESQL = [
    f"CREATE TEMP TABLE due_subscribers ON COMMIT DROP AS {SUBSCRIBERS_DUE}",
    "ANALYZE due_subscribers",
    "DELETE FROM subscriber_lists l USING due_subscribers d WHERE l.subscriber_id = d.id",
    "UPDATE campaign_views v SET subscriber_id = NULL FROM due_subscribers d "
    "WHERE v.subscriber_id = d.id",
    "UPDATE link_clicks c SET subscriber_id = NULL FROM due_subscribers d "
    "WHERE c.subscriber_id = d.id",
    "DELETE FROM subscribers s USING due_subscribers d WHERE s.id = d.id",
    f"DELETE FROM contact_phones WHERE {WITHDRAWN_CONTACTS}",
    f"DELETE FROM interactions WHERE {WITHDRAWN_CONTACTS}",
    f"DELETE FROM contacts WHERE {CONTACTS_WITHDRAWN}",
    f"""UPDATE contact_phones SET
      phone = regexp_replace(left(phone, -2), '{MASK_KEEPS}', '*', 'g') || right(phone, 2)
    WHERE {DUE_CONTACTS_PHONES}""",
    f"""UPDATE contacts SET
      last_name = '{REDACTED}',
      first_name = left(first_name, 1)
                   || regexp_replace(substr(first_name, 2), '{MASK_KEEPS}', '*', 'g'),
      patronymic = NULL,
      email = CASE WHEN btrim(email) = '' THEN ''
                   ELSE 'u_' || left(encode(hmac(lower(btrim(email)), :key, 'sha256'), 'hex'),
                                     {PSEUDONYM_HEX}) || '{PSEUDONYM_DOMAIN}' END
    WHERE {CONTACTS_DUE}""",
]

MARIADB = [
    f"CREATE TEMPORARY TABLE due_subscribers (PRIMARY KEY (id)) {SUBSCRIBERS_DUE}",
    "DELETE l FROM subscriber_lists l JOIN due_subscribers d ON l.subscriber_id = d.id",
    "UPDATE campaign_views v JOIN due_subscribers d ON v.subscriber_id = d.id "
    "SET v.subscriber_id = NULL",
    "UPDATE link_clicks c JOIN due_subscribers d ON c.subscriber_id = d.id "
    "SET c.subscriber_id = NULL",
    "DELETE s FROM subscribers s JOIN due_subscribers d ON s.id = d.id",
    f"DELETE FROM contact_phones WHERE {WITHDRAWN_CONTACTS}",
    f"DELETE FROM interactions WHERE {WITHDRAWN_CONTACTS}",
    f"DELETE FROM contacts WHERE {CONTACTS_WITHDRAWN}",
    f"""UPDATE contact_phones SET
      phone = CONCAT(REGEXP_REPLACE(LEFT(phone, CHAR_LENGTH(phone) - 2), '{MASK_KEEPS}', '*'),
                     RIGHT(phone, 2))
    WHERE {DUE_CONTACTS_PHONES}""",
    f"""UPDATE contacts SET
      last_name = '{REDACTED}',
      first_name = CONCAT(LEFT(first_name, 1),
                          REGEXP_REPLACE(SUBSTRING(first_name, 2), '{MASK_KEEPS}', '*')),
      patronymic = NULL,
      email = CASE WHEN TRIM(email) = '' THEN ''
                   ELSE CONCAT('u_', LEFT(SHA2(CONCAT(:key, LOWER(TRIM(email))), 256),
                                          {PSEUDONYM_HEX}), '{PSEUDONYM_DOMAIN}') END
    WHERE {CONTACTS_DUE}""",
    "DROP TEMPORARY TABLE due_subscribers",
]

# The statements whose row counts are the records acted on.
DESTROYED = "DELETE FROM subscribers", "DELETE s FROM subscribers", "DELETE FROM contacts"
DEPERSONALIZED = "UPDATE contacts"


@dataclass(frozen=True)
class Cuts:
    """The instants the end rules compare with, from the policy and the as-of."""

    cut: dt.datetime  # the as-of instant, naive UTC like the stored timestamps
    retention_cut: dt.datetime  # cut - keep_for: an updated_at at or before it has expired

    @classmethod
    def of(cls, policy: Policy, as_of: AsOf) -> Cuts:
        keep_for = {p.keep_for.text for p in policy.purposes if p.keep_for is not None}
        if len(keep_for) != 1:
            raise ValueError("the benchmark's SQL assumes one keep_for for both purposes")
        purpose = next(p for p in policy.purposes if p.keep_for is not None)
        assert purpose.keep_for is not None
        instant = as_of.instant.tz_convert(None)
        retention = instant - purpose.keep_for.offset()
        return cls(instant.to_pydatetime(), pd.Timestamp(retention).to_pydatetime())

    def params(self) -> dict[str, dt.datetime]:
        return {"cut": self.cut, "retention_cut": self.retention_cut}


@dataclass(frozen=True)
class SqlResult:
    seconds: float
    destroyed: int
    depersonalized: int

    @property
    def acted(self) -> int:
        return self.destroyed + self.depersonalized


def prepare(url: str) -> None:
    """Untimed setup: pgcrypto, as a DBA would have installed it once."""
    engine = plain_engine(url)
    try:
        if engine.dialect.name == "postgresql":
            with engine.begin() as connection:
                connection.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pgcrypto")
    finally:
        engine.dispose()


def run(url: str, cuts: Cuts, key: str) -> SqlResult:
    """Every statement in one transaction, timed from the first to the commit."""
    prepare(url)
    engine = plain_engine(url)
    statements = POSTGRESQL if engine.dialect.name == "postgresql" else MARIADB
    params: dict[str, object] = {**cuts.params(), "key": key}
    destroyed = depersonalized = 0
    try:
        with engine.connect() as connection:
            started = time.perf_counter()
            with connection.begin():
                for statement in statements:
                    result = connection.execute(sa.text(statement), params)
                    if statement.startswith(DESTROYED):
                        destroyed += result.rowcount
                    elif statement.startswith(DEPERSONALIZED):
                        depersonalized = result.rowcount
            seconds = time.perf_counter() - started
    finally:
        engine.dispose()
    return SqlResult(seconds, destroyed, depersonalized)
