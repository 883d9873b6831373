"""Reading claims and moving them through their lifecycle (every move recorded)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from therabill.claims.status import NEEDS_ATTENTION, ClaimStatus, check_transition
from therabill.errors import InvalidInput
from therabill.ledger import Balance
from therabill.store.models import ClaimRecord, ClaimStatusChange, Payer
from therabill.store.services import denials, ledger, lookup
from therabill.store.services.context import UnitOfWork


def list_claims(
    *,
    work: UnitOfWork,
    statuses: list[ClaimStatus] | None = None,
    needs_attention: bool = False,
    client: str | int | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    """Claims, newest first; ``needs_attention`` means not sent yet or sent back."""
    wanted = set(statuses or [])
    if needs_attention:
        wanted |= NEEDS_ATTENTION
    query = (
        select(
            ClaimRecord.id,
            ClaimRecord.client_id,
            Payer.name,
            ClaimRecord.date_of_service,
            ClaimRecord.status,
            ClaimRecord.total_charge_cents,
            ClaimRecord.findings_json,
        )
        .join(Payer, Payer.id == ClaimRecord.payer_id)
        .order_by(ClaimRecord.id.desc())
        .limit(limit)
    )
    if wanted:
        query = query.where(ClaimRecord.status.in_(sorted(s.value for s in wanted)))
    if client is not None:
        query = query.where(ClaimRecord.client_id == lookup.client(work, client).id)
    rows = work.db.execute(query).all()
    work.audit("list", "claim", "*", f"{len(rows)} rows")
    return [
        {
            "id": claim_id,
            "client_id": client_id,
            "payer": payer,
            "date_of_service": day.isoformat(),
            "status": status,
            "total_charge_cents": total,
            "errors": sum(1 for f in json.loads(findings) if f.get("severity") == "error"),
        }
        for claim_id, client_id, payer, day, status, total, findings in rows
    ]


def show_claim(*, work: UnitOfWork, claim_id: int) -> dict[str, Any]:
    claim = lookup.claim(work, claim_id)
    by_line = ledger.line_balances(work, claim.id)
    balance = ledger.claim_balance(work, claim.id)
    work.audit("read", "claim", claim.id)
    payer = work.db.get(Payer, claim.payer_id)
    numbers = {line.id: line.line_number for line in claim.lines}
    return {
        "id": claim.id,
        "client_id": claim.client_id,
        "payer": payer.name if payer else None,
        "provider_id": claim.provider_id,
        "date_of_service": claim.date_of_service.isoformat(),
        "status": claim.status,
        "total_charge_cents": claim.total_charge_cents,
        "lines": [
            {
                "line": line.line_number,
                "code": line.code,
                "modifiers": [m for m in line.modifiers.split(",") if m],
                "minutes": line.minutes,
                "units": line.units,
                "charge_cents": line.charge_cents,
                "diagnosis_pointers": line.diagnosis_pointers,
                "authorization_id": line.authorization_id,
                "session_id": line.session_id,
                "balance": by_line.get(line.id, Balance()).to_dict(),
            }
            for line in claim.lines
        ],
        "findings": json.loads(claim.findings_json),
        "history": [
            {
                "from": change.from_status,
                "to": change.to_status,
                "by": change.actor,
                "at": change.at.isoformat(),
                "why": change.reason,
            }
            for change in claim.history
        ],
        "denials": [
            denials.denial_dict(d, numbers.get(d.claim_line_id or 0))
            for d in denials.claim_denials(work, claim.id)
        ],
        "balance": balance.to_dict(),
    }


def change_status(*, work: UnitOfWork, claim_id: int, new: ClaimStatus, reason: str) -> ClaimRecord:
    """Move a claim along its lifecycle; refuses moves not in ``claims.status.TRANSITIONS`` and
    a claim with scrub errors becoming ready or submitted."""
    claim = lookup.claim(work, claim_id)
    current = ClaimStatus(claim.status)
    check_transition(current, new)
    if not reason.strip():
        raise InvalidInput("say why the status changes", field="reason")
    errors = [f for f in json.loads(claim.findings_json) if f.get("severity") == "error"]
    if new in (ClaimStatus.READY, ClaimStatus.SUBMITTED) and errors:
        raise InvalidInput(
            f"claim {claim.id} has {len(errors)} scrub error(s); fix them first", field="status"
        )
    claim.status = new.value
    work.db.add(
        ClaimStatusChange(
            claim_id=claim.id,
            from_status=current.value,
            to_status=new.value,
            actor=work.actor,
            reason=reason.strip(),
        )
    )
    work.db.flush()
    work.audit("status", "claim", claim.id, f"{current.value}->{new.value}")
    return claim
