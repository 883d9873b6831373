"""Posting remittances, the pure part: match 835 claim and service lines to our claims and
lines, and turn the payer's figures into ledger moves, an outcome and a reconciliation.

No database here (``therabill.store.services.remittances`` is the adapter that reads our
claims and writes the ledger); everything is integer cents.
"""

from therabill.posting.matching import (
    BilledLine,
    PaidService,
    Share,
    match_services,
)
from therabill.posting.plan import (
    CROSSED_OVER,
    CROSSOVER_REMARKS,
    INFORMATION_ONLY,
    OUTCOME_STATUS,
    SECONDARY_STATUSES,
    Amount,
    ClaimPlan,
    DeniedAmount,
    LinePosting,
    Move,
    NotPostable,
    allocate,
    cents,
    check_amounts,
    check_claim_amounts,
    check_payment_amounts,
    denied_amounts,
    ledger_moves,
    plan_claim,
    reconcile,
    status_path,
)
from therabill.posting.provider_adjustments import (
    AppliedAs,
    PlbApplication,
    apply_provider_adjustment,
)

__all__ = [
    "CROSSED_OVER",
    "CROSSOVER_REMARKS",
    "INFORMATION_ONLY",
    "OUTCOME_STATUS",
    "SECONDARY_STATUSES",
    "Amount",
    "AppliedAs",
    "BilledLine",
    "ClaimPlan",
    "DeniedAmount",
    "LinePosting",
    "Move",
    "NotPostable",
    "PaidService",
    "PlbApplication",
    "Share",
    "allocate",
    "apply_provider_adjustment",
    "cents",
    "check_amounts",
    "check_claim_amounts",
    "check_payment_amounts",
    "denied_amounts",
    "ledger_moves",
    "match_services",
    "plan_claim",
    "reconcile",
    "status_path",
]
