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
    """Requests with their own answer terms (handled by the requests issue)."""

    ACCESS = "access_request"
    UPDATE = "update_request"
    REGULATOR = "regulator_request"


class UnblockReason(StrEnum):
    """Why blocked records go back to processing (`pdpipe unblock --reason`)."""

    DATA_CLARIFIED = "data_clarified"
    MADE_LAWFUL = "made_lawful"
    DEMAND_WITHDRAWN = "demand_withdrawn"
