"""Session entry: the form, its live units-and-findings panel (HTMX), saving, one session."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from therabill.errors import TherabillError
from therabill.store.models import Client, Provider
from therabill.store.services import Work
from therabill.store.services.sessions import ServiceMinutes, add_session
from therabill.web.access import client_for, session_for, visible_clients
from therabill.web.accounts import Account
from therabill.web.deps import Ctx, NotFound, PageUser, PathId
from therabill.web.diagnoses import search_diagnoses
from therabill.web.preview import ServiceEntry, preview_session
from therabill.web.render import render
from therabill.web.session_form import (
    PLACES,
    ROWS,
    SessionForm,
    read_session_form,
    require_complete,
)

router = APIRouter()
CLIENT_CHOICES = 300


def _choices(work: Work, account: Account, chosen: int | None) -> dict[str, object]:
    clients = list(
        work.db.execute(
            visible_clients(account)
            .order_by(Client.last_name, Client.first_name)
            .limit(CLIENT_CHOICES)
        ).scalars()
    )
    if chosen is not None and all(c.id != chosen for c in clients):
        clients.insert(0, client_for(work, account, chosen))
    providers_q = select(Provider).where(Provider.active.is_(True)).order_by(Provider.last_name)
    if not account.sees_all_clients:
        providers_q = providers_q.where(Provider.id == (account.provider_id or -1))
    work.audit("list", "client", "session-form", f"{len(clients)} rows")
    return {
        "clients": clients,
        "providers": list(work.db.execute(providers_q).scalars()),
        "places": PLACES,
        "rows": range(1, ROWS + 1),
    }


def _check_choice(
    work: Work, account: Account, form: SessionForm
) -> tuple[Client | None, Provider | None]:
    client = client_for(work, account, form.client_id) if form.client_id else None
    provider = work.db.get(Provider, form.provider_id) if form.provider_id else None
    if provider is not None and not account.sees_all_clients and provider.id != account.provider_id:
        raise NotFound()
    if provider is None and not account.sees_all_clients and account.provider_id:
        provider = work.db.get(Provider, account.provider_id)
    return client, provider


@router.get("/sessions/new", response_class=HTMLResponse)
async def new_session(
    request: Request, ctx: Ctx, account: PageUser, client: Annotated[int | None, Query()] = None
) -> HTMLResponse:
    form = SessionForm(client_id=client, provider_id=account.provider_id)
    with ctx.store.transaction(actor=account.username) as work:
        values = _choices(work, account, client)
    return render(request, "session_new.html", {**values, "form": form, "preview": None})


@router.post("/sessions/preview", response_class=HTMLResponse)
async def session_preview(request: Request, ctx: Ctx, account: PageUser) -> HTMLResponse:
    form = read_session_form(await request.form())
    with ctx.store.transaction(actor=account.username) as work:
        client, provider = _check_choice(work, account, form)
        preview = preview_session(
            work,
            client=client,
            provider=provider,
            day=form.day,
            services=form.services,
            place_of_service=form.place_of_service,
            diagnoses=form.diagnoses,
            start=form.start,
            end=form.end,
            techniques=form.techniques,
        )
    return render(request, "session_preview.html", {"preview": preview, "form": form})


@router.post("/sessions")
async def save_session(request: Request, ctx: Ctx, account: PageUser) -> Response:
    form = read_session_form(await request.form())
    try:
        require_complete(form)
        with ctx.store.transaction(actor=account.username) as work:
            client, provider = _check_choice(work, account, form)
            assert client is not None and provider is not None
            session, _units = add_session(
                work=work,
                client=client.id,
                provider=provider.id,
                day=form.day,
                services=[
                    ServiceMinutes(s.code, s.minutes, s.modifiers)
                    for s in form.services
                    if s.minutes > 0
                ],
                start=form.start,
                end=form.end,
                place_of_service=form.place_of_service,
                techniques=form.techniques,
                note=form.note or None,
                diagnoses=form.diagnoses,
            )
            session_id = session.id
    except TherabillError as exc:
        with ctx.store.transaction(actor=account.username) as work:
            values = _choices(work, account, form.client_id)
        return render(
            request,
            "session_new.html",
            {**values, "form": form, "preview": None, "error": str(exc), "error_field": exc.field},
            status=422,
        )
    return RedirectResponse(f"/sessions/{session_id}", status_code=303)


@router.get("/sessions/{session_id}", response_class=HTMLResponse)
async def session_page(
    request: Request, ctx: Ctx, account: PageUser, session_id: PathId
) -> HTMLResponse:
    with ctx.store.transaction(actor=account.username) as work:
        session = session_for(work, account, session_id)
        client = client_for(work, account, session.client_id)
        provider = work.db.get(Provider, session.provider_id)

        preview = preview_session(
            work,
            client=client,
            provider=provider,
            day=session.date_of_service,
            services=[
                ServiceEntry(s.code, s.minutes, tuple(m for m in s.modifiers.split(",") if m))
                for s in session.services
            ],
            place_of_service=session.place_of_service,
            diagnoses=[d.code for d in session.diagnoses],
            start=session.start_time,
            end=session.end_time,
            techniques=(session.techniques or "").splitlines(),
            exclude_session=session.id,
        )
        return render(
            request,
            "session.html",
            {
                "session": session,
                "client": client,
                "provider": provider,
                "preview": preview,
                "places": PLACES,
            },
        )


@router.post("/diagnoses/search", response_class=HTMLResponse)
async def diagnoses_search(request: Request, account: PageUser) -> HTMLResponse:
    form = await request.form()
    typed = form.get("diagnoses", "")
    last = typed.replace(";", ",").split(",")[-1] if isinstance(typed, str) else ""
    return render(request, "diagnoses.html", {"found": search_diagnoses(last[:60])})
