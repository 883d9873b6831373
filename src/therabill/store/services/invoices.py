"""Invoices (statements of the client's share): a snapshot of what the client owes now, line
by line. The money stays in the ledger; an invoice never changes a balance."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from therabill.errors import InvalidInput
from therabill.store.models import ClaimLine, Invoice, InvoiceLine
from therabill.store.services import ledger, lookup
from therabill.store.services.context import UnitOfWork


def create_invoice(
    *, work: UnitOfWork, client: str | int, issued_on: dt.date | None = None, due_days: int = 30
) -> Invoice:
    """An invoice for every claim line on which the client owes something, oldest first."""
    found = lookup.client(work, client)
    items = sorted(ledger.open_patient_items(work, found.id), key=lambda i: i.opened_on)
    if not items:
        raise InvalidInput("the client owes nothing; no invoice made", field="client")
    day = issued_on or dt.date.today()
    lines = {
        line.id: line
        for line in work.db.execute(
            select(ClaimLine).where(ClaimLine.id.in_([i.key for i in items]))
        ).scalars()
    }
    invoice = Invoice(
        number="",
        client_id=found.id,
        issued_on=day,
        due_on=day + dt.timedelta(days=due_days),
        total_cents=sum(i.balance_cents for i in items),
        lines=[
            InvoiceLine(
                position=n,
                claim_line_id=item.key,
                description=f"{item.opened_on.isoformat()} {lines[item.key].code} "
                f"x{lines[item.key].units} (claim {lines[item.key].claim_id})",
                amount_cents=item.balance_cents,
            )
            for n, item in enumerate(items, 1)
        ],
    )
    work.db.add(invoice)
    work.db.flush()
    invoice.number = f"INV-{day.year}-{invoice.id:06d}"
    work.db.flush()
    work.audit("create", "invoice", invoice.id, f"client {found.id}")
    return invoice


def list_invoices(*, work: UnitOfWork, client: str | int | None = None) -> list[Invoice]:
    query = select(Invoice).order_by(Invoice.id.desc())
    client_id = lookup.client(work, client).id if client is not None else None
    if client_id is not None:
        query = query.where(Invoice.client_id == client_id)
    found = list(work.db.execute(query).scalars())
    work.audit("list", "invoice", client_id or "*", f"{len(found)} rows")
    return found


def invoice_dict(invoice: Invoice) -> dict[str, Any]:
    return {
        "id": invoice.id,
        "number": invoice.number,
        "client_id": invoice.client_id,
        "issued_on": invoice.issued_on.isoformat(),
        "due_on": invoice.due_on.isoformat() if invoice.due_on else None,
        "total_cents": invoice.total_cents,
        "lines": [
            {
                "description": line.description,
                "amount_cents": line.amount_cents,
                "claim_line_id": line.claim_line_id,
            }
            for line in invoice.lines
        ],
    }
