"""The API's set-up routes: insurance policies, authorizations, payers, providers and fees.

The same store services and access rules as the set-up pages: everyone reads (a therapist
only their own clients' policies and authorizations), billers and admins change.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Response
from pydantic import Field

from therabill.money import parse_money
from therabill.store.services import auths, clients, payers, profiles
from therabill.store.services import practice as practice_services
from therabill.store.services.access import authorization_for, client_for, policy_for
from therabill.web.api.schemas import Code, Day, Item, Page, Problem, Strict
from therabill.web.deps import ApiBiller, ApiUser, Ctx
from therabill.web.reads import reading

ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem, "content": {"application/problem+json": {}}}
    for status in (401, 403, 404, 422)
}
router = APIRouter(responses=ERRORS)
PathId = Annotated[int, Path(ge=1, le=2_000_000_000)]
Text40 = Annotated[str, Field(max_length=40)]
Text100 = Annotated[str, Field(max_length=100)]
Text200 = Annotated[str, Field(max_length=200)]
Priority = Literal["primary", "secondary", "tertiary"]
Relationship = Literal["self", "spouse", "child", "other"]
Count = Annotated[int, Field(ge=1, le=999_999)]
DisciplineText = Annotated[str, Field(max_length=20)]
BirthDay = Annotated[dt.date, Field(ge=dt.date(1900, 1, 1), le=dt.date(2099, 12, 31))]


class PolicyChange(Strict):
    """The fields to change (``null`` clears an optional one)."""

    member_id: Text40 | None = None
    group_number: Text40 | None = None
    priority: Priority | None = None
    relationship: Relationship | None = None
    subscriber_first_name: Text100 | None = None
    subscriber_last_name: Text100 | None = None
    subscriber_birth_date: BirthDay | None = None
    subscriber_sex: Literal["F", "M", "U"] | None = None
    subscriber_address: Text200 | None = None
    subscriber_city: Text100 | None = None
    subscriber_state: Annotated[str, Field(max_length=2)] | None = None
    subscriber_postal_code: Annotated[str, Field(max_length=10)] | None = None
    start_date: Day | None = None
    end_date: Day | None = None


class PolicyIn(Strict):
    payer_id: Annotated[int, Field(ge=1, le=2_000_000_000)]
    member_id: Text40
    group_number: Text40 | None = None
    priority: Priority = "primary"
    relationship: Relationship = "self"
    subscriber_first_name: Text100 | None = None
    subscriber_last_name: Text100 | None = None
    subscriber_birth_date: BirthDay | None = None
    subscriber_sex: Literal["F", "M", "U"] | None = None
    subscriber_address: Text200 | None = None
    subscriber_city: Text100 | None = None
    subscriber_state: Annotated[str, Field(max_length=2)] | None = None
    subscriber_postal_code: Annotated[str, Field(max_length=10)] | None = None
    start_date: Day | None = None
    end_date: Day | None = None


class EndIn(Strict):
    on: Day | None = None  # default today


class AuthorizationChange(Strict):
    number: Annotated[str, Field(min_length=1, max_length=60)] | None = None
    start: Day | None = None
    end: Day | None = None
    codes: Annotated[list[Code], Field(max_length=50)] | None = None
    units: Count | None = None
    visits: Count | None = None
    discipline: DisciplineText | None = None
    case_manager_name: Text200 | None = None
    case_manager_phone: Annotated[str, Field(max_length=30)] | None = None
    case_manager_email: Text200 | None = None


class AuthorizationIn(Strict):
    payer_id: Annotated[int, Field(ge=1, le=2_000_000_000)]
    number: Annotated[str, Field(min_length=1, max_length=60)]
    start: Day
    end: Day
    codes: Annotated[list[Code], Field(max_length=50, default_factory=list)]
    units: Count | None = None
    visits: Count | None = None
    discipline: DisciplineText | None = None
    case_manager_name: Text200 | None = None
    case_manager_phone: Annotated[str, Field(max_length=30)] | None = None
    case_manager_email: Text200 | None = None


class PayerIn(Strict):
    profile: Annotated[str, Field(min_length=1, max_length=60)]
    name: Text200 | None = None
    payer_id: Annotated[str, Field(max_length=20)] | None = None


class PayerChange(Strict):
    name: Text200 | None = None
    payer_id: Annotated[str, Field(max_length=20)] | None = None


class ProviderIn(Strict):
    npi: Annotated[str, Field(max_length=10)]
    first_name: Text100
    last_name: Text100
    discipline: DisciplineText
    licence: Annotated[str, Field(max_length=60)] | None = None
    taxonomy: Annotated[str, Field(max_length=10)] | None = None


class ProviderChange(Strict):
    npi: Annotated[str, Field(max_length=10)] | None = None
    first_name: Text100 | None = None
    last_name: Text100 | None = None
    discipline: DisciplineText | None = None
    licence: Annotated[str, Field(max_length=60)] | None = None
    taxonomy: Annotated[str, Field(max_length=10)] | None = None


class ProviderEnd(Strict):
    restore: bool = False


class FeeIn(Strict):
    amount: Annotated[str, Field(max_length=12, pattern=r"^\$?[0-9][0-9,]*(\.[0-9]{1,2})?$")]


def _sent(body: Strict) -> dict[str, Any]:
    return {name: getattr(body, name) for name in body.model_fields_set}


# --- policies -------------------------------------------------------------------------------


@router.get("/clients/{client_id}/policies", tags=["policies"])
def client_policies(client_id: PathId, ctx: Ctx, account: ApiUser) -> Page:
    """The client's insurance policies, with subscriber details and coverage dates."""
    with reading(ctx, account) as work:
        found = client_for(work, account, client_id)
        data = [clients.policy_dict(p) for p in found.policies]
    return Page(data=data, count=len(data))


