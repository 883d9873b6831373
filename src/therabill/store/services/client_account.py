"""A client's account as the biller reads it: every ledger entry with its sign in the
insurance and client columns and the running balances, who owes what per visit, the
payments, statements, payment plans and reminders sent. The account page and
``GET /api/v1/clients/{id}/account`` show this one picture.

Signs: what is owed goes up (+) with a charge or a refund paid out, and down (−) with a
payment, an adjustment or a write-off; a transfer to the client moves an amount from the
insurance column to the client column (``therabill.ledger.effect``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from therabill.ledger import Balance, EntryKind, effect
from therabill.store.models import (
    ClaimRecord,
    Client,
    ClientPayment,
    LedgerEntry,
    Payer,
    ReminderMessage,
    Statement,
)
from therabill.store.services import ledger, lookup, payment_plans, payments
from therabill.store.services.context import UnitOfWork

KIND_WORDS = {
    EntryKind.CHARGE.value: "Charge",
    EntryKind.INSURANCE_PAYMENT.value: "Insurance paid",
    EntryKind.CONTRACTUAL_ADJUSTMENT.value: "Contractual adjustment",
    EntryKind.WRITE_OFF.value: "Write-off",
    EntryKind.TRANSFER_TO_PATIENT.value: "Moved to the client",
    EntryKind.PATIENT_PAYMENT.value: "Client paid",
    EntryKind.REFUND.value: "Refund",
}


@dataclass(frozen=True, slots=True)
class AccountRow:
    entry: LedgerEntry
    what: str
    insurance_cents: int  # this entry's change to what insurance owes (signed)
    client_cents: int  # this entry's change to what the client owes (signed)
    running: Balance  # the balances after it

    def to_dict(self) -> dict[str, Any]:
        return {
            **ledger.entry_dict(self.entry),
            "what": self.what,
            "insurance_change_cents": self.insurance_cents,
            "client_change_cents": self.client_cents,
            "running_insurance_cents": self.running.insurance_cents,
            "running_client_cents": self.running.patient_cents,
            "running_total_cents": self.running.total_cents,
        }


@dataclass(slots=True)
class Visit:
    """One claim (a visit's charges to one payer): who owes what on it now."""

    claim_id: int
    date_of_service: dt.date
    payer: str
    status: str
    charge_cents: int = 0
    insurance_paid_cents: int = 0
    client_paid_cents: int = 0
    owed: Balance = field(default_factory=Balance)

    def to_dict(self) -> dict[str, Any]:
        return {
            "claim_id": self.claim_id,
            "date_of_service": self.date_of_service.isoformat(),
            "payer": self.payer,
            "status": self.status,
            "charge_cents": self.charge_cents,
            "insurance_paid_cents": self.insurance_paid_cents,
            "client_paid_cents": self.client_paid_cents,
            "insurance_owes_cents": self.owed.insurance_cents,
            "client_owes_cents": self.owed.patient_cents,
        }


@dataclass(frozen=True, slots=True)
class Account:
    client: Client
    balance: Balance
    credit_cents: int
    rows: list[AccountRow]
    visits: list[Visit]
    payments: list[ClientPayment]
    statements: list[Statement]
    plans: list[payment_plans.PlanView]
    reminders: list[ReminderMessage]

    def to_dict(self) -> dict[str, Any]:
        return {
            "client_id": self.client.id,
            "balance": self.balance.to_dict(),
            "credit_cents": self.credit_cents,
            "statement_hold": self.client.statement_hold,
            "visits": [v.to_dict() for v in self.visits],
            "ledger": [r.to_dict() for r in self.rows],
            "payments": [payments.payment_dict(p) for p in self.payments],
            "statements": [
                {
                    "number": s.number,
                    "statement_date": s.statement_date.isoformat(),
                    "balance_cents": s.balance_cents,
                }
                for s in self.statements
            ],
            "payment_plans": [p.to_dict() for p in self.plans],
            "reminders": [reminder_dict(m) for m in self.reminders],
        }


def reminder_dict(m: ReminderMessage) -> dict[str, Any]:
    return {
        "sent_at": m.sent_at.isoformat(),
        "step": m.step,
        "days": m.days,
        "to": m.to_address,
        "subject": m.subject,
        "attached": m.attached,
        "balance_cents": m.balance_cents,
    }


def _rows(entries: list[LedgerEntry]) -> list[AccountRow]:
    running = Balance()
    out = []
    for e in sorted(entries, key=lambda e: (e.effective_date, e.id)):
        change = effect(EntryKind(e.kind), e.amount_cents, ledger.facts(e).responsibility)
        running = running + change
        what = KIND_WORDS.get(e.kind, e.kind.replace("_", " "))
        if e.reverses_id is not None:
            what = f"{what} (reversal)"
        out.append(AccountRow(e, what, change.insurance_cents, change.patient_cents, running))
    return out


def _visits(work: UnitOfWork, entries: list[LedgerEntry]) -> list[Visit]:
    claim_ids = {e.claim_id for e in entries if e.claim_id is not None}
    if not claim_ids:
        return []
    claims = {
        claim.id: Visit(claim.id, claim.date_of_service, payer, claim.status)
        for claim, payer in work.db.execute(
            select(ClaimRecord, Payer.name)
            .join(Payer, Payer.id == ClaimRecord.payer_id)
            .where(ClaimRecord.id.in_(claim_ids))
        ).all()
    }
    for e in entries:
        visit = claims.get(e.claim_id) if e.claim_id is not None else None
        if visit is None:
            continue
        kind = EntryKind(e.kind)
        visit.owed = visit.owed + effect(kind, e.amount_cents, ledger.facts(e).responsibility)
        if kind is EntryKind.CHARGE:
            visit.charge_cents += e.amount_cents
        elif kind is EntryKind.INSURANCE_PAYMENT:
            visit.insurance_paid_cents += e.amount_cents
        elif kind is EntryKind.PATIENT_PAYMENT:
            visit.client_paid_cents += e.amount_cents
    return sorted(claims.values(), key=lambda v: (v.date_of_service, v.claim_id), reverse=True)


def client_account(*, work: UnitOfWork, client: str | int, on: dt.date | None = None) -> Account:
    """The whole account of one client (audited as a read of the ledger)."""
    found = lookup.client(work, client)
    entries = ledger.client_entries(work, found.id)
    rows = _rows(entries)
    work.audit("read", "account", found.id)
    return Account(
        client=found,
        balance=rows[-1].running if rows else Balance(),
        credit_cents=payments.credit_cents(work, found.id),
        rows=rows,
        visits=_visits(work, entries),
        payments=list(
            work.db.execute(
                select(ClientPayment)
                .where(ClientPayment.client_id == found.id)
                .order_by(ClientPayment.received_on.desc(), ClientPayment.id.desc())
            ).scalars()
        ),
        statements=list(
            work.db.execute(
                select(Statement)
                .where(Statement.client_id == found.id)
                .order_by(Statement.id.desc())
            ).scalars()
        ),
        plans=payment_plans.client_plans(work=work, client=found.id, on=on),
        reminders=list(
            work.db.execute(
                select(ReminderMessage)
                .where(ReminderMessage.client_id == found.id)
                .order_by(ReminderMessage.sent_at.desc(), ReminderMessage.id.desc())
            ).scalars()
        ),
    )
