"""Secondary and tertiary payers (coordination of benefits): what the payer before left moves
on to the client's next payer, on a claim of its own, before the client is billed.

After a payer's 835 posts, the amounts it left to the patient (group PR: deductible,
coinsurance, copay) move to the next policy in priority order that covers the date of
service (``next_policy``), as ``transfer_to_insurance`` entries: one on each line they leave,
its negation on the matching line of the next payer's claim (``therabill.ledger.entries``).
That claim (priority secondary or tertiary, ``prior_claim_id`` the payer before's) carries
what each payer before it paid and adjusted, for the claim and per line (837P loops 2320,
2330A/B, 2430; 005010X222A1 section 1.4.1.3 on COB balancing), and is scrubbed like any
claim: ready when it has no errors, else a draft. Only what the last payer leaves goes to
the client.

When the payer before forwarded the claim itself (835 CLP02 19/20/21, "processed as
primary/secondary/tertiary, forwarded to additional payer(s)", X12 element 1029; or MA18/N89
from a payer whose profile says it crosses claims over: Medicare's COBA crossover, CMS MLN
1450 lesson 5), the next claim is recorded as crossed over and submitted: therabill does not
send it (a duplicate gets N522), and that payer's 835 is expected against it, whichever claim
number it quotes.

One service for the three ways in: the 835 posting (``pass_on``), ``therabill claims
secondary ID`` with its page button and API route (``bill_next_payer``), and the denial
action "transfer to another payer" (``transfer_denial``).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select

from therabill import claims as doc
from therabill.claims.document import OtherPayer, OtherPayerAdjustment, OtherPayerLine
from therabill.claims.status import ClaimStatus
from therabill.errors import InvalidInput
from therabill.findings import Finding, Severity
from therabill.ledger import EntryKind, Responsibility
from therabill.money import format_money, to_decimal
from therabill.scrub import ScrubContext
from therabill.store.models import (
    ClaimLine,
    ClaimRecord,
    ClaimStatusChange,
    LedgerEntry,
    Payer,
    Policy,
    RemittanceAdjustment,
    RemittanceClaim,
    RemittanceLine,
    RemittanceRecord,
)
from therabill.store.services import (
    claim_edits,
    claim_records,
    ledger,
    lookup,
    scrubbing,
)
from therabill.store.services.context import UnitOfWork
from therabill.store.services.documents import SUBSCRIBER_RELATIONSHIPS, payer_address

ORDER = ("primary", "secondary", "tertiary")
COB_SOURCE = "005010X222A1 section 1.4.1.3 (coordination of benefits balancing)"


@dataclass(slots=True)
class NextClaim:
    """What passing a balance on did: the next payer's claim and what moved to it."""

    claim_id: int
    prior_claim_id: int
    payer: str
    priority: str
    status: str
    crossed_over: bool
    moved_cents: int
    findings: list[Finding] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "claim_id": self.claim_id,
            "prior_claim_id": self.prior_claim_id,
            "payer": self.payer,
            "priority": self.priority,
            "status": self.status,
            "crossed_over": self.crossed_over,
            "moved_cents": self.moved_cents,
            "findings": [f.to_dict() for f in self.findings],
        }


def _rank(priority: str) -> int:
    return ORDER.index(priority) if priority in ORDER else 0


def next_policies(work: UnitOfWork, claims: Iterable[ClaimRecord | Any]) -> dict[int, Policy]:
    """For each claim (``id``, ``client_id``, ``priority``, ``date_of_service``), the client's
    next policy after the claim's payer: a later priority, covering the date of service, not
    the policy of any claim before it. One query for all of them."""
    wanted = list(claims)
    if not wanted:
        return {}
    clients = {c.client_id for c in wanted}
    by_client: dict[int, list[Policy]] = {}
    for policy in work.db.execute(
        select(Policy).where(Policy.client_id.in_(clients)).order_by(Policy.id)
    ).scalars():
        by_client.setdefault(policy.client_id, []).append(policy)
    found: dict[int, Policy] = {}
    for claim in wanted:
        rank = _rank(claim.priority)
        later = [
            p
            for p in by_client.get(claim.client_id, [])
            if _rank(p.priority) > rank and p.covers(claim.date_of_service)
        ]
        if later:
            found[claim.id] = min(later, key=lambda p: (_rank(p.priority), p.id))
    return found


