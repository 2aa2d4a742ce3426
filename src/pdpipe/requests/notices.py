"""Drafts of the notices the law requires for each request, in Russian and English.

pdpipe sends nothing: each draft is a text file in the private reports folder (as the
access reports, access.reports_folder), readable by its owner only, for a person to check
and send. A notice holds the requester's address and, for an access answer, their data:
it is, with the access report, the one output that may, and only about the person who
asked. Templates are files (notice_templates/<language>/<kind>.txt.j2), one per kind:

    access              the answer to an access request (152-FZ art. 14 p.7)
    update              the data were corrected (art. 20 p.3, art. 21 p.2)
    destroy             destroyed as asked (art. 20 p.3)
    withdraw_consent    consent withdrawn: processing stopped, the data destroyed (art. 21 p.5),
                        those on another ground kept and named (art. 6 p.1)
    block               blocked for the period of the check (art. 21 p.1)
    cease               processing ceased (art. 21 p.5.1)
    refusal             a reasoned refusal (art. 20 p.2), or no data found under the
                        address: the person is asked to identify themselves
    extension           the term extended, with the reason (art. 14 p.3, art. 21 p.5.1)
    unlawful_stop       unlawful processing stopped, records blocked (art. 21 p.3)
    unlawful_destroyed  what could not be made lawful was destroyed (art. 21 p.3)
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from pathlib import Path
from typing import Any

import jinja2

from pdpipe.policy.models import Policy
from pdpipe.requests import register
from pdpipe.requests.access import ANSWER_ITEMS, item_text, reports_folder, write_private
from pdpipe.requests.classify import RequestType
from pdpipe.requests.identity import Keys
from pdpipe.requests.sla import TERM_OF, local_day

ABOUT = "about_processing"  # the access report's key for the answer's items

LANGUAGES = ("ru", "en")


class NoticeKind(StrEnum):
    ACCESS = "access"
    UPDATE = "update"
    DESTROY = "destroy"
    WITHDRAWAL = "withdraw_consent"
    BLOCK = "block"
    CEASE = "cease"
    REFUSAL = "refusal"
    EXTENSION = "extension"
    UNLAWFUL_STOP = "unlawful_stop"
    UNLAWFUL_DESTROYED = "unlawful_destroyed"


# The notice that closing a request of each type (with records acted on) calls for.
DONE: dict[RequestType, NoticeKind] = {
    RequestType.ACCESS: NoticeKind.ACCESS,
    RequestType.UPDATE: NoticeKind.UPDATE,
    RequestType.DESTROY: NoticeKind.DESTROY,
    RequestType.WITHDRAW_CONSENT: NoticeKind.WITHDRAWAL,
    RequestType.BLOCK: NoticeKind.BLOCK,
    RequestType.CEASE: NoticeKind.CEASE,
    RequestType.UNLAWFUL: NoticeKind.UNLAWFUL_DESTROYED,
}


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("pdpipe.requests", "notice_templates"),
        undefined=jinja2.StrictUndefined,  # a missing fact is an error, never a blank
        autoescape=False,  # plain text letters
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _article(policy: Policy, request: register.Request) -> str:
    if request.type is None:
        return ""
    return policy.term(TERM_OF[RequestType(request.type)]).source or ""


def draft(
    policy: Policy,
    keys: Keys,
    request: register.Request,
    kind: NoticeKind,
    **facts: Any,
) -> list[Path]:
    """Write the notice of `kind` for `request` in each language; its paths. A request
    without a sender address gets none (there is no one to write to)."""
    if not request.has_contact:
        return []
    about: dict[str, str | None] = {}  # an answer's items in words; None: not provided
    report = facts.get("report")
    if report is not None:
        missing = report["not_provided"]
        about = {
            name: None if name in missing else item_text(name, report[ABOUT][name], missing)
            for name in ANSWER_ITEMS
        }
    context = {
        "operator": policy.operator,
        "requester": keys.decrypt(request.contact),
        "request": request,
        "received": local_day(policy, request.received_at).isoformat(),
        "today": local_day(policy, dt.datetime.now(dt.UTC)).isoformat(),
        "article": _article(policy, request),
        "about": about,
        "report": None,
        "records": 0,
        "categories": [],
        "reason": "",
        "until": "",
        "no_records": False,
        "depersonalized": 0,  # of `records`, where the policy overrides destruction
        "kept": [],  # per table a withdrawal left: records and the purpose's ground
        **facts,
    }
    environment = _environment()
    folder = reports_folder(policy)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    written = []
    for language in LANGUAGES:
        text = environment.get_template(f"{language}/{kind.value}.txt.j2").render(context)
        path = folder / f"notice-{request.request_id}-{kind.value}.{language}.txt"
        write_private(path, text)
        written.append(path)
    return written
