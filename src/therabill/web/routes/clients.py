"""Clients: search (a POST, so a name never sits in a URL or a log), one client's page, and
adding or changing a client and adding a policy (POST, then 303 to the client's page)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from therabill.errors import TherabillError
from therabill.store.models import Client
from therabill.store.services import UnitOfWork, client_entry, eligibility, reports
from therabill.store.services.access import client_for
from therabill.store.services.caseload import caseload_providers
from therabill.store.services.clients import PRIORITIES, RELATIONSHIPS, search_clients
from therabill.store.services.users import Account
from therabill.web import flash
from therabill.web.client_form import (
    FIELDS,
    POLICY_FIELDS,
    ClientForm,
    PolicyForm,
    check_form,
    form_of,
    note_error,
    read_form,
    read_policy_form,
)
from therabill.web.deps import Ctx, FormFields, PageBiller, PageUser, PathId
from therabill.web.reads import reading
from therabill.web.render import render
from therabill.web.routes import accounts

router = APIRouter()


@router.get("/clients", response_class=HTMLResponse)
def clients_page(request: Request, ctx: Ctx, account: PageUser) -> HTMLResponse:
    with reading(ctx, account) as work:
        found = search_clients(work, account, "")
    return render(request, "clients.html", {"clients": found})


@router.post("/clients/search", response_class=HTMLResponse)
def clients_search(
    request: Request,
    ctx: Ctx,
    account: PageUser,
    q: Annotated[str, Form(max_length=100)] = "",
) -> HTMLResponse:
    with reading(ctx, account) as work:
        found = search_clients(work, account, q)
    return render(request, "clients_results.html", {"clients": found})


def _form_page(
    request: Request,
    work: UnitOfWork,
    account: Account,
    form: ClientForm,
    client_id: int | None,
    *,
    policy: PolicyForm | None = None,
    status: int = 200,
) -> HTMLResponse:
    """The add/edit page; on the edit page billers and admins also see the client's policies
    and a form to add one."""
    billing = client_id is not None and account.sees_all_clients
    client = work.db.get(Client, client_id) if billing else None
    return render(
        request,
        "client_form.html",
        {
            "form": form,
            "client_id": client_id,
            "fields": FIELDS,
            "providers": client_entry.providers_to_choose(work, account, form.provider_ids),
            "policies": list(client.policies) if client is not None else None,
            "payers": client_entry.payers_to_choose(work) if billing else [],
            "policy": policy or PolicyForm(),
            "policy_fields": POLICY_FIELDS,
            "priorities": PRIORITIES,
            "relationships": RELATIONSHIPS,
        },
        status=status,
    )


def _save(
    request: Request, ctx: Ctx, account: Account, fields: FormData, client_id: int | None
) -> Response:
    """Check every field, then save in one transaction; on any problem show the form again
    (422) with each message beside its field and nothing written."""
    form = read_form(fields)
    if client_id is not None:  # someone else's client is 404 whatever the form holds
        with reading(ctx, account) as work:
            client_for(work, account, client_id)
    if check_form(form):
        try:
            with ctx.store.transaction(actor=account.username) as work:
                if client_id is not None:
                    client_for(work, account, client_id)
                saved = client_entry.save_client(
                    work,
                    account=account,
                    values=form.values,
                    provider_ids=form.provider_ids,
                    client_id=client_id,
                )
            return RedirectResponse(f"/clients/{saved}", status_code=303)
        except TherabillError as exc:
            note_error(form, exc)
    with reading(ctx, account) as work:
        page = _form_page(request, work, account, form, client_id, status=422)
    return page


@router.get("/clients/new", response_class=HTMLResponse)
def new_client_page(request: Request, ctx: Ctx, account: PageUser) -> HTMLResponse:
    with reading(ctx, account) as work:
        page = _form_page(request, work, account, ClientForm(), None)
    return page


@router.post("/clients/new")
def add_client(request: Request, ctx: Ctx, account: PageUser, form: FormFields) -> Response:
    return _save(request, ctx, account, form, None)


@router.get("/clients/{client_id}/edit", response_class=HTMLResponse)
def edit_client_page(
    request: Request, ctx: Ctx, account: PageUser, client_id: PathId
) -> HTMLResponse:
    with reading(ctx, account) as work:
        client = client_for(work, account, client_id)
        form = form_of(client, caseload_providers(work=work, client_id=client_id))
        page = _form_page(request, work, account, form, client_id)
    return page


@router.post("/clients/{client_id}/edit")
def change_client(
    request: Request, ctx: Ctx, account: PageUser, client_id: PathId, form: FormFields
) -> Response:
    return _save(request, ctx, account, form, client_id)


@router.post("/clients/{client_id}/policies")
def add_client_policy(
    request: Request, ctx: Ctx, account: PageBiller, client_id: PathId, fields: FormFields
) -> Response:
    """Add an insurance policy (billers and admins); 303 to the client's page, or the edit
    page again (422) with the problem beside its field and nothing written."""
    policy = read_policy_form(fields)
    try:
        with ctx.store.transaction(actor=account.username) as work:
            client_for(work, account, client_id)
            client_entry.save_policy(work, client_id=client_id, values=policy.values)
        return RedirectResponse(f"/clients/{client_id}", status_code=303)
    except TherabillError as exc:
        policy.errors.setdefault(exc.field or "member_id", exc.message)
    with reading(ctx, account) as work:
        client = client_for(work, account, client_id)
        form = form_of(client, caseload_providers(work=work, client_id=client_id))
        page = _form_page(request, work, account, form, client_id, policy=policy, status=422)
    return page


@router.get("/clients/{client_id}", response_class=HTMLResponse)
def client_page(request: Request, ctx: Ctx, account: PageUser, client_id: PathId) -> HTMLResponse:
    today = dt.date.today()
    left = flash.take(ctx.store, request, f"client-{client_id}") or {}
    with reading(ctx, account) as work:
        client = client_for(work, account, client_id)
        picture = reports.client_picture(work, account, client, today=today)
        # Rendered inside the transaction: the template follows relationships (policies).
        caseload = caseload_providers(work=work, client_id=client.id)
        money = accounts.account_picture(work, client.id) if account.sees_all_clients else {}
        checks = eligibility.latest_checks(work, client.id, today=today)
        return render(
            request,
            "client.html",
            {**picture, **money, "today": today, "caseload": caseload, "left": left,
             "eligibility": checks},
        )  # fmt: skip
