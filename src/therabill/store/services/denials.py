"""The denial work queue: what payers did not pay for a reason the practice can act on.

The remittance poster opens a denial (``open_denial``) for every amount an 835 neither paid,
nor gave to the patient (group PR), nor wrote down under the contract: the payer still owes
it, so it stays on the payer's balance. A denial leaves the queue only through
:func:`close_denial`, called by one of the actions a biller takes:

- ``corrected``: a corrected or replacement claim was sent (the claims correct/void service
  calls this with the replacement claim's id);
- ``written_off``: :func:`write_off_denial`, a write-off entry approved by a biller or admin;
- ``transferred_to_client``: :func:`transfer_to_client`, the amount moves to the client;
- ``transferred_to_payer``: :func:`transfer_to_payer`, the amount moves to another of the
  client's payers on a claim of its own (``cob``, the secondary-billing service);
- ``paid``: the payer adjudicated the line again and paid or adjusted it (a later 835);
- ``reversed``: the payer reversed the adjudication that opened it (CLP02 = 22).

An appeal (:func:`appeal_denial`) keeps the denial open, marked appealed, with the letter and
the date. Rows are never deleted; closing one records who, when, how and why.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select

from therabill.claims.number import claim_number
from therabill.errors import InvalidInput
from therabill.ledger import EntryKind, Responsibility
from therabill.money import format_money
from therabill.posting import allocate
from therabill.posting.appeal_letter import LetterFacts, appeal_letter
from therabill.store.models import (
    ClaimLine,
    ClaimRecord,
    Client,
    Denial,
    Payer,
    Policy,
    RemittanceClaim,
    User,
    utcnow,
)
from therabill.store.models.denials import CLOSED_HOW
from therabill.store.services import cob, ledger, lookup
from therabill.store.services.context import UnitOfWork
from therabill.store.services.paging import AnyPage, PageRequest, SortKey, fetch_page
from therabill.x12.adjustment_codes import describe_carc, describe_class, describe_rarc

NOTE_MAX = 1000


@dataclass(frozen=True, slots=True)
class NewDenial:
    """What the poster knows when it opens a denial."""

    claim_id: int
    claim_line_id: int | None
    group_code: str
    carc: str
    rarc: str
    amount_cents: int
    action_class: str
    next_action: str
    opened_on: dt.date
    payer_id: int | None = None
    remittance_claim_id: int | None = None
    deadline: dt.date | None = None


def open_denial(work: UnitOfWork, new: NewDenial) -> Denial:
    """Add one open denial (the poster's batch path writes the same row in bulk)."""
    row = Denial(
        claim_id=new.claim_id,
        claim_line_id=new.claim_line_id,
        remittance_claim_id=new.remittance_claim_id,
        payer_id=new.payer_id,
        group_code=new.group_code[:2],
        carc=new.carc[:5],
        rarc=new.rarc[:100],
        amount_cents=new.amount_cents,
        action_class=new.action_class,
        status="open",
        next_action=new.next_action[:300],
        opened_on=new.opened_on,
        deadline=new.deadline,
    )
    work.db.add(row)
    work.db.flush()
    work.audit("open", "denial", row.id, f"claim {new.claim_id} {new.group_code}-{new.carc}")
    return row


def get_denial(work: UnitOfWork, denial_id: int) -> Denial:
    found = work.db.get(Denial, denial_id)
    if found is None:
        raise InvalidInput(f"no denial {denial_id}", field="denial")
    return found


def _note(note: str, what: str) -> str:
    text = note.strip()
    if not text:
        raise InvalidInput(f"say {what}", field="note")
    if len(text) > NOTE_MAX:
        raise InvalidInput(f"is longer than {NOTE_MAX} characters", field="note")
    return text


def close_denial(
    *,
    work: UnitOfWork,
    denial_id: int,
    how: str,
    note: str,
    replacement_claim_id: int | None = None,
    approved_by: str | None = None,
) -> Denial:
    """Close one denial, saying how (one of ``CLOSED_HOW``) and why; refuses a closed one.

    The caller has already done what ``how`` says (sent the replacement claim, posted the
    write-off or transfer) in the same transaction; this records it on the denial."""
    if how not in CLOSED_HOW:
        raise InvalidInput(f"{how!r} is not one of {', '.join(CLOSED_HOW)}", field="how")
    text = _note(note, "what was done about it")
    denial = get_denial(work, denial_id)
    if replacement_claim_id is not None and work.db.get(ClaimRecord, replacement_claim_id) is None:
        # the work's practice's claim, not an id alone (a denial of one practice never
        # names another's claim)
        raise InvalidInput(f"no claim {replacement_claim_id}", field="replacement_claim")
    if denial.status == "closed":
        raise InvalidInput(
            f"denial {denial_id} was already closed ({denial.closed_how}) by "
            f"{denial.closed_by} on {denial.closed_at:%Y-%m-%d}",
            field="denial",
        )
    denial.status = "closed"
    denial.closed_at = utcnow()
    denial.closed_by = work.actor
    denial.closed_how = how
    denial.close_note = text
    denial.replacement_claim_id = replacement_claim_id
    denial.approved_by = approved_by
    work.db.flush()
    work.audit("close", "denial", denial.id, how)
    return denial


def close_claim_denials(
    *, work: UnitOfWork, claim_id: int, how: str, note: str, replacement_claim_id: int | None = None
) -> list[Denial]:
    """Close every denial of a claim still open (e.g. the whole claim was corrected)."""
    rows = work.db.execute(
        select(Denial.id).where(Denial.claim_id == claim_id, Denial.status != "closed")
    ).scalars()
    return [
        close_denial(
            work=work,
            denial_id=denial_id,
            how=how,
            note=note,
            replacement_claim_id=replacement_claim_id,
        )
        for denial_id in list(rows)
    ]


def _lines_to_move(work: UnitOfWork, denial: Denial) -> list[tuple[ClaimLine, int]]:
    """The claim lines a denial's amount sits on, and how much on each: its line, or a
    whole-claim denial spread over the lines by what each still owes the payer."""
    claim = work.db.get(ClaimRecord, denial.claim_id)
    assert claim is not None
    owed = {
        line_id: b.insurance_cents for line_id, b in ledger.line_balances(work, claim.id).items()
    }
    if denial.claim_line_id is not None:
        line = work.db.get(ClaimLine, denial.claim_line_id)
        assert line is not None
        targets = [line]
    else:
        targets = list(claim.lines)
    total_owed = sum(max(owed.get(line.id, 0), 0) for line in targets)
    if denial.amount_cents > total_owed:
        raise InvalidInput(
            f"denial {denial.id} is {format_money(denial.amount_cents)} but the payer owes "
            f"only {format_money(total_owed)} on it now (a later payment or adjustment?); "
            "close it as paid or reverse that entry first",
            field="denial",
        )
    parts = allocate(denial.amount_cents, [max(owed.get(line.id, 0), 0) for line in targets])
    return [(line, part) for line, part in zip(targets, parts, strict=True) if part]


def _post_moves(work: UnitOfWork, denial: Denial, kind: EntryKind, memo: str) -> None:
    claim = work.db.get(ClaimRecord, denial.claim_id)
    assert claim is not None
    for line, part in _lines_to_move(work, denial):
        ledger.post_entry(
            work=work,
            kind=kind,
            amount_cents=part,
            client_id=claim.client_id,
            claim_line=line,
            responsibility=Responsibility.INSURANCE,
            effective_date=dt.date.today(),
            memo=memo,
            receipt=f"denial:{denial.id}",
            payer_id=denial.payer_id or claim.payer_id,
        )


APPROVER_ROLES = ("biller", "admin")


def write_off_denial(*, work: UnitOfWork, denial_id: int, reason: str, approved_by: str) -> Denial:
    """Write the denied amount off the payer's balance (a ``write_off`` entry per line),
    approved by a biller or admin login, and close the denial. Audited."""
    why = _note(reason, "why it is written off (e.g. 'timely filing passed, no proof')")
    approver = work.db.execute(
        select(User).where(User.username == approved_by.strip())
    ).scalar_one_or_none()
    if approver is None or approver.role not in APPROVER_ROLES:
        raise InvalidInput(
            f"{approved_by.strip() or 'nobody'!r} is not a biller or admin login; a biller or "
            "an admin approves every write-off",
            field="approved_by",
        )
    denial = _open(work, denial_id)
    _post_moves(
        work,
        denial,
        EntryKind.WRITE_OFF,
        f"write-off of denial {denial.id} {denial.group_code}-{denial.carc}: {why}"[:200],
    )
    work.audit("write_off", "denial", denial.id, f"approved by {approver.username}")
    return close_denial(
        work=work, denial_id=denial.id, how="written_off", note=why, approved_by=approver.username
    )


def transfer_to_client(
    *, work: UnitOfWork, denial_id: int, reason: str, client_agreed: bool = False
) -> Denial:
    """Move the denied amount to the client's balance and close the denial.

    A CO or PI amount is the provider's by contract or regulation and may not be billed to
    the patient (X12 claim adjustment group codes, CAS01: CO "contractual obligation", PI
    "payer initiated reduction"); it moves only with ``client_agreed`` (a signed waiver or
    advance notice, or no contract with the payer), which the note must name."""
    why = _note(reason, "why the client owes it (e.g. 'signed waiver on file 2026-10-01')")
    denial = _open(work, denial_id)
    if denial.group_code in ("CO", "PI") and not client_agreed:
        raise InvalidInput(
            f"denial {denial.id} is {denial.group_code}-{denial.carc}: the payer put it on the "
            "provider, who may not bill the client for it unless the client agreed in "
            "writing beforehand; appeal, correct or write it off, or confirm the client agreed",
            field="client_agreed",
        )
    _post_moves(
        work,
        denial,
        EntryKind.TRANSFER_TO_PATIENT,
        f"denial {denial.id} {denial.group_code}-{denial.carc} to the client: {why}"[:200],
    )
    return close_denial(work=work, denial_id=denial.id, how="transferred_to_client", note=why)


def transfer_to_payer(*, work: UnitOfWork, denial_id: int, policy_id: int, reason: str) -> Denial:
    """Move a denied amount to another of the client's payers and close the denial: the
    payer said another one pays (CARC 22 "may be covered by another payer per coordination
    of benefits", 109 "not covered by this payer", X12 CARC list), so the client's policy
    ``policy_id`` gets a claim of its own carrying this payer's decision (``cob``)."""
    why = _note(reason, "why the other payer pays it (e.g. 'CO-22: Acme is primary')")
    denial = _open(work, denial_id)
    claim = work.db.get(ClaimRecord, denial.claim_id)
    assert claim is not None
    moved = {line.id: part for line, part in _lines_to_move(work, denial)}
    made = cob.transfer_denial(
        work=work,
        claim=claim,
        policy_id=policy_id,
        amounts=moved,
        why=f"denial {denial.id} {denial.group_code}-{denial.carc}: {why}",
    )
    return close_denial(
        work=work,
        denial_id=denial.id,
        how="transferred_to_payer",
        note=f"to {made.payer} on claim {made.claim_id}: {why}"[:NOTE_MAX],
        replacement_claim_id=made.claim_id,
    )


def appeal_denial(
    *, work: UnitOfWork, denial_id: int, letter: str | None = None, sent_on: dt.date | None = None
) -> Denial:
    """Record the appeal sent for a denial: the letter (therabill's, when none is given) and
    the date; it stays in the queue, marked appealed, until the payer answers (a later 835)
    or a biller closes it."""
    denial = _open(work, denial_id)
    text = (
        letter if letter is not None else appeal_letter_text(work=work, denial_id=denial_id)
    ).strip()
    if not text:
        raise InvalidInput("the appeal letter is empty", field="letter")
    day = sent_on or dt.date.today()
    if denial.deadline is not None and day > denial.deadline:
        raise InvalidInput(
            f"the appeal deadline for denial {denial.id} was {denial.deadline:%Y-%m-%d}; an "
            "appeal after it needs good cause: note it and write the denial off if refused",
            field="sent_on",
        )
    denial.status = "appealed"
    denial.appealed_on = day
    denial.appeal_letter = text
    work.db.flush()
    work.audit("appeal", "denial", denial.id, f"sent {day:%Y-%m-%d}")
    return denial


def appeal_letter_text(*, work: UnitOfWork, denial_id: int, today: dt.date | None = None) -> str:
    """The appeal letter for a denial, from the claim's facts (``posting.appeal_letter``)."""
    denial = get_denial(work, denial_id)
    claim = work.db.get(ClaimRecord, denial.claim_id)
    assert claim is not None
    client = work.db.get(Client, claim.client_id)
    policy = work.db.get(Policy, claim.policy_id)
    payer = work.db.get(Payer, denial.payer_id or claim.payer_id)
    practice = work.require_practice()
    assert client is not None
    line = work.db.get(ClaimLine, denial.claim_line_id) if denial.claim_line_id else None
    targets = [line] if line else list(claim.lines)
    record = (
        work.db.get(RemittanceClaim, denial.remittance_claim_id)
        if denial.remittance_claim_id
        else None
    )
    address = ", ".join(
        p for p in (practice.address, practice.city, practice.state, practice.postal_code) if p
    )
    remarks = [r for r in denial.rarc.split(",") if r]
    work.audit("read", "denial", denial.id, "appeal letter")
    return appeal_letter(
        LetterFacts(
            practice_name=practice.name,
            practice_npi=practice.npi or "",
            practice_address=address,
            payer_name=payer.name if payer else "",
            client_name=f"{client.first_name} {client.last_name}",
            client_birth_date=client.birth_date,
            member_id=policy.member_id if policy else "",
            claim_number=claim_number(claim.id),
            payer_claim_number=record.payer_claim_number if record else "",
            date_of_service=(line.date_of_service if line else claim.date_of_service),
            service=", ".join(f"{t.code} x{t.units}" for t in targets if t is not None),
            group=denial.group_code,
            carc=denial.carc,
            carc_text=describe_carc(denial.carc),
            remarks=[(r, describe_rarc(r)) for r in remarks],
            amount_cents=denial.amount_cents,
            remittance_date=denial.opened_on,
            deadline=denial.deadline,
            written_on=today or dt.date.today(),
        )
    )


def _open(work: UnitOfWork, denial_id: int) -> Denial:
    denial = get_denial(work, denial_id)
    if denial.status == "closed":
        raise InvalidInput(
            f"denial {denial_id} was already closed ({denial.closed_how}) on "
            f"{denial.closed_at:%Y-%m-%d}",
            field="denial",
        )
    return denial


@dataclass(frozen=True, slots=True)
class DenialFilter:
    """Which denials the queue shows: ``reason`` matches the CARC (``16``) or group and CARC
    (``CO-16``); ``payer`` is a payer's name or id."""

    payer: str | None = None
    reason: str | None = None
    min_age_days: int | None = None
    include_closed: bool = False


def _denials_query(
    work: UnitOfWork, wanted: DenialFilter, day: dt.date
) -> Select[Denial, ClaimRecord, str, Client, ClaimLine, int]:
    query = (
        select(
            Denial,
            ClaimRecord,
            Payer.name,
            Client,
            ClaimLine,
            Denial.amount_cents.label("amount"),
        )
        .join(ClaimRecord, ClaimRecord.id == Denial.claim_id)
        .join(Client, Client.id == ClaimRecord.client_id)
        .outerjoin(Payer, Payer.id == func.coalesce(Denial.payer_id, ClaimRecord.payer_id))
        .outerjoin(ClaimLine, ClaimLine.id == Denial.claim_line_id)
    )
    if not wanted.include_closed:
        query = query.where(Denial.status != "closed")
    if wanted.payer is not None and wanted.payer.strip():
        query = query.where(Payer.id == lookup.payer(work, wanted.payer).id)
    if wanted.reason is not None and wanted.reason.strip():
        group, _, carc = wanted.reason.strip().upper().rpartition("-")
        query = query.where(Denial.carc == carc)
        if group:
            query = query.where(Denial.group_code == group)
    if wanted.min_age_days is not None:
        if wanted.min_age_days < 0:
            raise InvalidInput("must be 0 or more days", field="age")
        query = query.where(Denial.opened_on <= day - dt.timedelta(days=wanted.min_age_days))
    return query


def list_denials(
    *,
    work: UnitOfWork,
    payer: str | None = None,
    reason: str | None = None,
    min_age_days: int | None = None,
    include_closed: bool = False,
    today: dt.date | None = None,
) -> list[dict[str, Any]]:
    """The work queue: one row per denied claim or line, oldest first, with the payer,
    client, code, amount, reason and remark codes with their meaning, age, deadline and
    next action. ``reason`` matches the CARC (``16``) or group and CARC (``CO-16``)."""
    day = today or dt.date.today()
    wanted = DenialFilter(payer, reason, min_age_days, include_closed)
    query = _denials_query(work, wanted, day).order_by(Denial.opened_on, Denial.id)
    rows = work.db.execute(query).all()
    work.audit("list", "denial", "*", f"{len(rows)} rows")
    return _denial_rows(work, rows, day)


DENIAL_SORTS: dict[str, SortKey] = {
    "opened": Denial.opened_on,
    "claim": ClaimRecord.id,
    "payer": Payer.name,
    "client": Client.last_name,
    "amount": Denial.amount_cents,
    "reason": Denial.carc,
    "deadline": Denial.deadline,
    "status": Denial.status,
}


def denials_page(
    work: UnitOfWork, wanted: DenialFilter, page: PageRequest, *, today: dt.date
) -> tuple[AnyPage, list[dict[str, Any]]]:
    """One page of the work queue, sorted as ``page`` asks (by ``opened``, the oldest first,
    as the queue opens), with the count and the amount over every match."""
    query = _denials_query(work, wanted, today)
    found = fetch_page(
        work.db,
        query,
        page,
        sorts=DENIAL_SORTS,
        default="opened",
        tiebreak=[Denial.id],
        sums=("amount",),
    )
    work.audit("list", "denial", "*", f"{len(found.rows)} rows")
    return found, _denial_rows(work, list(found.rows), today)


def _denial_rows(work: UnitOfWork, rows: Sequence[Any], day: dt.date) -> list[dict[str, Any]]:
    policies = _policies_of(work, {row[3].id for row in rows})
    out = []
    for denial, claim, payer_name, client, line, *_ in rows:
        remarks = [r for r in denial.rarc.split(",") if r]
        out.append(
            {
                **denial_dict(denial, line.line_number if line else None),
                "claim_id": claim.id,
                "claim_number": claim_number(claim.id),
                "claim_url": f"/claims/{claim.id}",
                "date_of_service": claim.date_of_service.isoformat(),
                "payer": payer_name,
                "client_id": client.id,
                "client": f"{client.last_name}, {client.first_name}",
                "client_url": f"/clients/{client.id}",
                "opened": denial.opened_on,
                "amount": denial.amount_cents,
                "reason": f"{denial.group_code}-{denial.carc} {describe_carc(denial.carc)}",
                "code": line.code if line else ", ".join(sorted({x.code for x in claim.lines})),
                "carc_description": describe_carc(denial.carc),
                "rarc_descriptions": {r: describe_rarc(r) for r in remarks},
                "class_description": describe_class(denial.action_class),
                "age_days": (day - denial.opened_on).days,
                "days_to_deadline": (denial.deadline - day).days if denial.deadline else None,
                "appealed_on": denial.appealed_on.isoformat() if denial.appealed_on else None,
                "closed_at": denial.closed_at.isoformat() if denial.closed_at else None,
                "closed_by": denial.closed_by,
                "close_note": denial.close_note,
                "approved_by": denial.approved_by,
                # the client's other payers, for "transfer to another payer"
                "other_policies": [
                    p for p in policies.get(client.id, []) if p["id"] != claim.policy_id
                ],
            }
        )
    return out


def _policies_of(work: UnitOfWork, client_ids: set[int]) -> dict[int, list[dict[str, Any]]]:
    found: dict[int, list[dict[str, Any]]] = {}
    if not client_ids:
        return found
    for policy, name in work.db.execute(
        select(Policy, Payer.name)
        .join(Payer, Payer.id == Policy.payer_id)
        .where(Policy.client_id.in_(client_ids))
        .order_by(Policy.id)
    ).all():
        found.setdefault(policy.client_id, []).append(
            {"id": policy.id, "payer": name, "priority": policy.priority}
        )
    return found


def denial_dict(denial: Denial, line_number: int | None = None) -> dict[str, Any]:
    """The claim JSON's view of one denial."""
    return {
        "id": denial.id,
        "line": line_number,
        "group": denial.group_code,
        "carc": denial.carc,
        "rarc": [r for r in denial.rarc.split(",") if r],
        "amount_cents": denial.amount_cents,
        "class": denial.action_class,
        "status": denial.status,
        "next_action": denial.next_action,
        "opened_on": denial.opened_on.isoformat(),
        "deadline": denial.deadline.isoformat() if denial.deadline else None,
        "closed_how": denial.closed_how,
    }


def claim_denials(work: UnitOfWork, claim_id: int) -> list[Denial]:
    """Every denial of a claim, open and closed, oldest first."""
    return list(
        work.db.execute(
            select(Denial).where(Denial.claim_id == claim_id).order_by(Denial.id)
        ).scalars()
    )


__all__ = [
    "NewDenial",
    "appeal_denial",
    "appeal_letter_text",
    "claim_denials",
    "close_claim_denials",
    "close_denial",
    "denial_dict",
    "get_denial",
    "list_denials",
    "open_denial",
    "transfer_to_client",
    "transfer_to_payer",
    "write_off_denial",
]
