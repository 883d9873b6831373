"""A claim's status lifecycle: the allowed transitions, as data, in one place.

draft → ready → submitted → accepted | rejected → paid | partly paid | denied → corrected |
appealed → closed. A draft has scrub errors; ready has none. A rejected claim (front-end
edit, never adjudicated) is corrected and submitted again; a denied or partly paid claim is
corrected (frequency code 7, replacement) or appealed. Pure: no database import.
"""

from __future__ import annotations

from enum import StrEnum

from therabill.errors import InvalidInput


class ClaimStatus(StrEnum):
    DRAFT = "draft"
    READY = "ready"
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    PAID = "paid"
    PARTLY_PAID = "partly_paid"
    DENIED = "denied"
    CORRECTED = "corrected"
    APPEALED = "appealed"
    CLOSED = "closed"


S = ClaimStatus

TRANSITIONS: dict[ClaimStatus, frozenset[ClaimStatus]] = {
    S.DRAFT: frozenset({S.READY, S.CLOSED}),
    S.READY: frozenset({S.DRAFT, S.SUBMITTED, S.CLOSED}),
    S.SUBMITTED: frozenset({S.ACCEPTED, S.REJECTED}),
    S.ACCEPTED: frozenset({S.PAID, S.PARTLY_PAID, S.DENIED}),
    S.REJECTED: frozenset({S.CORRECTED, S.CLOSED}),
    # → accepted: the payer reversed its payment or denial (835 CLP02 = 22) and will
    # adjudicate the claim again.
    S.PAID: frozenset({S.CLOSED, S.ACCEPTED}),
    S.PARTLY_PAID: frozenset({S.CORRECTED, S.APPEALED, S.CLOSED, S.ACCEPTED}),
    S.DENIED: frozenset({S.CORRECTED, S.APPEALED, S.CLOSED, S.ACCEPTED}),
    S.CORRECTED: frozenset({S.READY, S.SUBMITTED, S.CLOSED}),
    S.APPEALED: frozenset({S.PAID, S.PARTLY_PAID, S.DENIED, S.CLOSED}),
    S.CLOSED: frozenset(),
}

# Claims a biller must look at: not yet sent, or bounced back by the payer.
NEEDS_ATTENTION: frozenset[ClaimStatus] = frozenset(
    {S.DRAFT, S.READY, S.REJECTED, S.DENIED, S.PARTLY_PAID, S.CORRECTED}
)


def parse_status(text: str, *, field: str = "status") -> ClaimStatus:
    value = text.strip().lower().replace(" ", "_").replace("-", "_")
    try:
        return ClaimStatus(value)
    except ValueError:
        known = ", ".join(s.value for s in ClaimStatus)
        raise InvalidInput(f"unknown claim status {text!r}; one of {known}", field=field) from None


def check_transition(current: ClaimStatus, new: ClaimStatus) -> None:
    """Raise ``InvalidInput`` unless ``current → new`` is in :data:`TRANSITIONS`."""
    if new not in TRANSITIONS[current]:
        allowed = ", ".join(sorted(s.value for s in TRANSITIONS[current])) or "none (closed)"
        raise InvalidInput(
            f"a {current.value} claim cannot become {new.value}; allowed next: {allowed}",
            field="status",
        )
