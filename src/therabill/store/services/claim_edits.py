"""Edit a claim that no payer has decided yet (draft, ready, rejected, corrected), scrub it
again at once, and re-check the drafts a new fee fixes.

The claim's lines, its document (what the scrubber and the 837P writer read) and its charges
on the ledger change together: a changed charge is reversed and posted again, never updated.
A draft whose errors are gone becomes ready; a rejected claim that was fixed becomes
corrected (sent again as a new original claim: it was never adjudicated). Every change is
kept in the claim's history (``claim_changes``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from therabill import claims as doc
from therabill.claims.assemble import no_fee
from therabill.claims.corrections import Change, ClaimEdit, LineEdit, apply_edit
from therabill.claims.number import claim_number
from therabill.claims.status import EDITABLE, ClaimStatus, why_not_editable
from therabill.errors import InvalidInput
from therabill.findings import Finding, Severity
from therabill.ledger import EntryKind
from therabill.money import to_cents, to_decimal
from therabill.store.models import (
    AuthorizationUse,
    ClaimLine,
    ClaimRecord,
    Client,
    Fee,
    LedgerEntry,
    Payer,
    Policy,
    Provider,
    TherapySession,
)
from therabill.store.services import (
    claim_records,
    documents,
    ledger,
    lookup,
    plans_of_care,
    profiles,
    scrubbing,
)
from therabill.store.services.context import UnitOfWork

S = ClaimStatus


@dataclass(slots=True)
class EditResult:
    """What an edit (or a re-check) did to one claim."""

    claim_id: int
    status: str
    changes: list[Change] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> int:
        """How many findings are errors: what stands between the claim and the payer."""
        return sum(1 for f in self.findings if f.severity == Severity.ERROR)

    def to_dict(self) -> dict[str, Any]:
        return {
            "claim_id": self.claim_id,
            "status": self.status,
            "changes": [c.to_dict() for c in self.changes],
            "errors": self.errors,
            "findings": [f.to_dict() for f in self.findings],
        }


def stored_document(claim: ClaimRecord) -> doc.Claim:
    if not claim.document_json:
        raise InvalidInput(
            f"claim {claim.id} has no claim document; close it and build it again",
            field="claim",
        )
    return doc.Claim.model_validate_json(claim.document_json)


def fee_lookup(work: UnitOfWork, payer: Payer) -> dict[str, int]:
    """Cents per unit by code: the practice's fee, else the payer profile's (as the build)."""
    fees: dict[str, int] = {}
    profile = profiles.payer_profiles().get(payer.profile_id)
    if profile is not None:
        for code, amount in profile.fees.items():
            fees[code] = to_cents(amount, field=f"payer profile {profile.id}: fees.{code}")
    fees.update({c: int(v) for c, v in work.db.execute(select(Fee.code, Fee.unit_charge_cents))})
    return fees


def write_lines(claim: ClaimRecord, document: doc.Claim) -> list[tuple[ClaimLine, int]]:
    """Copy the document's lines onto the claim's rows; the rows whose charge changed, with
    their old charge."""
    changed = []
    for row, line in zip(claim.lines, document.lines, strict=True):
        cents = to_cents(line.charge, field=f"line {row.line_number} charge")
        if cents != row.charge_cents:
            changed.append((row, row.charge_cents))
        row.code = line.code
        row.modifiers = ",".join(line.modifiers)
        row.units = line.units or 0
        row.charge_cents = cents
        row.diagnosis_pointers = ",".join(str(p) for p in line.diagnosis_pointers)
    claim.total_charge_cents = sum(r.charge_cents for r in claim.lines)
    return changed


def open_charges(work: UnitOfWork, line_ids: Sequence[int]) -> list[LedgerEntry]:
    """Charge entries of these lines that no entry reverses yet."""
    if not line_ids:
        return []
    reversed_ids = select(LedgerEntry.reverses_id).where(LedgerEntry.reverses_id.is_not(None))
    return list(
        work.db.execute(
            select(LedgerEntry)
            .where(
                LedgerEntry.claim_line_id.in_(list(line_ids)),
                LedgerEntry.kind == EntryKind.CHARGE.value,
                LedgerEntry.reverses_id.is_(None),
                LedgerEntry.id.not_in(reversed_ids),
            )
            .order_by(LedgerEntry.id)
        ).scalars()
    )


def reverse_charges(work: UnitOfWork, lines: Sequence[ClaimLine], reason: str) -> int:
    """Reverse the open charge entries of ``lines``; the cents reversed."""
    total = 0
    for entry in open_charges(work, [line.id for line in lines]):
        ledger.reverse_entry(work=work, entry_id=entry.id, reason=reason)
        total += entry.amount_cents
    return total


def recharge(work: UnitOfWork, claim: ClaimRecord, rows: Sequence[ClaimLine], why: str) -> None:
    """A changed charge on the ledger: the old charge reversed, the new one posted."""
    reverse_charges(work, rows, why)
    for row in rows:
        if row.charge_cents > 0:
            ledger.post_entry(
                work=work,
                kind=EntryKind.CHARGE,
                amount_cents=row.charge_cents,
                client_id=claim.client_id,
                claim_line=row,
                effective_date=claim.date_of_service,
                memo=f"{row.code} x{row.units} ({why})",
            )


def claim_sessions(work: UnitOfWork, claim: ClaimRecord) -> list[TherapySession]:
    ids = sorted({line.session_id for line in claim.lines if line.session_id is not None})
    if not ids:
        return []
    return list(
        work.db.execute(
            select(TherapySession).where(TherapySession.id.in_(ids)).order_by(TherapySession.id)
        ).scalars()
    )


def redocument(work: UnitOfWork, claim: ClaimRecord, base: doc.Claim) -> doc.Claim:
    """The claim's document from today's records (client, policy, payer, providers, practice)
    with ``base``'s diagnoses, authorization and other payers and the claim's own lines, so
    a fixed address or member id shows up too. Without sessions: ``base`` with the lines."""
    sessions = claim_sessions(work, claim)
    client = work.db.get(Client, claim.client_id)
    policy = work.db.get(Policy, claim.policy_id)
    payer = work.db.get(Payer, claim.payer_id)
    provider = work.db.get(Provider, claim.provider_id)
    if not sessions or client is None or policy is None or payer is None or provider is None:
        return base.model_copy(
            update={
                "lines": _document_lines(claim, base),
                "frequency": doc.frequency_of(claim.frequency_code),
                "original_claim_id": (
                    claim.reference_claim_number if claim.frequency_code != "1" else None
                ),
            }
        )
    fresh = documents.claim_document(
        claim=claim,
        client=client,
        payer=payer,
        policy=policy,
        provider=provider,
        practice=work.practice(),
        sessions=sessions,
        diagnoses=[d.replace(".", "") for d in base.diagnoses],
        authorization=None,
        units_remaining=None,
    )
    facts = plans_of_care.claim_facts(
        work,
        client_id=client.id,
        discipline=provider.discipline,
        payer_id=payer.id,
        profile=profiles.payer_profiles().get(payer.profile_id),
        day=claim.date_of_service,
    )
    return fresh.model_copy(
        update={
            **facts,
            "authorization": base.authorization,
            "other_payers": base.other_payers,
            "unbilled_time": base.unbilled_time,  # what the build's unit rule left unbilled
            "medicare_secondary_type": policy.medicare_secondary_type,
            "referring_provider": claim_referring(claim) or facts.get("referring_provider"),
        }
    )


def claim_referring(claim: ClaimRecord) -> doc.ReferringProvider | None:
    """The referring provider a biller set on the claim, if any (over the plan's)."""
    if not (claim.referring_npi and claim.referring_first_name and claim.referring_last_name):
        return None
    return doc.ReferringProvider(
        npi=claim.referring_npi,
        first_name=claim.referring_first_name,
        last_name=claim.referring_last_name,
    )


def _document_lines(claim: ClaimRecord, base: doc.Claim) -> list[doc.ServiceLine]:
    out = []
    for row, line in zip(claim.lines, base.lines, strict=True):
        out.append(
            line.model_copy(
                update={
                    "code": row.code,
                    "modifiers": [m for m in row.modifiers.split(",") if m],
                    "units": row.units,
                    "charge": to_decimal(row.charge_cents),
                    "diagnosis_pointers": [int(p) for p in row.diagnosis_pointers.split(",") if p],
                }
            )
        )
    return out


def rescrub(
    work: UnitOfWork,
    claim: ClaimRecord,
    document: doc.Claim,
    *,
    scrubber: scrubbing.Scrubber | None = None,
    edited_codes: frozenset[str] = frozenset(),
) -> list[Finding]:
    """Scrub ``document`` as the build does and keep it on the claim with its findings: the
    scrubber's, a ``claim.no-fee`` error per line charged 0, and the unit engine's earlier
    findings on codes the edit left alone."""
    document = document.model_copy(update={"claim_id": claim_number(claim.id)})
    if scrubber is None:
        scrubber = scrubbing.Scrubber(work, claim_sessions(work, claim), None)
    found = list(scrubber(document=document, claim=claim))
    if claim.frequency_code != "8":
        found += [
            no_fee(line.code, i)
            for i, line in enumerate(document.lines, 1)
            if line.charge == 0 and not any(f.id == "claim.no-fee" and f.line == i for f in found)
        ]
    seen = {(f.id, f.line, f.message) for f in found}
    for old in json.loads(claim.findings_json):
        if (
            str(old.get("id", "")).startswith("units.")
            and old.get("code") not in edited_codes
            and (old.get("id"), old.get("line"), old.get("message")) not in seen
        ):
            found.append(_finding(old))
    claim.document_json = document.model_dump_json()
    claim.findings_json = json.dumps([f.to_dict() for f in found])
    return found


def _finding(data: dict[str, Any]) -> Finding:
    """A finding as ``Finding.to_dict`` wrote it."""
    return Finding(
        id=str(data["id"]),
        severity=Severity(data["severity"]),
        message=str(data["message"]),
        source=str(data.get("source", "")),
        line=data.get("line"),
        field=data.get("field"),
        fix=data.get("fix"),
        code=data.get("code"),
    )


def settle_status(work: UnitOfWork, claim: ClaimRecord, findings: Sequence[Finding]) -> None:
    """After a scrub: a draft without errors is ready, a ready claim with errors a draft; a
    rejected claim that was fixed is corrected (then a draft if errors remain)."""
    errors = sum(1 for f in findings if f.severity == Severity.ERROR)
    current = S(claim.status)
    if current is S.REJECTED:
        claim_records.move(work=work, claim=claim, new=S.CORRECTED, reason="fixed after rejection")
        current = S.CORRECTED
    if errors and current in (S.READY, S.CORRECTED):
        claim_records.move(
            work=work, claim=claim, new=S.DRAFT, reason=f"scrubbed again: {errors} error(s)"
        )
    elif not errors and current is S.DRAFT:
        claim_records.move(work=work, claim=claim, new=S.READY, reason="scrubbed again: no errors")


def update_authorization_units(work: UnitOfWork, rows: Sequence[ClaimLine]) -> None:
    """A line's authorization use follows its units (units approved are counted)."""
    ids = [r.id for r in rows]
    if not ids:
        return
    units = {r.id: r.units for r in rows}
    for use in work.db.execute(
        select(AuthorizationUse).where(AuthorizationUse.claim_line_id.in_(ids))
    ).scalars():
        if use.units:
            use.units = units[use.claim_line_id]


def change_lines(
    work: UnitOfWork,
    claim: ClaimRecord,
    edit: ClaimEdit,
    *,
    why: str,
    base: doc.Claim | None = None,
    on_ledger: bool = True,
) -> tuple[doc.Claim, list[Change]]:
    """Apply ``edit`` to the claim's lines, document and (``on_ledger``) its charges on the
    ledger, not its status; the new document, not yet scrubbed, and what changed. A claim
    whose charges are not posted yet (a replacement being made) passes ``on_ledger=False``."""
    payer = work.db.get(Payer, claim.payer_id)
    assert payer is not None
    fees = fee_lookup(work, payer)
    document, changes = apply_edit(base or stored_document(claim), edit, fee=fees.get)
    if edit.referring is not None:
        claim.referring_npi = edit.referring.npi
        claim.referring_first_name = edit.referring.first_name
        claim.referring_last_name = edit.referring.last_name
    changed = write_lines(claim, document)
    if changed and on_ledger:
        recharge(work, claim, [row for row, _ in changed], why)
    update_authorization_units(work, claim.lines)
    return redocument(work, claim, document), changes


def edit_claim(*, work: UnitOfWork, claim_id: int, edit: ClaimEdit, reason: str) -> EditResult:
    """Change a claim the payer has not decided (draft, ready, rejected, corrected), scrub it
    again, and move it: a draft without errors becomes ready."""
    claim = lookup.claim(work, claim_id)
    current = S(claim.status)
    if current not in EDITABLE:
        raise InvalidInput(why_not_editable(claim.id, current) or "", field="claim")
    if edit.is_empty():
        raise InvalidInput(
            "nothing to change: give --line with --code, --modifier, --units, --charge or "
            "--pointers, or --dx, or --referring-npi with --referring-name",
            field="edit",
        )
    why = reason.strip() or "edited"
    document, changes = change_lines(work, claim, edit, why=f"claim edited: {why}")
    found = rescrub(
        work, claim, document, edited_codes=frozenset(c.where.split("(")[-1][:-1] for c in changes)
    )
    claim_records.note_change(
        work=work, claim=claim, action="edit", detail="; ".join(map(str, changes)) + f" ({why})"
    )
    settle_status(work, claim, found)
    return EditResult(claim.id, claim.status, changes, found)


def recheck_claim(*, work: UnitOfWork, claim_id: int) -> EditResult:
    """Scrub an unsent claim again against today's records (a fee, an address or a policy
    fixed since it was built) and move it as an edit does."""
    claim = lookup.claim(work, claim_id)
    current = S(claim.status)
    if current not in EDITABLE:
        raise InvalidInput(why_not_editable(claim.id, current) or "", field="claim")
    found = rescrub(work, claim, redocument(work, claim, stored_document(claim)))
    claim_records.note_change(work=work, claim=claim, action="recheck", detail="scrubbed again")
    settle_status(work, claim, found)
    return EditResult(claim.id, claim.status, [], found)


def apply_fee(work: UnitOfWork, code: str) -> list[EditResult]:
    """A fee was set for ``code``: each unsent claim with a line of that code charged 0 gets
    the fee times its units (on the ledger too), is scrubbed again and, free of errors, ready."""
    claims = list(
        work.db.execute(
            select(ClaimRecord)
            .join(ClaimLine, ClaimLine.claim_id == ClaimRecord.id)
            .where(
                ClaimRecord.status.in_(sorted(s.value for s in EDITABLE)),
                ClaimRecord.frequency_code != "8",
                ClaimLine.code == code,
                ClaimLine.charge_cents == 0,
            )
            .distinct()
            .order_by(ClaimRecord.id)
        ).scalars()
    )
    if not claims:
        return []
    scrubber = scrubbing.Scrubber(work, [s for c in claims for s in claim_sessions(work, c)], None)
    results = []
    for claim in claims:
        payer = work.db.get(Payer, claim.payer_id)
        assert payer is not None
        per_unit = fee_lookup(work, payer).get(code)
        if per_unit is None:
            continue
        edit = ClaimEdit(
            lines=tuple(
                LineEdit(line.line_number, charge_cents=per_unit * line.units)
                for line in claim.lines
                if line.code == code and line.charge_cents == 0
            )
        )
        document, changes = change_lines(work, claim, edit, why=f"fee set for {code}")
        found = rescrub(work, claim, document, scrubber=scrubber)
        claim_records.note_change(
            work=work,
            claim=claim,
            action="fee",
            detail="; ".join(map(str, changes)) + f" (fee set for {code})",
        )
        settle_status(work, claim, found)
        results.append(EditResult(claim.id, claim.status, changes, found))
    return results
