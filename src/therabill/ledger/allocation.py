"""Allocating a lump-sum payment over what the client owes: oldest first, in the user's order,
or the exact amounts the user chose. Integer cents only; pure.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from therabill.errors import InvalidInput

K = TypeVar("K", bound=Hashable)


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