@router.post("/clients/{client_id}/policies", tags=["policies"], status_code=201)
def add_policy(
    client_id: PathId, body: PolicyIn, ctx: Ctx, account: ApiBiller, response: Response
) -> Item:
    with ctx.store.transaction(actor=account.username) as work:
        client_for(work, account, client_id)
        added = clients.add_policy(
            work=work,
            client_id=client_id,
            payer=str(body.payer_id),
            member_id=body.member_id,
            priority=body.priority,
            group_number=body.group_number,
            relationship=body.relationship,
            subscriber_first_name=body.subscriber_first_name,
            subscriber_last_name=body.subscriber_last_name,
            subscriber_birth_date=body.subscriber_birth_date,
            subscriber_sex=body.subscriber_sex,
            subscriber_address=body.subscriber_address,
            subscriber_city=body.subscriber_city,
            subscriber_state=body.subscriber_state,
            subscriber_postal_code=body.subscriber_postal_code,
            start_date=body.start_date,
            end_date=body.end_date,
        )
        data = clients.policy_dict(added)
    response.headers["Location"] = f"/api/v1/policies/{data['id']}"
    return Item(data=data)


@router.get("/policies/{policy_id}", tags=["policies"])
def policy(policy_id: PathId, ctx: Ctx, account: ApiUser) -> Item:
    with reading(ctx, account) as work:
        return Item(data=clients.policy_dict(policy_for(work, account, policy_id)))


@router.patch("/policies/{policy_id}", tags=["policies"])
def change_policy(policy_id: PathId, body: PolicyChange, ctx: Ctx, account: ApiBiller) -> Item:
    """Change only the fields sent; the payer stays (a new payer is a new policy)."""
    with ctx.store.transaction(actor=account.username) as work:
        policy_for(work, account, policy_id)
        changed = clients.edit_policy(work=work, policy_id=policy_id, changes=_sent(body))
        return Item(data=clients.policy_dict(changed))


