"""What `check` says of a policy's legal grounds and end actions (152-FZ art. 6 p.1, 21).

Warnings, not errors: each is a reading of the statute a lawyer may overrule, and a policy
that errs here still runs as it says (an error would stop every nightly run, destruction
included, over a rule that changes nothing):

- a purpose that does not say its kind of ground: a withdrawal of consent ends it, as if it
  rested on consent, which may destroy data another ground keeps;
- an end rule on consent's withdrawal or expiry, or a `consent_valid_for`, on a purpose on
  another ground: it never fires (a withdrawal ends only processing on consent, art. 21
  p.5). Either the rule is left over from before the ground was declared (an operator in
  transition), or the ground is wrong; both are for a person to settle, so it is named;
- an override of the statute's action: a withdrawal (art. 21 p.5) or unlawful processing
  (art. 21 p.3) ending in anything but destruction.
"""

from __future__ import annotations

from pdpipe.policy.errors import Problem
from pdpipe.policy.models import STATUTORY_ACTION, Policy
from pdpipe.policy.reasons import CONSENT_REASONS, EndReason, LegalGround

# Where 152-FZ art. 6 p.1 names each kind of ground.
ITEM: dict[LegalGround, str] = {
    LegalGround.CONSENT: "item 1",
    LegalGround.LAW: "item 2",
    LegalGround.PUBLIC_TASK: "items 3-4",
    LegalGround.CONTRACT: "item 5",
    LegalGround.VITAL_INTEREST: "item 6",
    LegalGround.LEGITIMATE_INTEREST: "item 7",
}

# The provision that says what to do, for each end whose action the statute fixes.
_REQUIRES = {
    EndReason.CONSENT_WITHDRAWN: "152-FZ art. 21 p.5 requires destruction on a withdrawal",
    EndReason.UNLAWFUL_PROCESSING: "152-FZ art. 21 p.3 requires destruction of data whose "
    "processing cannot be made lawful",
}


def ground_warnings(policy: Policy) -> list[Problem]:
    """Every warning about grounds and end actions, at the place in the policy it is about."""
    return [*_purpose_warnings(policy), *_rule_warnings(policy)]


def _purpose_warnings(policy: Policy) -> list[Problem]:
    found: list[Problem] = []
    kinds = ", ".join(ground.value for ground in LegalGround)
    for index, purpose in enumerate(policy.purposes):
        if purpose.ground is None:
            found.append(
                Problem(
                    ("purposes", index),
                    f"purpose '{purpose.id}' does not say its kind of legal ground "
                    f"(ground: {kinds}; 152-FZ art. 6 p.1): a withdrawal of consent ends it "
                    "as if it rested on consent",
                )
            )
        elif purpose.consent_valid_for is not None and not purpose.on_consent:
            found.append(
                Problem(
                    ("purposes", index, "consent_valid_for"),
                    f"never counts: purpose '{purpose.id}' rests on {_ground(purpose.ground)}, "
                    "and consent's expiry ends only processing on consent (152-FZ art. 21 "
                    "p.5); remove it, or correct the purpose's ground",
                )
            )
        for reason, action in purpose.on_end_by_reason.items():
            if reason in _REQUIRES and action.value != STATUTORY_ACTION[reason]:
                found.append(
                    Problem(
                        ("purposes", index, "on_end_by_reason", reason.value),
                        f"{reason.value}: {action.value} departs from the statute: "
                        f"{_REQUIRES[reason]} (have a lawyer confirm the exception)",
                    )
                )
    return found


def _rule_warnings(policy: Policy) -> list[Problem]:
    found: list[Problem] = []
    purposes = {p.id: p for p in reversed(policy.purposes)}  # a repeated id: the first counts
    for s_index, store in enumerate(policy.stores):
        for t_index, table in enumerate(store.tables):
            purpose = purposes.get(table.purpose)
            if purpose is None or purpose.on_consent:
                continue
            for r_index, rule in enumerate(table.ends):
                if rule.reason in CONSENT_REASONS:
                    found.append(
                        Problem(
                            ("stores", s_index, "tables", t_index, "ends", r_index, "reason"),
                            f"{rule.reason.value} never fires here: purpose '{purpose.id}' "
                            f"rests on {_ground(purpose.ground)}, and a withdrawal or expiry "
                            "of consent ends only processing on consent (152-FZ art. 21 p.5); "
                            "remove the rule, or correct the purpose's ground",
                        )
                    )
    return found


def _ground(ground: LegalGround | None) -> str:
    assert ground is not None
    return f"{ground.value} (152-FZ art. 6 p.1 {ITEM[ground]})"
