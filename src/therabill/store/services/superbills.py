"""Superbills: a client's services over a period, for their own out-of-network claim (the
CLI's ``therabill superbill`` and the client page's button call this one service).

A session already on a claim shows that claim's lines (units and charges as billed); a
session not billed (a client without insurance on file) is priced as the build would price
it: the practice's fees and the CMS 8-minute rule (``build.assemble_for`` without a payer).
"Paid" is what the client paid on each line, and client payments in the period not applied
to a line (paid ahead, credit on account) on a line of their own.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from therabill.claims.status import ClaimStatus
from therabill.codes import load_code_set
from therabill.errors import InvalidInput
from therabill.identifiers import icd10cm
from therabill.ledger import EntryKind
from therabill.paper import superbill as paper
from therabill.store.models import (
    ClaimLine,
    ClaimRecord,
    Client,
    LedgerEntry,
    Practice,
    Provider,
    TherapySession,
)
from therabill.store.services import build, lookup
from therabill.store.services.claim_edits import stored_document
from therabill.store.services.context import UnitOfWork
from therabill.store.services.documents import icd_with_dot
from therabill.store.services.practice import practice_row

NOT_BILLED_ANY_MORE = (ClaimStatus.VOIDED.value, ClaimStatus.REPLACED.value)
MAX_DAYS = 366 * 3  # a superbill covers a treatment period, not the whole history


@dataclass(frozen=True, slots=True)
class _Row:
    """One service line before it is numbered: billed (``line_id``) or priced now."""

    session: TherapySession
    provider: Provider
    code: str
    modifiers: tuple[str, ...]
    units: int
    charge_cents: int
    diagnoses: tuple[str, ...]
    line_id: int | None


@dataclass(frozen=True, slots=True)
class MadeSuperbill:
    bill: paper.Superbill
    pdf: bytes

    def to_dict(self) -> dict[str, Any]:
        return {
            "client": self.bill.client_account,
            "from": self.bill.start.isoformat(),
            "to": self.bill.end.isoformat(),
            "lines": len(self.bill.lines),
            "charge_cents": self.bill.charge_cents,
            "paid_cents": self.bill.paid_cents,
            "diagnoses": [code for code, _ in self.bill.diagnoses],
            "bytes": len(self.pdf),
        }


def check_period(start: dt.date | None, end: dt.date | None) -> tuple[dt.date, dt.date]:
    if start is None or end is None:
        raise InvalidInput("give both --from and --to (YYYY-MM-DD)", field="from")
    if end < start:
        raise InvalidInput(f"the period runs backwards: {start} is after {end}", field="to")
    if (end - start).days > MAX_DAYS:
        raise InvalidInput("a superbill covers at most three years", field="to")
    return start, end


def _address(parts: tuple[str | None, ...]) -> str:
    street, city, state, postal = parts
    place = " ".join(p for p in (f"{city}," if city else None, state, postal) if p)
    return ", ".join(p for p in (street, place) if p)


def _patient_paid(work: UnitOfWork, line_ids: list[int]) -> dict[int, int]:
    if not line_ids:
        return {}
    paid: dict[int, int] = {}
    rows = work.db.execute(
        select(LedgerEntry.claim_line_id, LedgerEntry.amount_cents).where(
            LedgerEntry.claim_line_id.in_(line_ids),
            LedgerEntry.kind == EntryKind.PATIENT_PAYMENT.value,
        )
    )
    for line_id, cents in rows:
        if line_id is not None:
            paid[line_id] = paid.get(line_id, 0) + cents  # a reversal's amount is negative
    return paid


def make_superbill(
    *, work: UnitOfWork, client: str | int, start: dt.date | None, end: dt.date | None
) -> MadeSuperbill:
    """The client's superbill for ``start``..``end`` (both included)."""
    first, last = check_period(start, end)
    found = lookup.client(work, client)
    practice = practice_row(work)
    sessions = list(
        work.db.execute(
            select(TherapySession)
            .where(
                TherapySession.client_id == found.id,
                TherapySession.date_of_service >= first,
                TherapySession.date_of_service <= last,
            )
            .order_by(TherapySession.date_of_service, TherapySession.start_time, TherapySession.id)
        ).scalars()
    )
    if not sessions:
        raise InvalidInput(f"no sessions for this client from {first} to {last}", field="client")
    codes = load_code_set()
    fees = build.practice_fees(work)
    diagnoses: list[str] = []
    drafts: list[_Row] = []
    for session in sessions:
        provider = work.db.get(Provider, session.provider_id)
        assert provider is not None
        billed = list(
            work.db.execute(
                select(ClaimLine, ClaimRecord)
                .join(ClaimRecord, ClaimRecord.id == ClaimLine.claim_id)
                .where(
                    ClaimLine.session_id == session.id,
                    ClaimRecord.status.not_in(NOT_BILLED_ANY_MORE),
                )
                .order_by(ClaimLine.claim_id, ClaimLine.line_number)
            )
        )
        session_dx = tuple(icd_with_dot(d.code) for d in session.diagnoses)
        if billed:
            for line, claim in billed:
                claim_dx = _claim_diagnoses(claim) or session_dx
                modifiers = tuple(m for m in line.modifiers.split(",") if m)
                pointed = _pointed(claim_dx, line.diagnosis_pointers)
                drafts.append(_Row(session, provider, line.code, modifiers, line.units,
                                   line.charge_cents, pointed, line.id))  # fmt: skip
        else:
            assembly = build.assemble_for(
                discipline=provider.discipline, payer=None, sessions=[session], fees=fees,
                code_set=codes, day=session.date_of_service,
            )  # fmt: skip
            assembled_dx = tuple(icd_with_dot(d) for d in assembly.diagnoses)
            for a in assembly.lines:
                pointed = tuple(
                    assembled_dx[p - 1] for p in a.diagnosis_pointers if p <= len(assembled_dx)
                )
                drafts.append(_Row(session, provider, a.code, a.modifiers, a.units,
                                   a.charge_cents, pointed, None))  # fmt: skip
    for row in drafts:
        for code in row.diagnoses:
            if code not in diagnoses:
                diagnoses.append(code)
    paid = _patient_paid(work, [r.line_id for r in drafts if r.line_id is not None])
    lines = tuple(
        paper.SuperbillLine(
            date=r.session.date_of_service,
            provider_npi=r.provider.npi,
            place_of_service=r.session.place_of_service,
            code=r.code,
            modifiers=r.modifiers,
            description=codes[r.code].short if r.code in codes else "",
            units=r.units,
            diagnosis_pointers=paper.pointer_list(diagnoses, r.diagnoses),
            charge_cents=r.charge_cents,
            paid_cents=paid.get(r.line_id, 0) if r.line_id is not None else 0,
        )
        for r in drafts
    )
    providers = {r.provider.id: r.provider for r in drafts}
    bill = paper.Superbill(
        practice=_practice_party(practice),
        providers=tuple(
            paper.Party(
                name=f"{p.first_name} {p.last_name}",
                npi=p.npi,
                licence=p.licence,
                discipline=DISCIPLINES.get(p.discipline, p.discipline),
            )
            for p in providers.values()
        ),
        client_name=f"{found.first_name} {found.last_name}",
        client_birth_date=found.birth_date,
        client_address=_address((found.address, found.city, found.state, found.postal_code)),
        client_account=found.chart_number or str(found.id),
        member_id=_member_id(found),
        start=first,
        end=last,
        diagnoses=tuple((code, icd10cm.description(code) or "") for code in diagnoses),
        lines=lines,
        issued_on=dt.date.today(),
        other_paid_cents=_paid_on_account(work, found.id, first, last),
    )
    work.audit("print", "superbill", found.id, f"{first} to {last}")
    return MadeSuperbill(bill, paper.render(bill))


