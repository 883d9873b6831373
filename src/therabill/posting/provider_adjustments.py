"""Provider-level adjustments (835 PLB): where each amount belongs. Pure, integer cents.

A PLB amount is money the payer took from (positive) or added to (negative) this payment
outside any claim: BPR02 = sum of CLP04 - sum of PLB amounts (005010X221A1 section 1.10.2.1).
Where it goes depends on its reason (PLB03-1, X12 code list 967) and the reference it names
(PLB03-2: for WO, FB and 72 the claim, as the payer's claim control number):

- WO (overpayment recovery) and 72 (authorized return): money taken back for a claim the
  payer paid before. When the payer already sent that claim's adjustment (a reversal, CLP02
  22), the ledger has it and the PLB only offsets the cash (``offset``); otherwise the
  claim's payment is reduced by the amount (``recoupment``: a negative insurance payment on
  the claim, so it shows owed again). Noridian, "Remittance advice: FB and WO" [P].
- FB (forwarding balance): an adjusted claim's difference carried to or from another
  remittance; held against the claim, not booked as a payment (``forwarding_balance``).
- L6 (interest owed to the provider, a negative amount): income, not a claim payment
  (``interest``).
- CS and every other reason: a provider-level adjustment kept for review
  (``provider_level``); also a WO/72/FB whose claim cannot be found.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class AppliedAs(StrEnum):
    RECOUPMENT = "recoupment"
    OFFSET = "offset"
    FORWARDING_BALANCE = "forwarding_balance"
    INTEREST = "interest"
    PROVIDER_LEVEL = "provider_level"


CLAIM_REASONS = frozenset({"WO", "72", "FB"})
INTEREST = "L6"


@dataclass(frozen=True, slots=True)
class PlbApplication:
    applied_as: AppliedAs
    recoupment_cents: int = 0  # taken off the named claim's payments (positive: less paid)


def apply_provider_adjustment(
    reason: str, amount_cents: int, claim_found: bool, claim_reversed: bool, claim_paid_cents: int
) -> PlbApplication:
    """How one PLB amount is applied (see the module docstring)."""
    code = reason.strip().upper()
    if code == INTEREST:
        return PlbApplication(AppliedAs.INTEREST)
    if code not in CLAIM_REASONS or not claim_found:
        return PlbApplication(AppliedAs.PROVIDER_LEVEL)
    if code == "FB":
        return PlbApplication(AppliedAs.FORWARDING_BALANCE)
    if claim_reversed or amount_cents <= 0 or amount_cents > claim_paid_cents:
        # already in the ledger through the claim's own adjustment, or not a recovery of
        # what the claim was paid: the cash is offset, the claim is not touched
        return PlbApplication(AppliedAs.OFFSET)
    return PlbApplication(AppliedAs.RECOUPMENT, amount_cents)