@router.post("/policies/{policy_id}/end", tags=["policies"])
def end_policy(policy_id: PathId, body: EndIn, ctx: Ctx, account: ApiBiller) -> Item:
    """End the coverage on ``on`` (default today)."""
    with ctx.store.transaction(actor=account.username) as work:
        policy_for(work, account, policy_id)
        ended = clients.end_policy(work=work, policy_id=policy_id, on=body.on or dt.date.today())
        return Item(data=clients.policy_dict(ended))


# --- authorizations ---------------------------------------------------------------------------


@router.get("/clients/{client_id}/authorizations", tags=["authorizations"])
def client_authorizations(client_id: PathId, ctx: Ctx, account: ApiUser) -> Page:
    """The client's authorizations with units and visits used and left."""
    with reading(ctx, account) as work:
        client_for(work, account, client_id)
        data = [s.to_dict() for s in auths.list_authorizations(work=work, client=client_id)]
    return Page(data=data, count=len(data))


@router.post("/clients/{client_id}/authorizations", tags=["authorizations"], status_code=201)
def add_authorization(
    client_id: PathId, body: AuthorizationIn, ctx: Ctx, account: ApiBiller, response: Response
) -> Item:
    with ctx.store.transaction(actor=account.username) as work:
        client_for(work, account, client_id)
        added = auths.add_authorization(
            work=work,
            client=client_id,
            payer=str(body.payer_id),
            number=body.number,
            start=body.start,
            end=body.end,
            codes=body.codes,
            units=body.units,
            visits=body.visits,
            discipline=body.discipline,
            case_manager_name=body.case_manager_name,
            case_manager_phone=body.case_manager_phone,
            case_manager_email=body.case_manager_email,
        )
        data = auths.AuthorizationStatus(added, 0, 0).to_dict()
    response.headers["Location"] = f"/api/v1/authorizations/{data['id']}"
    return Item(data=data)


@router.get("/authorizations/{authorization_id}", tags=["authorizations"])
def authorization(authorization_id: PathId, ctx: Ctx, account: ApiUser) -> Item:
    with reading(ctx, account) as work:
        authorization_for(work, account, authorization_id)
        status = auths.authorization_status(work=work, auth_id=authorization_id)
        return Item(data=status.to_dict())


@router.patch("/authorizations/{authorization_id}", tags=["authorizations"])
def change_authorization(
    authorization_id: PathId, body: AuthorizationChange, ctx: Ctx, account: ApiBiller
) -> Item:
    """Change only the fields sent; approved units or visits cannot drop below what built
    claims used."""
    with ctx.store.transaction(actor=account.username) as work:
        authorization_for(work, account, authorization_id)
        changed = auths.edit_authorization(work=work, auth_id=authorization_id, changes=_sent(body))
        return Item(data=changed.to_dict())


@router.post("/authorizations/{authorization_id}/end", tags=["authorizations"])
def end_authorization(authorization_id: PathId, body: EndIn, ctx: Ctx, account: ApiBiller) -> Item:
    with ctx.store.transaction(actor=account.username) as work:
        authorization_for(work, account, authorization_id)
        ended = auths.end_authorization(
            work=work, auth_id=authorization_id, on=body.on or dt.date.today()
        )
        return Item(data=ended.to_dict())


# --- payers, providers, fees ------------------------------------------------------------------


@router.get("/payers", tags=["set-up"])
def payer_list(ctx: Ctx, account: ApiUser) -> Page:
    """The practice's payers; ``profiles`` lists the payer profiles to add one from."""
    with reading(ctx, account) as work:
        data = [payers.payer_dict(p) for p in payers.list_payers(work=work)]
    return Page(data=data, count=len(data))


@router.get("/payer-profiles", tags=["set-up"])
def payer_profiles(account: ApiUser) -> Page:
    """The payer profiles a payer can be added from (shipped and the practice's own)."""
    data = [
        {"id": k, "name": v.name, "unit_rule": str(v.unit_rule)}
        for k, v in sorted(profiles.payer_profiles().items())
    ]
    return Page(data=data, count=len(data))


