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
