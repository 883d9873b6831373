"""The API's corrections: change or delete a session no claim bills yet; edit, correct, void
and close a claim, and bill the next payer (secondary). The same services and access rules as the pages and the CLI."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response
from pydantic import Field

from therabill.claims.corrections import ClaimEdit, parse_edit
from therabill.store.services import cob
from therabill.store.services.access import claim_for, session_for
from therabill.store.services.claim_edits import edit_claim
from therabill.store.services.corrections import close_claim, correct_claim, void_claim
from therabill.store.services.sessions import (
    ServiceMinutes,
    delete_session,
    edit_session,
    session_dict,
)
from therabill.web.api.schemas import Day, Item, ServiceIn, Strict
from therabill.web.deps import ApiBiller, ApiUser, Ctx

router = APIRouter(tags=["corrections"])
PathId = Annotated[int, Path(ge=1, le=2_000_000_000)]
Reason = Annotated[str, Field(max_length=500)]


class SessionChange(Strict):
    """What changes on a session (absent: unchanged; lists replace the whole list)."""

    services: Annotated[list[ServiceIn], Field(min_length=1, max_length=12)] | None = None
    date: Day | None = None
    place_of_service: Annotated[str, Field(pattern=r"^\d{2}$")] | None = None
    diagnoses: (
        Annotated[
            list[Annotated[str, Field(min_length=3, max_length=8, pattern=r"^[A-Za-z0-9.]+$")]],
            Field(min_length=1, max_length=12),
        ]
        | None
    ) = None
    note: Annotated[str, Field(max_length=20_000)] | None = None


class ClaimEditIn(Strict):
    """A change to one line (``line`` with its new values) and/or the claim's diagnoses."""

    line: Annotated[int, Field(ge=1, le=50)] | None = None
    code: Annotated[str, Field(max_length=5)] | None = None
    modifiers: Annotated[list[Annotated[str, Field(max_length=2)]], Field(max_length=4)] | None = (
        None
    )
    units: Annotated[int, Field(ge=1, le=9999)] | None = None
    charge: Annotated[str, Field(max_length=12, examples=["90.00"])] | None = None
    pointers: Annotated[list[Annotated[int, Field(ge=1, le=12)]], Field(max_length=4)] | None = None
    diagnoses: Annotated[list[Annotated[str, Field(max_length=8)]], Field(max_length=12)] | None = (
        None
    )
    reason: Reason = ""
    payer_claim_number: Annotated[str, Field(max_length=50)] | None = None


class VoidIn(Strict):
    reason: Reason
    payer_claim_number: Annotated[str, Field(max_length=50)] | None = None


class CloseIn(Strict):
    reason: Reason
    client_owes: bool = False
    rebill: bool = False


@router.patch("/sessions/{session_id}")
def change_session(session_id: PathId, body: SessionChange, ctx: Ctx, account: ApiUser) -> Item:
    """Change a session no claim bills yet (a billed one: 422 naming its claim)."""
    with ctx.store.transaction(actor=account.username) as work:
        session_for(work, account, session_id)
        changed, units = edit_session(
            work=work,
            session_id=session_id,
            services=(
                [
                    ServiceMinutes(s.code.upper(), s.minutes, tuple(s.modifiers))
                    for s in body.services
                ]
                if body.services
                else None
            ),
            day=body.date,
            place_of_service=body.place_of_service,
            diagnoses=body.diagnoses,
            note=body.note,
        )
        return Item(data={**session_dict(changed), "units": units.to_dict()})


@router.delete("/sessions/{session_id}", status_code=204)
def remove_session(session_id: PathId, ctx: Ctx, account: ApiUser) -> Response:
    """Delete a session no claim bills yet."""
    with ctx.store.transaction(actor=account.username) as work:
        session_for(work, account, session_id)
        delete_session(work=work, session_id=session_id)
    return Response(status_code=204)


def _edit_of(body: ClaimEditIn) -> ClaimEdit:
    return parse_edit(
        line=str(body.line) if body.line is not None else None,
        code=body.code,
        modifiers=",".join(body.modifiers) if body.modifiers is not None else None,
        units=str(body.units) if body.units is not None else None,
        charge=body.charge,
        pointers=",".join(map(str, body.pointers)) if body.pointers is not None else None,
        diagnoses=body.diagnoses,
    )


@router.post("/claims/{claim_id}/edit")
def claim_edit(claim_id: PathId, body: ClaimEditIn, ctx: Ctx, account: ApiBiller) -> Item:
    """Edit a claim no payer has decided and scrub it again (``claims edit``)."""
    with ctx.store.transaction(actor=account.username) as work:
        claim_for(work, account, claim_id)
        done = edit_claim(work=work, claim_id=claim_id, edit=_edit_of(body), reason=body.reason)
        return Item(data=done.to_dict())


@router.post("/claims/{claim_id}/correct")
def claim_correct(claim_id: PathId, body: ClaimEditIn, ctx: Ctx, account: ApiBiller) -> Item:
    """Correct a claim as its payer takes it (``claims correct``): in place, a replacement
    claim, a new claim or a reopening request."""
    with ctx.store.transaction(actor=account.username) as work:
        claim_for(work, account, claim_id)
        done = correct_claim(
            work=work,
            claim_id=claim_id,
            edit=_edit_of(body),
            reason=body.reason,
            payer_claim_number=body.payer_claim_number,
        )
        return Item(data=done.to_dict())


@router.post("/claims/{claim_id}/void")
def claim_void(claim_id: PathId, body: VoidIn, ctx: Ctx, account: ApiBiller) -> Item:
    """Void a claim the payer has (``claims void``)."""
    with ctx.store.transaction(actor=account.username) as work:
        claim_for(work, account, claim_id)
        done = void_claim(
            work=work,
            claim_id=claim_id,
            reason=body.reason,
            payer_claim_number=body.payer_claim_number,
        )
        return Item(data=done.to_dict())


@router.post("/claims/{claim_id}/close")
def claim_close(claim_id: PathId, body: CloseIn, ctx: Ctx, account: ApiBiller) -> Item:
    """Close a claim, settling what the payer still owes (``claims close``)."""
    with ctx.store.transaction(actor=account.username) as work:
        claim_for(work, account, claim_id)
        done = close_claim(
            work=work,
            claim_id=claim_id,
            reason=body.reason,
            client_owes=body.client_owes,
            rebill=body.rebill,
        )
        return Item(data=done.to_dict())


@router.post("/claims/{claim_id}/secondary")
def claim_secondary(claim_id: PathId, ctx: Ctx, account: ApiBiller) -> Item:
    """Bill the client's next payer what this claim's payer left to the client (``claims
    secondary``): the claim to that payer, with this payer's decision on it."""
    with ctx.store.transaction(actor=account.username) as work:
        claim_for(work, account, claim_id)
        return Item(data=cob.bill_next_payer(work=work, claim_id=claim_id).to_dict())
