"""The ledger: post, reverse, and read balances. There is no update and no delete here (and
the database refuses both); a mistake is corrected by a reversing entry."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import select

from therabill.errors import InvalidInput
from therabill.ledger import (
    Allocation,
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
from therabill.money import format_money
from therabill.store.models import ClaimLine, ClaimRecord, Client, LedgerEntry, Payer
from therabill.store.services import lookup
from therabill.store.services.context import UnitOfWork
from therabill.store.services.drafts import DraftClaim, DraftLine


def facts(entry: LedgerEntry) -> EntryFacts:
    return EntryFacts(
        EntryKind(entry.kind), entry.amount_cents, Responsibility(entry.responsibility)
    )


def post_entry(
    *,
    work: UnitOfWork,
    kind: EntryKind,
    amount_cents: int,
    client_id: int,
    claim_line: ClaimLine | None = None,
    responsibility: Responsibility | None = None,
    effective_date: dt.date | None = None,
    memo: str = "",
    receipt: str | None = None,
    payer_id: int | None = None,
) -> LedgerEntry:
    """Append one entry. ``amount_cents`` is positive; the kind says which way it moves.
    The client and payer must be the work's practice's: a foreign key does not heed
    row-level security, so only this look-up keeps an entry from naming another's."""
    if amount_cents <= 0:
        raise InvalidInput("must be more than zero (reverse an entry to undo it)", field="amount")
    if work.db.get(Client, client_id) is None:
        raise InvalidInput(f"no client {client_id}", field="client")
    if payer_id is not None and work.db.get(Payer, payer_id) is None:
        raise InvalidInput(f"no payer {payer_id}", field="payer")
    if kind is EntryKind.TRANSFER_TO_INSURANCE:
        raise InvalidInput(
            "a transfer to another payer is posted in pairs, with the next payer's claim: "
            "use therabill claims secondary CLAIM (or denials transfer-payer DENIAL)",
            field="kind",
        )
    claim: ClaimRecord | None = None
    if claim_line is not None:
        claim = work.db.get(ClaimRecord, claim_line.claim_id)
        assert claim is not None
        if claim.client_id != client_id:
            raise InvalidInput("that claim line belongs to another client", field="claim_line")
        payer_id = payer_id or claim.payer_id
    if responsibility is None:
        patient_kinds = (EntryKind.PATIENT_PAYMENT, EntryKind.TRANSFER_TO_PATIENT)
        responsibility = (
            Responsibility.PATIENT
            if kind in patient_kinds or payer_id is None
            else Responsibility.INSURANCE
        )
    entry = LedgerEntry(
        kind=kind.value,
        amount_cents=amount_cents,
        responsibility=responsibility.value,
        client_id=client_id,
        claim_line_id=claim_line.id if claim_line else None,
        claim_id=claim.id if claim else None,
        payer_id=payer_id,
        effective_date=effective_date or dt.date.today(),
        actor=work.actor,
        memo=memo[:200],
        receipt=receipt,
    )
    work.db.add(entry)
    work.db.flush()
    work.audit("post", "ledger_entry", entry.id, f"{kind.value} {amount_cents}")
    return entry


def charge_rows(
    *,
    claim: ClaimRecord | DraftClaim,
    lines: Sequence[ClaimLine] | Sequence[DraftLine],
    actor: str,
) -> list[dict[str, Any]]:
    """The charge entries of a newly built claim's ``lines`` (billed to the payer), as rows:
    ``post_charges`` adds them one by one, ``claims build`` inserts a whole batch at once."""
    return [
        {
            "kind": EntryKind.CHARGE.value,
            "amount_cents": line.charge_cents,
            "responsibility": Responsibility.INSURANCE.value,
            "client_id": claim.client_id,
            "claim_line_id": line.id,
            "claim_id": claim.id,
            "payer_id": claim.payer_id,
            "effective_date": claim.date_of_service,
            "actor": actor,
            "memo": f"{line.code} x{line.units}",
        }
        for line in lines
        if line.charge_cents > 0
    ]


