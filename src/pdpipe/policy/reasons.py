"""Why a record's processing ends (policy clause 8.9) and what a subject may ask for."""

from __future__ import annotations

from enum import StrEnum


class EndReason(StrEnum):
    """Grounds for ending processing; each has a statutory term in the profile."""

    PURPOSE_ACHIEVED = "purpose_achieved"
    RETENTION_ELAPSED = "retention_elapsed"
    CONSENT_EXPIRED = "consent_expired"
    CONSENT_WITHDRAWN = "consent_withdrawn"
    CEASE_DEMAND = "cease_demand"
    UNLAWFUL_PROCESSING = "unlawful_processing"


# Reasons that end only processing resting on consent (152-FZ art. 21 p.5; art. 6 p.1
# item 1): data processed on another ground outlive a withdrawal or an expiry.
CONSENT_REASONS = frozenset({EndReason.CONSENT_WITHDRAWN, EndReason.CONSENT_EXPIRED})


class LegalGround(StrEnum):
    """The kind of ground a purpose's processing rests on: 152-FZ art. 6 p.1."""

    CONSENT = "consent"  # item 1: the subject's consent
    LAW = "law"  # item 2: an international treaty or a federal law requires it
    PUBLIC_TASK = "public_task"  # items 3-4: justice, state and municipal functions
    CONTRACT = "contract"  # item 5: a contract the subject is party to
    VITAL_INTEREST = "vital_interest"  # item 6: the subject's life or health
    LEGITIMATE_INTEREST = "legitimate_interest"  # item 7: the operator's or a third party's


class RequestKind(StrEnum):
    """Requests, and steps of them, with their own terms (requests/sla.py)."""

    ACCESS = "access_request"
    UPDATE = "update_request"
    REGULATOR = "regulator_request"
    BLOCK = "block_request"  # block for the period of the check (152-FZ art. 21 p.1)
    DESTROY = "destroy_request"  # data shown unlawfully obtained or unnecessary (art. 20 p.3)
    # Unlawful processing's first step, before `unlawful_processing` (destroy): stop it
    # (art. 21 p.3).
    UNLAWFUL_STOP = "unlawful_processing_stop"


class UnblockReason(StrEnum):
    """Why blocked records go back to processing (`pdpipe unblock --reason`)."""

    DATA_CLARIFIED = "data_clarified"
    MADE_LAWFUL = "made_lawful"
    DEMAND_WITHDRAWN = "demand_withdrawn"


def term_key(reason: str) -> EndReason | RequestKind:
    """The term, in the profile, of a reason the ledger records: an end of processing, or a
    request's own (a subject's demand to destroy is `destroy_request`, art. 20 p.3)."""
    try:
        return EndReason(reason)
    except ValueError:
        return RequestKind(reason)
