"""The 835's own balancing (005010X221A1 section 1.10.2), as the poster will call it."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from remit_factory import PEER_DIR, therapy_file

from therabill.x12.remittance_835 import (
    Adjustment,
    check_balance,
    check_claim,
    check_line,
    check_payment,
    read_835,
)

D = Decimal


def therapy():  # type: ignore[no-untyped-def]
    (remittance,) = read_835(therapy_file())
    return remittance


def test_therapy_sample_balances() -> None:
    """BPR02 72.50 = CLP04 120.00 + 0 − 30.00 (reversal) − PLB 17.50 (overpayment recovery)."""
    assert check_balance(therapy()) == []


def test_reversal_balances_with_negative_amounts() -> None:
    reversal = therapy().claims[2]
    assert reversal.is_reversal and reversal.paid == D("-30.00")
    assert check_claim(reversal) == []


def test_payment_off_by_a_cent() -> None:
    data = therapy_file().replace(b"BPR*I*72.50", b"BPR*I*72.51")
    (remittance,) = read_835(data)
    (problem,) = check_balance(remittance)
    assert problem.level == "payment"
    assert (problem.expected, problem.actual) == (D("72.50"), D("72.51"))
    assert problem.message == (
        "payment EFT0001: BPR02 is 72.51 but the claims paid 90.00 less provider adjustments "
        "17.50 = 72.50"
    )


def test_debit_payment_is_negative() -> None:
    data = therapy_file().replace(b"BPR*I*72.50*C", b"BPR*I*72.50*D")
    (remittance,) = read_835(data)
    (problem,) = check_payment(remittance)
    assert problem.actual == D("-72.50")


def test_line_and_claim_that_do_not_balance() -> None:
    data = therapy_file().replace(b"CAS*CO*45*18.00", b"CAS*CO*45*17.00")
    problems = check_balance(read_835(data)[0])
    assert [(p.level, p.claim, p.line) for p in problems] == [
        ("line", "TB00000001", 1),
        ("claim", "TB00000001", None),
    ]
    assert problems[0].message == (
        "claim TB00000001 line 1 (97110): charge 90.00 − paid 52.00 = 38.00, but its "
        "adjustments add up to 37.00"
    )
    assert all(p.trace_number == "EFT0001" for p in problems)


def test_claim_level_adjustments_count_toward_the_claim() -> None:
    managed = read_835(PEER_DIR / "lfh_managed-care.835")[0].claims[0]
    assert managed.adjustments[0].reason == "A2"  # claim-level CAS*CO*A2*50.00
    assert check_claim(managed) == []
    without = replace(managed, adjustments=())
    (problem,) = check_claim(without)
    assert (problem.expected, problem.actual) == (D("350.00"), D("300.00"))


money = st.decimals(min_value=-10_000, max_value=10_000, places=2, allow_nan=False)


@given(charge=money, paid=money, split=st.lists(money, max_size=4))
def test_line_balances_exactly_when_adjustments_add_up(
    charge: Decimal, paid: Decimal, split: list[Decimal]
) -> None:
    line = therapy().claims[0].services[0]
    rest = charge - paid - sum(split, D(0))
    adjustments = tuple(Adjustment("CO", "45", a, None) for a in [*split, rest])
    balanced = replace(line, charge=charge, paid=paid, adjustments=adjustments)
    assert check_line(balanced) == []
    off = replace(balanced, adjustments=(*adjustments, Adjustment("PR", "2", D("0.01"), None)))
    assert len(check_line(off)) == 1


@pytest.mark.parametrize("name", ["lfh_medicare-part-a.835", "edi835parser_emedny_sample.txt"])
def test_real_files_balance(name: str) -> None:
    for remittance in read_835(PEER_DIR / name):
        assert check_balance(remittance) == []