def post_charges(*, work: UnitOfWork, claim: ClaimRecord) -> None:
    """A charge entry per line of a newly built claim (billed to the payer)."""
    rows = charge_rows(claim=claim, lines=claim.lines, actor=work.actor)
    for row in rows:
        work.db.add(LedgerEntry(**row))
    work.audit("post", "ledger_entry", f"claim {claim.id}", f"{len(rows)} charges")


def reverse_entry(*, work: UnitOfWork, entry_id: int, reason: str) -> LedgerEntry:
    """Undo an entry by posting its negation; the original stays as it was."""
    original = work.db.get(LedgerEntry, entry_id)
    if original is None:
        raise InvalidInput(f"no ledger entry {entry_id}", field="entry")
    if original.reverses_id is not None:
        raise InvalidInput("that entry is itself a reversal", field="entry")
    if work.db.execute(select(LedgerEntry.id).where(LedgerEntry.reverses_id == entry_id)).first():
        raise InvalidInput(f"entry {entry_id} is already reversed", field="entry")
    if not reason.strip():
        raise InvalidInput("say why the entry is reversed", field="reason")
    reversal = LedgerEntry(
        kind=original.kind,
        amount_cents=-original.amount_cents,
        responsibility=original.responsibility,
        client_id=original.client_id,
        claim_line_id=original.claim_line_id,
        claim_id=original.claim_id,
        payer_id=original.payer_id,
        effective_date=dt.date.today(),
        actor=work.actor,
        memo=f"reverses #{entry_id}: {reason.strip()}"[:200],
        receipt=original.receipt,
        reverses_id=entry_id,
    )
    work.db.add(reversal)
    work.db.flush()
    work.audit("reverse", "ledger_entry", reversal.id, f"reverses {entry_id}")
    return reversal


def client_entries(work: UnitOfWork, client_id: int) -> list[LedgerEntry]:
    return list(
        work.db.execute(
            select(LedgerEntry).where(LedgerEntry.client_id == client_id).order_by(LedgerEntry.id)
        ).scalars()
    )


def claim_balance(work: UnitOfWork, claim_id: int) -> Balance:
    entries = work.db.execute(select(LedgerEntry).where(LedgerEntry.claim_id == claim_id)).scalars()
    return balance_of(facts(e) for e in entries)


def line_balances(work: UnitOfWork, claim_id: int) -> dict[int, Balance]:
    entries = work.db.execute(
        select(LedgerEntry).where(LedgerEntry.claim_id == claim_id).order_by(LedgerEntry.id)
    ).scalars()
    return balances_by((e.claim_line_id, facts(e)) for e in entries if e.claim_line_id)


def payer_balance(work: UnitOfWork, payer_id: int) -> Balance:
    entries = work.db.execute(select(LedgerEntry).where(LedgerEntry.payer_id == payer_id)).scalars()
    return balance_of(facts(e) for e in entries)


@dataclass(frozen=True, slots=True)
class ClientLedger:
    client_id: int
    entries: list[LedgerEntry]
    balance: Balance
    by_claim: dict[int, Balance]

    def to_dict(self) -> dict[str, Any]:
        return {
            "client_id": self.client_id,
            "balance": self.balance.to_dict(),
            "claims": [
                {"claim_id": claim_id, **b.to_dict()} for claim_id, b in self.by_claim.items()
            ],
            "entries": [entry_dict(e) for e in self.entries],
        }


def client_ledger(*, work: UnitOfWork, client: str | int) -> ClientLedger:
    found = lookup.client(work, client)
    entries = client_entries(work, found.id)
    work.audit("read", "ledger", found.id)
    return ClientLedger(
        client_id=found.id,
        entries=entries,
        balance=balance_of(facts(e) for e in entries),
        by_claim=balances_by((e.claim_id, facts(e)) for e in entries if e.claim_id),
    )


def open_patient_items(work: UnitOfWork, client_id: int) -> list[OpenItem[int]]:
    """Claim lines where the client owes something, with their service dates."""
    entries = client_entries(work, client_id)
    by_line = balances_by((e.claim_line_id, facts(e)) for e in entries if e.claim_line_id)
    owed = [line_id for line_id, b in by_line.items() if b.patient_cents > 0]
    if not owed:
        return []
    dates = dict(
        work.db.execute(
            select(ClaimLine.id, ClaimLine.date_of_service).where(ClaimLine.id.in_(owed))
        ).all()
    )
    return [OpenItem(line_id, dates[line_id], by_line[line_id].patient_cents) for line_id in owed]


