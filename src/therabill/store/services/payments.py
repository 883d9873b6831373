"""Client payments at the front desk: cash, check or card (the practice's card processor
takes the card; therabill keeps its transaction reference), a copay at the session, a lump
sum spread over what the client owes, refunds, and a receipt for each. The CLI's
``therabill payment`` and the client page call these.

The money is in the ledger: every payment is patient-payment entries carrying the receipt
number, on the claim lines it pays (``therabill.ledger.allocation``: oldest first, in the
order chosen, or the amounts chosen) and, for what is left, on the account as a credit. A
payment larger than what the client owes is refused unless the rest is asked to stay as a
credit (nothing is overpaid silently); a copay taken at the session, before the payer has
decided what the client owes, is a credit until ``apply_credit`` moves it onto the lines.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import select

from therabill.errors import InvalidInput
from therabill.ledger import (
    EntryKind,
    allocate_oldest_first,
    balance_of,
)
from therabill.money import format_money
from therabill.paper import receipt as paper
from therabill.store.models import (
    ClaimLine,
    Client,
    ClientPayment,
    LedgerEntry,
    TherapySession,
)
from therabill.store.services import ledger, lookup, payment_plans
from therabill.store.services.context import UnitOfWork
from therabill.store.services.practice import practice_row

METHODS = ("cash", "check", "card", "other")
Kind = Literal["payment", "copay", "refund"]


@dataclass(slots=True)
class PaymentResult:
    payment: ClientPayment
    applied: list[tuple[int, int]] = field(default_factory=list)  # (claim line id, cents)
    credit_cents: int = 0  # what this payment left on the account
    balance_cents: int = 0  # what the client owes after it (negative: credit)

    def to_dict(self) -> dict[str, Any]:
        return {
            "receipt": self.payment.receipt,
            "kind": self.payment.kind,
            "method": self.payment.method,
            "reference": self.payment.reference,
            "amount_cents": self.payment.amount_cents,
            "received_on": self.payment.received_on.isoformat(),
            "plan_id": self.payment.plan_id,
            "applied": [{"claim_line_id": k, "amount_cents": c} for k, c in self.applied],
            "credit_cents": self.credit_cents,
            "client_balance_cents": self.balance_cents,
        }


def _method(method: str, reference: str | None) -> tuple[str, str | None]:
    clean = method.strip().lower()
    if clean not in METHODS:
        raise InvalidInput(f"{method!r} is not cash, check, card or other", field="method")
    ref = (reference or "").strip() or None
    if ref is not None and len(ref) > 60:
        raise InvalidInput("at most 60 characters", field="reference")
    if ref is not None and sum(ch.isdigit() for ch in ref) >= 13:
        # a processor's transaction id, not a card number: therabill keeps no card data
        raise InvalidInput(
            "that looks like a card number; give the processor's transaction id", field="reference"
        )
    if clean == "check" and ref is None:
        raise InvalidInput("give the check number", field="reference")
    if clean == "card" and ref is None:
        # the processor's id is what ties the payment to the processor's deposit report
        raise InvalidInput(
            "give the card processor's transaction reference (never the card number)",
            field="reference",
        )
    return clean, ref


def _day(given: dt.date | None, field: str) -> dt.date:
    """The day money changed hands: today unless given, and never after today (a receipt
    dated ahead would show as taken before it was, and its number carries that year)."""
    today = dt.date.today()
    day = given or today
    if day > today:
        raise InvalidInput(
            f"{day.isoformat()} is after today ({today.isoformat()}): enter the day the "
            "money changed hands",
            field=field,
        )
    return day


def _positive(amount_cents: int) -> None:
    if amount_cents <= 0:
        raise InvalidInput("must be more than zero", field="amount")


def client_balance_cents(work: UnitOfWork, client_id: int) -> int:
    """What the client owes after every payer (the ledger's patient bucket; negative: a
    credit on account)."""
    return balance_of(ledger.facts(e) for e in ledger.client_entries(work, client_id)).patient_cents


def credit_cents(work: UnitOfWork, client_id: int) -> int:
    """The client's credit on account: payments not on any claim line, less refunds of it."""
    entries = work.db.execute(
        select(LedgerEntry).where(
            LedgerEntry.client_id == client_id,
            LedgerEntry.claim_line_id.is_(None),
            LedgerEntry.responsibility == "patient",
        )
    ).scalars()
    return -balance_of(ledger.facts(e) for e in entries).patient_cents