def next_policy(work: UnitOfWork, claim: ClaimRecord) -> Policy | None:
    return next_policies(work, [claim]).get(claim.id)


def claims_taking_over(
    work: UnitOfWork,
    prior_ids: Iterable[int],
    payer_id: int | None,
    processed_as_later: Iterable[int] = (),
) -> dict[int, int]:
    """prior claim id → the next payer's claim, for the claims ``payer_id`` takes over from
    (its 835 may quote the first payer's claim number: a crossover forwards that claim). A
    remittance whose payer is not on file takes over the claims it says it processed as
    secondary or tertiary (``processed_as_later``, CLP02 2/3/20/21) that have a next claim."""
    ids = list(prior_ids)
    later = set(processed_as_later)
    if not ids or (payer_id is None and not later):
        return {}
    query = select(ClaimRecord.prior_claim_id, ClaimRecord.id).where(
        ClaimRecord.prior_claim_id.in_(ids if payer_id is not None else sorted(later))
    )
    if payer_id is not None:
        query = query.where(ClaimRecord.payer_id == payer_id)
    # sorted here, not by the query: on SQLite an ORDER BY id took the index on (practice,
    # id) to skip the sort and read every claim of the practice (ix_claims_prior: migration 0049)
    rows = sorted(work.db.execute(query).all(), key=lambda row: int(row[1]))
    return {int(prior): int(claim_id) for prior, claim_id in rows if prior is not None}


