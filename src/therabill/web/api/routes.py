"""The API's routes: the same service layer and access rules as the pages."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response

from therabill.claims.status import ClaimStatus
from therabill.codes import load_code_set
from therabill.errors import InvalidInput
from therabill.store.models import Client
from therabill.store.services import UnitOfWork, client_entry, jobs, reports
from therabill.store.services.access import (
    claim_for,
    client_for,
    client_id_for,
    provider_for,
    provider_id_for,
    session_for,
)
from therabill.store.services.caseload import caseload_providers
from therabill.store.services.claim_records import show_claim
from therabill.store.services.claims_queue import QueueFilter, queue
from therabill.store.services.clients import CLIENT_COLUMNS, client_dict, search_clients
from therabill.store.services.live_check import Entered, ServiceEntry, preview_for
from therabill.store.services.remittance_intake import Intake, check_size, receive_remittance
from therabill.store.services.sessions import ServiceMinutes, add_session, session_dict
from therabill.store.services.users import Account
from therabill.units import count_units
from therabill.web.api import accounts, corrections, setup_routes
from therabill.web.api.errors import FieldsInvalid, RoleMayNot
from therabill.web.api.schemas import (
    ClientChange,
    ClientIn,
    ClientSearchIn,
    Item,
    Page,
    Problem,
    ScrubIn,
    SessionIn,
    UnitsIn,
)
from therabill.web.client_form import ClientForm, form_of
from therabill.web.deps import ApiBiller, ApiUser, Ctx, RawBody
from therabill.web.reads import reading

ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem, "content": {"application/problem+json": {}}}
    for status in (401, 403, 404, 422)
}
router = APIRouter(responses=ERRORS)
PathId = Annotated[int, Path(ge=1, le=2_000_000_000)]
StatusQuery = Annotated[str, Query(max_length=20, pattern=r"^[a-z_]*$")]


@router.post("/units", tags=["units"])
def units(body: UnitsIn, account: ApiUser) -> dict[str, Any]:
    """Units for minutes per code under a rule (CMS 8-minute or midpoint), with the reasons."""
    result = count_units(
        [(s.code.upper(), s.minutes) for s in body.services],
        rule=body.rule,
        day=body.date or dt.date.today(),
        code_set=load_code_set(),
    )
    return result.to_dict()


@router.post("/scrub", tags=["scrub"])
def scrub(body: ScrubIn, ctx: Ctx, account: ApiUser) -> dict[str, Any]:
    """Units under the client's payer's rule and the findings for the claim a session would
    become, without saving anything."""
    with reading(ctx, account) as work:
        preview = preview_for(
            work,
            client_id=client_id_for(work, account, body.client_id),
            provider_id=provider_id_for(work, account, body.provider_id),
            entered=Entered(
                day=body.date or dt.date.today(),
                services=[
                    ServiceEntry(s.code.upper(), s.minutes, tuple(m.upper() for m in s.modifiers))
                    for s in body.services
                ],
                place_of_service=body.place_of_service,
                diagnoses=body.diagnoses,
            ),
        )
    if preview.problem:
        raise InvalidInput(preview.problem, field=preview.problem_field or "services")
    return preview.to_dict()


@router.get("/clients", tags=["clients"])
def clients(ctx: Ctx, account: ApiUser, limit: Annotated[int, Query(ge=1, le=200)] = 50) -> Page:
    """Clients this user may see, by name (search with POST /clients/search: names stay
    out of URLs)."""
    with reading(ctx, account) as work:
        found = search_clients(work, account, "", limit=limit)
        return Page(data=[client_dict(c) for c in found], count=len(found))


@router.post("/clients/search", tags=["clients"])
def clients_search(body: ClientSearchIn, ctx: Ctx, account: ApiUser) -> Page:
    with reading(ctx, account) as work:
        found = search_clients(work, account, body.q, limit=body.limit)
        return Page(data=[client_dict(c) for c in found], count=len(found))


def _client_data(work: UnitOfWork, account: Account, found: Client) -> dict[str, Any]:
    """A client as the API shows one: details, policies, caseload (provider ids) and, for
    billers and admins, the balance."""
    data = client_dict(found, full=True)
    data["caseload"] = [p.id for p in caseload_providers(work=work, client_id=found.id)]
    if account.sees_all_clients:
        picture = reports.client_picture(work, account, found, today=dt.date.today())
        data["balance"] = picture["balance"].to_dict()
    return data


@router.get("/clients/{client_id}", tags=["clients"])
def client(client_id: PathId, ctx: Ctx, account: ApiUser) -> Item:
    with reading(ctx, account) as work:
        found = client_for(work, account, client_id)
        return Item(data=_client_data(work, account, found))


def _may_set_caseload(account: Account, sent: set[str]) -> None:
    """Caseloads are set by billers and admins, as on the pages (403 for a therapist)."""
    if "caseload" in sent and not account.sees_all_clients:
        raise RoleMayNot(
            "only billers and admins set a client's caseload; "
            "a therapist's new client goes on their own caseload",
            field="caseload",
        )


def _check(form: ClientForm) -> None:
    """Every field checked by the store's read_client (the page's checks and messages)."""
    problems = client_entry.check_client(form.values)
    if problems:
        raise FieldsInvalid(problems)


def _save(work: UnitOfWork, account: Account, form: ClientForm, client_id: int | None) -> int:
    """The page's save (details, then caseload) in the caller's transaction; the store's
    ``providers`` is the API's ``caseload``."""
    try:
        return client_entry.save_client(
            work,
            account=account,
            values=form.values,
            provider_ids=form.provider_ids,
            client_id=client_id,
        )
    except InvalidInput as exc:
        if exc.field == "providers":
            raise InvalidInput(exc.message, field="caseload") from exc
        raise


