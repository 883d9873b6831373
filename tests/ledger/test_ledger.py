"""Ledger arithmetic: worked examples and properties (pure; no database)."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from therabill.errors import InvalidInput
from therabill.ledger import (
    Balance,
    EntryFacts,
    EntryKind,
    OpenItem,
    Responsibility,
    allocate_amounts,
    allocate_in_order,
    allocate_oldest_first,
    balance_of,
    balances_by,
)

INS, PAT = Responsibility.INSURANCE, Responsibility.PATIENT
K = EntryKind


@pytest.mark.parametrize(
    ("entries", "expected"),
    [
        pytest.param(
            [
                (K.CHARGE, 12000, INS),
                (K.INSURANCE_PAYMENT, 8000, INS),
                (K.CONTRACTUAL_ADJUSTMENT, 2000, INS),
                (K.TRANSFER_TO_PATIENT, 2000, INS),
                (K.PATIENT_PAYMENT, 2000, PAT),
            ],
            Balance(0, 0),
            id="charge-paid-adjusted-copay-collected",
        ),
        pytest.param(
            [
                (K.CHARGE, 9000, INS),
                (K.INSURANCE_PAYMENT, 5000, INS),
                (K.TRANSFER_TO_PATIENT, 1500, INS),
            ],
            Balance(2500, 1500),
            id="partly-paid-coinsurance-moved-to-client",
        ),
        pytest.param(
            [(K.CHARGE, 6000, PAT), (K.PATIENT_PAYMENT, 7000, PAT), (K.REFUND, 1000, PAT)],
            Balance(0, 0),
            id="self-pay-overpaid-then-refunded",
        ),
        pytest.param(
            [(K.CHARGE, 6000, PAT), (K.WRITE_OFF, 6000, PAT)],
            Balance(0, 0),
            id="hardship-write-off",
        ),
        pytest.param(
            [
                (K.CHARGE, 6000, INS),
                (K.INSURANCE_PAYMENT, 6000, INS),
                (K.INSURANCE_PAYMENT, -6000, INS),
            ],
            Balance(6000, 0),
            id="payment-posted-then-reversed",
        ),
    ],
)
def test_worked_balances(
    entries: list[tuple[EntryKind, int, Responsibility]], expected: Balance
) -> None:
    assert balance_of(EntryFacts(*e) for e in entries) == expected


entry_strategy = st.builds(
    EntryFacts,
    st.sampled_from(list(EntryKind)),
    st.integers(min_value=1, max_value=10**9),
    st.sampled_from(list(Responsibility)),
)


@given(st.lists(entry_strategy, max_size=40))
def test_reversal_of_every_entry_brings_the_balance_to_zero(entries: list[EntryFacts]) -> None:
    reversals = [EntryFacts(e.kind, -e.amount_cents, e.responsibility) for e in entries]
    assert balance_of(entries + reversals) == Balance(0, 0)


@given(st.lists(st.tuples(st.integers(0, 5), entry_strategy), max_size=40))
def test_grouped_balances_add_up_to_the_whole(pairs: list[tuple[int, EntryFacts]]) -> None:
    groups = balances_by(pairs)
    total = Balance()
    for b in groups.values():
        total = total + b
    assert total == balance_of(e for _, e in pairs)


@given(st.lists(entry_strategy, max_size=40))
def test_transfers_never_change_the_total(entries: list[EntryFacts]) -> None:
    transfers = [e for e in entries if e.kind is EntryKind.TRANSFER_TO_PATIENT]
    assert balance_of(transfers).total_cents == 0


items_strategy = st.lists(
    st.builds(
        OpenItem,
        st.integers(),
        st.dates(dt.date(2024, 1, 1), dt.date(2026, 12, 31)),
        st.integers(min_value=1, max_value=10**7),
    ),
    max_size=20,
    unique_by=lambda i: i.key,
)


@given(st.integers(min_value=1, max_value=10**8), items_strategy)
def test_oldest_first_allocation_conserves_and_fills_in_date_order(
    amount: int, items: list[OpenItem[int]]
) -> None:
    result = allocate_oldest_first(amount, items)
    assert result.applied_cents + result.unapplied_cents == amount
    by_key = {i.key: i for i in items}
    for key, cents in result.parts:
        assert 0 < cents <= by_key[key].balance_cents
    # Only the last item paid may be paid in part, and nothing older is left unpaid.
    paid = [by_key[k] for k, _ in result.parts]
    assert all(c == by_key[k].balance_cents for k, c in result.parts[:-1])
    if result.unapplied_cents:
        assert result.applied_cents == sum(i.balance_cents for i in items)
    if paid:
        newest_paid = max(p.opened_on for p in paid)
        unpaid = [i for i in items if i.key not in {k for k, _ in result.parts}]
        assert all(u.opened_on >= newest_paid for u in unpaid)


@given(st.integers(min_value=1, max_value=10**8), items_strategy, st.randoms())
def test_user_order_allocation_conserves(
    amount: int, items: list[OpenItem[int]], rnd: random.Random
) -> None:
    order = [i.key for i in items]
    rnd.shuffle(order)
    result = allocate_in_order(amount, items, order)
    assert result.applied_cents + result.unapplied_cents == amount
    assert [k for k, _ in result.parts] == order[: len(result.parts)]


def test_oldest_first_worked_example() -> None:
    items = [
        OpenItem("march", dt.date(2026, 3, 4), 2500),
        OpenItem("january", dt.date(2026, 1, 7), 4000),
        OpenItem("february", dt.date(2026, 2, 2), 3000),
    ]
    result = allocate_oldest_first(6000, items)
    assert result.parts == (("january", 4000), ("february", 2000))
    assert result.unapplied_cents == 0
    overpaid = allocate_oldest_first(10000, items)
    assert overpaid.unapplied_cents == 500


def test_chosen_amounts_are_checked() -> None:
    items = [OpenItem(1, dt.date(2026, 1, 1), 1000), OpenItem(2, dt.date(2026, 2, 1), 500)]
    assert allocate_amounts(1200, items, {2: 500, 1: 600}).parts == ((2, 500), (1, 600))
    with pytest.raises(InvalidInput, match="balance"):
        allocate_amounts(2000, items, {2: 600})
    with pytest.raises(InvalidInput, match="more than the payment"):
        allocate_amounts(100, items, {1: 500})
    with pytest.raises(InvalidInput, match="no open balance"):
        allocate_in_order(100, items, [3])
    with pytest.raises(InvalidInput, match="more than zero"):
        allocate_oldest_first(0, items)
