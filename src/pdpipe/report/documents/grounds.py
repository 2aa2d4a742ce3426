"""The ground for destroying or depersonalizing a record: the act's "reason" (Order 179,
item 9), in the document's language and with the statute that obliges the operator.

Not the purpose's processing ground (Federal Law 149-FZ for the seed policy): that is why
the data were held, the ledger keeps it as `legal_basis`, and the act cites why they are
gone (legal.md, December 2026 audit).

A ground is named by its key: the ledger's `reason` (an EndReason), except for a
subject's demand to destroy (`pdpipe requests`, type `destroy`, art. 20 p.3): its key is
`destruction_demand`. The ledger records it as `destroy_request`; ledgers written before
that recorded it under `consent_withdrawn`, so a row of a destroy request's run (read from
the request register by the run's id) is that ground too, whatever its reason says.
"""

from __future__ import annotations

from pdpipe.policy.models import Policy
from pdpipe.policy.profiles import Jurisdiction
from pdpipe.policy.reasons import EndReason, RequestKind
from pdpipe.report.documents.texts import Language
from pdpipe.requests.classify import RequestType

DESTRUCTION_DEMAND = "destruction_demand"
_END_REASONS = frozenset(reason.value for reason in EndReason)
REQUEST_RUN = "request-"  # a request's own run: run id request-<request id>

WORDS: dict[Language, dict[str, str]] = {
    "ru": {
        EndReason.PURPOSE_ACHIEVED: "достижение цели обработки персональных данных",
        EndReason.RETENTION_ELAPSED: "истечение срока хранения персональных данных",
        EndReason.CONSENT_EXPIRED: "истечение срока действия согласия субъекта",
        EndReason.CONSENT_WITHDRAWN: "отзыв субъектом согласия на обработку персональных данных",
        EndReason.CEASE_DEMAND: "требование субъекта о прекращении обработки персональных данных",
        EndReason.UNLAWFUL_PROCESSING: "выявление неправомерной обработки персональных "
        "данных, правомерность которой обеспечить невозможно",
        DESTRUCTION_DEMAND: "требование субъекта об уничтожении персональных данных",
    },
    "en": {
        EndReason.PURPOSE_ACHIEVED: "purpose of processing achieved",
        EndReason.RETENTION_ELAPSED: "retention period elapsed",
        EndReason.CONSENT_EXPIRED: "the subject's consent expired",
        EndReason.CONSENT_WITHDRAWN: "consent withdrawn by the subject",
        EndReason.CEASE_DEMAND: "the subject's demand to cease processing",
        EndReason.UNLAWFUL_PROCESSING: "unlawful processing found that cannot be made lawful",
        DESTRUCTION_DEMAND: "the subject's demand to destroy the data",
    },
}

_LAW = {"ru": "Федерального закона от 27.07.2006 № 152-ФЗ", "en": "Federal Law No. 152-FZ"}

# 152-FZ's provisions per ground (legal.md), as (ru, en). Depersonalizing at the end of
# the purpose is what art. 5 p.7 allows beside destruction; the other grounds are the same
# for both actions.
_RU_152FZ: dict[str, tuple[str, str]] = {
    EndReason.PURPOSE_ACHIEVED: ("ч. 4 ст. 21", "art. 21 p.4"),
    EndReason.RETENTION_ELAPSED: ("ч. 7 ст. 5, ч. 4 ст. 21", "art. 5 p.7, art. 21 p.4"),
    EndReason.CONSENT_EXPIRED: ("ч. 4, 5 ст. 21", "art. 21 p.4-5"),
    EndReason.CONSENT_WITHDRAWN: ("ч. 5 ст. 21", "art. 21 p.5"),
    EndReason.CEASE_DEMAND: ("ч. 5.1 ст. 21", "art. 21 p.5.1"),
    EndReason.UNLAWFUL_PROCESSING: ("ч. 3 ст. 21", "art. 21 p.3"),
    DESTRUCTION_DEMAND: ("ч. 3 ст. 20", "art. 20 p.3"),
}
_RU_152FZ_DEPERSONALIZE: dict[str, tuple[str, str]] = {
    EndReason.PURPOSE_ACHIEVED: ("ч. 7 ст. 5, ч. 4 ст. 21", "art. 5 p.7, art. 21 p.4"),
}


def key(reason: str, request_type: str | None) -> str:
    """The ground of a ledger row: its reason, or the demand to destroy behind it."""
    if reason == RequestKind.DESTROY or request_type == RequestType.DESTROY:
        return DESTRUCTION_DEMAND
    return reason


def text(policy: Policy, language: Language, ground: str, action: str) -> str:
    """`ground` in words with its provision: «отзыв … (ч. 5 ст. 21 Федерального закона …)».

    Under another jurisdiction the provision is the profile's (or the policy's) source of
    the term for that reason, as it is written there; a ground the vocabulary does not know
    is printed as it is."""
    words = WORDS[language].get(ground, ground)
    if policy.operator.jurisdiction is Jurisdiction.RU_152FZ:
        provisions = (
            _RU_152FZ_DEPERSONALIZE.get(ground) if action == "depersonalize" else None
        ) or _RU_152FZ.get(ground)
        if provisions is None:
            return words
        ru, en = provisions
        if language == "ru":
            return f"{words} ({ru} {_LAW['ru']})"
        return f"{words} ({en} of {_LAW['en']})"
    if ground in _END_REASONS:
        return f"{words} ({policy.term(EndReason(ground)).source})"
    if ground == DESTRUCTION_DEMAND:
        return f"{words} ({policy.term(RequestKind.DESTROY).source})"
    return words


def request_id(run_id: str) -> str | None:
    """The request a run belongs to (`request-<id>`), or None for a scheduled run."""
    return run_id.removeprefix(REQUEST_RUN) if run_id.startswith(REQUEST_RUN) else None
