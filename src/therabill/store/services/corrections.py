"""Correct, void and close claims after they went out, as the claim's payer takes it.

- ``correct_claim``: an unsent or rejected claim is fixed in place (``claim_edits``); a claim
  the payer decided gets a replacement claim (frequency 7, REF*F8 = the payer's claim control
  number from the 835's CLP07) — or, where the payer's profile says a processed claim is
  corrected by reopening (Medicare Part B), a reopening request with the claim's facts,
  tracked on the claim; after an unprocessable denial the payer names (MA130), a new original
  claim. The sources are in :mod:`therabill.claims.corrections`.
- ``void_claim``: a void claim (frequency 8, REF*F8) to send, the original's charges
  reversed and its sessions free to be billed again (Medicare Part B: a reopening asking to
  deny the claim as billed in error).
- ``close_claim``: nothing more is expected; the payer's balance is settled with the reason
  (written off, or moved to the client), and a claim never filed lets its sessions be billed
  again.

The claim's open denials are closed through the denials service (``denials.close_claim_
denials``) by the action that settles them: a replacement, new claim, reopening or void as
"corrected" (with the replacement's id), closing as "written_off" or, with the amount moved to
the client, "transferred_to_client".
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, update

from therabill.claims.corrections import (
    Change,
    ClaimEdit,
    CorrectionWay,
    ReopeningFacts,
    correction_way,
    reopening_text,
    request_by,
)
from therabill.claims.number import claim_number
from therabill.claims.status import (
    ADJUDICATED,
    NEVER_FILED,
    TRANSITIONS,
    ClaimStatus,
)
from therabill.errors import InvalidInput
from therabill.findings import Finding
from therabill.ledger import EntryKind, Responsibility
from therabill.money import format_money
from therabill.store.models import (
    AuthorizationUse,
    ClaimLine,
    ClaimRecord,
    ClaimReopening,
    Client,
    LedgerEntry,
    Payer,
    Policy,
    Provider,
    RemittanceAdjustment,
    RemittanceClaim,
    RemittanceRecord,
    TherapySession,
)
from therabill.store.services import (
    claim_edits,
    claim_records,
    denials,
    ledger,
    lookup,
    profiles,
)
from therabill.store.services.context import UnitOfWork

S = ClaimStatus


@dataclass(slots=True)
class CorrectionResult:
    """What ``claims correct``, ``void`` or ``close`` did."""

    claim_id: int
    way: str
    status: str
    new_claim_id: int | None = None
    new_claim_status: str | None = None
    reopening_id: int | None = None
    reopening_text: str | None = None
    changes: list[Change] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    settled: list[dict[str, Any]] = field(default_factory=list)
    sessions_released: list[int] = field(default_factory=list)
    next_step: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "claim_id": self.claim_id,
            "way": self.way,
            "status": self.status,
            "new_claim_id": self.new_claim_id,
            "new_claim_status": self.new_claim_status,
            "reopening_id": self.reopening_id,
            "reopening_text": self.reopening_text,
            "changes": [c.to_dict() for c in self.changes],
            "findings": [f.to_dict() for f in self.findings],
            "settled": self.settled,
            "sessions_released": self.sessions_released,
            "next_step": self.next_step,
        }


def _reason(reason: str) -> str:
    if not reason.strip():
        raise InvalidInput("say why (it is kept in the claim's history)", field="reason")
    return reason.strip()


def _latest_posting(work: UnitOfWork, claim: ClaimRecord) -> RemittanceClaim | None:
    return work.db.execute(
        select(RemittanceClaim)
        .where(
            RemittanceClaim.claim_id == claim.id,
            RemittanceClaim.reversed_by_id.is_(None),
            RemittanceClaim.secondary.is_(False),
        )
        .order_by(RemittanceClaim.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def _remarks(work: UnitOfWork, posting: RemittanceClaim | None) -> set[str]:
    """The remark codes (RARC) of the payer's latest decision on the claim."""
    if posting is None:
        return set()
    rows = work.db.execute(
        select(RemittanceAdjustment.remarks).where(
            RemittanceAdjustment.remittance_claim_id == posting.id
        )
    ).scalars()
    return {code.strip() for text in rows for code in text.split(",") if code.strip()}