def _posting(work: UnitOfWork, claim: ClaimRecord) -> RemittanceClaim | None:
    """The claim's payer's latest decision on it (an 835 posted, not reversed, its own)."""
    return work.db.execute(
        select(RemittanceClaim)
        .where(
            RemittanceClaim.claim_id == claim.id,
            RemittanceClaim.reversed_by_id.is_(None),
            RemittanceClaim.secondary.is_(False),
            RemittanceClaim.status_code != "22",
        )
        .order_by(RemittanceClaim.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def _following(work: UnitOfWork, claim: ClaimRecord) -> ClaimRecord | None:
    return work.db.execute(
        select(ClaimRecord)
        .where(ClaimRecord.prior_claim_id == claim.id)
        .order_by(ClaimRecord.id.desc())
        .limit(1)
    ).scalar_one_or_none()


# --- the hand-made way: therabill claims secondary ID --------------------------------------


def bill_next_payer(*, work: UnitOfWork, claim_id: int) -> NextClaim:
    """Build the claim to the next payer for ``claim_id`` by hand: what its payer left the
    client moves on to the next policy. Refuses a claim whose payer has not decided it (no
    835 posted), a client with no next policy on the date of service, a claim its payer
    crossed over (the next payer has it already) and one already passed on."""
    claim = lookup.claim(work, claim_id)
    posting = _posting(work, claim)
    payer = work.db.get(Payer, claim.payer_id)
    payer_name = payer.name if payer else "its payer"
    if posting is None:
        raise InvalidInput(
            f"claim {claim.id} has no posted 835 from {payer_name}: the next payer needs what "
            "it paid and adjusted; post its remittance first (therabill era post FILE)",
            field="claim",
        )
    if claim.crossed_over or posting.status_code in ("19", "20", "21"):
        raise InvalidInput(
            f"{payer_name} forwarded claim {claim.id} to the next payer itself (crossover, 835 "
            f"CLP02 {posting.status_code}): wait for that payer's 835 instead of billing it "
            "again (a duplicate is denied, N522)",
            field="claim",
        )
    following = _following(work, claim)
    if following is not None:
        raise InvalidInput(
            f"claim {claim.id} was already passed on to the next payer: claim {following.id} "
            f"({following.status})",
            field="claim",
        )
    policy = next_policy(work, claim)
    if policy is None:
        raise InvalidInput(
            f"the client has no {_later(claim.priority)} policy covering "
            f"{claim.date_of_service:%Y-%m-%d}: add it first (therabill client policy CLIENT "
            "--payer PAYER --member-id ID --priority secondary)",
            field="policy",
        )
    moved = _patient_share(work, claim, posting)
    if not any(moved.values()):
        raise InvalidInput(
            f"{payer_name} left nothing to the client on claim {claim.id} (no PR amounts "
            "owed): there is nothing for the next payer",
            field="claim",
        )
    return open_next_claim(
        work=work,
        prior=claim,
        policy=policy,
        moved=moved,
        receipt=f"cob:{claim.id}",
        out_of=Responsibility.PATIENT,
        why=f"{payer_name}'s patient share passed on by hand",
    )


def _later(priority: str) -> str:
    return " or ".join(ORDER[_rank(priority) + 1 :]) or "later"


def _patient_share(
    work: UnitOfWork, claim: ClaimRecord, posting: RemittanceClaim
) -> dict[int, int]:
    """Per line, what the payer's PR amounts left with the client and the client still owes
    (a payment the client made already stays theirs)."""
    pr = dict(
        work.db.execute(
            select(RemittanceLine.claim_line_id, RemittanceLine.patient_cents).where(
                RemittanceLine.remittance_claim_id == posting.id
            )
        ).all()
    )
    owed = ledger.line_balances(work, claim.id)
    return {
        line.id: max(0, min(int(pr.get(line.id) or 0), owed[line.id].patient_cents))
        for line in claim.lines
        if line.id in owed
    }


# --- the denial action: transfer to another payer ------------------------------------------


def transfer_denial(
    *, work: UnitOfWork, claim: ClaimRecord, policy_id: int, amounts: Mapping[int, int], why: str
) -> NextClaim:
    """Move a denied amount (still owed by the claim's payer) to the client's policy
    ``policy_id`` on a claim of its own; the denials service closes the denial."""
    policy = work.db.get(Policy, policy_id)
    if policy is None or policy.client_id != claim.client_id:
        raise InvalidInput(f"no policy {policy_id} of this client", field="policy")
    if policy.id == claim.policy_id:
        raise InvalidInput("that is the claim's own policy: pick another payer", field="policy")
    if not policy.covers(claim.date_of_service):
        raise InvalidInput(
            f"policy {policy.id} does not cover {claim.date_of_service:%Y-%m-%d}", field="policy"
        )
    following = _following(work, claim)
    if following is not None and following.policy_id == policy.id:
        raise InvalidInput(
            f"claim {claim.id} was already passed on to that payer: claim {following.id}",
            field="policy",
        )
    return open_next_claim(
        work=work,
        prior=claim,
        policy=policy,
        moved=dict(amounts),
        receipt=f"cob:{claim.id}",
        out_of=Responsibility.INSURANCE,
        why=why,
    )


# --- after a posting ------------------------------------------------------------------------


def pass_on(
    *,
    work: UnitOfWork,
    prior_claim_id: int,
    policy: Policy,
    moved: Mapping[int, int],
    receipt: str,
    crossed_over: bool,
    scrub_tables: ScrubContext | None = None,
) -> NextClaim:
    """After a posting booked the payer's PR amounts as transfers out (``moved`` cents per
    line, ``receipt`` the posting's): the other half, on the next payer's claim (made here,
    or the one already made for this payer)."""
    prior = lookup.claim(work, prior_claim_id)
    payer = work.db.get(Payer, prior.payer_id)
    name = payer.name if payer else "the payer"
    existing = _following(work, prior)
    if existing is not None and existing.policy_id == policy.id:
        _transfer_in(work, prior, existing, moved, receipt)
        work.audit("transfer", "claim", existing.id, f"from {prior.id}")
        return _result(work, existing, prior, moved, [])
    why = (
        f"{name} forwarded the claim (crossover): the next payer's 835 is expected"
        if crossed_over
        else f"{name}'s patient share passed on after its 835"
    )
    return open_next_claim(
        work=work,
        prior=prior,
        policy=policy,
        moved=moved,
        receipt=receipt,
        out_of=None,
        why=why,
        crossed_over=crossed_over,
        scrub_tables=scrub_tables,
    )


def mark_crossed_over(work: UnitOfWork, claim_id: int) -> None:
    claim = lookup.claim(work, claim_id)
    if not claim.crossed_over:
        claim.crossed_over = True
        claim_records.note_change(
            work=work,
            claim=claim,
            action="crossover",
            detail="the payer forwarded the claim to the client's next payer (835 crossover)",
        )


# --- the next payer's claim -------------------------------------------------------------------


def open_next_claim(
    *,
    work: UnitOfWork,
    prior: ClaimRecord,
    policy: Policy,
    moved: Mapping[int, int],
    receipt: str,
    out_of: Responsibility | None,
    why: str,
    crossed_over: bool = False,
    scrub_tables: ScrubContext | None = None,
) -> NextClaim:
    """The next payer's claim for ``prior`` under ``policy``: the prior claim's lines, the
    moved amounts transferred in (and out of ``prior``'s ``out_of`` bucket, unless a posting
    booked that half already), its document with the payers before it, scrubbed."""
    payer = work.db.get(Payer, policy.payer_id)
    assert payer is not None
    new = ClaimRecord(
        client_id=prior.client_id,
        payer_id=payer.id,
        policy_id=policy.id,
        provider_id=prior.provider_id,
        date_of_service=prior.date_of_service,
        status=ClaimStatus.DRAFT.value,
        frequency_code="1",
        total_charge_cents=prior.total_charge_cents,
        priority=policy.priority if policy.priority in ORDER else "secondary",
        primary_claim_id=prior.primary_claim_id or prior.id,
        prior_claim_id=prior.id,
        crossed_over=crossed_over,
        referring_npi=prior.referring_npi,
        referring_first_name=prior.referring_first_name,
        referring_last_name=prior.referring_last_name,
        findings_json="[]",
        lines=[
            ClaimLine(
                line_number=line.line_number,
                session_id=line.session_id,
                date_of_service=line.date_of_service,
                code=line.code,
                modifiers=line.modifiers,
                minutes=line.minutes,
                units=line.units,
                charge_cents=line.charge_cents,
                diagnosis_pointers=line.diagnosis_pointers,
            )
            for line in prior.lines
        ],
    )
    work.db.add(new)
    work.db.flush()
    claim_records.record_new(
        work=work, claim=new, reason=f"{new.priority} claim after claim {prior.id}: {why}"
    )
    if out_of is not None:
        _transfer_out(work, prior, new, moved, receipt, out_of)
    _transfer_in(work, prior, new, moved, receipt)
    findings: list[Finding] = []
    if crossed_over:
        prior.crossed_over = True
        _submitted_by_payer(work, new, why)
    else:
        findings = _document_and_scrub(work, prior, new, scrub_tables)
    claim_records.note_change(
        work=work,
        claim=prior,
        action="next payer",
        detail=f"{format_money(sum(moved.values()))} passed on to {payer.name} "
        f"({new.priority}) on claim {new.id}",
    )
    return _result(work, new, prior, moved, findings)


def _result(
    work: UnitOfWork,
    new: ClaimRecord,
    prior: ClaimRecord,
    moved: Mapping[int, int],
    findings: list[Finding],
) -> NextClaim:
    payer = work.db.get(Payer, new.payer_id)
    return NextClaim(
        claim_id=new.id,
        prior_claim_id=prior.id,
        payer=payer.name if payer else "",
        priority=new.priority,
        status=new.status,
        crossed_over=new.crossed_over,
        moved_cents=sum(moved.values()),
        findings=findings,
    )


def _transfer_out(
    work: UnitOfWork,
    prior: ClaimRecord,
    new: ClaimRecord,
    moved: Mapping[int, int],
    receipt: str,
    out_of: Responsibility,
) -> None:
    for line in prior.lines:
        cents = moved.get(line.id, 0)
        if cents:
            _entry(work, prior, line, cents, out_of, receipt, f"to claim {new.id} ({new.priority})")


def _transfer_in(
    work: UnitOfWork,
    prior: ClaimRecord,
    new: ClaimRecord,
    moved: Mapping[int, int],
    receipt: str,
) -> None:
    numbers = {line.line_number: line for line in new.lines}
    for line in prior.lines:
        cents = moved.get(line.id, 0)
        if cents:
            target = numbers[line.line_number]
            _entry(
                work,
                new,
                target,
                -cents,
                Responsibility.INSURANCE,
                receipt,
                f"from claim {prior.id}",
            )


def _entry(
    work: UnitOfWork,
    claim: ClaimRecord,
    line: ClaimLine,
    cents: int,
    bucket: Responsibility,
    receipt: str,
    memo: str,
) -> None:
    work.db.add(
        LedgerEntry(
            kind=EntryKind.TRANSFER_TO_INSURANCE.value,
            amount_cents=cents,
            responsibility=bucket.value,
            client_id=claim.client_id,
            claim_line_id=line.id,
            claim_id=claim.id,
            payer_id=claim.payer_id,
            effective_date=dt.date.today(),
            actor=work.actor,
            memo=f"{line.code}: {memo}"[:200],
            receipt=receipt[:60],
        )
    )
    work.db.flush()
    work.audit("post", "ledger_entry", f"claim {claim.id}", f"transfer_to_insurance {cents}")


def _submitted_by_payer(work: UnitOfWork, claim: ClaimRecord, why: str) -> None:
    """A crossed-over claim went to its payer from the payer before: submitted, not by us
    (the scrub does not apply to a claim therabill does not send)."""
    for old, new in (
        (ClaimStatus.DRAFT, ClaimStatus.READY),
        (ClaimStatus.READY, ClaimStatus.SUBMITTED),
    ):
        work.db.add(
            ClaimStatusChange(
                claim_id=claim.id,
                from_status=old.value,
                to_status=new.value,
                actor=work.actor,
                reason=why[:2000],
            )
        )
    claim.status = ClaimStatus.SUBMITTED.value
    work.db.flush()
    work.db.expire(claim, ["history"])
    work.audit("status", "claim", claim.id, "draft->submitted (crossover)")


def _document_and_scrub(
    work: UnitOfWork, prior: ClaimRecord, new: ClaimRecord, tables: ScrubContext | None
) -> list[Finding]:
    """The next payer's claim document (today's records for the client, the policy and its
    payer, with the payers before it) and its scrub; ready when nothing is in error."""
    base = claim_edits.stored_document(prior)
    policy = work.db.get(Policy, new.policy_id)
    assert policy is not None
    try:
        document = claim_edits.redocument(work, new, base)
    except ValidationError as exc:
        raise InvalidInput(f"the next payer's claim cannot be built: {exc.title}") from None
    others, problem = other_payers(work, new)
    document = document.model_copy(
        update={
            # the payer before's prior authorization is not this payer's (2330B REF*G1)
            "authorization": None,
            "referring_provider": document.referring_provider or base.referring_provider,
            "other_payers": others,
            "medicare_secondary_type": policy.medicare_secondary_type,
        }
    )
    scrubber = scrubbing.Scrubber(work, claim_edits.claim_sessions(work, new), tables)
    found = claim_edits.rescrub(work, new, document, scrubber=scrubber)
    if problem is not None:
        found.append(problem)
        new.findings_json = json.dumps([f.to_dict() for f in found])
    claim_edits.settle_status(work, new, found)
    return found


def other_payers(work: UnitOfWork, claim: ClaimRecord) -> tuple[list[OtherPayer], Finding | None]:
    """Each payer before ``claim`` (its prior claim, that one's prior …) with what its 835
    decided: paid, adjustments per line (2430) or for the claim (2320, when the 835 had no
    service lines), the patient's remaining liability and the date; and an error finding
    when a payer's amounts do not balance to the charges (the 837P would be refused)."""
    found: list[OtherPayer] = []
    problem: Finding | None = None
    numbers = {line.line_number: i + 1 for i, line in enumerate(claim.lines)}
    prior_id = claim.prior_claim_id
    while prior_id is not None:
        prior = work.db.get(ClaimRecord, prior_id)
        if prior is None:
            break
        other = _other_payer(work, prior, numbers)
        if other is not None:
            found.append(other)
            problem = problem or _unbalanced(claim, other)
        prior_id = prior.prior_claim_id
    found.sort(key=lambda o: _rank(o.responsibility))
    return found, problem


def _other_payer(
    work: UnitOfWork, prior: ClaimRecord, numbers: Mapping[int, int]
) -> OtherPayer | None:
    payer = work.db.get(Payer, prior.payer_id)
    policy = work.db.get(Policy, prior.policy_id)
    if payer is None or policy is None:
        return None
    subscriber = None
    if policy.relationship_to_subscriber != "self":
        subscriber = doc.Subscriber(
            first_name=policy.subscriber_first_name or "",
            last_name=policy.subscriber_last_name or "",
            relationship=SUBSCRIBER_RELATIONSHIPS.get(policy.relationship_to_subscriber, "other"),
            member_id=policy.member_id,
        )
    base: dict[str, Any] = {
        "payer": doc.Payer(
            id=payer.profile_id,
            name=payer.name[:120],
            payer_id=payer.payer_id,
            address=payer_address(payer),
        ),
        "responsibility": prior.priority if prior.priority in ORDER else "primary",
        "member_id": policy.member_id,
        "subscriber": subscriber,
    }
    posting = _posting(work, prior)
    if posting is None:
        return OtherPayer(**base)
    record = work.db.get(RemittanceRecord, posting.remittance_id)
    day = (record.payment_date if record else None) or dt.date.today()
    rows = work.db.execute(
        select(RemittanceLine).where(RemittanceLine.remittance_claim_id == posting.id)
    ).scalars()
    by_line = {row.claim_line_id: row for row in rows}
    adjustments: dict[int, list[RemittanceAdjustment]] = {}
    for adj in work.db.execute(
        select(RemittanceAdjustment)
        .where(RemittanceAdjustment.remittance_claim_id == posting.id)
        .order_by(RemittanceAdjustment.id)
    ).scalars():
        adjustments.setdefault(adj.claim_line_id or 0, []).append(adj)
    line_number = {line.id: line.line_number for line in prior.lines}
    claim_level = all(row.how_matched == "claim level" for row in by_line.values())
    patient = sum(row.patient_cents for row in by_line.values())
    if claim_level:
        totals: dict[tuple[str, str], int] = {}
        for items in adjustments.values():
            for adj in items:
                key = (adj.group_code, adj.reason)
                totals[key] = totals.get(key, 0) + adj.amount_cents
        return OtherPayer(
            **base,
            paid=to_decimal(posting.paid_cents),
            adjustments=[
                OtherPayerAdjustment(group=g, reason=r, amount=to_decimal(c))
                for (g, r), c in totals.items()
                if c
            ],
            adjudication_date=day,
            remaining_patient_liability=to_decimal(patient),
        )
    lines = []
    for line_id, row in by_line.items():
        number = numbers.get(line_number.get(line_id, 0))
        if number is None:
            continue
        lines.append(
            OtherPayerLine(
                line=number,
                paid=to_decimal(row.paid_cents),
                units=_units(row.paid_units),
                adjustments=[
                    OtherPayerAdjustment(
                        group=a.group_code,
                        reason=a.reason,
                        amount=to_decimal(a.amount_cents),
                    )
                    for a in adjustments.get(line_id, [])
                    if a.amount_cents
                ],
                remaining_patient_liability=to_decimal(row.patient_cents),
            )
        )
    lines.sort(key=lambda ln: ln.line)
    return OtherPayer(
        **base,
        paid=to_decimal(sum(row.paid_cents for row in by_line.values())),
        adjudication_date=day,
        lines=lines,
        remaining_patient_liability=to_decimal(patient),
    )


def _units(text: str) -> int | None:
    try:
        value = Decimal(text)
    except ArithmeticError:
        return None
    return int(value) if value == value.to_integral_value() and value >= 0 else None


def _unbalanced(claim: ClaimRecord, other: OtherPayer) -> Finding | None:
    """COB balancing (005010X222A1 1.4.1.3): per line, paid + adjustments = the line's
    charge; for the claim, paid + claim and line adjustments = the claim's charge."""
    charges = {i + 1: to_decimal(line.charge_cents) for i, line in enumerate(claim.lines)}
    adjusted = sum((a.amount for a in other.adjustments), Decimal(0))
    problem = ""
    for line in other.lines:
        line_adjusted = sum((a.amount for a in line.adjustments), Decimal(0))
        adjusted += line_adjusted
        if line.paid + line_adjusted != charges.get(line.line):
            problem = f"line {line.line}: paid {line.paid} + adjustments {line_adjusted}"
    paid = other.paid or Decimal(0)
    if not problem and paid + adjusted != to_decimal(claim.total_charge_cents):
        problem = f"paid {paid} + adjustments {adjusted}"
    if not problem:
        return None
    return Finding(
        id="cob.unbalanced",
        severity=Severity.ERROR,
        message=f"{other.payer.name}'s amounts do not add up to the charges ({problem})",
        source=COB_SOURCE,
        fix="check that payer's 835 as posted and correct the posting before sending",
    )
