"""A claim's status lifecycle: the allowed transitions, as data, in one place.

draft → ready → submitted → accepted | rejected → paid | partly paid | denied → replaced |
voided | reopening | appealed → closed. A draft has scrub errors; ready has none.

What each way out of a mistake means (sources in ``therabill.claims.corrections``):

- rejected (a front-end edit: the payer never adjudicated it) → corrected: fixed in place and
  sent again as a new original claim (frequency 1);
- paid, partly paid or denied → replaced: a replacement claim (frequency 7, REF*F8) took its
  place — or, for Medicare Part B, a new original claim after an unprocessable denial (MA130);
- accepted, paid, partly paid or denied → voided: a void (frequency 8) cancels it;
- paid, partly paid or denied → reopening: Medicare Part B takes no frequency 7/8 from
  professional billers; a reopening request corrects a processed claim;
- closed: nothing more is expected; its balance is settled with a reason.

Replaced, voided, reopening and closed are set only by the command that does the work
(:data:`SET_BY`): the generic status change refuses them. Pure: no database import.
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
    REPLACED = "replaced"
    VOIDED = "voided"
    REOPENING = "reopening"
    CLOSED = "closed"


S = ClaimStatus

_FIXES = frozenset({S.REPLACED, S.VOIDED, S.REOPENING})

TRANSITIONS: dict[ClaimStatus, frozenset[ClaimStatus]] = {
    S.DRAFT: frozenset({S.READY, S.CLOSED}),
    S.READY: frozenset({S.DRAFT, S.SUBMITTED, S.CLOSED}),
    S.SUBMITTED: frozenset({S.ACCEPTED, S.REJECTED}),
    # → voided: an accepted claim still in adjudication may be cancelled (frequency 8).
    S.ACCEPTED: frozenset({S.PAID, S.PARTLY_PAID, S.DENIED, S.VOIDED}),
    S.REJECTED: frozenset({S.CORRECTED, S.CLOSED}),
    # → accepted: the payer reversed its payment or denial (835 CLP02 = 22) and will
    # adjudicate the claim again.
    S.PAID: frozenset({S.CLOSED, S.ACCEPTED, *_FIXES}),
    S.PARTLY_PAID: frozenset({S.APPEALED, S.CLOSED, S.ACCEPTED, *_FIXES}),
    S.DENIED: frozenset({S.APPEALED, S.CLOSED, S.ACCEPTED, *_FIXES}),
    # A rejected claim fixed in place: back to ready (or draft) and sent as a new original.
    S.CORRECTED: frozenset({S.DRAFT, S.READY, S.SUBMITTED, S.CLOSED}),
    S.APPEALED: frozenset({S.PAID, S.PARTLY_PAID, S.DENIED, S.CLOSED}),
    S.REPLACED: frozenset({S.CLOSED}),
    S.VOIDED: frozenset({S.CLOSED}),
    # The contractor's decision on the reopening arrives as an 835 (adjusted claim).
    S.REOPENING: frozenset({S.ACCEPTED, S.PAID, S.PARTLY_PAID, S.DENIED, S.CLOSED}),
    S.CLOSED: frozenset(),
}

# Claims a biller must look at: not yet sent, or bounced back by the payer.
NEEDS_ATTENTION: frozenset[ClaimStatus] = frozenset(
    {S.DRAFT, S.READY, S.REJECTED, S.DENIED, S.PARTLY_PAID, S.CORRECTED}
)

# Statuses only a command that does the work may set, and that command.
SET_BY: dict[ClaimStatus, str] = {
    S.REPLACED: "therabill claims correct ID",
    S.REOPENING: "therabill claims correct ID",
    S.VOIDED: "therabill claims void ID",
    S.CLOSED: "therabill claims close ID --reason TEXT",
}

# Claims whose lines may still be edited in place: the payer has not adjudicated them.
EDITABLE: frozenset[ClaimStatus] = frozenset({S.DRAFT, S.READY, S.REJECTED, S.CORRECTED})

# Claims a payer has decided (an 835 came back): corrected by replacement, void or reopening.
ADJUDICATED: frozenset[ClaimStatus] = frozenset({S.PAID, S.PARTLY_PAID, S.DENIED})

# Claims no payer has (never sent, or rejected before adjudication): closing one lets its
# sessions be billed again.
NEVER_FILED: frozenset[ClaimStatus] = frozenset({S.DRAFT, S.READY, S.REJECTED, S.CORRECTED})


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


def why_not_editable(claim_id: int, current: ClaimStatus) -> str | None:
    """Why a claim's lines cannot be edited in place, and what to do instead; None if they can."""
    if current in EDITABLE:
        return None
    if current in (S.SUBMITTED, S.ACCEPTED):
        return (
            f"claim {claim_id} is {current.value}: the payer has it. Wait for its answer (277CA "
            f"or 835), then run: therabill claims correct {claim_id} (or void it: therabill "
            f"claims void {claim_id})"
        )
    if current in ADJUDICATED:
        return (
            f"claim {claim_id} is {current.value}: the payer has decided it, so it is not "
            f"changed in place. Run: therabill claims correct {claim_id} with the same options "
            "(a replacement claim, or a reopening where the payer takes no replacements)"
        )
    return f"claim {claim_id} is {current.value}: it can no longer be edited"