def _decided_on(work: UnitOfWork, posting: RemittanceClaim | None) -> dt.date | None:
    if posting is None:
        return None
    record = work.db.get(RemittanceRecord, posting.remittance_id)
    return record.payment_date if record else None


def _payer_number(work: UnitOfWork, claim: ClaimRecord, given: str | None) -> str:
    number = (given or "").strip() or claim_records.payer_claim_number(work, claim)
    if not number:
        raise InvalidInput(
            f"no payer claim control number on file for claim {claim.id}: it comes from the "
            "payer's 835 (CLP07) or 277CA. Post the payer's remittance first, or give "
            "--payer-claim-number as the payer's letter shows it",
            field="payer_claim_number",
        )
    if len(number) > 50:
        raise InvalidInput("at most 50 characters", field="payer_claim_number")
    return number


def correct_claim(
    *,
    work: UnitOfWork,
    claim_id: int,
    edit: ClaimEdit,
    reason: str,
    payer_claim_number: str | None = None,
) -> CorrectionResult:
    """Correct ``claim_id`` the way its status and its payer allow (see the module)."""
    why = _reason(reason)
    claim = lookup.claim(work, claim_id)
    payer = work.db.get(Payer, claim.payer_id)
    assert payer is not None
    profile = profiles.payer_profiles().get(payer.profile_id)
    posting = _latest_posting(work, claim)
    way = correction_way(claim.id, S(claim.status), profile, _remarks(work, posting))
    if way is CorrectionWay.IN_PLACE:
        if edit.is_empty():
            done = claim_edits.recheck_claim(work=work, claim_id=claim.id)
        else:
            done = claim_edits.edit_claim(work=work, claim_id=claim.id, edit=edit, reason=why)
        return CorrectionResult(
            claim.id,
            way.value,
            done.status,
            changes=done.changes,
            findings=done.findings,
            next_step=_send_step(claim.id, done.status),
        )
    if way is CorrectionWay.REOPENING:
        return _reopen(work, claim, payer, edit, why, posting, payer_claim_number)
    return _replace(work, claim, edit, why, way, payer_claim_number)


def _send_step(claim_id: int, status: str) -> str:
    if status in (S.READY.value, S.CORRECTED.value):
        return (
            f"send it with the next batch: therabill claims submit (claim {claim_id} is {status})"
        )
    return f"fix the errors first: therabill claims show {claim_id}"


def _copy(
    work: UnitOfWork, original: ClaimRecord, frequency: str, reference: str | None
) -> ClaimRecord:
    """A new claim with the original's parties and lines (for a replacement or a void)."""
    copy = ClaimRecord(
        client_id=original.client_id,
        payer_id=original.payer_id,
        policy_id=original.policy_id,
        provider_id=original.provider_id,
        date_of_service=original.date_of_service,
        status=S.DRAFT.value,
        frequency_code=frequency,
        original_claim_id=original.id,
        reference_claim_number=reference,
        referring_npi=original.referring_npi,
        referring_first_name=original.referring_first_name,
        referring_last_name=original.referring_last_name,
        total_charge_cents=original.total_charge_cents,
        findings_json="[]",
        lines=[
            ClaimLine(
                line_number=line.line_number,
                session_id=line.session_id if frequency != "8" else None,
                date_of_service=line.date_of_service,
                code=line.code,
                modifiers=line.modifiers,
                minutes=line.minutes,
                units=line.units,
                charge_cents=line.charge_cents,
                diagnosis_pointers=line.diagnosis_pointers,
                authorization_id=line.authorization_id,
            )
            for line in original.lines
        ],
    )
    work.db.add(copy)
    work.db.flush()
    claim_records.record_new(work=work, claim=copy, reason=_made_from(frequency, original.id))
    return copy


def _made_from(frequency: str, original_id: int) -> str:
    kind = {"1": "new claim", "7": "replacement", "8": "void"}[frequency]
    return f"{kind} of claim {original_id}"


