"""Ledger arithmetic, pure: entry kinds, balances as sums of entries, and how a payment is
allocated over what the client owes. Integer cents only; no database import
(``therabill.store.services.ledger`` reads and writes the entries)."""

from therabill.ledger.allocation import (
    Allocation,
    OpenItem,
    allocate_amounts,
    allocate_in_order,
    allocate_oldest_first,
)
from therabill.ledger.entries import (
    Balance,
    EntryFacts,
    EntryKind,
    Responsibility,
    balance_of,
    balances_by,
    effect,
)

__all__ = [
    "Allocation",
    "Balance",
    "EntryFacts",
    "EntryKind",
    "OpenItem",
    "Responsibility",
    "allocate_amounts",
    "allocate_in_order",
    "allocate_oldest_first",
    "balance_of",
    "balances_by",
    "effect",
]