class Overpayment(InvalidInput):
    """A client payment larger than what it can pay: refused, never turned into a credit
    without the user saying so. ``owed_cents``: what the lines it may pay owe; ``extra_cents``:
    the rest. Each edge may replace ``hint`` with how to ask for a credit there."""

    def __init__(self, owed_cents: int, extra_cents: int, *, chosen: bool) -> None:
        what = "the lines chosen owe" if chosen else "the client owes"
        super().__init__(
            f"{what} {format_money(owed_cents)}; this payment is {format_money(extra_cents)} more.",
            field="amount",
            hint=f"Take {format_money(owed_cents)}, or keep the rest as a credit on account.",
        )
        self.owed_cents = owed_cents
        self.extra_cents = extra_cents


def allocate_patient_payment(
    items: Sequence[OpenItem[int]],
    amount_cents: int,
    *,
    order: Literal["oldest"] | Sequence[int] = "oldest",
    amounts: Mapping[int, int] | None = None,
    keep_credit: bool = False,
) -> Allocation[int]:
    """Spread a client payment over the open items (oldest first, the claim lines in
    ``order``, or ``amounts`` per line). What is left over is refused (``Overpayment``)
    unless ``keep_credit``: every path that takes client money comes through here."""
    if amounts:
        allocation = allocate_amounts(amount_cents, items, amounts)
        owed = sum(amounts.values())
    elif order == "oldest":
        allocation = allocate_oldest_first(amount_cents, items)
        owed = sum(i.balance_cents for i in items)
    else:
        allocation = allocate_in_order(amount_cents, items, list(order))
        named = set(order)
        owed = sum(i.balance_cents for i in items if i.key in named)
    if allocation.unapplied_cents and not keep_credit:
        raise Overpayment(
            owed, allocation.unapplied_cents, chosen=order != "oldest" or bool(amounts)
        )
    return allocation


def record_patient_payment(
    *,
    work: UnitOfWork,
    client: str | int,
    amount_cents: int,
    order: Literal["oldest"] | Sequence[int] = "oldest",
    amounts: Mapping[int, int] | None = None,
    received_on: dt.date | None = None,
    memo: str = "",
    keep_credit: bool = False,
) -> Allocation[int]:
    """Post a lump-sum payment across the client's open balances, oldest first, in the
    user's order of claim lines, or with the user's amounts. More than that is refused
    unless ``keep_credit`` keeps the rest on the account as a credit. (The front desk's
    ``payments.take_payment`` adds a receipt; this is the bare ledger posting.)"""
    found = lookup.client(work, client)
    items = open_patient_items(work, found.id)
    allocation = allocate_patient_payment(
        items, amount_cents, order=order, amounts=amounts, keep_credit=keep_credit
    )
    receipt = uuid.uuid4().hex[:16]
    for line_id, cents in allocation.parts:
        post_entry(
            work=work,
            kind=EntryKind.PATIENT_PAYMENT,
            amount_cents=cents,
            client_id=found.id,
            claim_line=work.db.get(ClaimLine, line_id),
            effective_date=received_on,
            memo=memo,
            receipt=receipt,
        )
    if allocation.unapplied_cents:
        post_entry(
            work=work,
            kind=EntryKind.PATIENT_PAYMENT,
            amount_cents=allocation.unapplied_cents,
            client_id=found.id,
            effective_date=received_on,
            memo=(memo + " (credit on account)").strip(),
            receipt=receipt,
        )
    return allocation


def entry_dict(entry: LedgerEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "date": entry.effective_date.isoformat(),
        "kind": entry.kind,
        "amount_cents": entry.amount_cents,
        "responsibility": entry.responsibility,
        "claim_id": entry.claim_id,
        "claim_line_id": entry.claim_line_id,
        "payer_id": entry.payer_id,
        "memo": entry.memo,
        "receipt": entry.receipt,
        "reverses": entry.reverses_id,
        "actor": entry.actor,
    }
