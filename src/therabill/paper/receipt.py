"""A receipt for a client's payment, copay or refund: who was paid, how (cash, check number,
card processor's reference), what it paid, and what the client owes after it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from therabill.paper.layout import Column, Sheet
from therabill.paper.pdf import document, dollars, us_date

TITLES = {"payment": "Payment receipt", "copay": "Copay receipt", "refund": "Refund"}
METHODS = {"cash": "Cash", "check": "Check", "card": "Card", "other": "Other"}


@dataclass(frozen=True, slots=True)
class ReceiptLine:
    description: str
    amount_cents: int


@dataclass(frozen=True, slots=True)
class Receipt:
    practice_name: str
    practice_address: str
    practice_phone: str | None
    tax_id: str | None
    number: str
    kind: str
    method: str
    reference: str | None
    amount_cents: int
    received_on: dt.date
    client_name: str
    client_account: str
    lines: tuple[ReceiptLine, ...]
    balance_cents: int  # what the client owes after it; negative: credit on account
    memo: str = ""


def render(receipt: Receipt) -> bytes:
    title = TITLES.get(receipt.kind, "Receipt")
    with document(f"{title} {receipt.number}") as (canvas, buffer):
        sheet = Sheet(canvas, f"{title} {receipt.number}")
        sheet.text(receipt.practice_name, size=15, bold=True)
        if receipt.practice_address:
            sheet.text(receipt.practice_address)
        if receipt.practice_phone:
            sheet.text(f"Telephone {receipt.practice_phone}")
        sheet.gap(6)
        sheet.text(f"{title} {receipt.number}", size=12, bold=True)
        how = METHODS.get(receipt.method, receipt.method)
        if receipt.reference:
            how += f" ({'check no.' if receipt.method == 'check' else 'reference'} {receipt.reference})"
        sheet.facts(
            [
                ("Date", us_date(receipt.received_on)),
                ("Client", f"{receipt.client_name} (account {receipt.client_account})"),
                ("Amount", dollars(receipt.amount_cents)),
                ("Paid by" if receipt.kind != "refund" else "Refunded by", how),
                ("Note", receipt.memo),
                ("Tax id", receipt.tax_id or ""),
            ]
        )
        sheet.gap(6)
        if receipt.lines:
            rows = [[line.description, dollars(line.amount_cents)] for line in receipt.lines]
            sheet.table((Column("Applied to", 380), Column("Amount", 100, right=True)), rows)
            sheet.gap(6)
        if receipt.balance_cents > 0:
            sheet.text(f"Balance still owed: {dollars(receipt.balance_cents)}", bold=True)
        elif receipt.balance_cents < 0:
            sheet.text(f"Credit on your account: {dollars(-receipt.balance_cents)}", bold=True)
        else:
            sheet.text("Your account is paid in full. Thank you.", bold=True)
        sheet.finish_page()
        canvas.save()
    return buffer.getvalue()