def _replace(
    work: UnitOfWork,
    claim: ClaimRecord,
    edit: ClaimEdit,
    why: str,
    way: CorrectionWay,
    given_number: str | None,
) -> CorrectionResult:
    """A replacement (7) or, after an unprocessable denial, a new original claim (1)."""
    frequency = "7" if way is CorrectionWay.REPLACEMENT else "1"
    reference = _payer_number(work, claim, given_number) if frequency == "7" else None
    base = claim_edits.stored_document(claim)
    new = _copy(work, claim, frequency, reference)
    changes: list[Change] = []
    if edit.is_empty():
        document = claim_edits.redocument(work, new, base)
    else:
        document, changes = claim_edits.change_lines(
            work, new, edit, why=f"replacement of claim {claim.id}", base=base, on_ledger=False
        )
    reversed_cents = claim_edits.reverse_charges(
        work, claim.lines, f"replaced by claim {new.id}: {why}"
    )
    ledger.post_charges(work=work, claim=new)
    _move_authorization_uses(work, claim, new)
    work.db.execute(
        update(TherapySession)
        .where(TherapySession.claim_id == claim.id)
        .values(claim_id=new.id)
        .execution_options(synchronize_session=False)
    )
    found = claim_edits.rescrub(work, new, document)
    claim_edits.settle_status(work, new, found)
    claim_records.move(
        work=work, claim=claim, new=S.REPLACED, reason=f"replaced by claim {new.id}: {why}"
    )
    detail = "; ".join(map(str, changes)) or "no line changes"
    claim_records.note_change(
        work=work,
        claim=claim,
        action="replaced",
        detail=f"by claim {new.id} ({_made_from(frequency, claim.id)}); charges of "
        f"{format_money(reversed_cents)} reversed; {detail} ({why})",
    )
    claim_records.note_change(work=work, claim=new, action="correct", detail=f"{detail} ({why})")
    _close_denials(
        work, claim, "corrected", f"corrected and resubmitted as claim {new.id}: {why}", new.id
    )
    return CorrectionResult(
        claim.id,
        way.value,
        claim.status,
        new_claim_id=new.id,
        new_claim_status=new.status,
        changes=changes,
        findings=found,
        next_step=_send_step(new.id, new.status),
    )


def _close_denials(
    work: UnitOfWork, claim: ClaimRecord, how: str, note: str, replacement: int | None = None
) -> None:
    """Close the claim's open denials through the denials service, saying how and why."""
    closed = denials.close_claim_denials(
        work=work,
        claim_id=claim.id,
        how=how,
        note=note[: denials.NOTE_MAX],
        replacement_claim_id=replacement,
    )
    if closed:
        claim_records.note_change(
            work=work,
            claim=claim,
            action="denials",
            detail=f"{len(closed)} denial(s) closed as {how.replace('_', ' ')}",
        )


def _move_authorization_uses(work: UnitOfWork, old: ClaimRecord, new: ClaimRecord) -> None:
    """The units the original's lines took from an authorization now belong to the lines of
    the claim that replaces it (same line numbers, the replacement's units)."""
    by_number = {line.line_number: line for line in new.lines}
    olds = {line.id: line.line_number for line in old.lines}
    if not olds:
        return
    for use in work.db.execute(
        select(AuthorizationUse).where(AuthorizationUse.claim_line_id.in_(list(olds)))
    ).scalars():
        line = by_number[olds[use.claim_line_id]]
        use.claim_line_id = line.id
        if use.units:
            use.units = line.units


def _release(work: UnitOfWork, claim: ClaimRecord) -> list[int]:
    """Free the claim's sessions to be billed again, and give back the authorization units
    its lines took; the session ids."""
    ids = list(
        work.db.execute(
            select(TherapySession.id).where(TherapySession.claim_id == claim.id)
        ).scalars()
    )
    if ids:
        work.db.execute(
            update(TherapySession)
            .where(TherapySession.claim_id == claim.id)
            .values(claim_id=None)
            .execution_options(synchronize_session=False)
        )
    line_ids = [line.id for line in claim.lines]
    if line_ids:
        for use in work.db.execute(
            select(AuthorizationUse).where(AuthorizationUse.claim_line_id.in_(line_ids))
        ).scalars():
            work.db.delete(use)
    work.db.flush()
    return ids


