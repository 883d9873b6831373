"""Advice from the payer's own record (info findings): what it paid for the claim's codes and
for the code a massage therapist could bill instead, codes it mostly denied, and how long it
takes to pay. Each says how many lines or claims it comes from and the months they span, and
nothing is said from fewer than five (``payers.record.MIN_EVIDENCE``).

Sources: the practice's posted 835 remittances (X12 005010X221A1: SVC paid amounts, CAS
adjustment reasons), summed by payer insights; the choice between 97124 and 97140 by technique
is the AMA's (billing-rules.md §7) — the price never decides the code, the techniques do.
"""

from __future__ import annotations

from collections.abc import Iterator

from therabill.claims import Claim
from therabill.findings import Finding, Severity
from therabill.payers.record import PayerRecord
from therabill.scrub.context import ClaimContext
from therabill.scrub.registry import finding, rule

SOURCE = "the practice's posted 835 remittances (payer insights)"
# Codes a massage therapist chooses between by technique (AMA Information Services letters,
# billing-rules.md §7): what the payer paid for the other one is worth knowing.
ALTERNATIVES = {"97124": ("97140",), "97140": ("97124",)}


def _record(claim: Claim, ctx: ClaimContext) -> PayerRecord | None:
    name = claim.payer.name or claim.payer.id
    return ctx.scrub.payer_records.get(name)


def _first_lines(claim: Claim) -> dict[str, int]:
    seen: dict[str, int] = {}
    for i, line in enumerate(claim.lines):
        seen.setdefault(line.code, i)
    return seen


def _alternatives_paid(claim: Claim, record: PayerRecord, code: str) -> str:
    """What the payer paid for each code a massage therapist could bill instead, as "; …"."""
    if claim.provider.discipline != "massage":
        return ""
    said = (
        record.codes[other].paid_text(record.payer)
        for other in ALTERNATIVES.get(code, ())
        if other in record.codes
    )
    return "".join(f"; {text}" for text in said if text is not None)


@rule("insights.paid", Severity.INFO, source=SOURCE)
def paid_before(claim: Claim, ctx: ClaimContext) -> Iterator[Finding]:
    """What this payer paid per unit for a code on the claim (and its massage alternative)."""
    record = _record(claim, ctx)
    if record is None:
        return
    for code, i in _first_lines(claim).items():
        entry = record.codes.get(code)
        said = entry.paid_text(record.payer) if entry else None
        if said is None:
            continue
        yield finding(
            "insights.paid",
            said + _alternatives_paid(claim, record, code) + ".",
            at=i,
            field=f"lines[{i}].code",
            code=code,
            fix="Bill the code the session's techniques support; the payer's record is for "
            "checking what you are paid, not for choosing a code.",
        )


@rule("insights.denied", Severity.INFO, source=SOURCE)
def denied_before(claim: Claim, ctx: ClaimContext) -> Iterator[Finding]:
    """This payer denied a code on the claim at least half the times it was billed."""
    record = _record(claim, ctx)
    if record is None:
        return
    for code, i in _first_lines(claim).items():
        entry = record.codes.get(code)
        said = entry.denied_text(record.payer) if entry else None
        if said is None:
            continue
        yield finding(
            "insights.denied",
            said + _alternatives_paid(claim, record, code) + ".",
            at=i,
            field=f"lines[{i}].code",
            code=code,
            fix="Check the payer's policy for this code (and the denial reason) before sending; "
            "if the techniques support another code the payer takes, bill that one.",
        )


@rule("insights.days-to-pay", Severity.INFO, source=SOURCE)
def days_to_pay(claim: Claim, ctx: ClaimContext) -> Iterator[Finding]:
    """How long this payer takes to pay, on average, from submission."""
    record = _record(claim, ctx)
    said = record.days_text() if record is not None else None
    if said:
        yield finding("insights.days-to-pay", said + ".")