@router.post("/clients", tags=["clients"], status_code=201)
def create_client(body: ClientIn, ctx: Ctx, account: ApiUser, response: Response) -> Item:
    """Add a client; the answer is the client as ``GET /clients/{id}`` shows it. Billers and
    admins may send ``caseload`` (provider ids); a therapist's new client goes on their own
    caseload, and a therapist sending ``caseload`` gets 403."""
    _may_set_caseload(account, body.model_fields_set)
    form = ClientForm(
        values={name: getattr(body, name) or "" for name in CLIENT_COLUMNS},
        provider_ids=set(body.caseload),
    )
    _check(form)
    with ctx.store.transaction(actor=account.username) as work:
        client_id = _save(work, account, form, None)
        data = _client_data(work, account, client_for(work, account, client_id))
    response.headers["Location"] = f"/api/v1/clients/{client_id}"
    return Item(data=data)


@router.patch("/clients/{client_id}", tags=["clients"])
def change_client(client_id: PathId, body: ClientChange, ctx: Ctx, account: ApiUser) -> Item:
    """Change only the fields sent (``null`` or ``""`` clears an optional one); ``caseload``
    (billers and admins) replaces the client's providers. Checked as a whole, as the page
    checks its form; nothing is written unless every field is right."""
    sent = body.model_fields_set
    _may_set_caseload(account, sent)
    with ctx.store.transaction(actor=account.username) as work:
        found = client_for(work, account, client_id)
        form = form_of(found, caseload_providers(work=work, client_id=client_id))
        form.values.update({n: getattr(body, n) or "" for n in CLIENT_COLUMNS if n in sent})
        if "caseload" in sent:
            form.provider_ids = set(body.caseload)
        _check(form)
        _save(work, account, form, client_id)
        data = _client_data(work, account, found)
    return Item(data=data)


@router.get("/sessions/{session_id}", tags=["sessions"])
def session(session_id: PathId, ctx: Ctx, account: ApiUser) -> Item:
    with reading(ctx, account) as work:
        found = session_for(work, account, session_id)
        return Item(data=session_dict(found, with_note=True))


