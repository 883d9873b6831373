"""Ledger arithmetic: balances from entries and allocation of a lump-sum payment.

Pure functions over plain data, integer cents only; no database import. Every entry's
``amount_cents`` is positive when posted and negated by its reversing entry, so the sum of an
entry and its reversal is zero and balances are always plain sums.

Each entry moves money in two buckets: what the insurer still owes (insurance) and what the
client owes (patient). A charge raises the bucket it is billed to; payments and adjustments
lower one; a refund gives money back (raising the bucket again); a transfer to patient
responsibility moves the amount from insurance to patient (after the payer's remittance
assigns deductible, co-insurance or co-pay, CARC group PR).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

from therabill.errors import InvalidInput


class EntryKind(StrEnum):
    CHARGE = "charge"
    INSURANCE_PAYMENT = "insurance_payment"
    PATIENT_PAYMENT = "patient_payment"
    CONTRACTUAL_ADJUSTMENT = "contractual_adjustment"
    WRITE_OFF = "write_off"
    REFUND = "refund"
    TRANSFER_TO_PATIENT = "transfer_to_patient"


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


@dataclass(frozen=True, slots=True)
class OpenItem(Generic[K]):
    """Something the client owes: a claim line's patient balance, opened on its service date."""

    key: K
    opened_on: dt.date
    balance_cents: int


@dataclass(frozen=True, slots=True)
class Allocation(Generic[K]):
    parts: tuple[tuple[K, int], ...]
    unapplied_cents: int

    @property
    def applied_cents(self) -> int:
        return sum(cents for _, cents in self.parts)


def allocate_oldest_first(amount_cents: int, items: Sequence[OpenItem[K]]) -> Allocation[K]:
    """Fill open items oldest first (ties by the order given); the rest stays unapplied."""
    ordered = sorted(enumerate(items), key=lambda pair: (pair[1].opened_on, pair[0]))
    return _fill(amount_cents, [item for _, item in ordered])


def allocate_in_order(
    amount_cents: int, items: Sequence[OpenItem[K]], order: Sequence[K]
) -> Allocation[K]:
    """Fill the items the user named, in the user's order; unknown keys are an error."""
    by_key = {item.key: item for item in items}
    missing = [key for key in order if key not in by_key]
    if missing:
        raise InvalidInput(f"no open balance for {missing[0]!r}", field="allocation")
    return _fill(amount_cents, [by_key[key] for key in dict.fromkeys(order)])


def allocate_amounts(
    amount_cents: int, items: Sequence[OpenItem[K]], amounts: Mapping[K, int]
) -> Allocation[K]:
    """Apply exactly the amounts the user chose; each within the item's balance and the total."""
    _check_amount(amount_cents)
    by_key = {item.key: item for item in items}
    parts: list[tuple[K, int]] = []
    for key, cents in amounts.items():
        if key not in by_key:
            raise InvalidInput(f"no open balance for {key!r}", field="allocation")
        if cents <= 0 or cents > by_key[key].balance_cents:
            raise InvalidInput(
                f"{cents} cents for {key!r} is not between 1 and its balance "
                f"{by_key[key].balance_cents}",
                field="allocation",
            )
        parts.append((key, cents))
    applied = sum(cents for _, cents in parts)
    if applied > amount_cents:
        raise InvalidInput(
            f"allocations total {applied} cents, more than the payment {amount_cents}",
            field="allocation",
        )
    return Allocation(tuple(parts), amount_cents - applied)


def _check_amount(amount_cents: int) -> None:
    if amount_cents <= 0:
        raise InvalidInput("a payment must be more than zero", field="amount")


def _fill(amount_cents: int, ordered: Sequence[OpenItem[K]]) -> Allocation[K]:
    _check_amount(amount_cents)
    left = amount_cents
    parts: list[tuple[K, int]] = []
    for item in ordered:
        if left == 0:
            break
        take = min(left, item.balance_cents)
        if take > 0:
            parts.append((item.key, take))
            left -= take
    return Allocation(tuple(parts), left)


def parse_money(text: str, *, field: str = "amount") -> int:
    """``"12.34"`` / ``"$1,200"`` → cents; refuses more than two decimals and junk."""
    cleaned = text.strip().replace("$", "").replace(",", "")
    negative = cleaned.startswith("-")
    digits = cleaned.lstrip("+-")
    whole, _, frac = digits.partition(".")
    if (not whole and not frac) or not (whole or "0").isdigit() or (frac and not frac.isdigit()):
        raise InvalidInput(f"{text!r} is not an amount of money", field=field)
    if len(frac) > 2:
        raise InvalidInput(f"{text!r} has more than two decimal places", field=field)
    cents = int(whole or "0") * 100 + int((frac + "00")[:2])
    return -cents if negative else cents


def format_money(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100:,}.{abs(cents) % 100:02d}"