DISCIPLINES = {
    "pt": "physical therapy",
    "ot": "occupational therapy",
    "slp": "speech-language pathology",
    "massage": "massage therapy",
    "music": "music therapy",
    "behavioral": "behavioral health",
    "at": "athletic training",
}


def _claim_diagnoses(claim: ClaimRecord) -> tuple[str, ...]:
    if not claim.document_json:
        return ()
    return tuple(stored_document(claim).diagnoses)


def _pointed(session_dx: tuple[str, ...], pointers: str) -> tuple[str, ...]:
    numbers = [int(p) for p in pointers.split(",") if p.strip().isdigit()]
    return tuple(session_dx[n - 1] for n in numbers if 0 < n <= len(session_dx))


def _member_id(client: Client) -> str | None:
    primary = sorted(client.policies, key=lambda p: (p.priority != "primary", p.id))
    return primary[0].member_id if primary else None


def _practice_party(practice: Practice) -> paper.Party:
    return paper.Party(
        name=practice.name,
        npi=practice.npi,
        tax_id=practice.tax_id,
        address=_address((practice.address, practice.city, practice.state, practice.postal_code)),
        phone=practice.phone,
    )


def _paid_on_account(work: UnitOfWork, client_id: int, first: dt.date, last: dt.date) -> int:
    rows = work.db.execute(
        select(LedgerEntry.amount_cents).where(
            LedgerEntry.client_id == client_id,
            LedgerEntry.claim_line_id.is_(None),
            LedgerEntry.kind == EntryKind.PATIENT_PAYMENT.value,
            LedgerEntry.effective_date >= first,
            LedgerEntry.effective_date <= last,
        )
    )
    return sum(cents for (cents,) in rows)