@router.post("/sessions", tags=["sessions"], status_code=201)
def create_session(body: SessionIn, ctx: Ctx, account: ApiUser) -> Item:
    """Record a session (minutes per code); units and findings come back with it."""
    if not any(s.minutes > 0 for s in body.services):
        raise InvalidInput("give at least one code with its minutes", field="services")
    with ctx.store.transaction(actor=account.username) as work:
        client = client_for(work, account, body.client_id)
        provider = provider_for(work, account, body.provider_id)
        if provider is None:
            raise InvalidInput("is required", field="provider_id")
        created, result = add_session(
            work=work,
            client=client.id,
            provider=provider.id,
            day=body.date or dt.date.today(),
            services=[
                ServiceMinutes(s.code.upper(), s.minutes, tuple(m.upper() for m in s.modifiers))
                for s in body.services
                if s.minutes > 0
            ],
            start=body.start,
            end=body.end,
            place_of_service=body.place_of_service,
            techniques=body.techniques,
            note=body.note,
            diagnoses=body.diagnoses,
        )
        data = session_dict(created)
        data["units"] = result.to_dict()
        return Item(data=data)


@router.get("/claims", tags=["claims"])
def claims(ctx: Ctx, account: ApiBiller, status: StatusQuery = "") -> Page:
    """Claims, newest first (up to 200); ``status`` is a lifecycle status or ``attention``."""
    if status not in ("", "attention") and status not in {s.value for s in ClaimStatus}:
        raise InvalidInput(f"unknown status {status!r}", field="status")
    with reading(ctx, account) as work:
        rows, total = queue(work, QueueFilter(status))
    for row in rows:
        row["date_of_service"] = row["date_of_service"].isoformat()
    return Page(data=rows, count=total)


@router.get("/claims/{claim_id}", tags=["claims"])
def claim(claim_id: PathId, ctx: Ctx, account: ApiBiller) -> Item:
    with reading(ctx, account) as work:
        claim_for(work, account, claim_id)
        return Item(data=show_claim(work=work, claim_id=claim_id))


X12_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {"application/edi-x12": {"schema": {"type": "string"}}},
    }
}
"""The OpenAPI body of the calls that take an X12 file as it is (the raw bytes)."""


@router.post(
    "/remittances",
    tags=["remittances"],
    openapi_extra=X12_BODY,
)
def remittance(data: RawBody, ctx: Ctx, account: ApiBiller) -> dict[str, Any]:
    """Post an 835 (the raw file as the body). Posting the same file again changes nothing
    and says ``already posted``."""
    if not data:
        raise InvalidInput("send the 835 file as the request body", field="body")
    check_size(len(data), "body")
    # SQLite: posted in parts (a post-835 job run here), so billers' saves get in between
    result = jobs.post_835_now(
        ctx.store, data=data, file_name="api-upload.835", actor=account.username
    )
    return _intake_answer(result)


@router.post(
    "/remittances/quarantined/{quarantine_id}",
    tags=["remittances"],
    openapi_extra=X12_BODY,
)
def post_quarantined(
    quarantine_id: PathId, data: RawBody, ctx: Ctx, account: ApiBiller
) -> dict[str, Any]:
    """Post anyway an 835 quarantined because its payee's NPI or tax id is not the
    practice's, once you have checked that it pays this practice: the body is the same file
    (the same bytes). A file refused for anything else cannot be released."""
    if not data:
        raise InvalidInput("send the quarantined 835 file as the request body", field="body")
    check_size(len(data), "body")
    with ctx.store.transaction(actor=account.username) as work:
        result = receive_remittance(
            work=work, data=data, file_name="api-upload.835", release=quarantine_id
        )
    return _intake_answer(result)


def _intake_answer(result: Intake) -> dict[str, Any]:
    if result.quarantined:
        raise InvalidInput(result.message, field="body")
    return {
        "outcome": result.outcome,
        "message": result.message,
        "payment": str(result.payment),
        "trace_numbers": result.trace_numbers,
        "claims": [
            {
                "claim": c.control_number,
                "status": c.status,
                "charge": str(c.charge),
                "paid": str(c.paid),
                "patient_responsibility": str(c.patient),
                "adjustments": c.reasons,
            }
            for c in result.claims
        ],
        "posting": result.posted,
    }


ROUTERS: list[APIRouter] = [router, setup_routes.router, corrections.router, accounts.router]