def _facts(work: UnitOfWork, claim: ClaimRecord, payer: Payer, number: str) -> ReopeningFacts:
    client = work.db.get(Client, claim.client_id)
    policy = work.db.get(Policy, claim.policy_id)
    provider = work.db.get(Provider, claim.provider_id)
    practice = work.practice()
    assert client is not None and policy is not None and provider is not None
    return ReopeningFacts(
        payer=payer.name,
        payer_claim_number=number,
        our_claim_number=claim_number(claim.id),
        patient=f"{client.last_name}, {client.first_name}",
        member_id=policy.member_id,
        birth_date=client.birth_date,
        date_of_service=claim.date_of_service,
        rendering=f"{provider.first_name} {provider.last_name}, NPI {provider.npi}",
        billing=f"{practice.name}, NPI {practice.npi}" if practice else "-",
        decided_on=_decided_on(work, _latest_posting(work, claim)),
    )


def _reopen(
    work: UnitOfWork,
    claim: ClaimRecord,
    payer: Payer,
    edit: ClaimEdit,
    why: str,
    posting: RemittanceClaim | None,
    given_number: str | None,
    *,
    deny_all: bool = False,
) -> CorrectionResult:
    """A reopening request for a processed claim; the claim's lines and charges take the
    change asked for (so the contractor's adjusted 835 reconciles) and it waits in
    ``reopening`` for the decision."""
    number = (given_number or "").strip() or claim_records.payer_claim_number(work, claim) or ""
    facts = _facts(work, claim, payer, number)
    changes: list[Change] = []
    if deny_all:
        pass
    elif not edit.is_empty():
        document, changes = claim_edits.change_lines(
            work, claim, edit, why=f"reopening requested: {why}"
        )
        claim_edits.rescrub(work, claim, document)
    text = reopening_text(facts, changes, why, deny_all=deny_all)
    if not deny_all and not changes:
        text = text.replace("Changes requested:\n", "Changes requested:\n- reprocess the claim")
    reopening = ClaimReopening(
        claim_id=claim.id,
        payer_claim_number=number[:50],
        changes_json=json.dumps([c.to_dict() for c in changes]),
        text=text,
        request_by=request_by(facts.decided_on),
        actor=work.actor,
    )
    work.db.add(reopening)
    work.db.flush()
    claim_records.move(
        work=work, claim=claim, new=S.REOPENING, reason=f"reopening {reopening.id}: {why}"
    )
    _close_denials(work, claim, "corrected", f"reopening {reopening.id} requested: {why}")
    claim_records.note_change(
        work=work,
        claim=claim,
        action="reopening",
        detail=("deny as billed in error" if deny_all else "; ".join(map(str, changes)))
        + f" ({why})",
    )
    return CorrectionResult(
        claim.id,
        CorrectionWay.REOPENING.value,
        claim.status,
        reopening_id=reopening.id,
        reopening_text=text,
        changes=changes,
        next_step=(
            f"{payer.name} takes no replacement claims: request the reopening through the "
            "contractor's portal, by phone or in writing with the text above"
            + (f", by {reopening.request_by.isoformat()}" if reopening.request_by else "")
            + f"; then record it: therabill claims reopening {claim.id} --sent YYYY-MM-DD"
        ),
    )


