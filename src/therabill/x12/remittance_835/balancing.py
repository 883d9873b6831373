"""The 835's own arithmetic, checked before anything is posted.

Source: 005010X221A1 section 1.10.2 (balancing): the payment BPR02 equals the sum of the
claim payments CLP04 less the provider-level adjustments PLB (a debit, BPR03 = D, is a
negative payment); for each claim, charge CLP03 less payment CLP04 equals the sum of its
claim- and line-level CAS amounts; for each service line, SVC02 less SVC03 equals the sum of
its CAS amounts. Reversals (CLP02 = 22) carry negative amounts and balance the same way.

These are pure functions: a remittance in, a list of ``BalanceProblem`` out (empty when the
file balances). The poster quarantines a file with any problem and posts nothing from it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from therabill.x12.remittance_835.model import ZERO, ClaimPayment, Remittance, ServicePayment


@dataclass(frozen=True, slots=True)
class BalanceProblem:
    """One equation of the 835 that does not hold, with both sides."""

    level: str  # "payment", "claim" or "line"
    message: str
    expected: Decimal
    actual: Decimal
    claim: str = ""
    line: int | None = None
    trace_number: str = ""


def _total(amounts: Iterable[Decimal]) -> Decimal:
    return sum(amounts, ZERO)


def check_line(
    line: ServicePayment, *, claim: str = "", number: int | None = None
) -> list[BalanceProblem]:
    """SVC02 − SVC03 = sum of the line's CAS amounts."""
    expected = line.charge - line.paid
    actual = _total(a.amount for a in line.adjustments)
    if expected == actual:
        return []
    where = f"claim {claim} line {number}" if claim else f"line {number or ''}".strip()
    return [
        BalanceProblem(
            level="line",
            message=(
                f"{where} ({line.procedure_code}): charge {line.charge} − paid {line.paid} = "
                f"{expected}, but its adjustments add up to {actual}"
            ),
            expected=expected,
            actual=actual,
            claim=claim,
            line=number,
        )
    ]


def check_claim(claim: ClaimPayment) -> list[BalanceProblem]:
    """CLP03 − CLP04 = its claim-level plus line-level CAS amounts; and each line balances."""
    problems: list[BalanceProblem] = []
    for i, line in enumerate(claim.services, 1):
        problems += check_line(line, claim=claim.patient_control_number, number=i)
    expected = claim.charge - claim.paid
    actual = _total(a.amount for a in claim.adjustments) + _total(
        a.amount for line in claim.services for a in line.adjustments
    )
    if expected != actual:
        problems.append(
            BalanceProblem(
                level="claim",
                message=(
                    f"claim {claim.patient_control_number}: charge {claim.charge} − paid "
                    f"{claim.paid} = {expected}, but its adjustments add up to {actual}"
                ),
                expected=expected,
                actual=actual,
                claim=claim.patient_control_number,
            )
        )
    return problems


def check_payment(remittance: Remittance, *, paid: Decimal | None = None) -> list[BalanceProblem]:
    """BPR02 (negative when BPR03 = D) = sum of CLP04 − sum of PLB amounts. ``paid``: the
    sum of CLP04 when the claims were streamed (``iter_835``) instead of kept."""
    header = remittance.header
    stated = -header.payment_amount if header.credit_debit == "D" else header.payment_amount
    if paid is None:
        paid = _total(c.paid for c in remittance.claims)
    withheld = _total(p.amount for p in remittance.provider_adjustments)
    expected = paid - withheld
    if stated == expected:
        return []
    return [
        BalanceProblem(
            level="payment",
            message=(
                f"payment {header.trace_number}: BPR02 is {stated} but the claims paid {paid}"
                f" less provider adjustments {withheld} = {expected}"
            ),
            expected=expected,
            actual=stated,
            trace_number=header.trace_number,
        )
    ]


def check_balance(remittance: Remittance) -> list[BalanceProblem]:
    """Every balancing problem of one remittance: payment, then each claim and line."""
    problems = check_payment(remittance)
    for claim in remittance.claims:
        problems += check_claim(claim)
    return [
        p if p.trace_number else _with_trace(p, remittance.header.trace_number) for p in problems
    ]


def _with_trace(problem: BalanceProblem, trace: str) -> BalanceProblem:
    from dataclasses import replace

    return replace(problem, trace_number=trace)
