"""Ledger entries and the balances they add up to.

Pure functions over plain data, integer cents only; no database import. Every entry's
``amount_cents`` is positive when posted and negated by its reversing entry, so the sum of an
entry and its reversal is zero and balances are always plain sums.

Each entry moves money in two buckets: what the insurer still owes (insurance) and what the
client owes (patient). A charge raises the bucket it is billed to; payments and adjustments
lower one; a refund gives money back (raising the bucket again); a transfer to patient
responsibility moves the amount from insurance to patient (after the payer's remittance
assigns deductible, co-insurance or co-pay, CARC group PR).

A transfer to insurance moves an amount to the next payer in the client's coordination of
benefits (secondary, tertiary): it is booked twice with one receipt, on the line it leaves
(positive: out of that line's ``responsibility`` bucket, insurance when the prior payer's PR
amounts move on, patient when a balance already with the client does) and on the matching
line of the next payer's claim (negated: into that claim's insurance bucket), so the pair
sums to zero and every claim's balance stays the sum of its own entries.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar


class EntryKind(StrEnum):
    CHARGE = "charge"
    INSURANCE_PAYMENT = "insurance_payment"
    PATIENT_PAYMENT = "patient_payment"
    CONTRACTUAL_ADJUSTMENT = "contractual_adjustment"
    WRITE_OFF = "write_off"
    REFUND = "refund"
    TRANSFER_TO_PATIENT = "transfer_to_patient"
    TRANSFER_TO_INSURANCE = "transfer_to_insurance"


class Responsibility(StrEnum):
    INSURANCE = "insurance"
    PATIENT = "patient"


K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True, slots=True)
class Balance:
    insurance_cents: int = 0
    patient_cents: int = 0

    @property
    def total_cents(self) -> int:
        return self.insurance_cents + self.patient_cents

    def __add__(self, other: Balance) -> Balance:
        return Balance(
            self.insurance_cents + other.insurance_cents, self.patient_cents + other.patient_cents
        )

    def to_dict(self) -> dict[str, int]:
        return {
            "insurance_cents": self.insurance_cents,
            "patient_cents": self.patient_cents,
            "total_cents": self.total_cents,
        }


def effect(kind: EntryKind, amount_cents: int, responsibility: Responsibility) -> Balance:
    """How one entry changes the balance (insurance, patient)."""
    if kind is EntryKind.TRANSFER_TO_PATIENT:
        return Balance(-amount_cents, amount_cents)
    if kind is EntryKind.INSURANCE_PAYMENT or kind is EntryKind.CONTRACTUAL_ADJUSTMENT:
        responsibility = Responsibility.INSURANCE
    elif kind is EntryKind.PATIENT_PAYMENT:
        responsibility = Responsibility.PATIENT
    sign = 1 if kind in (EntryKind.CHARGE, EntryKind.REFUND) else -1
    delta = sign * amount_cents
    if responsibility is Responsibility.INSURANCE:
        return Balance(delta, 0)
    return Balance(0, delta)


@dataclass(frozen=True, slots=True)
class EntryFacts:
    """What balance arithmetic needs from one ledger entry."""

    kind: EntryKind
    amount_cents: int
    responsibility: Responsibility


def balance_of(entries: Iterable[EntryFacts]) -> Balance:
    total = Balance()
    for entry in entries:
        total = total + effect(entry.kind, entry.amount_cents, entry.responsibility)
    return total


def balances_by(entries: Iterable[tuple[K, EntryFacts]]) -> dict[K, Balance]:
    """Balances grouped by a key (claim line id, claim id, payer id …), in first-seen order."""
    out: dict[K, Balance] = {}
    for key, entry in entries:
        out[key] = out.get(key, Balance()) + effect(
            entry.kind, entry.amount_cents, entry.responsibility
        )
    return out
