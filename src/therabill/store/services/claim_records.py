"""Reading claims and moving them through their lifecycle (every move recorded)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select

from therabill.claims.number import claim_number
from therabill.claims.status import NEEDS_ATTENTION, SET_BY, ClaimStatus, check_transition
from therabill.errors import InvalidInput
from therabill.ledger import Balance
from therabill.store.models import (
    ClaimChange,
    ClaimRecord,
    ClaimReopening,
    ClaimStatusChange,
    Payer,
    RemittanceClaim,
)
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


FREQUENCY_NAMES = {"1": "original", "7": "replacement", "8": "void"}


def payer_claim_number(work: UnitOfWork, claim: ClaimRecord) -> str | None:
    """The payer's claim control number for ``claim``: CLP07 of the latest 835 posted against
    it (not reversed, not a secondary payer's), else the number a 277CA gave."""
    found = work.db.execute(
        select(RemittanceClaim.payer_claim_number)
        .where(
            RemittanceClaim.claim_id == claim.id,
            RemittanceClaim.reversed_by_id.is_(None),
            RemittanceClaim.secondary.is_(False),
            RemittanceClaim.payer_claim_number != "",
        )
        .order_by(RemittanceClaim.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    return found or claim.payer_claim_number or None


def history(work: UnitOfWork, claim: ClaimRecord) -> list[dict[str, Any]]:
    """Every status move and every change (edit, correction, void, closing), oldest first."""
    moves = [
        {
            "kind": "status",
            "from": change.from_status,
            "to": change.to_status,
            "by": change.actor,
            "at": change.at.isoformat(),
            "why": change.reason,
        }
        for change in claim.history
    ]
    changes = work.db.execute(
        select(ClaimChange).where(ClaimChange.claim_id == claim.id).order_by(ClaimChange.id)
    ).scalars()
    edits = [
        {
            "kind": change.action,
            "from": None,
            "to": None,
            "by": change.actor,
            "at": change.at.isoformat(),
            "why": change.detail,
        }
        for change in changes
    ]
    return sorted(moves + edits, key=lambda h: h["at"])


def _referring(claim: ClaimRecord) -> dict[str, Any] | None:
    """The referring provider on the claim's document (2310A): a biller's or the plan's."""
    if not claim.document_json:
        return None
    found = json.loads(claim.document_json).get("referring_provider")
    if not found:
        return None
    return {**found, "set_on_claim": claim.referring_npi is not None}


def show_claim(*, work: UnitOfWork, claim_id: int) -> dict[str, Any]:
    from therabill.store.services.claim_status import latest_status  # it moves claims here

    claim = lookup.claim(work, claim_id)
    by_line = ledger.line_balances(work, claim.id)
    balance = ledger.claim_balance(work, claim.id)
    work.audit("read", "claim", claim.id)
    payer = work.db.get(Payer, claim.payer_id)
    numbers = {line.id: line.line_number for line in claim.lines}
    followers = dict(
        work.db.execute(
            select(ClaimRecord.frequency_code, func.max(ClaimRecord.id))
            .where(ClaimRecord.original_claim_id == claim.id)
            .group_by(ClaimRecord.frequency_code)
        ).all()
    )
    replaced_by = max(
        (claim_id for code, claim_id in followers.items() if code != "8"), default=None
    )
    next_claim = work.db.execute(
        select(func.max(ClaimRecord.id)).where(ClaimRecord.prior_claim_id == claim.id)
    ).scalar()
    changes = history(work, claim)
    # A rejected claim says why at once (the TA1, 999 or 277CA's reason), not only in its
    # history: that reason is the biller's work on it.
    rejected_because = (
        next((c["why"] for c in reversed(changes) if c["to"] == "rejected"), None)
        if claim.status == "rejected"
        else None
    )
    reopenings = work.db.execute(
        select(ClaimReopening)
        .where(ClaimReopening.claim_id == claim.id)
        .order_by(ClaimReopening.id)
    ).scalars()
    return {
        "id": claim.id,
        "number": claim_number(claim.id),
        "client_id": claim.client_id,
        "payer": payer.name if payer else None,
        "provider_id": claim.provider_id,
        "date_of_service": claim.date_of_service.isoformat(),
        "status": claim.status,
        "frequency": FREQUENCY_NAMES.get(claim.frequency_code, claim.frequency_code),
        "replaces": claim.original_claim_id,
        "replaced_by": replaced_by,
        "voided_by": followers.get("8"),
        "payer_claim_number": payer_claim_number(work, claim),
        "reference_claim_number": claim.reference_claim_number,
        "referring_provider": _referring(claim),
        "total_charge_cents": claim.total_charge_cents,
        # coordination of benefits: this payer's place, the first payer's claim, the claim of
        # the payer before and after this one, and whether a payer forwarded it (crossover)
        "priority": claim.priority,
        "primary_claim_id": claim.primary_claim_id,
        "prior_claim_id": claim.prior_claim_id,
        "next_claim_id": next_claim,
        "crossed_over": claim.crossed_over,
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
        "history": changes,
        "rejected_because": rejected_because,
        "payer_status": latest_status(work, claim.id),
        "reopenings": [
            {
                "id": r.id,
                "payer_claim_number": r.payer_claim_number,
                "created_at": r.created_at.isoformat(),
                "request_by": r.request_by.isoformat() if r.request_by else None,
                "sent_on": r.sent_on.isoformat() if r.sent_on else None,
                "changes": json.loads(r.changes_json),
                "text": r.text,
            }
            for r in reopenings
        ],
        "denials": [
            denials.denial_dict(d, numbers.get(d.claim_line_id or 0))
            for d in denials.claim_denials(work, claim.id)
        ],
        "balance": balance.to_dict(),
    }


def change_status(*, work: UnitOfWork, claim_id: int, new: ClaimStatus, reason: str) -> ClaimRecord:
    """Move a claim along its lifecycle; refuses moves not in ``claims.status.TRANSITIONS``,
    a claim with scrub errors becoming ready or submitted, and the statuses only a command
    that does the work may set (replaced, voided, reopening, closed: ``SET_BY``)."""
    if new in SET_BY:
        raise InvalidInput(
            f"a claim becomes {new.value} only through {SET_BY[new]}, which does the work "
            "that goes with it (the ledger, the sessions, the payer's copy)",
            field="status",
        )
    return move(work=work, claim=lookup.claim(work, claim_id), new=new, reason=reason)


def move(*, work: UnitOfWork, claim: ClaimRecord, new: ClaimStatus, reason: str) -> ClaimRecord:
    """Record one lifecycle move of ``claim`` (checked against the lifecycle and its scrub
    errors); the services that correct, void and close claims call it for their moves."""
    current = ClaimStatus(claim.status)
    check_transition(current, new)
    if not reason.strip():
        raise InvalidInput("say why the status changes", field="reason")
    errors = [f for f in json.loads(claim.findings_json) if f.get("severity") == "error"]
    if new in (ClaimStatus.READY, ClaimStatus.SUBMITTED) and errors:
        raise InvalidInput(
            f"claim {claim.id} has {len(errors)} scrub error(s); fix them first "
            f"(therabill claims show {claim.id}, then therabill claims edit {claim.id})",
            field="status",
        )
    claim.status = new.value
    work.db.add(
        ClaimStatusChange(
            claim_id=claim.id,
            from_status=current.value,
            to_status=new.value,
            actor=work.actor,
            reason=reason.strip()[:2000],
        )
    )
    work.db.flush()
    work.db.expire(claim, ["history"])
    work.audit("status", "claim", claim.id, f"{current.value}->{new.value}")
    return claim


def record_new(*, work: UnitOfWork, claim: ClaimRecord, reason: str) -> None:
    """The first line of a new claim's history: made as a draft, and why."""
    work.db.add(
        ClaimStatusChange(
            claim_id=claim.id,
            from_status=None,
            to_status=ClaimStatus.DRAFT.value,
            actor=work.actor,
            reason=reason[:2000],
        )
    )
    work.db.flush()
    work.audit("create", "claim", claim.id, reason[:60])


def note_change(*, work: UnitOfWork, claim: ClaimRecord, action: str, detail: str) -> None:
    """Keep a change to ``claim`` in its history (``claim_changes``) and the audit log (the
    audit entry names the action only: the detail may hold a diagnosis)."""
    work.db.add(
        ClaimChange(claim_id=claim.id, action=action[:20], detail=detail[:4000], actor=work.actor)
    )
    work.audit(action, "claim", claim.id)
