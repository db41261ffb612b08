"""Data-sharing agreement states and the rules for moving between them.

Stored state is what people decided; the effective state also applies time, so expiry (at ``ends_at``) and a
scheduled termination (at ``terminates_at``) take effect at that very moment with no job to run.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from imaging_hub.governance.errors import InvalidTransition
from imaging_hub.governance.tables import Agreement


class AgreementState(StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    EXPIRED = "expired"
    TERMINATED = "terminated"


PERMITTED_DATA = frozenset({"imaging", "labels", "clinical_metadata"})

# Decisions people can take, from each effective state.
_TRANSITIONS: dict[str, dict[AgreementState, frozenset[AgreementState]]] = {
    "activate": {AgreementState.DRAFT: frozenset({AgreementState.ACTIVE})},
    "suspend": {AgreementState.ACTIVE: frozenset({AgreementState.SUSPENDED})},
    "resume": {AgreementState.SUSPENDED: frozenset({AgreementState.ACTIVE})},
    "terminate": {
        AgreementState.DRAFT: frozenset({AgreementState.TERMINATED}),
        AgreementState.ACTIVE: frozenset({AgreementState.TERMINATED}),
        AgreementState.SUSPENDED: frozenset({AgreementState.TERMINATED}),
        AgreementState.EXPIRED: frozenset({AgreementState.TERMINATED}),
    },
}


def effective_state(agreement: Agreement, now: datetime) -> AgreementState:
    stored = AgreementState(agreement.state)
    if stored == AgreementState.TERMINATED:
        return stored
    if agreement.terminates_at is not None and now >= agreement.terminates_at:
        return AgreementState.TERMINATED
    if stored == AgreementState.DRAFT:
        return stored
    if now >= agreement.ends_at:
        return AgreementState.EXPIRED
    return stored


def decisions_from(state: AgreementState) -> list[str]:
    """The decisions people can take on an agreement in this effective state, the usual next step first."""
    return [decision for decision, moves in _TRANSITIONS.items() if state in moves]


def is_in_force(agreement: Agreement, now: datetime) -> bool:
    """Active and inside its dates: the only condition under which it releases data."""
    return effective_state(agreement, now) == AgreementState.ACTIVE and now >= agreement.starts_at


def check_transition(agreement: Agreement, decision: str, now: datetime) -> AgreementState:
    """The state a decision leads to, or InvalidTransition naming why it cannot be taken now."""
    current = effective_state(agreement, now)
    allowed = _TRANSITIONS.get(decision)
    if allowed is None:
        raise InvalidTransition(f"unknown decision {decision!r} for a data-sharing agreement")
    if current not in allowed:
        raise InvalidTransition(f"agreement {agreement.reference} is {current.value}; it cannot {decision}")
    if decision in {"activate", "resume"} and now >= agreement.ends_at:
        raise InvalidTransition(f"agreement {agreement.reference} ended at {agreement.ends_at.isoformat()}")
    (target,) = allowed[current]
    return target