def _new_payment(
    work: UnitOfWork, client: Client, kind: Kind, method: str, reference: str | None,
    amount_cents: int, received_on: dt.date, memo: str, session_id: int | None = None,
) -> ClientPayment:  # fmt: skip
    if amount_cents <= 0:
        raise InvalidInput("must be more than zero", field="amount")
    row = ClientPayment(
        receipt="", client_id=client.id, kind=kind, method=method, reference=reference,
        amount_cents=amount_cents, received_on=received_on, session_id=session_id,
        memo=memo.strip()[:200], actor=work.actor,
    )  # fmt: skip
    work.db.add(row)
    work.db.flush()
    row.receipt = f"R-{received_on.year}-{row.id:06d}"
    work.db.flush()
    return row


def _post(
    work: UnitOfWork, client_id: int, receipt: str, day: dt.date,
    parts: Sequence[tuple[int, int]], credit: int, memo: str,
) -> None:  # fmt: skip
    for line_id, cents in parts:
        ledger.post_entry(
            work=work, kind=EntryKind.PATIENT_PAYMENT, amount_cents=cents, client_id=client_id,
            claim_line=work.db.get(ClaimLine, line_id), effective_date=day, memo=memo,
            receipt=receipt,
        )  # fmt: skip
    if credit:
        ledger.post_entry(
            work=work, kind=EntryKind.PATIENT_PAYMENT, amount_cents=credit, client_id=client_id,
            effective_date=day, memo=(memo + " (credit on account)").strip(), receipt=receipt,
        )  # fmt: skip


def take_payment(
    *,
    work: UnitOfWork,
    client: str | int,
    amount_cents: int,
    method: str,
    reference: str | None = None,
    received_on: dt.date | None = None,
    order: Literal["oldest"] | Sequence[int] = "oldest",
    amounts: Mapping[int, int] | None = None,
    keep_credit: bool = False,
    copay_session: int | None = None,
    memo: str = "",
) -> PaymentResult:
    """Record a client's payment and spread it over what they owe (oldest first, the claim
    lines in ``order``, or ``amounts`` per line). ``copay_session``: a copay taken at that
    session, kept as a credit until the payer decides the client's share. More than the
    client owes is refused unless ``keep_credit`` keeps the rest on the account."""
    found = lookup.client(work, client)
    how, ref = _method(method, reference)
    day = _day(received_on, "received_on")
    _positive(amount_cents)
    if copay_session is not None:
        session = work.db.get(TherapySession, copay_session)
        if session is None or session.client_id != found.id:
            raise InvalidInput(f"no session {copay_session} for this client", field="session")
        row = _new_payment(
            work, found, "copay", how, ref, amount_cents, day,
            memo or f"copay at the session of {session.date_of_service.isoformat()}", session.id,
        )  # fmt: skip
        _post(work, found.id, row.receipt, day, [], amount_cents, row.memo)
        work.audit("create", "client_payment", row.id, f"copay {amount_cents}")
        return PaymentResult(row, [], amount_cents, client_balance_cents(work, found.id))
    items = ledger.open_patient_items(work, found.id)
    allocation = ledger.allocate_patient_payment(
        items, amount_cents, order=order, amounts=amounts, keep_credit=keep_credit
    )
    row = _new_payment(work, found, "payment", how, ref, amount_cents, day, memo)
    _post(work, found.id, row.receipt, day, allocation.parts, allocation.unapplied_cents, row.memo)
    plan = payment_plans.active_plan(work, found.id)
    if plan is not None:  # paid under the client's plan: fills its instalments
        row.plan_id = plan.id
        work.db.flush()
        payment_plans.after_payment(work, plan, day)
    work.audit("create", "client_payment", row.id, f"payment {amount_cents}")
    return PaymentResult(
        row,
        list(allocation.parts),
        allocation.unapplied_cents,
        client_balance_cents(work, found.id),
    )


def refund(
    *,
    work: UnitOfWork,
    client: str | int,
    amount_cents: int,
    method: str,
    reference: str | None = None,
    paid_on: dt.date | None = None,
    memo: str = "",
) -> PaymentResult:
    """Pay back part or all of the client's credit on account. More than the credit is
    refused: a payment posted in error is reversed (``therabill entry reverse``) instead."""
    found = lookup.client(work, client)
    how, ref = _method(method, reference)
    _positive(amount_cents)
    day = _day(paid_on, "paid_on")
    credit = credit_cents(work, found.id)
    if amount_cents > credit:
        raise InvalidInput(
            f"the client has {format_money(max(credit, 0))} credit on account; refund at most that",
            field="amount",
        )
    row = _new_payment(work, found, "refund", how, ref, amount_cents, day, memo or "refund")
    ledger.post_entry(
        work=work, kind=EntryKind.REFUND, amount_cents=amount_cents, client_id=found.id,
        effective_date=day, memo=row.memo, receipt=row.receipt,
    )  # fmt: skip
    work.audit("create", "client_payment", row.id, f"refund {amount_cents}")
    return PaymentResult(row, [], -amount_cents, client_balance_cents(work, found.id))