def void_claim(
    *, work: UnitOfWork, claim_id: int, reason: str, payer_claim_number: str | None = None
) -> CorrectionResult:
    """Cancel a claim the payer has: a void claim (frequency 8) to send, the charges reversed,
    the sessions free to bill again; Medicare Part B: a reopening to deny it as billed in
    error."""
    why = _reason(reason)
    claim = lookup.claim(work, claim_id)
    status = S(claim.status)
    if claim.frequency_code == "8":
        raise InvalidInput(f"claim {claim.id} is itself a void", field="claim")
    if status in NEVER_FILED:
        raise InvalidInput(
            f"claim {claim.id} is {status.value}: no payer has it, so there is nothing to void. "
            f"Close it instead (its sessions can then be billed again): therabill claims close "
            f"{claim.id} --reason TEXT",
            field="claim",
        )
    if S.VOIDED not in TRANSITIONS[status] and S.REOPENING not in TRANSITIONS[status]:
        raise InvalidInput(
            f"a {status.value} claim cannot be voided"
            + (
                ": the payer is still reading it; wait for its 277CA or 835"
                if status is S.SUBMITTED
                else ""
            ),
            field="claim",
        )
    payer = work.db.get(Payer, claim.payer_id)
    assert payer is not None
    profile = profiles.payer_profiles().get(payer.profile_id)
    if profile is not None and profile.corrections == "reopening":
        if status not in ADJUDICATED:
            raise InvalidInput(
                f"{payer.name} takes no void claims (frequency 8): wait for its decision on "
                f"claim {claim.id}, then run this again to prepare a reopening that asks to "
                "deny it as billed in error",
                field="claim",
            )
        reversed_cents = claim_edits.reverse_charges(
            work, claim.lines, f"denial as billed in error requested: {why}"
        )
        result = _reopen(
            work, claim, payer, ClaimEdit(), why, _latest_posting(work, claim), payer_claim_number,
            deny_all=True,
        )  # fmt: skip
        result.sessions_released = _release(work, claim)
        result.settled.append({"kind": "charges reversed", "amount_cents": reversed_cents})
        return result
    reference = _payer_number(work, claim, payer_claim_number)
    void = _copy(work, claim, "8", reference)
    document = claim_edits.redocument(work, void, claim_edits.stored_document(claim))
    claim_edits.rescrub(work, void, document)
    void.findings_json = "[]"  # a void is not scrubbed: it only names the claim it cancels
    claim_records.move(work=work, claim=void, new=S.READY, reason=f"void of claim {claim.id}")
    reversed_cents = claim_edits.reverse_charges(work, claim.lines, f"voided: {why}")
    released = _release(work, claim)
    claim_records.move(work=work, claim=claim, new=S.VOIDED, reason=f"void claim {void.id}: {why}")
    _close_denials(work, claim, "corrected", f"voided by claim {void.id}: {why}", void.id)
    claim_records.note_change(
        work=work,
        claim=claim,
        action="void",
        detail=f"void claim {void.id} (frequency 8, REF*F8 {reference}); charges of "
        f"{format_money(reversed_cents)} reversed; {len(released)} session(s) free to bill "
        f"again ({why})",
    )
    return CorrectionResult(
        claim.id,
        "void",
        claim.status,
        new_claim_id=void.id,
        new_claim_status=void.status,
        settled=[{"kind": "charges reversed", "amount_cents": reversed_cents}],
        sessions_released=released,
        next_step=f"send void claim {void.id} with the next batch: therabill claims submit",
    )


def _payer_activity(work: UnitOfWork, claim: ClaimRecord) -> bool:
    """Anything on the claim's ledger besides its charges (and their reversals)."""
    return (
        work.db.execute(
            select(LedgerEntry.id)
            .where(LedgerEntry.claim_id == claim.id, LedgerEntry.kind != EntryKind.CHARGE.value)
            .limit(1)
        ).first()
        is not None
    )


