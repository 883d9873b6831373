"""Set-up pages: providers, fees, insurance policies, authorizations and plans of care.

Everyone sees them (a therapist only their own clients' policies and authorizations);
billers and admins change them. Each change is one store service in one transaction; a
refused change shows the page again (422) with the message and nothing written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from therabill.codes import load_code_set
from therabill.codes.model import DISCIPLINES
from therabill.errors import InvalidInput, TherabillError
from therabill.money import parse_money
from therabill.store.services import (
    UnitOfWork,
    auths,
    client_entry,
    clients,
    plans_of_care,
)
from therabill.store.services import practice as practice_services
from therabill.store.services.access import authorization_for, client_for, policy_for
from therabill.store.services.users import Account
from therabill.web.deps import Ctx, FormFields, NotFound, PageBiller, PageUser, PathId
from therabill.web.reads import reading
from therabill.web.render import done, render
from therabill.web.routes import clients as client_pages
from therabill.web.tables import Column, Table, csv_response, wants_csv

router = APIRouter()

PROVIDER_FIELDS = {
    "npi": 10,
    "first_name": 100,
    "last_name": 100,
    "discipline": 20,
    "licence": 60,
    "taxonomy": 10,
}
AUTH_FIELDS = {
    "payer": 12,
    "number": 60,
    "start": 10,
    "end": 10,
    "codes": 200,
    "units": 7,
    "visits": 7,
    "discipline": 20,
    "case_manager_name": 200,
    "case_manager_phone": 30,
    "case_manager_email": 200,
}
POLICY_EDIT_FIELDS = {
    "member_id": 40,
    "group_number": 40,
    "priority": 10,
    "relationship": 10,
    "subscriber_first_name": 100,
    "subscriber_last_name": 100,
    "subscriber_birth_date": 10,
    "subscriber_sex": 1,
    "subscriber_address": 200,
    "subscriber_city": 100,
    "subscriber_state": 2,
    "subscriber_postal_code": 10,
    "start_date": 10,
    "end_date": 10,
}


def _values(form: FormData, fields: dict[str, int]) -> dict[str, str]:
    """The named text fields of a form, trimmed and cut one past their longest (so a long
    value still reaches the check that names it)."""
    out = {}
    for name, longest in fields.items():
        value = form.get(name)
        if isinstance(value, str):
            out[name] = value.strip()[: longest + 1]
    return out


def _change(
    request: Request,
    ctx: Ctx,
    account: Account,
    apply: Callable[[UnitOfWork], str],
    again: Callable[[UnitOfWork, str], Response],
    *,
    said: str,
) -> Response:
    """Run one change in one transaction: 303 to where ``apply`` says, with the toast
    ``said`` (a ``render.DONE`` key), or the page again (422) with the message."""
    try:
        with ctx.store.transaction(actor=account.username) as work:
            target = apply(work)
        return RedirectResponse(done(target, said), status_code=303)
    except TherabillError as exc:
        message = str(exc)
    with reading(ctx, account) as work:
        page = again(work, message)
    page.status_code = 422
    return page


# --- providers --------------------------------------------------------------------------------


PROVIDERS = Table(
    "providers",
    "Providers",
    columns=(
        Column("name", "Name", link="url"),
        Column("npi", "NPI"),
        Column("discipline", "Discipline"),
        Column("licence", "Licence"),
        Column("taxonomy", "Taxonomy"),
        Column("state", "Status"),
    ),
    default_sort="",
    empty="No providers yet.",
)


def _providers_page(
    request: Request, work: UnitOfWork, *, values: dict[str, str] | None = None, error: str = ""
) -> Response:
    rows = [
        {
            "name": f"{p.first_name} {p.last_name}", "url": f"/providers/{p.id}", "npi": p.npi,
            "discipline": DISCIPLINES.get(p.discipline, p.discipline), "licence": p.licence,
            "taxonomy": p.taxonomy, "state": "active" if p.active else "left the practice",
            "_class": "" if p.active else "muted",
        }
        for p in practice_services.list_providers(work=work)
    ]  # fmt: skip
    view = PROVIDERS.whole(request, rows, path="/providers")
    if wants_csv(request):
        return csv_response(view)
    return render(
        request,
        "providers.html",
        {"table": view, "disciplines": DISCIPLINES, "values": values or {}, "error": error},
    )


@router.get("/providers", response_class=HTMLResponse)
def providers_page(request: Request, ctx: Ctx, account: PageUser) -> Response:
    with reading(ctx, account) as work:
        return _providers_page(request, work)


@router.post("/providers")
def add_provider(request: Request, ctx: Ctx, account: PageBiller, form: FormFields) -> Response:
    values = _values(form, PROVIDER_FIELDS)

    def apply(work: UnitOfWork) -> str:
        added = practice_services.add_provider(
            work=work,
            npi=values.get("npi", ""),
            first_name=values.get("first_name", ""),
            last_name=values.get("last_name", ""),
            discipline=values.get("discipline", ""),
            licence=values.get("licence") or None,
            taxonomy=values.get("taxonomy") or None,
        )
        return f"/providers/{added.id}"

    return _change(
        request,
        ctx,
        account,
        apply,
        lambda work, error: _providers_page(request, work, values=values, error=error),
        said="provider-added",
    )


def _provider_page(
    request: Request,
    work: UnitOfWork,
    provider_id: int,
    *,
    values: dict[str, str] | None = None,
    error: str = "",
) -> HTMLResponse:
    provider = practice_services.read_provider(work, provider_id)
    shown = {name: str(getattr(provider, name) or "") for name in practice_services.PROVIDER_FIELDS}
    shown.update(values or {})
    return render(
        request,
        "provider.html",
        {"provider": provider, "values": shown, "disciplines": DISCIPLINES, "error": error},
    )


@router.get("/providers/{provider_id}", response_class=HTMLResponse)
def provider_page(
    request: Request, ctx: Ctx, account: PageUser, provider_id: PathId
) -> HTMLResponse:
    with reading(ctx, account) as work:
        return _provider_page(request, work, _known_provider(work, provider_id))


def _known_provider(work: UnitOfWork, provider_id: int) -> int:
    return practice_services.known_provider(work, provider_id).id


@router.post("/providers/{provider_id}")
def edit_provider(
    request: Request, ctx: Ctx, account: PageBiller, provider_id: PathId, form: FormFields
) -> Response:
    values = _values(form, PROVIDER_FIELDS)
    with reading(ctx, account) as work:
        _known_provider(work, provider_id)

    def apply(work: UnitOfWork) -> str:
        practice_services.edit_provider(work=work, provider_id=provider_id, changes=values)
        return f"/providers/{provider_id}"

    return _change(
        request,
        ctx,
        account,
        apply,
        lambda work, error: _provider_page(request, work, provider_id, values=values, error=error),
        said="provider-saved",
    )


@router.post("/providers/{provider_id}/end")
def end_provider(
    request: Request, ctx: Ctx, account: PageBiller, provider_id: PathId, form: FormFields
) -> Response:
    with reading(ctx, account) as work:
        _known_provider(work, provider_id)
    restore = form.get("restore") == "1"

    def apply(work: UnitOfWork) -> str:
        practice_services.end_provider(work=work, provider_id=provider_id, active=restore)
        return f"/providers/{provider_id}"

    return _change(
        request,
        ctx,
        account,
        apply,
        lambda work, error: _provider_page(request, work, provider_id, error=error),
        said="provider-ended",
    )


# --- fees -------------------------------------------------------------------------------------


FEES = Table(
    "fees",
    "Fees",
    columns=(
        Column("code", "Code", link="url"),
        Column("what", "What it is", sortable=False),
        Column("per_unit", "Per unit", kind="money"),
        Column("remove", "Remove", kind="cell", sortable=False, export=False),
    ),
    default_sort="code",
    per_page=100,
    empty="No fees yet: claims built now have no charges.",
)


def _fees_page(
    request: Request, work: UnitOfWork, *, values: dict[str, str] | None = None, error: str = ""
) -> Response:
    code_set = load_code_set()
    rows = [
        {"code": f.code, "url": f"/codes/{f.code}", "per_unit": f.unit_charge_cents,
         "what": code_set[f.code].short if f.code in code_set else ""}
        for f in practice_services.list_fees(work=work)
    ]  # fmt: skip
    view = FEES.whole(request, rows, path="/fees")
    if wants_csv(request):
        return csv_response(view)
    return render(request, "fees.html", {"table": view, "values": values or {}, "error": error})


@router.get("/fees", response_class=HTMLResponse)
def fees_page(request: Request, ctx: Ctx, account: PageUser) -> Response:
    with reading(ctx, account) as work:
        return _fees_page(request, work)


@router.post("/fees")
def set_fee(request: Request, ctx: Ctx, account: PageBiller, form: FormFields) -> Response:
    values = _values(form, {"code": 5, "amount": 12})

    def apply(work: UnitOfWork) -> str:
        cents = parse_money(values.get("amount", ""), field="amount")
        practice_services.set_fee(work=work, code=values.get("code", ""), unit_charge_cents=cents)
        return "/fees"

    return _change(
        request,
        ctx,
        account,
        apply,
        lambda work, error: _fees_page(request, work, values=values, error=error),
        said="fee-saved",
    )


@router.post("/fees/{code}/remove")
def remove_fee(request: Request, ctx: Ctx, account: PageBiller, code: str) -> Response:
    def apply(work: UnitOfWork) -> str:
        practice_services.remove_fee(work=work, code=code[:5])
        return "/fees"

    return _change(
        request,
        ctx,
        account,
        apply,
        lambda work, error: _fees_page(request, work, error=error),
        said="fee-removed",
    )


# --- insurance policies -----------------------------------------------------------------------


def _policy_page(
    request: Request,
    work: UnitOfWork,
    account: Account,
    policy_id: int,
    *,
    values: dict[str, str] | None = None,
    error: str = "",
) -> HTMLResponse:
    policy = policy_for(work, account, policy_id)
    data = clients.policy_dict(policy)
    shown = {
        "member_id": policy.member_id,
        "group_number": policy.group_number or "",
        "priority": policy.priority,
        "relationship": policy.relationship_to_subscriber,
        "subscriber_first_name": policy.subscriber_first_name or "",
        "subscriber_last_name": policy.subscriber_last_name or "",
        "subscriber_birth_date": _iso(policy.subscriber_birth_date),
        "subscriber_sex": policy.subscriber_sex or "",
        "subscriber_address": policy.subscriber_address or "",
        "subscriber_city": policy.subscriber_city or "",
        "subscriber_state": policy.subscriber_state or "",
        "subscriber_postal_code": policy.subscriber_postal_code or "",
        "start_date": _iso(policy.start_date),
        "end_date": _iso(policy.end_date),
    }
    shown.update(values or {})
    return render(
        request,
        "policy.html",
        {
            "policy": data,
            "client": policy.client,
            "values": shown,
            "priorities": clients.PRIORITIES,
            "relationships": clients.RELATIONSHIPS,
            "today": dt.date.today().isoformat(),
            "error": error,
        },
    )


def _iso(day: dt.date | None) -> str:
    return day.isoformat() if day else ""


@router.get("/policies/{policy_id}", response_class=HTMLResponse)
def policy_page(request: Request, ctx: Ctx, account: PageUser, policy_id: PathId) -> HTMLResponse:
    with reading(ctx, account) as work:
        return _policy_page(request, work, account, policy_id)


@router.post("/policies/{policy_id}")
def edit_policy(
    request: Request, ctx: Ctx, account: PageBiller, policy_id: PathId, form: FormFields
) -> Response:
    values = _values(form, POLICY_EDIT_FIELDS)

    def apply(work: UnitOfWork) -> str:
        policy = policy_for(work, account, policy_id)
        clients.edit_policy(
            work=work, policy_id=policy_id, changes=client_entry.policy_changes(values)
        )
        return f"/clients/{policy.client_id}"

    return _change(
        request,
        ctx,
        account,
        apply,
        lambda work, error: _policy_page(
            request, work, account, policy_id, values=values, error=error
        ),
        said="policy-saved",
    )


@router.post("/policies/{policy_id}/end")
def end_policy(
    request: Request, ctx: Ctx, account: PageBiller, policy_id: PathId, form: FormFields
) -> Response:
    on = form.get("on")

    def apply(work: UnitOfWork) -> str:
        policy = policy_for(work, account, policy_id)
        clients.end_policy(work=work, policy_id=policy_id, on=_day(on, "on"))
        return f"/clients/{policy.client_id}"

    return _change(
        request,
        ctx,
        account,
        apply,
        lambda work, error: _policy_page(request, work, account, policy_id, error=error),
        said="policy-ended",
    )


def _day(value: Any, field: str) -> dt.date:
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        raise InvalidInput("is required", field=field)
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{text!r} is not a date (YYYY-MM-DD)", field=field) from None


# --- authorizations ---------------------------------------------------------------------------


def _authorization_page(
    request: Request,
    work: UnitOfWork,
    account: Account,
    *,
    client_id: int,
    auth_id: int | None,
    values: dict[str, str] | None = None,
    error: str = "",
) -> HTMLResponse:
    client = client_for(work, account, client_id)
    status = None
    shown: dict[str, str] = {}
    if auth_id is not None:
        status = auths.authorization_status(work=work, auth_id=auth_id)
        a = status.authorization
        shown = {
            "number": a.number,
            "start": a.start_date.isoformat(),
            "end": a.end_date.isoformat(),
            "codes": " ".join(a.code_list()),
            "units": "" if a.units_approved is None else str(a.units_approved),
            "visits": "" if a.visits_approved is None else str(a.visits_approved),
            "discipline": a.discipline or "",
            "case_manager_name": a.case_manager_name or "",
            "case_manager_phone": a.case_manager_phone or "",
            "case_manager_email": a.case_manager_email or "",
        }
    shown.update(values or {})
    return render(
        request,
        "authorization.html",
        {
            "client": client,
            "status": status,
            "values": shown,
            "payers": client_entry.payers_to_choose(work) if account.sees_all_clients else [],
            "disciplines": DISCIPLINES,
            "today": dt.date.today().isoformat(),
            "error": error,
        },
    )


@router.get("/clients/{client_id}/authorizations/new", response_class=HTMLResponse)
def new_authorization_page(
    request: Request, ctx: Ctx, account: PageBiller, client_id: PathId
) -> HTMLResponse:
    with reading(ctx, account) as work:
        return _authorization_page(request, work, account, client_id=client_id, auth_id=None)


@router.post("/clients/{client_id}/authorizations")
def add_authorization(
    request: Request, ctx: Ctx, account: PageBiller, client_id: PathId, form: FormFields
) -> Response:
    values = _values(form, AUTH_FIELDS)

    def apply(work: UnitOfWork) -> str:
        client_for(work, account, client_id)
        typed = auths.read_form(values)
        for name in ("start", "end"):
            if typed.get(name) is None:
                raise InvalidInput("is required", field=name)
        added = auths.add_authorization(
            work=work,
            client=client_id,
            payer=values.get("payer") or "",
            number=typed.get("number") or "",
            start=typed["start"],
            end=typed["end"],
            codes=typed.get("codes", []),
            units=typed.get("units"),
            visits=typed.get("visits"),
            discipline=typed.get("discipline"),
            case_manager_name=typed.get("case_manager_name"),
            case_manager_phone=typed.get("case_manager_phone"),
            case_manager_email=typed.get("case_manager_email"),
        )
        return f"/authorizations/{added.id}"

    return _change(
        request,
        ctx,
        account,
        apply,
        lambda work, error: _authorization_page(
            request, work, account, client_id=client_id, auth_id=None, values=values, error=error
        ),
        said="authorization-added",
    )


@router.get("/authorizations/{authorization_id}", response_class=HTMLResponse)
def authorization_page(
    request: Request, ctx: Ctx, account: PageUser, authorization_id: PathId
) -> HTMLResponse:
    with reading(ctx, account) as work:
        found = authorization_for(work, account, authorization_id)
        return _authorization_page(
            request, work, account, client_id=found.client_id, auth_id=authorization_id
        )


@router.post("/authorizations/{authorization_id}")
def edit_authorization(
    request: Request, ctx: Ctx, account: PageBiller, authorization_id: PathId, form: FormFields
) -> Response:
    values = _values(form, AUTH_FIELDS)
    values.pop("payer", None)  # a payer is not changed: a new payer's approval is a new one
    with reading(ctx, account) as work:
        client_id = authorization_for(work, account, authorization_id).client_id

    def apply(work: UnitOfWork) -> str:
        auths.edit_authorization(
            work=work, auth_id=authorization_id, changes=auths.read_form(values)
        )
        return f"/authorizations/{authorization_id}"

    return _change(
        request,
        ctx,
        account,
        apply,
        lambda work, error: _authorization_page(
            request,
            work,
            account,
            client_id=client_id,
            auth_id=authorization_id,
            values=values,
            error=error,
        ),
        said="authorization-saved",
    )


@router.post("/authorizations/{authorization_id}/end")
def end_authorization(
    request: Request, ctx: Ctx, account: PageBiller, authorization_id: PathId, form: FormFields
) -> Response:
    on = form.get("on")
    with reading(ctx, account) as work:
        client_id = authorization_for(work, account, authorization_id).client_id

    def apply(work: UnitOfWork) -> str:
        auths.end_authorization(work=work, auth_id=authorization_id, on=_day(on, "on"))
        return f"/authorizations/{authorization_id}"

    return _change(
        request,
        ctx,
        account,
        apply,
        lambda work, error: _authorization_page(
            request, work, account, client_id=client_id, auth_id=authorization_id, error=error
        ),
        said="authorization-ended",
    )


# --- plans of care ----------------------------------------------------------------------------
# On the client page: add one, record the certifier's signature and the progress reports
# (CMS Pub 100-02 ch.15 §220.1.3, §220.3) through the services of ``therabill plan``.

PLAN_FIELDS = {
    "discipline": 20,
    "referring_npi": 10,
    "referring_name": 100,
    "start": 10,
    "end": 10,
    "certified_on": 10,
}


def _client_page(
    request: Request, work: UnitOfWork, account: Account, client_id: int, error: str
) -> HTMLResponse:
    """The client page with a plan-of-care refusal above the plans."""
    values = client_pages.client_values(request, work, account, client_id, today=dt.date.today())
    return render(request, "client.html", {**values, "plan_error": error})


@router.post("/clients/{client_id}/plans")
def add_plan(
    request: Request, ctx: Ctx, account: PageBiller, client_id: PathId, form: FormFields
) -> Response:
    """A new plan of care: discipline, certifying physician/NPP, dates."""
    values = _values(form, PLAN_FIELDS)

    def apply(work: UnitOfWork) -> str:
        client_for(work, account, client_id)
        first, _, last = values.get("referring_name", "").rpartition(" ")
        if not first.strip():
            raise InvalidInput('give the first and last name, "Rosa Diaz"', field="referring_name")
        end, certified = values.get("end"), values.get("certified_on")
        plans_of_care.add_plan(
            work=work,
            client=client_id,
            discipline=values.get("discipline", ""),
            referring_npi=values.get("referring_npi", ""),
            referring_first_name=first.strip(),
            referring_last_name=last.strip(),
            start=_day(values.get("start"), "start"),
            end=_day(end, "end") if end else None,
            certified_on=_day(certified, "certified_on") if certified else None,
        )
        return f"/clients/{client_id}#plans"

    return _change(
        request,
        ctx,
        account,
        apply,
        lambda work, error: _client_page(request, work, account, client_id, error),
        said="plan-saved",
    )


@router.post("/plans/{plan_id}/{action}")
def plan_action(
    request: Request, ctx: Ctx, account: PageBiller, plan_id: PathId, action: str, form: FormFields
) -> Response:
    """``certify``: the signature (or verbal order) date; ``progress``: a progress report."""
    if action not in ("certify", "progress"):
        raise NotFound()
    with reading(ctx, account) as work:
        try:
            client_id = plans_of_care.plan_row(work, plan_id).client_id
        except InvalidInput:
            raise NotFound() from None
        client_for(work, account, client_id)  # a plan of a client the user may not see: 404

    def apply(work: UnitOfWork) -> str:
        on = _day(form.get("on"), "on")
        if action == "certify":
            plans_of_care.certify_plan(work=work, plan_id=plan_id, on=on)
        else:
            plans_of_care.record_progress_report(work=work, plan_id=plan_id, on=on)
        return f"/clients/{client_id}#plans"

    return _change(
        request,
        ctx,
        account,
        apply,
        lambda work, error: _client_page(request, work, account, client_id, error),
        said="plan-saved",
    )