@router.post("/payers", tags=["set-up"], status_code=201)
def add_payer(body: PayerIn, ctx: Ctx, account: ApiBiller) -> Item:
    with ctx.store.transaction(actor=account.username) as work:
        added = payers.add_payer(
            work=work, profile=body.profile, name=body.name, payer_id=body.payer_id
        )
        return Item(data=payers.payer_dict(added))


@router.patch("/payers/{payer_id}", tags=["set-up"])
def change_payer(payer_id: PathId, body: PayerChange, ctx: Ctx, account: ApiBiller) -> Item:
    sent = _sent(body)
    with ctx.store.transaction(actor=account.username) as work:
        payers.known_payer(work, payer_id)
        changed = payers.edit_payer(
            work=work,
            payer=payer_id,
            name=sent.get("name"),
            payer_id=(sent["payer_id"] or "") if "payer_id" in sent else None,
        )
        return Item(data=payers.payer_dict(changed))


@router.get("/providers", tags=["set-up"])
def provider_list(ctx: Ctx, account: ApiUser) -> Page:
    with reading(ctx, account) as work:
        data = [
            practice_services.provider_dict(p) for p in practice_services.list_providers(work=work)
        ]
    return Page(data=data, count=len(data))


@router.post("/providers", tags=["set-up"], status_code=201)
def add_provider(body: ProviderIn, ctx: Ctx, account: ApiBiller) -> Item:
    with ctx.store.transaction(actor=account.username) as work:
        added = practice_services.add_provider(work=work, **body.model_dump())
        return Item(data=practice_services.provider_dict(added))


@router.patch("/providers/{provider_id}", tags=["set-up"])
def change_provider(
    provider_id: PathId, body: ProviderChange, ctx: Ctx, account: ApiBiller
) -> Item:
    with ctx.store.transaction(actor=account.username) as work:
        practice_services.known_provider(work, provider_id)
        changed = practice_services.edit_provider(
            work=work, provider_id=provider_id, changes=_sent(body)
        )
        return Item(data=practice_services.provider_dict(changed))


@router.post("/providers/{provider_id}/end", tags=["set-up"])
def end_provider(provider_id: PathId, body: ProviderEnd, ctx: Ctx, account: ApiBiller) -> Item:
    """A provider who left (``restore``: taken back on)."""
    with ctx.store.transaction(actor=account.username) as work:
        practice_services.known_provider(work, provider_id)
        ended = practice_services.end_provider(
            work=work, provider_id=provider_id, active=body.restore
        )
        return Item(data=practice_services.provider_dict(ended))


@router.get("/fees", tags=["set-up"])
def fee_list(ctx: Ctx, account: ApiUser) -> Page:
    """The practice's charge per unit of each code, in cents."""
    with reading(ctx, account) as work:
        data = [
            {"code": f.code, "unit_charge_cents": f.unit_charge_cents}
            for f in practice_services.list_fees(work=work)
        ]
    return Page(data=data, count=len(data))


@router.put("/fees/{code}", tags=["set-up"])
def set_fee(
    code: Annotated[str, Path(pattern=r"^[A-Za-z0-9]{5}$")],
    body: FeeIn,
    ctx: Ctx,
    account: ApiBiller,
) -> Item:
    """Set the charge per unit of ``code`` (``"45.00"``)."""
    cents = parse_money(body.amount, field="amount")
    with ctx.store.transaction(actor=account.username) as work:
        fee = practice_services.set_fee(work=work, code=code, unit_charge_cents=cents)
        return Item(data={"code": fee.code, "unit_charge_cents": fee.unit_charge_cents})


@router.delete("/fees/{code}", tags=["set-up"])
def remove_fee(
    code: Annotated[str, Path(pattern=r"^[A-Za-z0-9]{5}$")], ctx: Ctx, account: ApiBiller
) -> Item:
    """Stop charging for ``code`` (claims already built keep their charges)."""
    with ctx.store.transaction(actor=account.username) as work:
        cents = practice_services.remove_fee(work=work, code=code)
    return Item(data={"code": code.upper(), "removed_unit_charge_cents": cents})
