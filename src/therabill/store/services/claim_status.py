"""Claim status: ask payers about claims already sent (276) and record their answers (277).

``status_request`` writes one 276 (005010X212) for the claims named; ``read_status_response``
reads a 277 and, per claim it names, keeps the answer (the claim page shows the latest) and
moves the claim where the answer settles it:

- a rejection category (A3, A4, A6, A7, A8, E3, E4: never taken in, correct and resend)
  moves a submitted claim to rejected;
- any other answer that shows the payer has the claim (A2 accepted, A5 split, P pending, R
  request for information, F finalized) moves a submitted claim to accepted. A finalized
  status does not mark the claim paid or denied: the money comes with the 835, which posting
  reads.

One transaction per file; reading the same file twice records nothing new.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from therabill.claims.number import claim_id_from_control_number, claim_number
from therabill.claims.status import ClaimStatus
from therabill.errors import InvalidInput
from therabill.money import to_cents, to_decimal
from therabill.store.models import (
    ClaimRecord,
    ClaimStatusResponse,
    Client,
    Payer,
    Policy,
    Practice,
)
from therabill.store.services import claim_records, lookup
from therabill.store.services.context import UnitOfWork
from therabill.store.services.submission import DatabaseControlNumbers
from therabill.x12.claim_status import ClaimStatus as PayerStatus
from therabill.x12.claim_status import LevelStatus, StatusQuery, iter_277, write_276
from therabill.x12.claim_status.model import REJECTED
from therabill.x12.clearinghouse import Clearinghouse, load_clearinghouse
from therabill.x12.control_numbers import FileControlNumbers, envelope
from therabill.x12.reader import Source, rewound

# Claims no payer has yet: nothing to ask about.
NOT_SENT = frozenset({ClaimStatus.DRAFT, ClaimStatus.READY, ClaimStatus.CORRECTED})
# Categories that show the payer has the claim (X12 code list 507).
TAKEN_IN = ("A2", "A5", "P", "R", "F")


@dataclass(frozen=True, slots=True)
class StatusRequest:
    """A 276 ready to send: its text, its interchange number and the claims it asks about."""

    text: str
    interchange: int
    claim_ids: tuple[int, ...]

    @property
    def file_name(self) -> str:
        return f"276-{self.interchange:09d}.x12"


def _query(work: UnitOfWork, claim: ClaimRecord, practice: Practice) -> StatusQuery:
    client = work.db.get(Client, claim.client_id)
    policy = work.db.get(Policy, claim.policy_id)
    payer = work.db.get(Payer, claim.payer_id)
    assert client is not None and policy is not None and payer is not None
    if not payer.payer_id:
        raise InvalidInput(
            f"claim {claim.id}: payer {payer.name!r} has no EDI payer id",
            field="payer.payer_id",
            hint="set it with: therabill payer edit",
        )
    days = [line.date_of_service for line in claim.lines] or [claim.date_of_service]
    self_insured = policy.relationship_to_subscriber == "self"
    return StatusQuery(
        claim_number=claim_number(claim.id),
        charge=to_decimal(claim.total_charge_cents),
        first_day=min(days),
        last_day=max(days),
        payer_name=payer.name[:60],
        payer_id=payer.payer_id,
        provider_name=practice.name,
        provider_npi=practice.npi or "",
        subscriber_last=client.last_name if self_insured else policy.subscriber_last_name or "",
        subscriber_first=(
            client.first_name if self_insured else policy.subscriber_first_name or ""
        ),
        member_id=policy.member_id,
        subscriber_birth_date=client.birth_date if self_insured else None,
        subscriber_sex=client.sex if self_insured else "",
        patient_last="" if self_insured else client.last_name,
        patient_first="" if self_insured else client.first_name,
        patient_birth_date=None if self_insured else client.birth_date,
        patient_sex="" if self_insured else client.sex,
        payer_claim_number=claim_records.payer_claim_number(work, claim) or "",
    )


def status_request(
    *,
    work: UnitOfWork,
    claim_ids: list[int],
    profile: Clearinghouse | None = None,
    created: dt.datetime | None = None,
) -> StatusRequest:
    """The 276 asking about ``claim_ids`` (each sent to its payer already); control numbers
    are taken from the same counters as the 837P's."""
    if not claim_ids:
        raise InvalidInput("name at least one claim", field="claims")
    practice = work.practice()
    if practice is None or not practice.npi:
        raise InvalidInput("the practice needs its NPI to ask about claims", field="practice.npi")
    queries = []
    for claim_id in dict.fromkeys(claim_ids):
        claim = lookup.claim(work, claim_id)
        if ClaimStatus(claim.status) in NOT_SENT:
            raise InvalidInput(
                f"claim {claim_id} is {claim.status}: no payer has it yet", field="claims"
            )
        queries.append(_query(work, claim, practice))
    interchange, group, transactions = envelope(
        DatabaseControlNumbers(work, mirror=FileControlNumbers())
    )
    text = write_276(
        queries,
        profile=profile or load_clearinghouse(),
        interchange=interchange,
        group=group,
        transaction=transactions[0],
        created=created or dt.datetime.now(dt.UTC).replace(tzinfo=None),
    )
    ids = tuple(dict.fromkeys(claim_ids))
    for claim_id in ids:
        work.audit("status_request", "claim", claim_id, f"276 interchange {interchange}")
    return StatusRequest(text, interchange, ids)


LISTED = 1000  # answers listed per 277; the rest are counted (``recorded``, ``not_ours``)