def close_claim(
    *,
    work: UnitOfWork,
    claim_id: int,
    reason: str,
    client_owes: bool = False,
    rebill: bool = False,
) -> CorrectionResult:
    """Close a claim: nothing more is expected from its payer. A claim never filed has its
    charges reversed and its sessions freed; a filed one has the payer's open balance written
    off with ``reason`` (or moved to the client with ``client_owes``), and its sessions freed
    only with ``rebill`` (e.g. billed to the wrong payer). A credit (the payer paid more than
    it owes) is refused: refund it or wait for the payer's recoupment first. With ``rebill``
    and nothing paid or adjusted yet, the charges are reversed rather than written off."""
    why = _reason(reason)
    claim = lookup.claim(work, claim_id)
    status = S(claim.status)
    if S.CLOSED not in TRANSITIONS[status]:
        hint = {
            S.SUBMITTED: "the payer is reading it; wait for its 277CA or 835",
            S.ACCEPTED: f"the payer is deciding it; wait for its 835 or void it "
            f"(therabill claims void {claim.id})",
        }.get(status, "")
        raise InvalidInput(
            f"a {status.value} claim cannot be closed" + (f": {hint}" if hint else ""),
            field="claim",
        )
    result = CorrectionResult(claim.id, "close", status.value)
    by_line = ledger.line_balances(work, claim.id)
    owed = {line.id: by_line[line.id].insurance_cents for line in claim.lines if line.id in by_line}
    credit = sum(c for c in owed.values() if c < 0)
    if credit < 0:
        raise InvalidInput(
            f"the payer paid {format_money(-credit)} more than claim {claim.id} owes: refund "
            "it (therabill entry post) or wait for the payer's recoupment, then close",
            field="claim",
        )
    # Billed again (e.g. to the wrong payer) with nothing paid, adjusted or moved on it: the
    # charges go with the sessions to the new claim, so they are reversed here, not written
    # off (a write-off would count the same money as lost and billed at once).
    moving = rebill and not _payer_activity(work, claim)
    if status in NEVER_FILED or moving:
        memo = f"closed before filing: {why}" if status in NEVER_FILED else f"billed again: {why}"
        cents = claim_edits.reverse_charges(work, claim.lines, memo)
        result.settled.append({"kind": "charges reversed", "amount_cents": cents})
    else:
        kind = EntryKind.TRANSFER_TO_PATIENT if client_owes else EntryKind.WRITE_OFF
        for line in claim.lines:
            cents = owed.get(line.id, 0)
            if cents <= 0:
                continue
            ledger.post_entry(
                work=work,
                kind=kind,
                amount_cents=cents,
                client_id=claim.client_id,
                claim_line=line,
                responsibility=Responsibility.INSURANCE,
                memo=f"claim closed: {why}",
            )
            result.settled.append(
                {"line": line.line_number, "kind": kind.value, "amount_cents": cents}
            )
    if status in NEVER_FILED or status is S.VOIDED or rebill:
        result.sessions_released = _release(work, claim)
    claim_records.move(work=work, claim=claim, new=S.CLOSED, reason=why)
    _close_denials(
        work,
        claim,
        "transferred_to_client" if client_owes else "written_off",
        f"claim closed: {why}",
    )
    settled = ", ".join(
        f"{s['kind'].replace('_', ' ')} {format_money(s['amount_cents'])}" for s in result.settled
    )
    claim_records.note_change(
        work=work,
        claim=claim,
        action="close",
        detail=f"{settled or 'nothing owed by the payer'}; "
        f"{len(result.sessions_released)} session(s) free to bill again ({why})",
    )
    result.status = claim.status
    patient = ledger.claim_balance(work, claim.id).patient_cents
    result.next_step = (
        f"the client still owes {format_money(patient)} on it (therabill invoice)"
        if patient > 0
        else ""
    )
    if result.sessions_released:
        result.next_step = (result.next_step + "; " if result.next_step else "") + (
            "bill the sessions again: therabill claims build"
        )
    return result


def record_reopening_sent(*, work: UnitOfWork, claim_id: int, sent_on: dt.date) -> ClaimReopening:
    """Note the day the latest reopening request of a claim was sent to the payer."""
    claim = lookup.claim(work, claim_id)
    reopening = work.db.execute(
        select(ClaimReopening)
        .where(ClaimReopening.claim_id == claim.id)
        .order_by(ClaimReopening.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    if reopening is None:
        raise InvalidInput(
            f"claim {claim.id} has no reopening request; prepare one: therabill claims correct "
            f"{claim.id}",
            field="claim",
        )
    if sent_on > dt.date.today():
        raise InvalidInput("the day it was sent cannot be in the future", field="sent")
    reopening.sent_on = sent_on
    claim_records.note_change(
        work=work, claim=claim, action="reopening-sent", detail=f"sent on {sent_on.isoformat()}"
    )
    return reopening
