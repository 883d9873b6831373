"""The pure posting core: allocation, line matching and ledger arithmetic, with hypothesis."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from therabill.claims.number import claim_id_from_control_number
from therabill.claims.status import ClaimStatus
from therabill.ledger import Balance, EntryKind, Responsibility, effect
from therabill.posting import (
    BilledLine,
    allocate,
    denied_amounts,
    ledger_moves,
    plan_claim,
    status_path,
)
from therabill.x12.remittance_835 import Adjustment, ClaimPayment, ServicePayment

DAY = dt.date(2026, 3, 2)


@given(st.integers(-(10**9), 10**9), st.lists(st.integers(0, 10**6), min_size=1, max_size=8))
def test_allocation_adds_up_exactly(total: int, weights: list[int]) -> None:
    parts = allocate(total, weights)
    assert sum(parts) == total and len(parts) == len(weights)
    if sum(weights) > 0:
        assert all(p == 0 for p, w in zip(parts, weights, strict=True) if w == 0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("TB00000012", 12), ("tb00000000", 0), ("TB12", 12), ("X-12", None), ("TB", None)],
    ids=["ours", "claim-zero", "short", "foreign", "no-digits"],
)
def test_claim_numbers(text: str, expected: int | None) -> None:
    assert claim_id_from_control_number(text) == expected


def test_status_paths_follow_the_lifecycle() -> None:
    s = ClaimStatus
    assert status_path(s.SUBMITTED, s.PAID) == [s.ACCEPTED, s.PAID]
    assert status_path(s.PAID, s.ACCEPTED) == [s.ACCEPTED]
    assert status_path(s.READY, s.PAID) == [s.SUBMITTED, s.ACCEPTED, s.PAID]
    assert status_path(s.CLOSED, s.PAID) is None


def _svc(code: str, charge: int, paid: int, cas: list[tuple[str, str, int]]) -> ServicePayment:
    return ServicePayment(
        "HC",
        code,
        (),
        Decimal(charge) / 100,
        Decimal(paid) / 100,
        "",
        Decimal(1),
        "",
        "",
        (),
        None,
        DAY,
        None,
        tuple(Adjustment(g, r, Decimal(a) / 100, None) for g, r, a in cas),
        (),
        (),
        (),
    )


def _clp(status: str, services: list[ServicePayment]) -> ClaimPayment:
    charge = sum((s.charge for s in services), Decimal(0))
    paid = sum((s.paid for s in services), Decimal(0))
    return ClaimPayment(
        "TB00000001",
        status,
        charge,
        paid,
        Decimal(0),
        "12",
        "ICN",
        "",
        "",
        (),
        (),
        (),
        (),
        (),
        (),
        (),
        tuple(services),
        1,
    )


line_amounts = st.tuples(
    st.integers(100, 100_000), st.integers(0, 100), st.integers(0, 100), st.integers(0, 100)
)


REASONS = ["45", "253", "59", "16", "97", "151", "50"]  # write-downs, then denials


@given(st.lists(line_amounts, min_size=1, max_size=4), st.sampled_from(["1", "4"]))
def test_every_line_is_explained_and_the_ledger_follows(
    amounts: list[tuple[int, int, int, int]], status: str
) -> None:
    """Every cent of a line is paid, the patient's, written down (contractual reasons only)
    or an open denial that the payer still owes, whatever the claim's status."""
    lines, services = [], []
    for i, (charge, paid_pct, pr_pct, pick) in enumerate(amounts, 1):
        code = ["97110", "97112", "97140", "97530"][i - 1]
        paid = charge * paid_pct // 100
        patient = (charge - paid) * pr_pct // 100
        lines.append(BilledLine(i, i, DAY, code, (), 1, charge))
        reason = REASONS[pick % len(REASONS)]
        services.append(
            _svc(
                code, charge, paid, [("CO", reason, charge - paid - patient), ("PR", "2", patient)]
            )
        )
    plan = plan_claim(1, _clp(status, services), lines)
    for posting, line in zip(plan.lines, lines, strict=True):
        assert posting.explained_cents == line.charge_cents
    balance = Balance()
    for move in ledger_moves(plan, "T"):
        balance += effect(move.kind, move.cents, Responsibility.INSURANCE)
    patient = sum(p.patient_cents for p in plan.lines)
    paid = sum(p.paid_cents for p in plan.lines)
    written_off = sum(a.cents for p in plan.lines for a in p.adjustments if a.written_down)
    denied = sum(d.cents for d in denied_amounts(plan))
    assert balance.patient_cents == patient
    assert balance.insurance_cents == -(paid + patient + written_off)
    assert paid + patient + written_off + denied == sum(line.charge_cents for line in lines)
    assert all(d.classified.is_denial and d.group == "CO" for d in denied_amounts(plan))
    assert all(m.kind is not EntryKind.CHARGE for m in ledger_moves(plan, "T"))
