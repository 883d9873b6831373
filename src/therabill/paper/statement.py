"""The client statement: what the client owes after every payer, visit by visit (the charge,
what insurance paid and adjusted and why, in plain words, what the client paid, what is left),
the aging of the balance, and how to pay.

The adjustment reasons are the Claim Adjustment Reason Codes of the payer's 835 (X12 CARC
list, x12.org/codes/claim-adjustment-reason-codes; group codes CO contractual, PR patient
responsibility, OA other, PI payer initiated), reworded for a client: the common ones below,
any other by therabill's own description of the code (``x12.adjustment_codes``, carc.csv),
each with its amount, so the client sees which part the plan reduced and which part is theirs.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

from therabill.paper.layout import MARGIN, Column, Sheet
from therabill.paper.pdf import document, dollars, us_date
from therabill.x12.adjustment_codes import load_carc

# CARC → what a client reads. Codes not listed get their group's wording.
PLAIN_REASONS = {
    "1": "deductible",
    "2": "coinsurance",
    "3": "copay",
    "45": "above the amount your plan allows",
    "96": "not covered by your plan",
    "119": "plan's visit or benefit limit reached",
    "204": "not covered by your plan",
    "253": "Medicare sequestration",
    "16": "claim missing information",
    "97": "included in another service",
    "151": "more units than the plan pays",
    "26": "before your coverage began",
    "27": "after your coverage ended",
    "50": "not medically necessary in your plan's view",
    "242": "provider not in your plan's network",
}
GROUPS = {
    "CO": "agreed reduction",
    "PR": "your share",
    "OA": "other adjustment",
    "PI": "plan adjustment",
    "CR": "correction",
}
MEMO_CODE = re.compile(r"\b(CO|PR|OA|PI|CR)-([A-Z0-9]{1,5})\b")


def plain_reason(memo: str) -> str | None:
    """The plain words for the group-reason code in a ledger memo (``"835 T1: CO-45"``)."""
    found = MEMO_CODE.search(memo)
    if found is None:
        return None
    group, reason = found.groups()
    if reason in PLAIN_REASONS:
        return PLAIN_REASONS[reason]
    known = load_carc().get(reason)
    if known is not None:
        return known.description[:1].lower() + known.description[1:]
    return GROUPS.get(group, "adjustment")


def reasons_text(amounts: Iterable[tuple[str, int]]) -> str:
    """``"coinsurance $12.50; above the amount your plan allows $20.00"``: each reason with
    what it came to on the line, in the order posted."""
    return "; ".join(f"{reason} {dollars(cents)}" for reason, cents in amounts)


AGING_BUCKETS = ("0-30 days", "31-60 days", "61-90 days", "over 90 days")


def aging(items: Iterable[tuple[dt.date, int]], on: dt.date) -> tuple[int, int, int, int]:
    """Amounts owed by age of the service date on ``on``: 0-30, 31-60, 61-90, over 90 days."""
    buckets = [0, 0, 0, 0]
    for day, cents in items:
        age = (on - day).days
        index = 0 if age <= 30 else 1 if age <= 60 else 2 if age <= 90 else 3
        buckets[index] += cents
    return buckets[0], buckets[1], buckets[2], buckets[3]


@dataclass(frozen=True, slots=True)
class StatementLine:
    date: dt.date
    description: str
    charge_cents: int
    insurance_paid_cents: int
    adjusted_cents: int
    reasons: str
    client_paid_cents: int
    balance_cents: int


@dataclass(frozen=True, slots=True)
class Statement:
    number: str
    statement_date: dt.date
    due_on: dt.date
    practice_name: str
    practice_address: str
    practice_phone: str | None
    client_name: str
    client_address: str
    client_account: str
    lines: tuple[StatementLine, ...]
    credit_cents: int
    aging: tuple[int, int, int, int]
    payment_link: str | None = None
    payment_instructions: str | None = None
    # Where checks go: the practice's pay-to address when it has one (837P 2010AB), else
    # its own address.
    remit_to: str | None = None

    @property
    def balance_cents(self) -> int:
        return sum(line.balance_cents for line in self.lines) - self.credit_cents


COLUMNS = (
    Column("Date", 54),
    Column("Service", 132),
    Column("Charge", 56, right=True),
    Column("Insurance paid", 62, right=True),
    Column("Adjusted", 56, right=True),
    Column("Why", 80),
    Column("You paid", 52, right=True),
    Column("You owe", 52, right=True),
)


def render(statements: Iterable[Statement]) -> bytes:
    """One PDF with each statement starting on its own page."""
    with document("Statement") as (canvas, buffer):
        for statement in statements:
            draw(Sheet(canvas, f"Statement {statement.number}"), statement)
        canvas.save()
    return buffer.getvalue()


def draw(sheet: Sheet, s: Statement) -> None:
    sheet.text(s.practice_name, size=15, bold=True)
    if s.practice_address:
        sheet.text(s.practice_address)
    if s.practice_phone:
        sheet.text(f"Telephone {s.practice_phone}")
    sheet.gap(4)
    top = sheet.y
    sheet.text("STATEMENT", size=13, bold=True)
    sheet.facts(
        [
            ("Statement", s.number),
            ("Date", us_date(s.statement_date)),
            ("Account", s.client_account),
            ("Please pay by", us_date(s.due_on)),
        ],
        label_width=70,
    )
    left = sheet.y
    sheet.y = top
    x = MARGIN + 300
    sheet.text(s.client_name, x=x, bold=True)
    if s.client_address:
        sheet.text(s.client_address, x=x)
    sheet.gap(10)
    sheet.text("Amount due", x=x, size=10)
    sheet.text(dollars(max(s.balance_cents, 0)), x=x, size=18, bold=True)
    sheet.y = max(sheet.y, left) + 10
    rows = [
        [
            us_date(line.date),
            line.description,
            dollars(line.charge_cents),
            dollars(line.insurance_paid_cents),
            dollars(line.adjusted_cents),
            line.reasons,
            dollars(line.client_paid_cents),
            dollars(line.balance_cents),
        ]
        for line in s.lines
    ]
    if s.credit_cents:
        rows.append(["", "Credit on your account", "", "", "", "", "", dollars(-s.credit_cents)])
    rows.append(["", "Amount due", "", "", "", "", "", dollars(max(s.balance_cents, 0))])
    sheet.table(COLUMNS, rows, bold_last=True)
    sheet.gap(10)
    sheet.table(
        [Column(name, 100, right=True) for name in AGING_BUCKETS],
        [[dollars(cents) for cents in s.aging]],
    )
    sheet.gap(12)
    sheet.text("How to pay", bold=True)
    if s.payment_link:
        sheet.text(f"Online: {s.payment_link}")
    if s.payment_instructions:
        sheet.text(s.payment_instructions)
    sheet.text(
        f"By check, payable to {s.practice_name}, with your account number {s.client_account}, "
        f"to: {s.remit_to or s.practice_address or s.practice_name}."
    )
    sheet.gap(6)
    ask = f"call us at {s.practice_phone}" if s.practice_phone else "ask us at the front desk"
    sheet.text(
        "Adjusted: amounts your insurance plan reduced or did not pay. Why: each reason with "
        'its amount; what the reason calls "your share", "deductible", "coinsurance" or '
        f'"copay" is yours to pay. Questions about this statement: {ask}.',
        size=7.5,
    )
    sheet.finish_page()