def apply_credit(*, work: UnitOfWork, client: str | int) -> list[tuple[int, int]]:
    """Move the client's credit on account onto what they now owe, oldest first: each credit
    entry is reversed and posted again on the lines it pays (same receipt), the rest stays
    a credit. Returns the (claim line, cents) applied."""
    found = lookup.client(work, client)
    items = ledger.open_patient_items(work, found.id)
    if not items:
        return []
    reversed_ids = select(LedgerEntry.reverses_id).where(LedgerEntry.reverses_id.is_not(None))
    credits = list(
        work.db.execute(
            select(LedgerEntry)
            .where(
                LedgerEntry.client_id == found.id,
                LedgerEntry.claim_line_id.is_(None),
                LedgerEntry.kind == EntryKind.PATIENT_PAYMENT.value,
                LedgerEntry.reverses_id.is_(None),
                LedgerEntry.id.not_in(reversed_ids),
            )
            .order_by(LedgerEntry.effective_date, LedgerEntry.id)
        ).scalars()
    )
    available = credit_cents(work, found.id)
    applied: list[tuple[int, int]] = []
    for entry in credits:
        if available <= 0 or not items:
            break
        use = min(entry.amount_cents, available)
        allocation = allocate_oldest_first(use, items)
        if not allocation.parts:
            break
        ledger.reverse_entry(work=work, entry_id=entry.id, reason="credit applied to the balance")
        left = entry.amount_cents - allocation.applied_cents
        _post(work, found.id, entry.receipt or "", entry.effective_date, allocation.parts, left,
              "credit applied")  # fmt: skip
        applied.extend(allocation.parts)
        available -= allocation.applied_cents
        items = ledger.open_patient_items(work, found.id)
    work.audit("apply", "credit", found.id, f"{sum(c for _, c in applied)} cents")
    return applied


def list_payments(*, work: UnitOfWork, client: str | int) -> list[ClientPayment]:
    found = lookup.client(work, client)
    rows = work.db.execute(
        select(ClientPayment)
        .where(ClientPayment.client_id == found.id)
        .order_by(ClientPayment.received_on.desc(), ClientPayment.id.desc())
    ).scalars()
    work.audit("list", "client_payment", found.id)
    return list(rows)


def payment_row(work: UnitOfWork, receipt: str) -> ClientPayment:
    found = work.db.execute(
        select(ClientPayment).where(ClientPayment.receipt == receipt.strip().upper())
    ).scalar_one_or_none()
    if found is None:
        raise InvalidInput(f"no receipt {receipt!r}", field="receipt")
    return found


def receipt_pdf(*, work: UnitOfWork, receipt: str) -> bytes:
    """The printable receipt of one payment, copay or refund."""
    row = payment_row(work, receipt)
    client = work.db.get(Client, row.client_id)
    assert client is not None
    practice = practice_row(work)
    entries = list(
        work.db.execute(
            select(LedgerEntry, ClaimLine)
            .outerjoin(ClaimLine, ClaimLine.id == LedgerEntry.claim_line_id)
            .where(LedgerEntry.receipt == row.receipt, LedgerEntry.reverses_id.is_(None))
            .order_by(LedgerEntry.id)
        )
    )
    reversed_ids = {
        r for (r,) in work.db.execute(
            select(LedgerEntry.reverses_id).where(LedgerEntry.receipt == row.receipt)
        ) if r is not None
    }  # fmt: skip
    lines = [
        paper.ReceiptLine(
            f"{line.date_of_service.strftime('%m/%d/%Y')} {line.code} x{line.units}"
            if line is not None else "Credit on account",
            entry.amount_cents,
        )
        for entry, line in entries
        if entry.id not in reversed_ids and entry.kind == EntryKind.PATIENT_PAYMENT.value
    ]  # fmt: skip
    document = paper.Receipt(
        practice_name=practice.name,
        practice_address=", ".join(
            p for p in (practice.address, practice.city, practice.state, practice.postal_code) if p
        ),
        practice_phone=practice.phone,
        tax_id=practice.tax_id,
        number=row.receipt,
        kind=row.kind,
        method=row.method,
        reference=row.reference,
        amount_cents=row.amount_cents,
        received_on=row.received_on,
        client_name=f"{client.first_name} {client.last_name}",
        client_account=client.chart_number or str(client.id),
        lines=tuple(lines),
        balance_cents=client_balance_cents(work, client.id),
        memo=row.memo,
    )
    work.audit("print", "client_payment", row.id, "receipt")
    return paper.render(document)


def payment_dict(row: ClientPayment) -> dict[str, Any]:
    return {
        "receipt": row.receipt,
        "kind": row.kind,
        "method": row.method,
        "reference": row.reference,
        "amount_cents": row.amount_cents,
        "received_on": row.received_on.isoformat(),
        "plan_id": row.plan_id,
        "memo": row.memo,
        "actor": row.actor,
    }