@dataclass(slots=True)
class StatusRead:
    """What one 277 changed: per claim, its answer and move; claims that are not ours; and
    statuses about the whole request or a provider. The first ``LISTED`` of each are listed
    and all are counted, so a 277 about a month's claims is read with flat memory."""

    file: str
    claims: list[dict[str, Any]] = field(default_factory=list)
    unmatched: list[dict[str, Any]] = field(default_factory=list)
    levels: list[str] = field(default_factory=list)
    recorded: int = 0
    not_ours: int = 0

    def add_claim(self, entry: dict[str, Any]) -> None:
        self.recorded += 1
        if len(self.claims) < LISTED:
            self.claims.append(entry)

    def add_unmatched(self, entry: dict[str, Any]) -> None:
        self.not_ours += 1
        if len(self.unmatched) < LISTED:
            self.unmatched.append(entry)

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "claims": self.claims,
            "unmatched": self.unmatched,
            "levels": self.levels,
            "counts": {"recorded": self.recorded, "not_ours": self.not_ours},
        }


def read_status_response(*, work: UnitOfWork, source: Source, file_name: str) -> StatusRead:
    """Read a 277 claim status response and record each claim's answer (module docstring).
    Two passes over the file: the first reads it whole and records nothing (a file damaged
    halfway is refused before any answer is kept), the second records as it reads."""
    for _ in iter_277(rewound(source)):
        pass
    result = StatusRead(file_name)
    for answer in iter_277(rewound(source)):
        if isinstance(answer, LevelStatus):
            if len(result.levels) < LISTED:
                result.levels.append(answer.reason)
            continue
        claim_id = claim_id_from_control_number(answer.claim_number)
        if claim_id is None:
            claim_id = claim_id_from_control_number(answer.trace_number)
        claim = work.db.get(ClaimRecord, claim_id) if claim_id is not None else None
        if claim is None:
            result.add_unmatched(
                {"claim_number": answer.claim_number, "description": answer.reason}
            )
            continue
        result.add_claim(_record(work, claim, answer, file_name))
        if result.recorded % BATCH == 0:
            work.checkpoint()
    return result


BATCH = 1000


def _record(
    work: UnitOfWork, claim: ClaimRecord, answer: PayerStatus, file_name: str
) -> dict[str, Any]:
    before = claim.status
    first = answer.statuses[0]
    paid = to_cents(answer.paid, field="STC05") if answer.paid is not None else None
    row = ClaimStatusResponse(
        claim_id=claim.id,
        file_name=file_name[:200],
        category=first.category,
        status_code=first.code,
        entity=first.entity,
        effective_date=answer.effective,
        paid_cents=paid,
        payer_claim_number=answer.payer_claim_number,
        description=answer.reason[:4000],
    )
    entry: dict[str, Any] = {
        "claim": claim.id,
        "claim_number": claim_number(claim.id),
        "category": first.category,
        "status_code": first.code,
        "entity": first.entity,
        "description": answer.reason,
        "action": answer.action,
        "effective": answer.effective.isoformat() if answer.effective else None,
        "paid_cents": paid,
        "payer_claim_number": answer.payer_claim_number or None,
        "status_before": before,
    }
    if _already_recorded(work, row):
        return {**entry, "status_after": before, "note": "already recorded"}
    work.db.add(row)
    if answer.payer_claim_number and not claim.payer_claim_number:
        claim.payer_claim_number = answer.payer_claim_number[:50]
    work.db.flush()
    work.audit("create", "claim_status_response", row.id, f"claim {claim.id}")
    new = _move_to(answer, ClaimStatus(claim.status))
    note = ""
    if new is not None:
        try:
            claim_records.move(
                work=work, claim=claim, new=new, reason=f"277: {answer.reason}"[:2000]
            )
        except InvalidInput as exc:
            note = f"not applied: {exc.message}"
    return {**entry, "status_after": claim.status, "note": note}


def _move_to(answer: PayerStatus, current: ClaimStatus) -> ClaimStatus | None:
    """The lifecycle move the answer settles, if any (see the module docstring)."""
    if current is not ClaimStatus.SUBMITTED:
        return None
    if any(s.category in REJECTED for s in answer.statuses):
        return ClaimStatus.REJECTED
    if answer.category.startswith(TAKEN_IN):
        return ClaimStatus.ACCEPTED
    return None


def _already_recorded(work: UnitOfWork, row: ClaimStatusResponse) -> bool:
    """The claim's latest answer says the same (the same file read again)."""
    last = work.db.execute(
        select(ClaimStatusResponse)
        .where(ClaimStatusResponse.claim_id == row.claim_id)
        .order_by(ClaimStatusResponse.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    return last is not None and (
        last.category,
        last.status_code,
        last.effective_date,
        last.description,
    ) == (row.category, row.status_code, row.effective_date, row.description)


def latest_status(work: UnitOfWork, claim_id: int) -> dict[str, Any] | None:
    """The claim's latest payer status, for the claim page (None when never asked)."""
    row = work.db.execute(
        select(ClaimStatusResponse)
        .where(ClaimStatusResponse.claim_id == claim_id)
        .order_by(ClaimStatusResponse.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    if row is None:
        return None
    return {
        "category": row.category,
        "status_code": row.status_code,
        "description": row.description,
        "effective": row.effective_date.isoformat() if row.effective_date else None,
        "received_at": row.received_at.isoformat(timespec="minutes"),
        "file": row.file_name,
    }
